"""Connecting a newsroom feed: its address is all it takes."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlparse

from django.utils.translation import gettext

from civicdesk.connectors.auth import AuthFlow, ConnectedAccount, FlowKind, FormField
from civicdesk.connectors.base import ConnectorError, RejectedError
from civicdesk.connectors.newsroom.connector import NewsroomConnector


class NewsroomAuthFlow(AuthFlow):
    platform = "newsroom"
    kind = FlowKind.FORM
    typed_address = True
    form_fields = (
        FormField(
            "feed_url",
            "Feed address",
            help="The RSS or Atom feed of your newsroom, e.g. https://example.gov/news.xml",
        ),
    )

    def finish(
        self, *, redirect_uri: str, params: Mapping[str, str], pending: Mapping[str, str]
    ) -> list[ConnectedAccount]:
        url = params.get("feed_url", "").strip()
        parsed = urlparse(url)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise RejectedError(gettext("give the feed's full address, starting with https://"))
        connector = NewsroomConnector(
            base_url=url, credentials={"feed_url": url}, client=self.client
        )
        try:
            feed, _ = connector.fetch_feed()
        except ConnectorError as error:
            # Our own words about the problem (see NewsroomConnector), never the server's body.
            raise RejectedError(
                gettext("that address did not give a feed: %(problem)s") % {"problem": error}
            ) from error
        title = (feed.title if feed else "") or parsed.netloc
        return [
            ConnectedAccount(
                remote_id=url[:200],
                handle=parsed.netloc[:200],
                display_name=title,
                credentials={"feed_url": url},
                api_base_url=url,
            )
        ]
