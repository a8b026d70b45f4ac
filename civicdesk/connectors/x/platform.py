"""X: how Civic Desk knows the platform (see connectors/spec.py)."""

from __future__ import annotations

from civicdesk.connectors.spec import (
    MB,
    VIDEOS,
    WEB_IMAGES,
    Counting,
    MediaRules,
    PlatformRules,
    PlatformSpec,
)

SPEC = PlatformSpec(
    slug="x",
    label="X",
    connector="civicdesk.connectors.x.connector.XConnector",
    auth_flow="civicdesk.connectors.x.auth.XAuthFlow",
    rules=PlatformRules(
        slug="x",
        name="X",
        max_length=280,
        counting=Counting.WEIGHTED,
        url_length=23,
        normalize_nfc=True,
        emoji_parsing=True,
        splits_threads=True,
        media=MediaRules(
            max_items=4,
            image_types=WEB_IMAGES,
            video_types=VIDEOS,
            max_image_bytes=5 * MB,
            max_video_bytes=512 * MB,
            max_video_seconds=140,
            video_codecs=("avc1",),
            max_alt_text=1000,
        ),
    ),
    app_credentials=True,
    app_settings=("tier",),
    settings_prefix="X",
)
