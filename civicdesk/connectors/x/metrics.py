"""X's counts: which field each Civic Desk metric comes from, and reading them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from civicdesk.connectors.base import (
    AccountMetrics,
    MetricTable,
    PostMetrics,
    RejectedError,
    RetryableError,
)

from .shapes import ShapeError, count, items, obj, path_id, x_id

if TYPE_CHECKING:
    from .connector import XConnector

METRICS = MetricTable(
    version="2025-06-01",
    names={
        "impressions": "non_public_metrics.impression_count, else public_metrics.impression_count",
        "likes": "public_metrics.like_count",
        "reposts": "public_metrics.retweet_count",
        "replies": "public_metrics.reply_count",
        "engagements": "public_metrics like_count + retweet_count + reply_count + quote_count",
        "clicks": "non_public_metrics.url_link_clicks (own posts under 30 days old)",
        "followers": "users/me public_metrics.followers_count",
        "following": "users/me public_metrics.following_count",
        "posts": "users/me public_metrics.tweet_count",
    },
    retired={},
)


def fetch_post_metrics(api: XConnector, remote_ids: Sequence[str]) -> list[PostMetrics]:
    results: list[PostMetrics] = []
    ids = [path_id(remote_id) for remote_id in remote_ids]
    for start in range(0, len(ids), 100):
        results.extend(_metrics_batch(api, ids[start : start + 100]))
    return results


def account_metrics(user: Mapping[str, Any]) -> AccountMetrics:
    """The counts on the account's own /2/users/me answer."""
    try:
        metrics = user.get("public_metrics")
        metrics = obj(metrics, "public_metrics") if metrics is not None else None
        return AccountMetrics(
            followers=count(metrics, "followers_count"),
            following=count(metrics, "following_count"),
            posts=count(metrics, "tweet_count", "post_count"),
        )
    except ShapeError as exc:
        raise RetryableError(f"unexpected account answer from X: {exc}") from None


def _metrics_batch(api: XConnector, ids: list[str]) -> list[PostMetrics]:
    fields = "public_metrics,non_public_metrics,organic_metrics"
    try:
        response = api.request(
            "GET", "/2/tweets", params={"ids": ",".join(ids), "tweet.fields": fields}
        )
    except RejectedError as exc:
        if exc.status not in (400, 403):
            raise
        # Private metrics exist only for our own posts under 30 days old.
        response = api.request(
            "GET", "/2/tweets", params={"ids": ",".join(ids), "tweet.fields": "public_metrics"}
        )
    body = api.json_of(response)
    try:
        body = obj(body, "the answer")
        return [_post_metrics(obj(t, "a post")) for t in items(body.get("data"), "data")]
    except ShapeError as exc:
        raise RetryableError(
            f"unexpected metrics answer from X: {exc}", status=response.status_code
        ) from None


def _post_metrics(tweet: Mapping[str, Any]) -> PostMetrics:
    remote_id = x_id(tweet.get("id"), "post id")

    def section(name: str) -> Mapping[str, Any] | None:
        value = tweet.get(name)
        return obj(value, name) if value is not None else None

    public, private = section("public_metrics"), section("non_public_metrics")
    likes = count(public, "like_count")
    reposts = count(public, "retweet_count", "repost_count")
    replies = count(public, "reply_count")
    quotes = count(public, "quote_count")
    parts = (likes, reposts, replies, quotes)
    return PostMetrics(
        remote_id=remote_id,
        impressions=(
            count(private, "impression_count")
            if count(private, "impression_count") is not None
            else count(public, "impression_count")
        ),
        engagements=None if None in parts else sum(p or 0 for p in parts),
        likes=likes,
        reposts=reposts,
        replies=replies,
        clicks=count(private, "url_link_clicks"),
    )
