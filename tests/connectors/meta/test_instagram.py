"""Instagram against the fake Graph server: two-step publishing, inbox, metrics."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from civicdesk.connectors.base import (
    Capability,
    MessageKind,
    OutboundPost,
    ReplyTarget,
    RetryableError,
    UnsupportedError,
)
from civicdesk.connectors.instagram.connector import InstagramConnector
from civicdesk.connectors.meta.inbox import encode_cursor
from civicdesk.connectors.meta.media import is_public_url, site_media_url

from .conftest import JPEG, ig_connector
from .fakes import FakeGraph, InstagramFake

OLD = encode_cursor(datetime(2019, 1, 1, tzinfo=UTC))


def test_text_only_post_is_refused_plainly(graph: FakeGraph, instagram: InstagramFake) -> None:
    with pytest.raises(UnsupportedError, match="Instagram needs an image"):
        ig_connector(graph, instagram).publish(OutboundPost(text="Hello", idempotency_key="k"))
    assert not graph.calls


def test_publish_two_steps_after_checking_the_container(
    graph: FakeGraph, instagram: InstagramFake
) -> None:
    instagram.processing_polls = 2
    post = OutboundPost(
        text="Bridge at dawn.",
        idempotency_key="k",
        media=(JPEG,),
        link="https://gov.example/bridge",
    )
    result = ig_connector(graph, instagram).publish(post)
    create = graph.made("POST", f"/{instagram.ig_id}/media")[0].form
    assert create["image_url"] == "https://media.example.org/public/bridge.jpg"
    assert create["alt_text"] == JPEG.alt_text
    assert create["caption"] == "Bridge at dawn.\nhttps://gov.example/bridge"
    assert len(graph.made("GET", r"/\d+")) >= 3  # polled until FINISHED
    publish = graph.made("POST", f"/{instagram.ig_id}/media_publish")[0].form
    assert publish == {"creation_id": "17889455560051444"}  # the recorded container id
    assert result.remote_id == instagram.media[0]["id"]
    assert result.url.startswith("https://www.instagram.com/p/")
    assert instagram.image_urls == [create["image_url"]]  # recorded, never fetched


def test_still_processing_is_retryable(graph: FakeGraph, instagram: InstagramFake) -> None:
    instagram.processing_polls = 50
    with pytest.raises(RetryableError, match="still processing"):
        ig_connector(graph, instagram).publish(
            OutboundPost(text="x", idempotency_key="k", media=(JPEG,))
        )
    assert not graph.made("POST", f"/{instagram.ig_id}/media_publish")


def test_carousel(graph: FakeGraph, instagram: InstagramFake) -> None:
    ig_connector(graph, instagram).publish(
        OutboundPost(text="Two.", idempotency_key="k", media=(JPEG, JPEG))
    )
    forms = [c.form for c in graph.made("POST", f"/{instagram.ig_id}/media")]
    assert [f.get("is_carousel_item") for f in forms] == ["true", "true", None]
    assert forms[-1]["media_type"] == "CAROUSEL"
    assert len(forms[-1]["children"].split(",")) == 2


def test_publishing_limit_reached(graph: FakeGraph, instagram: InstagramFake) -> None:
    instagram.quota_usage = 25
    with pytest.raises(RetryableError) as caught:
        ig_connector(graph, instagram).publish(
            OutboundPost(text="x", idempotency_key="k", media=(JPEG,))
        )
    assert caught.value.retry_after == 3600
    assert not graph.made("POST", f"/{instagram.ig_id}/media")


def test_check_publication_by_caption(graph: FakeGraph, instagram: InstagramFake) -> None:
    connector = ig_connector(graph, instagram)
    post = OutboundPost(text="Caption to find.", idempotency_key="k", media=(JPEG,))
    assert connector.check_publication(post) is None
    published = connector.publish(post)
    found = connector.check_publication(post)
    assert found is not None and found.remote_id == published.remote_id


def test_delete_is_unsupported_with_a_sentence(graph: FakeGraph, instagram: InstagramFake) -> None:
    connector = ig_connector(graph, instagram)
    with pytest.raises(UnsupportedError, match="cannot delete posts"):
        connector.delete("17895731045244887")
    assert not connector.supports(Capability.DELETE)


def test_inbox_comments_replies_mentions_and_dms(
    graph: FakeGraph, instagram: InstagramFake
) -> None:
    from .fakes import FacebookFake

    FacebookFake(graph)  # the linked Page answers the Instagram conversations
    page = ig_connector(graph, instagram).fetch_inbound(OLD)
    kinds = {m.kind for m in page.messages}
    assert {MessageKind.COMMENT, MessageKind.REPLY, MessageKind.MENTION} <= kinds
    reply = next(m for m in page.messages if m.kind == MessageKind.REPLY)
    assert reply.conversation_remote_id == reply.in_reply_to_remote_id
    mention = next(m for m in page.messages if m.kind == MessageKind.MENTION)
    assert mention.author.handle == "ikroskun" and mention.url.startswith("https://")
    named = {m.author.handle for m in page.messages if m.kind == MessageKind.COMMENT}
    assert "lixiangguodu123" in named
    asked = graph.made("GET", r"/\d+/conversations")[0].args
    assert asked["platform"] == "instagram"
    assert any(m.kind == MessageKind.DIRECT for m in page.messages)


def test_reply_and_hide(graph: FakeGraph, instagram: InstagramFake) -> None:
    connector = ig_connector(graph, instagram)
    connector.reply(
        ReplyTarget(
            remote_id="17847314687296283",
            kind=MessageKind.REPLY,
            conversation_remote_id="17858154961981086",
        ),
        "Thanks",
        idempotency_key="r",
    )
    assert instagram.replies == [("17858154961981086", "Thanks")]
    connector.hide("17858154961981086")
    assert instagram.hidden == {"17858154961981086": True}


def test_metrics_from_the_recorded_insights(graph: FakeGraph, instagram: InstagramFake) -> None:
    connector = ig_connector(graph, instagram)
    [metrics] = connector.fetch_post_metrics(["17846368219941692"])
    # The recording reports impressions (retired) and reach: views is simply missing.
    assert metrics.reach == 5
    assert metrics.impressions is None and metrics.likes is None
    assert "impressions" in InstagramConnector.metrics.retired  # type: ignore[union-attr]
    account = connector.fetch_account_metrics()
    assert (account.followers, account.posts) == (64363, 427)
    assert account.reach == 14516883
    assert account.impressions is None


def test_default_media_url_needs_a_public_site(settings: object) -> None:
    settings.SITE_URL = "http://127.0.0.1:8000"  # type: ignore[attr-defined]
    with pytest.raises(UnsupportedError, match="public web address"):
        site_media_url(JPEG)
    assert not is_public_url("http://10.0.0.5/x") and not is_public_url("http://localhost/x")
    assert is_public_url("https://civicdesk.example.org/media/x.jpg")


@pytest.mark.django_db
def test_default_media_url_stores_the_image(settings: object, tmp_path: object) -> None:
    settings.SITE_URL = "https://desk.example.org"  # type: ignore[attr-defined]
    settings.MEDIA_ROOT = str(tmp_path)  # type: ignore[attr-defined]
    url = site_media_url(JPEG)
    assert url.startswith("https://desk.example.org/media/public/") and url.endswith(".jpg")
    assert site_media_url(JPEG) == url  # stored once, by content
