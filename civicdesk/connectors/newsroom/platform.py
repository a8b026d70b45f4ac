"""Newsroom feed: how Civic Desk knows the platform (see connectors/spec.py)."""

from __future__ import annotations

from civicdesk.connectors.spec import PlatformSpec, gettext_noop

SPEC = PlatformSpec(
    slug="newsroom",
    label=gettext_noop("Newsroom feed"),
    connector="civicdesk.connectors.newsroom.connector.NewsroomConnector",
    auth_flow="civicdesk.connectors.newsroom.auth.NewsroomAuthFlow",
    # A feed is read, never written to: no text or media rules.
    rules=None,
    settings_prefix="NEWSROOM",
)
