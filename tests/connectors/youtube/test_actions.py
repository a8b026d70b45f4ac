"""Replying, hiding, deleting and statistics on YouTube; publishing is refused plainly."""

from __future__ import annotations

import pytest

from civicdesk.connectors.base import (
    Capability,
    MessageKind,
    OutboundPost,
    RejectedError,
    RemoteAuthor,
    ReplyTarget,
)
from civicdesk.connectors.youtube.connector import METRICS, PUBLISH_SENTENCE, YouTubeConnector

from .conftest import Peer
from .fake import comment


def test_a_text_alone_is_refused_with_a_plain_sentence(connector: YouTubeConnector) -> None:
    # YouTube publishes videos (test_video.py); a text alone has nowhere to go there.
    assert connector.supports(Capability.PUBLISH)
    with pytest.raises(RejectedError) as caught:
        connector.publish(OutboundPost(text="Hello", idempotency_key="k"))
    assert str(caught.value) == PUBLISH_SENTENCE
    assert "community posts" in PUBLISH_SENTENCE
    assert connector.limitations[Capability.THREADS] == PUBLISH_SENTENCE


def test_reply_goes_under_the_thread(youtube: Peer, connector: YouTubeConnector) -> None:
    youtube.fake.add_thread("t1", "When does it open?", published="2026-11-20T08:00:00Z")
    result = connector.reply(
        ReplyTarget(remote_id="t1", kind=MessageKind.COMMENT, conversation_remote_id="t1"),
        "At nine.",
        idempotency_key="r1",
    )
    assert result.remote_id == "t1.reply1"
    assert youtube.fake.inserted["t1.reply1"]["snippet"]["textOriginal"] == "At nine."
    # Answering a reply also goes under the first comment: YouTube nests one level.
    connector.reply(
        ReplyTarget(remote_id="t1.r9", kind=MessageKind.REPLY, conversation_remote_id="t1"),
        "Yes.",
        idempotency_key="r2",
    )
    assert youtube.fake.inserted["t1.reply2"]["snippet"]["parentId"] == "t1"


def test_hide_holds_for_review_and_unhide_publishes(
    youtube: Peer, connector: YouTubeConnector
) -> None:
    youtube.fake.add_thread("t1", "spam spam", published="2026-11-20T08:00:00Z")
    connector.hide("t1")
    assert youtube.fake.moderation["t1"] == "heldForReview"
    connector.hide("t1", hidden=False)
    assert youtube.fake.moderation["t1"] == "published"
    with pytest.raises(RejectedError):
        connector.hide("nope")


def test_delete_own_reply_only(youtube: Peer, connector: YouTubeConnector) -> None:
    youtube.fake.add_thread("t1", "Question", published="2026-11-20T08:00:00Z")
    result = connector.reply(
        ReplyTarget(remote_id="t1", kind=MessageKind.COMMENT), "Answer", idempotency_key="r"
    )
    connector.delete(result.remote_id)
    assert youtube.fake.deleted == [result.remote_id]
    connector.delete(result.remote_id)  # already gone: nothing to do
    with pytest.raises(RejectedError) as caught:
        connector.delete("t1")  # a viewer's comment
    assert caught.value.status == 403


def test_video_and_channel_statistics(youtube: Peer, connector: YouTubeConnector) -> None:
    youtube.fake.videos = {
        "vid1": {"viewCount": "1200", "likeCount": "40", "commentCount": "7", "favoriteCount": "0"},
        "vid2": {"viewCount": "5"},  # likes hidden by the owner, comments off
    }
    youtube.fake.channel_statistics = {
        "subscriberCount": "3400",
        "videoCount": "12",
        "viewCount": "99000",
        "hiddenSubscriberCount": False,
    }
    one, two = connector.fetch_post_metrics(["vid1", "vid2", "gone"])
    assert (one.remote_id, one.video_views, one.likes, one.replies) == ("vid1", 1200, 40, 7)
    assert one.impressions is None and one.reach is None  # not in the Data API
    assert (two.video_views, two.likes, two.replies) == (5, None, None)
    account = connector.fetch_account_metrics()
    assert (account.followers, account.posts, account.impressions) == (3400, 12, None)
    youtube.fake.channel_statistics = {
        "subscriberCount": "0",
        "videoCount": "12",
        "hiddenSubscriberCount": True,
    }
    assert connector.fetch_account_metrics().followers is None
    assert METRICS.reports("video_views") and not METRICS.reports("impressions")


def test_many_videos_are_asked_in_batches(youtube: Peer, connector: YouTubeConnector) -> None:
    youtube.fake.videos = {f"v{n}": {"viewCount": str(n)} for n in range(120)}
    metrics = connector.fetch_post_metrics([f"v{n}" for n in range(120)])
    assert len(metrics) == 120
    assert sum(1 for c in youtube.fake.calls if c[0] == "youtube.videos.list") == 3


def test_comment_helper_matches_contract() -> None:
    from . import contract

    problems = contract.check_schema(
        comment("c", "t", author="a", name="n", published="2026-01-01T00:00:00Z", video="v"),
        {"$ref": "Comment"},
        "comment",
    )
    assert problems == []


def test_the_fake_holds_requests_to_the_discovery_document(youtube: Peer) -> None:
    import httpx

    headers = {"Authorization": "Bearer at-1"}
    bad = [
        ("GET", "/youtube/v3/commentThreads", {"part": "snippet", "maxResults": "500"}),
        ("GET", "/youtube/v3/commentThreads", {"part": "snippet", "sort": "new"}),
        ("GET", "/youtube/v3/videos", {"id": "v"}),  # part is required
        (
            "POST",
            "/youtube/v3/comments/setModerationStatus",
            {"id": "c", "moderationStatus": "hidden"},
        ),
        ("GET", "/youtube/v3/posts", {}),
    ]
    for method, path, params in bad:
        response = httpx.request(method, youtube.url + path, params=params, headers=headers)
        assert response.status_code == 400, (path, params)
    assert len(youtube.fake.violations) == len(bad)
    response = httpx.post(
        youtube.url + "/youtube/v3/comments",
        params={"part": "snippet"},
        headers=headers,
        json={"snippet": {"parentId": 5}},
    )
    assert response.status_code == 400
    assert any("parentId is not a string" in v for v in youtube.fake.violations)
    youtube.fake.violations.clear()


def test_delete_a_viewers_comment_rejects_it_and_block_bans_its_author(
    youtube: Peer, connector: YouTubeConnector
) -> None:
    youtube.fake.add_thread("t1", "spam spam", published="2026-11-20T08:00:00Z")
    youtube.fake.add_thread("t2", "more spam", published="2026-11-20T09:00:00Z")
    connector.delete_comment("t1")
    assert youtube.fake.moderation["t1"] == "rejected" and youtube.fake.banned == []
    connector.delete_comment("gone")  # not there any more: what was asked
    connector.block(RemoteAuthor(remote_id="UCspam", handle="spammer"), message_remote_id="t2")
    assert youtube.fake.moderation["t2"] == "rejected" and youtube.fake.banned == ["t2"]
    with pytest.raises(RejectedError):
        connector.block(RemoteAuthor(remote_id="UCspam", handle="spammer"))
    with pytest.raises(RejectedError):
        connector.block(RemoteAuthor(remote_id="UCx", handle="x"), message_remote_id="gone")
