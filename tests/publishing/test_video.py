"""Video attachments with captions: read on the way in, checked against each platform's video
limits, and sent with their captions and description in each language to the exercise network
over real HTTP."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from civicdesk.exnet.models import NetMedia
from civicdesk.organizations.models import AuditEvent
from civicdesk.publishing.checks import media_specs
from civicdesk.publishing.media import media_attach, media_captions
from civicdesk.publishing.models import Post, Publication
from civicdesk.publishing.publisher import publish_due
from civicdesk.rules import check_media
from tests.browser.test_core_loop import connect_to_network
from tests.factories import approve_post, make_post, make_world
from tests.rules.test_video import mp4, mvhd, track

SRT = b"1\n00:00:01,000 --> 00:00:04,000\nLe pont est ferm\xc3\xa9 ce soir.\n"
VTT = b"WEBVTT\n\n00:01.000 --> 00:04.000\nThe bridge is closed tonight.\n"


def clip(seconds: int = 40, codec: bytes = b"avc1") -> bytes:
    return mp4(track(b"vide", codec, 1280, 720), header=mvhd(seconds * 600, 600))


@pytest.mark.django_db
def test_a_video_is_read_captioned_and_checked_per_platform() -> None:
    world = make_world(prefix="v")
    post = make_post(brand=world.brand, author=world.author, channels=[world.channel])
    video = media_attach(
        post=post,
        actor=world.author,
        data=clip(),
        filename="bridge.mp4",
        alt_texts={"en": "A crew closes the bridge.", "fr": "Une équipe ferme le pont."},
    )
    assert (video.content_type, video.duration_ms, video.codec) == ("video/mp4", 40000, "avc1")
    assert (video.width, video.height) == (1280, 720)
    media_captions(media=video, actor=world.author, language="fr", data=SRT)
    media_captions(media=video, actor=world.author, language="en", data=VTT)
    video.refresh_from_db()
    assert video.captions["fr"].startswith("WEBVTT\n\n00:00:01.000 --> 00:00:04.000\nLe pont")
    assert AuditEvent.objects.filter(action="post.media_captions").count() == 2
    with pytest.raises(ValidationError, match="ends before it starts"):
        media_captions(
            media=video,
            actor=world.author,
            language="en",
            data=b"1\n00:00:05,000 --> 00:00:01,000\nx",
        )
    with pytest.raises(ValidationError, match="run past the end"):
        media_captions(
            media=video,
            actor=world.author,
            language="en",
            data=b"1\n00:01:05,000 --> 00:01:09,000\nx",
        )
    with pytest.raises(ValidationError, match="not an MP4 video we can read"):
        media_attach(
            post=post, actor=world.author, data=clip()[:40], filename="cut.mp4", alt_texts={}
        )
    # Forty seconds of H.264 suits every platform that takes video; three minutes of H.265
    # is too long for X and in a codec it does not take.
    assert not [f for f in check_media("x", media_specs(post, "en")) if "video" in f.code]
    long = media_attach(
        post=post, actor=world.author, data=clip(180, b"hvc1"), filename="l.mp4", alt_texts={}
    )
    codes = {f.code for f in check_media("x", media_specs(post, "en"))}
    assert {"media.video_too_long", "media.video_codec"} <= codes
    assert "media.video_too_long" not in {
        f.code for f in check_media("mastodon", media_specs(post, "en"))
    }
    assert long.duration_seconds == 180


@pytest.mark.django_db(transaction=True)
def test_a_captioned_video_goes_out_to_the_exercise_network(live_server: Any) -> None:
    world = make_world(prefix="vx")
    connect_to_network(world.channel, live_server.url)
    post = make_post(
        brand=world.brand,
        author=world.author,
        channels=[world.channel],
        texts={"en": "Tonight's closure, in a minute.", "fr": "La fermeture de ce soir."},
        scheduled_at=timezone.now() + timedelta(hours=1),
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
    approve_post(post=post, author=world.author, approver=world.approver)
    due = timezone.now() - timedelta(seconds=30)
    Post.objects.filter(pk=post.pk).update(scheduled_at=due)
    Publication.objects.filter(post=post).update(scheduled_at=due, next_attempt_at=due)
    report = publish_due(worker="test")
    assert report.published == 2, (
        report,
        list(Publication.objects.values_list("state", "status_reason")),
        post.status,
    )
    sent = {m.alt_text: m for m in NetMedia.objects.all()}
    assert set(sent) == {"A crew closes the bridge.", "Une équipe ferme le pont."}
    assert sent["A crew closes the bridge."].content_type == "video/mp4"
    assert "The bridge is closed tonight." in sent["A crew closes the bridge."].captions
    assert "Le pont est fermé ce soir." in sent["Une équipe ferme le pont."].captions


@pytest.mark.django_db
def test_the_post_page_takes_a_video_and_its_captions() -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client

    world = make_world(prefix="vp")
    post = make_post(brand=world.brand, author=world.author, channels=[world.channel])
    client = Client()
    client.force_login(world.author)
    video = SimpleUploadedFile("bridge.mp4", clip(), content_type="video/mp4")
    response = client.post(
        f"/posts/{post.pk}/media/", {"image": video, "alt_en": "A crew closes the bridge."}
    )
    assert response.status_code == 302
    media = post.media.get()
    assert media.is_video and media.duration_ms == 40000
    url = f"/posts/{post.pk}/media/{media.pk}/captions/"
    srt = SimpleUploadedFile("fr.srt", SRT, content_type="application/x-subrip")
    page = client.post(url, {"language": "fr", "captions": srt}, follow=True).content.decode()
    assert "Captions saved." in page and "captions added" in page
    assert "Video · 40 s · H.264" in page
    bad = SimpleUploadedFile("en.vtt", b"WEBVTT\n\nnonsense", content_type="text/vtt")
    page = client.post(url, {"language": "en", "captions": bad}, follow=True).content.decode()
    assert "Those captions cannot be used" in page
    client.force_login(world.viewer)
    srt = SimpleUploadedFile("fr.srt", SRT, content_type="application/x-subrip")
    assert client.post(url, {"language": "en", "captions": srt}).status_code in (403, 404)
    media.refresh_from_db()
    assert set(media.captions) == {"fr"}
