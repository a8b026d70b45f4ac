"""Bluesky: how Civic Desk knows the platform (see connectors/spec.py)."""

from __future__ import annotations

from civicdesk.connectors.spec import MB, Counting, MediaRules, PlatformRules, PlatformSpec

SPEC = PlatformSpec(
    slug="bluesky",
    label="Bluesky",
    connector="civicdesk.connectors.bluesky.connector.BlueskyConnector",
    auth_flow="civicdesk.connectors.bluesky.auth.BlueskyAuthFlow",
    rules=PlatformRules(
        slug="bluesky",
        name="Bluesky",
        max_length=300,
        counting=Counting.GRAPHEMES,
        max_bytes=3000,
        splits_threads=True,
        media=MediaRules(
            max_items=4,
            image_types=("image/jpeg", "image/png", "image/webp"),
            video_types=("video/mp4",),
            max_image_bytes=1_000_000,
            max_video_bytes=100 * MB,
            max_video_seconds=180,
            video_codecs=("avc1",),
            max_alt_text=2000,
        ),
    ),
    app_settings=("client_id", "plc_url"),
    settings_prefix="BLUESKY",
)
