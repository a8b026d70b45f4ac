"""YouTube: how Civic Desk knows the platform (see connectors/spec.py)."""

from __future__ import annotations

from civicdesk.connectors.spec import MB, Counting, MediaRules, PlatformRules, PlatformSpec

SPEC = PlatformSpec(
    slug="youtube",
    label="YouTube",
    connector="civicdesk.connectors.youtube.connector.YouTubeConnector",
    auth_flow="civicdesk.connectors.youtube.auth.YouTubeAuthFlow",
    rules=PlatformRules(
        slug="youtube",
        name="YouTube",
        # A video's description; its first line is also the title (at most 100 characters).
        max_length=5000,
        counting=Counting.UTF16,
        notes=(
            "A post for YouTube is one MP4 video: its first line the title, its text the "
            "description, its captions one track a language.",
        ),
        media=MediaRules(
            max_items=1,
            image_types=(),
            video_types=("video/mp4",),
            max_video_bytes=256 * 1024 * MB,
            max_videos=1,
            requires_media=True,
            max_alt_text=None,
        ),
    ),
    app_credentials=True,
    settings_prefix="YOUTUBE",
)
