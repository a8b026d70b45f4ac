"""The newsroom feed as a channel: Civic Desk reads it, it never posts to it."""

from __future__ import annotations

import json
from typing import ClassVar

from civicdesk.connectors.base import (
    Capability,
    ChannelHealth,
    HttpConnector,
    RetryableError,
)
from civicdesk.connectors.newsroom.feed import Feed, FeedError, parse_feed

MAX_FEED_BYTES = 5 * 1024 * 1024


class NewsroomConnector(HttpConnector):
    platform = "newsroom"
    capabilities = frozenset()
    limitations: ClassVar = {
        Capability.PUBLISH: "A newsroom feed is a source, not a place to post: new items on "
                            "the organization's site become draft posts for review.",
        Capability.INBOX: "A feed has no comments or messages.",
    }

    def fetch_feed(self, *, validators: str = "") -> tuple[Feed | None, str]:
        """The feed, or None when unchanged since ``validators`` (ETag/Last-Modified JSON).

        Returns the new validators to store with it.
        """
        headers = {"Accept": "application/rss+xml, application/atom+xml, application/xml"}
        try:
            known = json.loads(validators) if validators else {}
        except ValueError:
            known = {}
        if known.get("etag"):
            headers["If-None-Match"] = known["etag"]
        if known.get("modified"):
            headers["If-Modified-Since"] = known["modified"]
        url = self.credentials.get("feed_url") or self.base_url
        response = self.request("GET", url, headers=headers, expected=(200, 304),
                                follow_redirects=True)
        if response.status_code == 304:
            return None, validators
        if len(response.content) > MAX_FEED_BYTES:
            raise RetryableError("the feed is larger than 5 MB")
        try:
            feed = parse_feed(response.content)
        except FeedError as exc:
            raise RetryableError(str(exc)) from exc
        fresh = {"etag": response.headers.get("etag", ""),
                 "modified": response.headers.get("last-modified", "")}
        return feed, json.dumps(fresh)

    def check_health(self) -> ChannelHealth:
        try:
            feed, _ = self.fetch_feed()
        except RetryableError as error:
            return ChannelHealth(ok=False, detail=str(error))
        return ChannelHealth(ok=True, detail=f"{len(feed.items) if feed else 0} items")
