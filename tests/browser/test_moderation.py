"""Moderation and live limits in a real browser.

A troll comments on one of our posts on the built-in exercise network. The responder opens the
conversation, deletes the comment under the policy's clause on hate speech and blocks its
author under the clause on abuse: each is done on the network, cited on the page, audited,
and the troll can no longer answer us. Then an author composes for a Mastodon account whose
instance allows 1,000 characters, and the composer shows that limit, read from the instance.
"""

from __future__ import annotations

from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from civicdesk.connectors.limits import forget_rules
from civicdesk.exnet.models import NetAccount, NetBlock, NetPost
from civicdesk.exnet.services import NetError, create_account, create_post
from civicdesk.inbox.ingest import ingest_channel
from civicdesk.inbox.models import InboundMessage
from civicdesk.organizations.models import AuditEvent
from civicdesk.organizations.services import channel_create
from tests.browser.test_core_loop import connect_to_network, sign_in
from tests.connectors.mastodon.conftest import recorded_json
from tests.factories import make_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HOSTILE = "<script>alert('x')</script> you people are vermin"


def test_delete_a_comment_and_block_its_author_citing_the_policy(
    live_server: Any, page: Any, shot: Any
) -> None:
    base = live_server.url
    world = make_world(prefix="mod")
    connect_to_network(world.channel, base)
    city = NetAccount.objects.get(handle=world.channel.handle)
    ours = create_post(account=city, text="The pool reopens this week.").obj
    troll, _ = create_account(handle="modtroll", display_name="Troll")
    comment = create_post(account=troll, in_reply_to=ours.pk, text=HOSTILE).obj
    assert ingest_channel(world.channel.pk).stored >= 1
    message = InboundMessage.objects.get(channel=world.channel, remote_id=str(comment.pk))

    # A responder, on a phone.
    page.set_viewport_size({"width": 375, "height": 800})
    sign_in(page, base, world.responder)
    page.goto(f"{base}/inbox/c/{message.conversation_id}/")
    bubble = page.locator(f"#m{message.pk}")
    # The public's text is shown as text, never run.
    assert HOSTILE in bubble.locator(".message-text").inner_text()

    bubble.locator("details.moderate-delete summary").click()
    bubble.locator("details.moderate-delete select[name=clause]").select_option("hate")
    bubble.locator("details.moderate-delete button[type=submit]").click()
    page.wait_for_selector("text=Deleted from the platform.")
    bubble = page.locator(f"#m{message.pk}")
    assert "Deleted under the policy’s clause “Hate speech and discrimination”" in (
        bubble.inner_text()
    )
    shot("moderation_deleted")
    comment.refresh_from_db()
    assert comment.deleted_at is not None and comment.deleted_by_id == city.pk

    bubble.locator("details.moderate-block summary").click()
    bubble.locator("details.moderate-block select[name=clause]").select_option("abuse")
    bubble.locator("details.moderate-block button[type=submit]").click()
    page.wait_for_selector("text=@modtroll is blocked on the platform.")
    bubble = page.locator(f"#m{message.pk}")
    assert "@modtroll blocked under the policy’s clause “Abuse and harassment”" in (
        bubble.inner_text()
    )
    assert bubble.locator("details.moderate-block").count() == 0
    # Nothing wider than the phone.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shot("moderation_blocked")

    assert NetBlock.objects.filter(blocker=city, blocked=troll).exists()
    with pytest.raises(NetError):
        create_post(account=troll, in_reply_to=ours.pk, text="Let me back in")
    assert not NetPost.objects.filter(account=troll, deleted_at=None).exists()
    actions = set(
        AuditEvent.objects.filter(organization=world.org).values_list("action", flat=True)
    )
    assert {"message.delete", "author.block"} <= actions


def test_the_composer_shows_a_mastodon_instances_own_limit(
    live_server: Any, page: Any, shot: Any, httpserver: HTTPServer
) -> None:
    instance = recorded_json("test_instance.yaml", "GET", "/api/v2/instance/")
    instance["configuration"]["statuses"]["max_characters"] = 1000
    httpserver.expect_request("/api/v2/instance").respond_with_json(instance)
    base = live_server.url
    world = make_world(prefix="lim")
    channel = channel_create(
        brand=world.brand,
        platform="mastodon",
        handle="limroads",
        credentials={"access_token": "t", "account_id": "1"},
        api_base_url=httpserver.url_for("").rstrip("/"),
    )
    forget_rules(channel)
    sign_in(page, base, world.author)
    page.goto(f"{base}/posts/new/?brand={world.brand.pk}")
    page.fill("#id_title", "Night works")
    page.check(f"input[name=channels][value='{channel.pk}']")
    page.fill("#id_text_en", "Night works on Highway 1 between Exits 12 and 14. " * 12)
    page.wait_for_selector("#preview .preview-card .announced-limit")
    card = page.inner_text("#preview .preview-card")
    assert "/ 1000 characters" in card or "/ 1,000 characters" in card
    assert f":{httpserver.port} announces" in card and "a thread of" not in card
    shot("compose_mastodon_instance_limit")
