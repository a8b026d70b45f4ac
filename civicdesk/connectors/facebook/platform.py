"""Facebook Page: how Civic Desk knows the platform (see connectors/spec.py)."""

from __future__ import annotations

from civicdesk.connectors.spec import (
    MB,
    VIDEOS,
    Counting,
    MediaRules,
    PlatformRules,
    PlatformSpec,
    gettext_noop,
)

SPEC = PlatformSpec(
    slug="facebook",
    label=gettext_noop("Facebook Page"),
    connector="civicdesk.connectors.facebook.connector.FacebookConnector",
    auth_flow="civicdesk.connectors.facebook.auth.FacebookAuthFlow",
    rules=PlatformRules(
        slug="facebook",
        name="Facebook",
        max_length=63_206,
        counting=Counting.UTF16,
        media=MediaRules(
            max_items=10,
            image_types=("image/jpeg", "image/png", "image/gif", "image/bmp", "image/tiff"),
            video_types=VIDEOS,
            max_image_bytes=4 * MB,
            max_video_bytes=10 * 1024 * MB,
            max_video_seconds=240 * 60,
            video_codecs=("avc1", "hvc1"),
        ),
    ),
    app_credentials=True,
    settings_prefix="FACEBOOK",
)
