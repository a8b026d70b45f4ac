"""LinkedIn's statistics: which field each Civic Desk metric comes from, and reading them
for posts (share statistics) and for the organization (followers, lifetime totals).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from civicdesk.connectors.base import AccountMetrics, MetricTable, PostMetrics, RetryableError
from civicdesk.connectors.linkedin import shapes as s
from civicdesk.connectors.linkedin.mapping import post_metrics
from civicdesk.connectors.linkedin.shapes import ShapeError

if TYPE_CHECKING:
    from civicdesk.connectors.linkedin.connector import LinkedInConnector

STATS_BATCH = 20

METRICS = MetricTable(
    version="2026-11-21",
    names={
        "impressions": "impressionCount",
        "reach": "uniqueImpressionsCount",
        "clicks": "clickCount",
        "likes": "likeCount",
        "replies": "commentCount",
        "reposts": "shareCount",
        # LinkedIn's own "engagement" is a rate; we record the count it is made from.
        "engagements": "clickCount + likeCount + commentCount + shareCount",
        "followers": "networkSizes firstDegreeSize (COMPANY_FOLLOWED_BY_MEMBER)",
    },
    retired={},
)


def fetch_post_metrics(api: LinkedInConnector, remote_ids: Sequence[str]) -> list[PostMetrics]:
    shares = [r for r in remote_ids if r.startswith("urn:li:share:") and s.POST_URN.match(r)]
    ugc = [r for r in remote_ids if r.startswith("urn:li:ugcPost:") and s.POST_URN.match(r)]
    results: list[PostMetrics] = []
    for key, urns in (("shares", shares), ("ugcPosts", ugc)):
        for start in range(0, len(urns), STATS_BATCH):
            batch = urns[start : start + STATS_BATCH]
            for item in _share_statistics(api, f"&{key}={s.urn_list(batch)}"):
                try:
                    remote_id = s.urn(item.get("share") or item.get("ugcPost"), "share")
                    stats = s.obj(item.get("totalShareStatistics"), "totalShareStatistics")
                    results.append(post_metrics(remote_id, stats))
                except ShapeError as exc:
                    raise RetryableError(f"unexpected statistics answer: {exc}") from None
    return results


def fetch_account_metrics(api: LinkedInConnector) -> AccountMetrics:
    org = api.organization
    response = api.request(
        "GET",
        f"/networkSizes/{s.encode(org)}",
        params={"edgeType": "COMPANY_FOLLOWED_BY_MEMBER"},
    )
    items = _share_statistics(api, "")
    try:
        followers = s.count(s.obj(api.json_of(response), "the answer"), "firstDegreeSize")
        stats = s.obj(items[0].get("totalShareStatistics"), "totalShareStatistics") if items else {}
        # The organization's lifetime totals have the shape of one post's statistics.
        totals = post_metrics("", stats)
        return AccountMetrics(
            followers=followers,
            impressions=totals.impressions,
            reach=totals.reach,
            engagements=totals.engagements,
        )
    except ShapeError as exc:
        raise RetryableError(f"unexpected metrics answer: {exc}") from None


def _share_statistics(api: LinkedInConnector, extra_query: str) -> list[Mapping[str, Any]]:
    # Built by hand: Rest.li list syntax must reach LinkedIn with its brackets intact.
    url = (
        f"{api.base_url}/organizationalEntityShareStatistics?q=organizationalEntity"
        f"&organizationalEntity={s.encode(api.organization)}{extra_query}"
    )
    response = api.request("GET", url)
    try:
        return s.elements(api.json_of(response))
    except ShapeError as exc:
        raise RetryableError(f"unexpected statistics answer: {exc}") from None
