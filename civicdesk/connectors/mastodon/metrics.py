"""Mastodon's counts: which field each Civic Desk metric comes from, and reading them.

Mastodon counts favourites, boosts and replies; it has no impressions, reach or clicks.
"""

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

from .shapes import ShapeError, count, list_of, obj, path_id, snowflake

if TYPE_CHECKING:
    from .connector import MastodonConnector

METRICS = MetricTable(
    version="2026-11-21",
    names={
        "likes": "favourites_count",
        "reposts": "reblogs_count",
        "replies": "replies_count",
        "followers": "followers_count",
        "following": "following_count",
        "posts": "statuses_count",
    },
)

METRICS_BATCH = 20


def fetch_post_metrics(api: MastodonConnector, remote_ids: Sequence[str]) -> list[PostMetrics]:
    ids = [path_id(r) for r in remote_ids]
    statuses: list[Any] = []
    for start in range(0, len(ids), METRICS_BATCH):
        batch = ids[start : start + METRICS_BATCH]
        try:
            response = api.request("GET", "/api/v1/statuses", params=[("id[]", i) for i in batch])
            statuses.extend(list_of(api.json_of(response), "the answer"))
        except RejectedError as exc:
            if exc.status != 404:
                raise
            # Instances before 4.3 have no batch lookup: ask one status at a time.
            statuses.extend(s for s in (_status_or_none(api, i) for i in batch) if s)
        except ShapeError as exc:
            raise RetryableError(f"unexpected metrics answer: {exc}") from None
    wanted = set(ids)
    results = []
    try:
        for status in statuses:
            status = obj(status, "a status")
            remote_id = snowflake(status.get("id"), "id")
            if remote_id in wanted:
                results.append(
                    PostMetrics(
                        remote_id=remote_id,
                        likes=count(status, "favourites_count"),
                        reposts=count(status, "reblogs_count"),
                        replies=count(status, "replies_count"),
                    )
                )
    except ShapeError as exc:
        raise RetryableError(f"unexpected metrics answer: {exc}") from None
    return results


def account_metrics(account: Mapping[str, Any]) -> AccountMetrics:
    """The counts on the account's own verify_credentials answer."""
    try:
        return AccountMetrics(
            followers=count(account, "followers_count"),
            following=count(account, "following_count"),
            posts=count(account, "statuses_count"),
        )
    except ShapeError as exc:
        raise RetryableError(f"unexpected account answer: {exc}") from None


def _status_or_none(api: MastodonConnector, remote_id: str) -> Mapping[str, Any] | None:
    try:
        return api._status(remote_id)
    except RejectedError as exc:
        if exc.status == 404:
            return None  # deleted on the instance: no metrics any more
        raise
