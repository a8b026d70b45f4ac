"""YouTube: how Civic Desk knows the platform (see connectors/spec.py)."""

from __future__ import annotations

from civicdesk.connectors.spec import Counting, MediaRules, PlatformRules, PlatformSpec

SPEC = PlatformSpec(
    slug="youtube",
    label="YouTube",
    connector="civicdesk.connectors.youtube.connector.YouTubeConnector",
    auth_flow="civicdesk.connectors.youtube.auth.YouTubeAuthFlow",
    rules=PlatformRules(
        slug="youtube",
        name="YouTube",
        max_length=10_000,
        counting=Counting.UTF16,
        notes=("Comments and community text; video uploads are not composed here.",),
        media=MediaRules(max_items=0, image_types=()),
    ),
    app_credentials=True,
    settings_prefix="YOUTUBE",
)
