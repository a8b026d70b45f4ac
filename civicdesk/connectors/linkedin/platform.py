"""LinkedIn: how Civic Desk knows the platform (see connectors/spec.py)."""

from __future__ import annotations

from civicdesk.connectors.spec import MB, Counting, MediaRules, PlatformRules, PlatformSpec

SPEC = PlatformSpec(
    slug="linkedin",
    label="LinkedIn",
    connector="civicdesk.connectors.linkedin.connector.LinkedInConnector",
    auth_flow="civicdesk.connectors.linkedin.auth.LinkedInAuthFlow",
    rules=PlatformRules(
        slug="linkedin",
        name="LinkedIn",
        max_length=3000,
        counting=Counting.UTF16,
        notes=("Reserved characters must be escaped: see linkedin_escape().",),
        media=MediaRules(
            max_items=20,
            image_types=("image/jpeg", "image/png", "image/gif"),
            video_types=("video/mp4",),
            max_image_bytes=8 * MB,
            max_video_bytes=500 * MB,
            max_video_seconds=30 * 60,
            video_codecs=("avc1",),
            max_alt_text=4086,
        ),
    ),
    app_credentials=True,
    settings_prefix="LINKEDIN",
)
