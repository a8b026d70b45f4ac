"""Mastodon: how Civic Desk knows the platform (see connectors/spec.py)."""

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
    slug="mastodon",
    label="Mastodon",
    connector="civicdesk.connectors.mastodon.connector.MastodonConnector",
    auth_flow="civicdesk.connectors.mastodon.auth.MastodonAuthFlow",
    rules=PlatformRules(
        slug="mastodon",
        name="Mastodon",
        max_length=500,
        counting=Counting.GRAPHEMES,
        url_length=23,
        remote_mentions_count_local_part=True,
        splits_threads=True,
        media=MediaRules(
            max_items=4,
            image_types=(*WEB_IMAGES, "image/heic", "image/avif"),
            video_types=(*VIDEOS, "video/webm"),
            max_image_bytes=16 * MB,
            max_video_bytes=99 * MB,
            max_alt_text=1500,
            mixes_images_and_video=False,
        ),
    ),
    settings_prefix="MASTODON",
)
