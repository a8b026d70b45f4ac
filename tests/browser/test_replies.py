"""Answering a conversation in a real browser, against the built-in exercise network.

Two people comment on one of our posts: the asker first, then a bystander. The responder
chooses the asker's message, sees the reply box name them, types an over-long reply and sees
the live count and the refusal (the text kept), shortens it and sends it; the reply shows
beneath the question in the desk and beneath the question on the network.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from civicdesk.exnet.models import NetAccount, NetPost
from civicdesk.exnet.services import create_account, create_post
from civicdesk.inbox.ingest import ingest_channel
from civicdesk.inbox.models import InboundMessage, Reply
from civicdesk.inbox.tasks import deliver_reply
from tests.browser.test_core_loop import connect_to_network, sign_in
from tests.factories import World, make_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OVER_LONG = ("The pool on Rue Garibaldi opens at nine on Sundays. " * 12).strip()  # 623


@dataclass
class Scene:
    world: World
    asked: NetPost
    question: InboundMessage


def two_commenters(base: str, prefix: str) -> Scene:
    """Our post on the network, a question on it, then a bystander's comment; ingested."""
    world = make_world(prefix=prefix)
    connect_to_network(world.channel, base)
    city = NetAccount.objects.get(handle=world.channel.handle)
    ours = create_post(account=city, text="The pool reopens this week.").obj
    asker, _ = create_account(handle=f"{prefix}asker", display_name="Asker")
    bystander, _ = create_account(handle=f"{prefix}bystander", display_name="Bystander")
    asked = create_post(account=asker, in_reply_to=ours.pk, text="Is it open on Sunday?").obj
    create_post(account=bystander, in_reply_to=ours.pk, text="Nice photo!")
    assert ingest_channel(world.channel.pk).stored >= 2
    question = InboundMessage.objects.get(channel=world.channel, remote_id=str(asked.pk))
    return Scene(world=world, asked=asked, question=question)


def test_answer_the_older_message_with_a_length_check(
    live_server: Any, page: Any, shot: Any
) -> None:
    base = live_server.url
    scene = two_commenters(base, "r")
    world, asked, question = scene.world, scene.asked, scene.question
    sign_in(page, base, world.responder)
    page.goto(f"{base}/inbox/c/{question.conversation_id}/")
    # By default the box answers the newest message: the bystander's.
    assert page.inner_text("#h-reply") == "Reply to @rbystander"
    page.click(f"#m{question.pk} a.reply-to")
    page.wait_for_selector("#h-reply:has-text('Reply to @rasker')")
    assert f"?to={question.pk}" in page.url
    assert "Is it open on Sunday?" in page.inner_text("#reply-box")

    # Over-long: the live count says so, and the desk refuses it with the text kept.
    page.fill("#reply-text", OVER_LONG)
    page.wait_for_selector("#reply-count .counter.over:has-text('123 too many')")
    assert "623 / 500 characters" in page.inner_text("#reply-count")
    shot("reply_over_long")
    page.click("text=Send reply")
    page.wait_for_selector("#reply-error")
    assert "Exercise network allows 500" in page.inner_text("#reply-error")
    assert page.input_value("#reply-text") == OVER_LONG
    assert page.inner_text("#h-reply") == "Reply to @rasker"
    assert not Reply.objects.exists()

    # Shortened, it is queued, sent, and shown beneath the question.
    page.fill("#reply-text", "Yes, from 9:00 to 18:00 on Sundays.")
    page.wait_for_selector("#reply-count .counter:has-text('465 left')")
    page.click("text=Send reply")
    page.wait_for_selector(".badge.reply-queued")
    reply = Reply.objects.get()
    assert reply.message_id == question.pk
    assert deliver_reply(reply.pk) == "sent"
    page.wait_for_selector(".badge.reply-sent", timeout=10_000)
    threaded = page.locator(f"#m{question.pk} + li.bubble.outbound")
    assert threaded.get_attribute("id") == f"r{reply.pk}"
    assert "Our reply to @rasker" in threaded.inner_text()
    shot("reply_threaded")

    # On the network, the answer sits beneath the question, not the bystander's comment.
    page.goto(f"{base}/exnet/@rasker/posts/{asked.pk}/")
    answers = page.locator("h3:has-text('Replies') ~ article")
    assert answers.count() == 1
    assert "Yes, from 9:00 to 18:00 on Sundays." in answers.inner_text()
    assert "replying to @rasker" in answers.inner_text()
    shot("reply_on_network")


def test_a_refused_reply_is_edited_and_sent_again(live_server: Any, page: Any, shot: Any) -> None:
    """The network refuses the first attempt (the channel's token was revoked); once the
    channel is reconnected, the responder edits the reply and sends it again."""
    base = live_server.url
    scene = two_commenters(base, "e")
    world, question = scene.world, scene.question
    good = world.channel.get_credentials()
    world.channel.set_credentials({"token": "revoked"})
    world.channel.save(update_fields=["credentials_encrypted"])

    sign_in(page, base, world.responder)
    page.goto(f"{base}/inbox/c/{question.conversation_id}/?to={question.pk}")
    page.fill("#reply-text", "Yes, darn it, from 9:00.")
    page.click("text=Send reply")
    page.wait_for_selector(".badge.reply-queued")
    first = Reply.objects.get()
    assert deliver_reply(first.pk) == "failed"
    page.wait_for_selector(".badge.reply-failed", timeout=10_000)
    refused = page.locator(f"#r{first.pk}")
    assert "The platform refused it:" in refused.inner_text()

    world.channel.refresh_from_db()
    world.channel.set_credentials(good)
    world.channel.save(update_fields=["credentials_encrypted"])
    refused.locator("summary:has-text('Edit and send again')").click()
    box = refused.locator("textarea[name=text]")
    assert box.input_value() == "Yes, darn it, from 9:00."
    box.fill("Yes, from 9:00 to 18:00.")
    page.wait_for_selector(f"#retry-count-{first.pk} .counter:has-text('476 left')")
    shot("reply_refused_edit")
    refused.locator("button:has-text('Send again')").click()
    page.wait_for_selector("text=Sent again as a new attempt")
    second = Reply.objects.get(retry_of=first)
    assert deliver_reply(second.pk) == "sent"
    page.wait_for_selector(f"#r{second.pk} .badge.reply-sent", timeout=10_000)
    # Both attempts are on the page, under the question; the refused one keeps its reason.
    assert page.locator(f"li[data-answers='m{question.pk}']").count() == 2
    assert "Edited and sent again" in page.inner_text(f"#r{first.pk}")
    assert page.locator(f"#r{first.pk} details.retry").count() == 0
    shot("reply_sent_again")
    answer = NetPost.objects.get(in_reply_to=scene.asked)
    assert answer.text == "Yes, from 9:00 to 18:00."
