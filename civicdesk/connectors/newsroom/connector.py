"""The newsroom feed as a channel: Civic Desk reads it, it never posts to it."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, ClassVar

import httpx
from django.utils.translation import gettext, gettext_lazy

from civicdesk.connectors.base import (
    Capability,
    HttpConnector,
    RejectedError,
    RetryableError,
)
from civicdesk.connectors.newsroom.feed import Feed, FeedError, parse_feed
from civicdesk.core import outbound

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

MAX_FEED_BYTES = 5 * 1024 * 1024


class NewsroomConnector(HttpConnector):
    platform = "newsroom"
    # The feed's address is whatever the person typed: read through the guarded client.
    typed_address = True
    capabilities = frozenset()
    limitations: ClassVar[Mapping[Capability, StrOrPromise]] = {
        Capability.PUBLISH: gettext_lazy(
            "A newsroom feed is a source, not a place to post: new items on "
            "the organization's site become draft posts for review."
        ),
        Capability.INBOX: gettext_lazy("A feed has no comments or messages."),
        **dict.fromkeys(
            (
                Capability.LISTEN_KEYWORDS,
                Capability.LISTEN_HASHTAGS,
                Capability.LISTEN_ACCOUNTS,
            ),
            gettext_lazy(
                "A newsroom feed is the organization's own publishing: there is nothing to "
                "listen to."
            ),
        ),
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
        fetched = self._get(url, headers)
        if fetched.status_code == 304:
            return None, validators
        if fetched.status_code != 200:
            # The status names the problem; the body is the remote server's and is never shown.
            passing = fetched.status_code == 429 or fetched.status_code >= 500
            kind = RetryableError if passing else RejectedError
            raise kind(
                gettext("the feed's server answered with an error"), status=fetched.status_code
            )
        try:
            feed = parse_feed(fetched.content)
        except FeedError:
            raise RetryableError(gettext("the address did not give an RSS or Atom feed")) from None
        fresh = {
            "etag": fetched.headers.get("etag", ""),
            "modified": fetched.headers.get("last-modified", ""),
        }
        return feed, json.dumps(fresh)

    def _get(self, url: str, headers: dict[str, str]) -> outbound.Fetched:
        """The feed's answer, through the guarded client: the address is one a person typed."""
        if not isinstance(self.client, outbound.GuardedClient):
            raise TypeError("a newsroom feed is read with the guarded client only")
        try:
            return outbound.fetch(self.client, url, headers=headers, max_bytes=MAX_FEED_BYTES)
        except outbound.AddressRefused as exc:
            raise RejectedError(str(exc)) from None
        except outbound.TooLarge:
            raise RejectedError(
                gettext("the feed is larger than %(size)s")
                % {"size": outbound.size_text(MAX_FEED_BYTES)}
            ) from None
        except httpx.TooManyRedirects:
            raise RejectedError(gettext("the feed's address redirects too many times")) from None
        except httpx.ConnectError as exc:
            # Unreachable: the same words for a closed port, a filtered one or no such host.
            raise RetryableError(str(exc)) from None
        except httpx.TimeoutException:
            raise RetryableError(gettext("the feed's server did not answer in time")) from None
        except httpx.HTTPError:
            raise RetryableError(gettext("the feed's server gave a broken answer")) from None
