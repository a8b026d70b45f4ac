"""Exercise network: how Civic Desk knows the platform (see connectors/spec.py)."""

from __future__ import annotations

from civicdesk.connectors.spec import (
    MB,
    WEB_IMAGES,
    Counting,
    MediaRules,
    PlatformRules,
    PlatformSpec,
    gettext_noop,
)

SPEC = PlatformSpec(
    slug="exnet",
    label=gettext_noop("Exercise network"),
    connector="civicdesk.connectors.exnet.connector.ExnetConnector",
    auth_flow="civicdesk.connectors.exnet.auth.ExnetAuthFlow",
    # The exercise network served by Civic Desk itself: code points, every http(s) link 23.
    rules=PlatformRules(
        slug="exnet",
        name="Exercise network",
        max_length=500,
        counting=Counting.CODE_POINTS,
        url_length=23,
        max_raw_length=5000,
        splits_threads=True,
        media=MediaRules(
            max_items=4,
            image_types=WEB_IMAGES,
            video_types=("video/mp4",),
            max_image_bytes=5 * MB,
            max_video_bytes=5 * MB,
            max_video_seconds=300,
            video_codecs=("avc1", "hvc1"),
            max_alt_text=1500,
            mixes_images_and_video=True,
        ),
    ),
)
