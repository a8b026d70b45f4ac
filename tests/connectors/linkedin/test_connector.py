"""Publishing, deleting, comments and statistics on a LinkedIn organization page."""

from __future__ import annotations

import json

import pytest

from civicdesk.connectors.base import (
    Capability,
    MediaItem,
    MessageKind,
    OutboundPost,
    RejectedError,
    ReplyTarget,
    UnsupportedError,
)
from civicdesk.connectors.linkedin.connector import METRICS, LinkedInConnector
from civicdesk.rules.counting import linkedin_escape

from .conftest import Peer
from .fake import ORG, unescape

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_publish_escapes_little_text(linkedin: Peer, connector: LinkedInConnector) -> None:
    text = "Road works (phase 2) on A1 #RoadSafety @ 9:00 - see [map] *now* _ok_ ~ {x} <y> | \\"
    result = connector.publish(
        OutboundPost(text=text, idempotency_key="k1", link="https://example.org/a_b")
    )
    assert result.remote_id.startswith("urn:li:share:")
    assert result.url == f"https://www.linkedin.com/feed/update/{result.remote_id}/"
    stored = linkedin.fake.posts[0]
    assert stored["commentary"] == linkedin_escape(text + "\nhttps://example.org/a_b")
    assert unescape(stored["commentary"]) == text + "\nhttps://example.org/a_b"
    assert stored["visibility"] == "PUBLIC" and stored["lifecycleState"] == "PUBLISHED"
    assert stored["distribution"]["feedDistribution"] == "MAIN_FEED"


def test_publish_one_image_with_alt_text(linkedin: Peer, connector: LinkedInConnector) -> None:
    connector.publish(
        OutboundPost(
            text="Detour map",
            idempotency_key="k",
            media=(
                MediaItem(
                    filename="map.png",
                    content_type="image/png",
                    data=PNG,
                    alt_text="Map of the detour around the bridge",
                ),
            ),
        )
    )
    content = linkedin.fake.posts[0]["content"]
    image = content["media"]["id"]
    assert content["media"]["altText"] == "Map of the detour around the bridge"
    assert linkedin.fake.images[image] == PNG
    order = [name for name, _ in linkedin.fake.calls]
    assert order == ["init_image", "upload", "create_post"]


def test_publish_several_images(linkedin: Peer, connector: LinkedInConnector) -> None:
    media = tuple(
        MediaItem(filename=f"{n}.png", content_type="image/png", data=PNG, alt_text=f"photo {n}")
        for n in range(3)
    )
    connector.publish(OutboundPost(text="Three photos", idempotency_key="k", media=media))
    images = linkedin.fake.posts[0]["content"]["multiImage"]["images"]
    assert [i["altText"] for i in images] == ["photo 0", "photo 1", "photo 2"]


def test_publish_refuses_threads_and_video(connector: LinkedInConnector) -> None:
    with pytest.raises(UnsupportedError):
        connector.publish(OutboundPost(text="a", idempotency_key="k", thread=("b",)))
    with pytest.raises(RejectedError):
        connector.publish(
            OutboundPost(
                text="a",
                idempotency_key="k",
                media=(MediaItem(filename="v.mp4", content_type="video/mp4", data=b"x"),),
            )
        )


def test_duplicate_is_refused_by_linkedin(connector: LinkedInConnector) -> None:
    connector.publish(OutboundPost(text="Same words", idempotency_key="k1"))
    with pytest.raises(RejectedError) as caught:
        connector.publish(OutboundPost(text="Same words", idempotency_key="k2"))
    assert "duplicate" in str(caught.value)


def test_delete(linkedin: Peer, connector: LinkedInConnector) -> None:
    result = connector.publish(OutboundPost(text="Short-lived", idempotency_key="k"))
    connector.delete(result.remote_id)
    assert linkedin.fake.posts == []
    connector.delete(result.remote_id)  # already gone
    with pytest.raises(RejectedError):
        connector.delete("12345")


def test_check_publication(linkedin: Peer, connector: LinkedInConnector) -> None:
    post = OutboundPost(text="Lane 2 reopened (finally) #A1", idempotency_key="k")
    assert connector.check_publication(post) is None
    linkedin.fake.add_post("Something else")
    published = connector.publish(post)
    found = connector.check_publication(post)
    assert found is not None and found.remote_id == published.remote_id
    assert found.published_at is not None
    finder = [raw for name, raw in linkedin.fake.calls if name == "find_posts"][-1]
    assert "author=urn%3Ali%3Aorganization%3A2414183" in finder


def test_inbox_comments_and_replies(linkedin: Peer, connector: LinkedInConnector) -> None:
    post = linkedin.fake.add_post("Bridge closed tonight")
    first = linkedin.fake.add_comment(post, "Until when?", actor="urn:li:person:p1")
    linkedin.fake.add_comment(post, "Tomorrow 6am.", actor=ORG, parent=first)
    second = linkedin.fake.add_comment(post, "Thanks!", actor="urn:li:person:p2", parent=first)
    page = connector.fetch_inbound(None)
    assert [m.remote_id for m in page.messages] == [first, second]  # ours left out
    top, answer = page.messages
    assert top.kind == MessageKind.COMMENT and top.text == "Until when?"
    assert top.author.remote_id == "urn:li:person:p1"
    assert top.root_post_remote_id == post and top.in_reply_to_remote_id == post
    assert top.conversation_remote_id == first
    assert answer.kind == MessageKind.REPLY and answer.in_reply_to_remote_id == first
    assert answer.conversation_remote_id == first
    assert page.next_cursor and not page.has_more

    again = connector.fetch_inbound(page.next_cursor)
    assert again.next_cursor is None  # nothing newer: the cursor stays
    third = linkedin.fake.add_comment(
        post,
        "Is the ferry running?",
        actor="urn:li:person:p3",
        when=linkedin.fake.clock + 3_600_000,
    )
    later = connector.fetch_inbound(page.next_cursor)
    assert third in [m.remote_id for m in later.messages]
    assert json.loads(later.next_cursor or "{}")["since"] > json.loads(page.next_cursor)["since"]


def test_comment_paging(linkedin: Peer, connector: LinkedInConnector) -> None:
    post = linkedin.fake.add_post("Popular post")
    for n in range(230):
        linkedin.fake.add_comment(post, f"comment {n}", actor=f"urn:li:person:p{n}")
    messages = connector.fetch_inbound(None).messages
    assert len(messages) == 230
    pages = [raw for name, raw in linkedin.fake.calls if name == "list_comments"]
    assert len(pages) == 3 and "start=200" in pages[-1]


def test_reply_as_the_organization(linkedin: Peer, connector: LinkedInConnector) -> None:
    post = linkedin.fake.add_post("Bridge closed")
    first = linkedin.fake.add_comment(post, "Why?", actor="urn:li:person:p1")
    nested = linkedin.fake.add_comment(post, "Yes why", actor="urn:li:person:p2", parent=first)
    result = connector.reply(
        ReplyTarget(remote_id=nested, kind=MessageKind.REPLY, conversation_remote_id=first),
        "Inspection (see #notice).",
        idempotency_key="r",
    )
    assert result.remote_id.startswith(f"urn:li:comment:({post},")
    stored = linkedin.fake.comments[first][-1]
    assert stored["actor"] == ORG and stored["parentComment"] == first
    assert stored["message"]["text"] == "Inspection (see #notice)."
    with pytest.raises(UnsupportedError):
        connector.reply(
            ReplyTarget(remote_id="x", kind=MessageKind.DIRECT), "hi", idempotency_key="r2"
        )


def test_cannot_hide_and_says_so(connector: LinkedInConnector) -> None:
    assert not connector.supports(Capability.HIDE)
    assert not connector.supports(Capability.DIRECT_MESSAGES)
    with pytest.raises(UnsupportedError) as caught:
        connector.hide("urn:li:comment:(urn:li:share:1,2)")
    assert "cannot hide" in str(caught.value)
    assert "no messages" in connector.limitations[Capability.DIRECT_MESSAGES]


def test_post_and_account_metrics(linkedin: Peer, connector: LinkedInConnector) -> None:
    linkedin.fake.statistics = {
        "urn:li:share:1": {
            "impressionCount": 900,
            "uniqueImpressionsCount": 700,
            "clickCount": 30,
            "likeCount": 20,
            "commentCount": 4,
            "shareCount": 2,
            "engagement": 0.0622,
        },
        "urn:li:ugcPost:2": {"impressionCount": 50, "likeCount": 1},
    }
    linkedin.fake.organization_statistics = {
        "impressionCount": 12000,
        "uniqueImpressionsCount": 8000,
        "clickCount": 300,
        "likeCount": 200,
        "commentCount": 40,
        "shareCount": 10,
        "engagement": 0.0458,
    }
    linkedin.fake.followers = 5321
    share, ugc = connector.fetch_post_metrics(["urn:li:share:1", "urn:li:ugcPost:2"])
    assert (
        share.impressions,
        share.reach,
        share.clicks,
        share.likes,
        share.replies,
        share.reposts,
        share.engagements,
    ) == (900, 700, 30, 20, 4, 2, 56)
    assert share.video_views is None
    assert (ugc.impressions, ugc.likes, ugc.reach, ugc.clicks, ugc.engagements) == (
        50,
        1,
        None,
        None,
        None,
    )
    account = connector.fetch_account_metrics()
    assert (account.followers, account.impressions, account.reach, account.engagements) == (
        5321,
        12000,
        8000,
        550,
    )
    assert account.following is None and account.posts is None
    assert METRICS.reports("impressions") and not METRICS.reports("video_views")


def test_health(connector: LinkedInConnector) -> None:
    health = connector.check_health()
    assert health.ok and "Ministry of Roads" in health.detail
