"""The reply box in the pages: it answers the message chosen, counts as the platform does,
keeps the text when it refuses, and only those who may answer can (responder yes, viewer no)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from civicdesk.connectors.base import RejectedError
from civicdesk.inbox import services
from civicdesk.inbox.models import Reply, ReplyState
from civicdesk.inbox.tasks import deliver_reply
from tests.factories import World, make_message
from tests.inbox.conftest import ScriptedPlatform, TwoPeople

pytestmark = pytest.mark.django_db

LONG = "x" * 4800


def reply_url(two: TwoPeople) -> str:
    return f"/inbox/c/{two.question.conversation_id}/reply/"


def test_the_box_answers_the_newest_message_unless_another_is_chosen(
    client: Client,
    world: World,
    two_people: TwoPeople,
) -> None:
    client.force_login(world.responder)
    url = f"/inbox/c/{two_people.question.conversation_id}/"
    page = client.get(url).content.decode()
    assert "Reply to @bystander" in page
    assert f'name="message" value="{two_people.bystander.pk}"' in page
    # Every message has its own "Reply", with a real link for browsers without scripts.
    assert f'href="?to={two_people.question.pk}#reply-box"' in page
    assert f'href="?to={two_people.bystander.pk}#reply-box"' in page

    page = client.get(url, {"to": two_people.question.pk}).content.decode()
    assert '<h2 id="h-reply">Reply to @asker</h2>' in page
    assert f'name="message" value="{two_people.question.pk}"' in page
    assert "Is the pool open on Sunday?" in page


def test_with_htmx_only_the_box_is_swapped_and_the_text_kept(
    client: Client,
    world: World,
    two_people: TwoPeople,
) -> None:
    client.force_login(world.responder)
    response = client.get(
        f"/inbox/c/{two_people.question.conversation_id}/",
        {"to": two_people.question.pk, "text": "Yes <b>from</b> 9"},
        headers={"HX-Request": "true", "HX-Target": "reply-box"},
    )
    body = response.content.decode()
    assert body.lstrip().startswith(
        '<section class="card" aria-labelledby="h-reply" id="reply-box"'
    )
    assert "Reply to @asker" in body
    assert "Yes &lt;b&gt;from&lt;/b&gt; 9</textarea>" in body
    assert "17 / 500 characters" in body


def test_a_responder_answers_the_older_message(
    client: Client, world: World, two_people: TwoPeople
) -> None:
    client.force_login(world.responder)
    response = client.post(
        reply_url(two_people), {"message": two_people.question.pk, "text": "Yes, from 9:00."}
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"#m{two_people.question.pk}")
    reply = Reply.objects.get()
    assert reply.message_id == two_people.question.pk and reply.author == world.responder


def test_an_over_long_reply_is_refused_with_the_text_kept(
    client: Client, world: World, two_people: TwoPeople
) -> None:
    client.force_login(world.responder)
    text = "Yes <script>alert(1)</script> " + LONG
    response = client.post(reply_url(two_people), {"message": two_people.question.pk, "text": text})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Exercise network allows 500" in body
    assert "Reply to @asker" in body  # still answering the same message
    assert "Yes &lt;script&gt;alert(1)&lt;/script&gt; " + LONG + "</textarea>" in body
    assert "4830 / 500 characters" in body and "4330 too many" in body
    assert not Reply.objects.exists()


def test_the_live_count(client: Client, world: World, two_people: TwoPeople) -> None:
    client.force_login(world.responder)
    url = f"/inbox/c/{two_people.question.conversation_id}/reply/measure/"
    body = client.post(url, {"text": "Hello"}).content.decode()
    assert "5 / 500 characters" in body and "495 left" in body
    body = client.post(url, {"text": "y" * 520}).content.decode()
    assert "520 / 500 characters" in body and "20 too many" in body and "over" in body
    body = client.post(url, {"text": "see https://example.org/" + "p" * 300}).content.decode()
    assert "27 / 500 characters" in body


def test_a_refused_reply_shows_its_reason_and_is_sent_again(
    client: Client,
    world: World,
    two_people: TwoPeople,
    scripted: ScriptedPlatform,
) -> None:
    scripted.outcomes.append(RejectedError("text contains a word this network refuses"))
    first = services.reply_create(
        message=two_people.question, actor=world.responder, text="Yes, darn it."
    )
    deliver_reply(first.pk)
    client.force_login(world.responder)
    page = client.get(f"/inbox/c/{two_people.question.conversation_id}/").content.decode()
    assert "The platform refused it: text contains a word this network refuses" in page
    assert f'action="/inbox/r/{first.pk}/retry/"' in page
    assert "Yes, darn it.</textarea>" in page

    refused = client.post(f"/inbox/r/{first.pk}/retry/", {"text": LONG})
    assert refused.status_code == 200
    assert LONG + "</textarea>" in refused.content.decode()
    assert "allows 500" in refused.content.decode()

    response = client.post(f"/inbox/r/{first.pk}/retry/", {"text": "Yes, from 9:00."})
    assert response.status_code == 302
    second = Reply.objects.get(retry_of=first)
    assert second.state == ReplyState.QUEUED and second.message_id == two_people.question.pk
    page = client.get(f"/inbox/c/{two_people.question.conversation_id}/").content.decode()
    assert f'action="/inbox/r/{first.pk}/retry/"' not in page
    assert "Edited and sent again as a new attempt" in page


def refused_reply(world: World, two: TwoPeople) -> Reply:
    return Reply.objects.create(
        message=two.question,
        conversation=two.question.conversation,
        author=world.responder,
        text="Yes.",
        state=ReplyState.FAILED,
        error="refused",
    )


@pytest.mark.parametrize("who", ["viewer", "other_member", "outsider", "anonymous"])
def test_who_may_not_answer_cannot(
    client: Client, world: World, two_people: TwoPeople, who: str
) -> None:
    """A viewer is refused (403); someone without access to the brand does not see it (404);
    a visitor is sent to sign in."""
    if who != "anonymous":
        client.force_login(getattr(world, who))
    expected = {"viewer": 403, "other_member": 404, "outsider": 404, "anonymous": 302}[who]
    convo = two_people.question.conversation_id
    failed = refused_reply(world, two_people)
    calls = [
        (reply_url(two_people), {"message": two_people.question.pk, "text": "Yes."}),
        (f"/inbox/c/{convo}/reply/measure/", {"text": "Yes."}),
        (f"/inbox/r/{failed.pk}/retry/", {"text": "Yes."}),
    ]
    for url, data in calls:
        response = client.post(url, data)
        assert response.status_code == expected, url
        if expected == 302:
            assert response["Location"].startswith("/login/")
    assert Reply.objects.count() == 1


def test_a_viewer_sees_no_reply_box_nor_retry(
    client: Client, world: World, two_people: TwoPeople
) -> None:
    failed = refused_reply(world, two_people)
    client.force_login(world.viewer)
    page = client.get(f"/inbox/c/{two_people.question.conversation_id}/").content.decode()
    assert "Your role can read the inbox but not answer." in page
    assert 'id="reply-box"' not in page and "?to=" not in page
    assert f"/inbox/r/{failed.pk}/retry/" not in page


def test_a_reply_cannot_name_a_message_of_another_conversation(
    client: Client,
    world: World,
    two_people: TwoPeople,
) -> None:
    elsewhere = make_message(channel=world.channel, text="Another question")
    client.force_login(world.responder)
    response = client.post(reply_url(two_people), {"message": elsewhere.pk, "text": "Yes."})
    assert response.status_code == 404
    assert not Reply.objects.exists()


def test_the_conversation_page_costs_the_same_whatever_its_length(
    client: Client,
    world: World,
    two_people: TwoPeople,
) -> None:
    convo = two_people.question.conversation
    client.force_login(world.responder)
    url = f"/inbox/c/{convo.pk}/"
    client.get(url)  # the session and caches warmed
    with CaptureQueriesContext(connection) as short:
        client.get(url)
    for n in range(8):
        message = make_message(
            channel=world.channel, text=f"Me too {n}", author_handle=f"p{n}", conversation=convo
        )
        Reply.objects.create(
            message=message,
            conversation=convo,
            author=world.responder,
            text="Thanks",
            state=ReplyState.SENT,
        )
    with CaptureQueriesContext(connection) as long:
        client.get(url)
    assert len(long.captured_queries) == len(short.captured_queries)


def test_the_count_of_a_direct_message_has_no_post_limit(client: Client, world: World) -> None:
    message = make_message(channel=world.channel, text="Private question", kind="direct")
    client.force_login(world.responder)
    url = f"/inbox/c/{message.conversation_id}/reply/measure/"
    body = client.post(url, {"text": "y" * 1200}).content.decode()
    assert "1200 characters" in body and "/ 500" not in body
