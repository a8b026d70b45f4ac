"""Where a video's captions go: the composer and the post page say plainly which accounts'
platforms take no caption files; a bilingual post's video carries a track a language; what
a platform refused of a published post stays on the publication for the team."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from civicdesk.connectors.base import PublishResult
from civicdesk.organizations.models import Channel
from civicdesk.publishing import publisher
from civicdesk.publishing.media import media_attach, media_captions
from civicdesk.publishing.models import Publication
from tests.factories import make_channel, make_post, make_world

from .test_video import SRT, VTT, clip

pytestmark = pytest.mark.django_db


def test_the_pages_say_where_captions_are_not_sent(client: Client) -> None:
    world = make_world(prefix="cs")
    mastodon = make_channel(brand=world.brand, handle="cs_mastodon", platform="mastodon")
    post = make_post(
        brand=world.brand,
        author=world.author,
        channels=[world.channel, mastodon],
        texts={"en": "Tonight's closure.", "fr": "La fermeture de ce soir."},
        scheduled_at=timezone.now() + timedelta(hours=1),
    )
    client.force_login(world.author)
    page = client.get(f"/posts/{post.pk}/").content.decode()
    assert "Captions are not sent" not in page  # no video yet
    video = media_attach(
        post=post, actor=world.author, data=clip(), filename="bridge.mp4", alt_texts={}
    )
    media_captions(media=video, actor=world.author, language="en", data=VTT)
    page = client.get(f"/posts/{post.pk}/").content.decode()
    assert "Captions are not sent to Mastodon cs_mastodon: Mastodon&#x27;s API takes no" in page
    assert f"Captions are not sent to {world.channel}" not in page
    preview = client.post(
        f"/posts/preview/?brand={world.brand.pk}&post={post.pk}",
        {"channels": [world.channel.pk, mastodon.pk], "text_en": "Closed.", "text_fr": "Fermé."},
    ).content.decode()
    assert "Captions are not sent to Mastodon cs_mastodon" in preview


def test_a_bilingual_posts_video_carries_a_track_a_language() -> None:
    world = make_world(prefix="cb")
    Channel.objects.filter(pk=world.channel.pk).update(bilingual_post=True)
    world.channel.refresh_from_db()
    post = make_post(
        brand=world.brand,
        author=world.author,
        channels=[world.channel],
        texts={"en": "Tonight's closure.", "fr": "La fermeture de ce soir."},
    )
    video = media_attach(
        post=post,
        actor=world.author,
        data=clip(),
        filename="bridge.mp4",
        alt_texts={"en": "A crew closes the bridge.", "fr": "Une équipe ferme le pont."},
    )
    media_captions(media=video, actor=world.author, language="en", data=VTT)
    media_captions(media=video, actor=world.author, language="fr", data=SRT)
    pub = Publication.objects.select_related(*publisher.SENDING_RELATED).get(post=post)
    assert pub.languages == ["en", "fr"]
    [item] = publisher.outbound_for(pub).media
    assert [t.language for t in item.caption_tracks] == ["en", "fr"]
    assert "Le pont est fermé ce soir." in item.caption_tracks[1].webvtt
    assert item.alt_text == "A crew closes the bridge. / Une équipe ferme le pont."


def test_what_the_platform_refused_stays_on_the_published_publication() -> None:
    note = "Published without some captions: fr: X refused them (bad file)"
    fields = publisher._published_fields(PublishResult(remote_id="1", note=note))
    assert fields["status_reason"] == note
    assert publisher._published_fields(PublishResult(remote_id="1"))["status_reason"] == ""
