"""Instagram: how Civic Desk knows the platform (see connectors/spec.py)."""

from __future__ import annotations

from civicdesk.connectors.spec import MB, VIDEOS, Counting, MediaRules, PlatformRules, PlatformSpec

SPEC = PlatformSpec(
    slug="instagram",
    label="Instagram",
    connector="civicdesk.connectors.instagram.connector.InstagramConnector",
    auth_flow="civicdesk.connectors.instagram.auth.InstagramAuthFlow",
    rules=PlatformRules(
        slug="instagram",
        name="Instagram",
        max_length=2200,
        counting=Counting.UTF16,
        max_hashtags=30,
        max_mentions=20,
        text_required=False,
        media=MediaRules(
            max_items=10,
            image_types=("image/jpeg",),
            video_types=VIDEOS,
            max_image_bytes=8 * MB,
            max_video_bytes=300 * MB,
            max_video_seconds=15 * 60,
            video_codecs=("avc1", "hvc1"),
            max_videos=10,
            min_aspect_ratio=4 / 5,
            max_aspect_ratio=1.91,
            min_width=320,
            max_alt_text=1000,
            requires_media=True,
            mixes_images_and_video=True,
        ),
    ),
    app_credentials=True,
    settings_prefix="INSTAGRAM",
)
