"""The core loop, in a real browser, against the built-in exercise network:

an author writes one post for two channels in English and French and sees the preview with
each platform's limit; an approver approves it; the worker publishes it on time and the post
shows as published with its link; a member of the public replies on the network; the reply
arrives in the inbox; a responder answers; the answer appears on the network.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from civicdesk.exnet.models import NetPost
from civicdesk.exnet.services import create_account, create_post
from civicdesk.inbox.ingest import ingest_channel
from civicdesk.inbox.models import InboundMessage, Reply
from civicdesk.inbox.tasks import deliver_reply
from civicdesk.organizations.models import Channel
from civicdesk.publishing.models import Post, Publication
from civicdesk.publishing.publisher import publish_due
from tests.factories import PASSWORD, make_pillar, make_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, base: str, user) -> None:  # noqa: ANN001
    page.goto(f"{base}/login/")
    page.fill("#id_login", user.get_username())
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def sign_out(page) -> None:  # noqa: ANN001
    page.click("form.signout button")
    page.wait_for_url("**/login/")


def connect_to_network(channel: Channel, base: str) -> None:
    account, token = create_account(handle=channel.handle, display_name=channel.handle)
    channel.api_base_url = f"{base}/exnet/api"
    channel.set_credentials({"token": token})
    channel.save(update_fields=["api_base_url", "credentials_encrypted"])


def test_compose_approve_publish_reply(live_server, page, shot) -> None:  # noqa: ANN001
    base = live_server.url
    world = make_world(prefix="b")
    make_pillar(organization=world.org, slug="safety", name="Safety")
    for channel in (world.channel, world.channel2):
        connect_to_network(channel, base)

    # The author writes and sees the preview, with each platform's limit.
    sign_in(page, base, world.author)
    shot("dashboard")
    page.goto(f"{base}/posts/new/?brand={world.brand.pk}")
    page.fill("#id_title", "Heatwave: cool rooms open")
    page.check(f"input[name=channels][value='{world.channel.pk}']")
    page.check(f"input[name=channels][value='{world.channel2.pk}']")
    page.fill("#id_text_en", "Cool rooms are open at every library from 10:00. #HeatWave")
    page.fill("#id_text_fr", "Les salles fraîches sont ouvertes dans chaque bibliothèque dès 10 h.")
    page.select_option("#id_pillar", label="Safety")
    later = timezone.localtime(timezone.now() + timedelta(hours=2), world.org.tz)
    page.fill("#id_scheduled_at", later.strftime("%Y-%m-%dT%H:%M"))
    page.locator("#preview .preview-card").nth(3).wait_for()
    assert page.locator("#preview .preview-card").count() == 4
    assert "/ 500 characters" in page.inner_text("#preview")
    shot("compose")
    page.click("text=Save draft")
    page.wait_for_url("**/posts/*/")
    post = Post.objects.get(title="Heatwave: cool rooms open")
    page.click("text=Submit for approval")
    page.wait_for_selector("text=Sent for approval.")
    assert "No one approves their own post" in page.inner_text("main")
    sign_out(page)

    # The approver approves: every publication is scheduled.
    sign_in(page, base, world.approver)
    page.goto(f"{base}/posts/{post.pk}/")
    page.click("button:has-text('Approve')")
    page.wait_for_selector("text=Approved.")
    assert set(Publication.objects.filter(post=post).values_list("state", flat=True)) == {
        "scheduled"
    }
    shot("post_detail_scheduled")

    # The worker's turn: the time has come (within the window) and it publishes.
    due = timezone.now() - timedelta(seconds=30)
    Post.objects.filter(pk=post.pk).update(scheduled_at=due)
    Publication.objects.filter(post=post).update(scheduled_at=due, next_attempt_at=due)
    report = publish_due(worker="test")
    assert report.published == 4, report
    page.reload()
    assert page.locator("text=See it on the platform").count() == 4
    assert page.locator("td .badge.state-published").count() == 4
    shot("post_detail")
    page.goto(f"{base}/posts/")
    shot("posts")
    sign_out(page)

    # Someone replies on the exercise network; the reply arrives in the inbox.
    english = Publication.objects.get(post=post, channel=world.channel, variant__language="en")
    citizen, _ = create_account(handle="bcitizen", display_name="Zoë <b>Citizen</b>")
    question = "Is the cool room at the central library accessible? <script>x</script>"
    asked = create_post(account=citizen, in_reply_to=int(english.remote_id), text=question)
    assert ingest_channel(world.channel.pk).stored >= 1
    message = InboundMessage.objects.get(channel=world.channel, remote_id=str(asked.obj.pk))

    # A responder answers in the browser.
    sign_in(page, base, world.responder)
    page.goto(f"{base}/inbox/")
    page.wait_for_selector("text=accessible?")
    assert "<script>" not in page.content().split("</head>")[1].replace(
        "<script src=", ""
    )  # only the vendored htmx script tag is markup
    shot("inbox")
    page.click("a.conversation-link")
    page.wait_for_url(f"**/inbox/c/{message.conversation_id}/")
    page.fill("#reply-text", "Yes: step-free entrance on Rue Garibaldi.")
    page.click("text=Send reply")
    page.wait_for_selector(".badge.reply-queued")
    reply = Reply.objects.get(message=message)
    assert deliver_reply(reply.pk) == "sent"
    # The thread polls while a reply is on its way, and shows it sent with its link.
    page.wait_for_selector(".badge.reply-sent", timeout=10_000)
    assert page.locator("#thread a:has-text('See it on the platform')").count() == 1
    shot("conversation")
    answer = NetPost.objects.get(account__handle=world.channel.handle, in_reply_to=asked.obj)
    assert answer.text == "Yes: step-free entrance on Rue Garibaldi."
    page.goto(f"{base}/channels/")
    shot("channels")
