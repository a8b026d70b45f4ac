"""Bluesky's counts: which field each Civic Desk metric comes from, and reading them.

Bluesky counts likes, reposts and replies; it has no views, reach or link clicks.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from civicdesk.connectors.base import AccountMetrics, MetricTable, PostMetrics, RetryableError
from civicdesk.connectors.bluesky import shapes
from civicdesk.connectors.bluesky.shapes import ShapeError

if TYPE_CHECKING:
    from civicdesk.connectors.bluesky.connector import BlueskyConnector

METRICS = MetricTable(
    version="2025-06-01",
    names={
        "likes": "likeCount",
        "reposts": "repostCount",
        "replies": "replyCount",
        "followers": "followersCount",
        "following": "followsCount",
        "posts": "postsCount",
    },
    retired={
        "impressions": "never reported: Bluesky has no view or impression counts",
        "reach": "never reported: Bluesky has no reach counts",
        "clicks": "never reported: Bluesky has no link click counts",
    },
)


def fetch_post_metrics(api: BlueskyConnector, remote_ids: Sequence[str]) -> list[PostMetrics]:
    wanted = [r for r in remote_ids if shapes.repo_of(r)]
    views = api._post_views(wanted)
    results = []
    for remote_id in wanted:
        view = views.get(remote_id)
        if view is None:
            continue  # deleted on the platform: no metrics any more
        try:
            results.append(
                PostMetrics(
                    remote_id=remote_id,
                    likes=shapes.count(view, "likeCount"),
                    reposts=shapes.count(view, "repostCount"),
                    replies=shapes.count(view, "replyCount"),
                )
            )
        except ShapeError as exc:
            raise RetryableError(f"unexpected metrics answer: {exc}") from None
    return results


def fetch_account_metrics(api: BlueskyConnector) -> AccountMetrics:
    data = api.xrpc("GET", "app.bsky.actor.getProfile", params={"actor": api.did})
    try:
        body = shapes.obj(data, "the answer")
        return AccountMetrics(
            followers=shapes.count(body, "followersCount"),
            following=shapes.count(body, "followsCount"),
            posts=shapes.count(body, "postsCount"),
        )
    except ShapeError as exc:
        raise RetryableError(f"unexpected profile: {exc}") from None
