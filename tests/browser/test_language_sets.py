"""The English and French versions go out together or not at all, as the team sees it in a
real browser: a post approved on its page, the French account's access revoked on the
platform, the English version sent first and taken down again, the post page saying that
nothing of the post is live, and the exercise network's public pages agreeing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from civicdesk.exnet.models import NetAccount
from civicdesk.exnet.services import create_account, create_post
from civicdesk.organizations import services as org_services
from civicdesk.organizations.models import AuditEvent, Channel
from civicdesk.publishing import services as pub_services
from civicdesk.publishing.models import Post, PostStatus
from civicdesk.publishing.models import PublicationState as S
from tests.factories import make_world
from tests.publishing_sets.conftest import settle

from .test_core_loop import sign_in, sign_out

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXTS = {
    "en": "The ferry to Gabriola is cancelled.",
    "fr": "Le traversier vers Gabriola est annulé.",
}


def test_a_permanent_failure_of_one_language_leaves_neither_live(
    live_server, page, shot, settings
) -> None:  # noqa: ANN001
    settings.CONNECTOR_TIMEOUT_SECONDS = 3.0
    base = live_server.url
    world = make_world(prefix="s")
    world.brand.channels.update(is_active=False)
    channels = {}
    for language in ("en", "fr"):
        _, token = create_account(handle=f"ferries_{language}", display_name=f"Ferries {language}")
        channels[language] = org_services.channel_create(
            brand=world.brand,
            platform="exnet",
            handle=f"ferries_{language}",
            languages=[language],
            api_base_url=f"{base}/exnet/api",
            credentials={"token": token},
        )
    draft = pub_services.Draft(
        title="Ferry cancelled",
        texts=TEXTS,
        channels=[channels["en"], channels["fr"]],
        scheduled_at=timezone.now() + timedelta(minutes=30),
    )
    post = pub_services.post_create(brand=world.brand, actor=world.author, draft=draft)
    pub_services.post_submit(post=post, actor=world.author)

    # The approver approves it on its page.
    sign_in(page, base, world.approver)
    page.goto(f"{base}/posts/{post.pk}/")
    page.click("button:has-text('Approve')")
    page.wait_for_selector("text=Approved.")
    assert Post.objects.get(pk=post.pk).status == PostStatus.APPROVED
    sign_out(page)

    # Before it is due, the French account's access is revoked on the platform: every
    # attempt to post there is refused for good.
    french = Channel.objects.get(pk=channels["fr"].pk)
    french.set_credentials({"token": "revoked"})
    french.save()
    due = timezone.now() - timedelta(seconds=1)
    Post.objects.filter(pk=post.pk).update(scheduled_at=due)
    post.publications.update(scheduled_at=due, next_attempt_at=due)
    settle()

    en = post.publications.get(channel=channels["en"])
    fr = post.publications.get(channel=channels["fr"])
    assert fr.state == S.FAILED
    # Sent first (the English account comes first), then taken down when the French failed.
    assert en.state == S.DELETED
    event = AuditEvent.objects.get(action="publication_set.withdrawn")
    assert event.data["still_live"] == []

    # The manager sees it on the post's page, and on the platform itself.
    sign_in(page, base, world.manager)
    page.goto(f"{base}/posts/{post.pk}/")
    main = page.inner_text("main")
    assert "did not go out together" in main
    assert "Nothing of this post is live" in main
    shot("language_set_withdrawn")
    # (The account page lists what is live: a post made there afterwards shows.)
    create_post(account=NetAccount.objects.get(handle="ferries_en"), text="Sailings resume.")
    for language in ("en", "fr"):
        page.goto(f"{base}/exnet/@ferries_{language}/")
        body = page.inner_text("body")
        assert TEXTS[language] not in body
        assert ("Sailings resume." in body) == (language == "en")
    # The English version did reach the platform before it was taken down.
    assert en.remote_id
