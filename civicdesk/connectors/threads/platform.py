"""Threads: how Civic Desk knows the platform (see connectors/spec.py)."""

from __future__ import annotations

from civicdesk.connectors.spec import MB, VIDEOS, Counting, MediaRules, PlatformRules, PlatformSpec

SPEC = PlatformSpec(
    slug="threads",
    label="Threads",
    connector="civicdesk.connectors.threads.connector.ThreadsConnector",
    auth_flow="civicdesk.connectors.threads.auth.ThreadsAuthFlow",
    rules=PlatformRules(
        slug="threads",
        name="Threads",
        max_length=500,
        counting=Counting.UTF16,
        splits_threads=True,
        media=MediaRules(
            max_items=20,
            image_types=("image/jpeg", "image/png"),
            video_types=VIDEOS,
            max_image_bytes=8 * MB,
            max_video_bytes=1024 * MB,
            max_video_seconds=5 * 60,
            video_codecs=("avc1", "hvc1"),
            max_videos=20,
            min_aspect_ratio=0.1,
            max_aspect_ratio=10.0,
            min_width=320,
            max_alt_text=1000,
            mixes_images_and_video=True,
        ),
    ),
    app_credentials=True,
    settings_prefix="THREADS",
)
