"""What each platform accepts: text limits, how it counts, and its media rules.

The numbers are the platforms' published limits. Mastodon instances choose their own limits;
``mastodon_rules_from_instance`` reads them from the instance's ``/api/v2/instance`` document.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

MB = 1024 * 1024


class Counting(StrEnum):
    """The unit a platform's limit is expressed in."""

    WEIGHTED = "weighted"  # X: code points weighted 1 or 2 after NFC, emoji sequences 2
    GRAPHEMES = "graphemes"  # Unicode extended grapheme clusters
    UTF16 = "utf16"  # UTF-16 code units, what JavaScript composers count
    CODE_POINTS = "code_points"  # Unicode code points, as Python's len() counts


@dataclass(frozen=True, slots=True)
class MediaRules:
    max_items: int
    image_types: tuple[str, ...]
    video_types: tuple[str, ...] = ()
    max_image_bytes: int | None = None
    max_video_bytes: int | None = None
    max_videos: int = 1
    # Width / height bounds, inclusive; None means the platform crops or letterboxes.
    min_aspect_ratio: float | None = None
    max_aspect_ratio: float | None = None
    min_width: int | None = None
    max_alt_text: int | None = None  # in the platform's own counting unit
    requires_media: bool = False
    mixes_images_and_video: bool = False


@dataclass(frozen=True, slots=True)
class PlatformRules:
    slug: str
    name: str
    max_length: int
    counting: Counting
    media: MediaRules
    # Every link counts this many characters, whatever its length (None: links count in full).
    url_length: int | None = None
    max_bytes: int | None = None
    # A limit on the raw text too, before links are shortened (None: no such limit).
    max_raw_length: int | None = None
    normalize_nfc: bool = False
    emoji_parsing: bool = False
    # Mastodon counts "@user@example.social" as "@user".
    remote_mentions_count_local_part: bool = False
    max_hashtags: int | None = None
    max_mentions: int | None = None
    splits_threads: bool = False
    text_required: bool = True
    notes: tuple[str, ...] = field(default=())


_WEB_IMAGES = ("image/jpeg", "image/png", "image/gif", "image/webp")
_VIDEOS = ("video/mp4", "video/quicktime")

_RULES: dict[str, PlatformRules] = {
    "x": PlatformRules(
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
            image_types=_WEB_IMAGES,
            video_types=_VIDEOS,
            max_image_bytes=5 * MB,
            max_video_bytes=512 * MB,
            max_alt_text=1000,
        ),
    ),
    "bluesky": PlatformRules(
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
            max_alt_text=2000,
        ),
    ),
    "mastodon": PlatformRules(
        slug="mastodon",
        name="Mastodon",
        max_length=500,
        counting=Counting.GRAPHEMES,
        url_length=23,
        remote_mentions_count_local_part=True,
        splits_threads=True,
        media=MediaRules(
            max_items=4,
            image_types=(*_WEB_IMAGES, "image/heic", "image/avif"),
            video_types=(*_VIDEOS, "video/webm"),
            max_image_bytes=16 * MB,
            max_video_bytes=99 * MB,
            max_alt_text=1500,
            mixes_images_and_video=False,
        ),
    ),
    "threads": PlatformRules(
        slug="threads",
        name="Threads",
        max_length=500,
        counting=Counting.UTF16,
        splits_threads=True,
        media=MediaRules(
            max_items=20,
            image_types=("image/jpeg", "image/png"),
            video_types=_VIDEOS,
            max_image_bytes=8 * MB,
            max_video_bytes=1024 * MB,
            max_videos=20,
            min_aspect_ratio=0.1,
            max_aspect_ratio=10.0,
            min_width=320,
            max_alt_text=1000,
            mixes_images_and_video=True,
        ),
    ),
    "facebook": PlatformRules(
        slug="facebook",
        name="Facebook",
        max_length=63_206,
        counting=Counting.UTF16,
        media=MediaRules(
            max_items=10,
            image_types=("image/jpeg", "image/png", "image/gif", "image/bmp", "image/tiff"),
            video_types=_VIDEOS,
            max_image_bytes=4 * MB,
            max_video_bytes=10 * 1024 * MB,
        ),
    ),
    "instagram": PlatformRules(
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
            video_types=_VIDEOS,
            max_image_bytes=8 * MB,
            max_video_bytes=300 * MB,
            max_videos=10,
            min_aspect_ratio=4 / 5,
            max_aspect_ratio=1.91,
            min_width=320,
            max_alt_text=1000,
            requires_media=True,
            mixes_images_and_video=True,
        ),
    ),
    "linkedin": PlatformRules(
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
            max_alt_text=4086,
        ),
    ),
    "youtube": PlatformRules(
        slug="youtube",
        name="YouTube",
        max_length=10_000,
        counting=Counting.UTF16,
        notes=("Comments and community text; video uploads are not composed here.",),
        media=MediaRules(max_items=0, image_types=()),
    ),
    # The exercise network served by Civic Desk itself: code points, every http(s) link 23.
    "exnet": PlatformRules(
        slug="exnet",
        name="Exercise network",
        max_length=500,
        counting=Counting.CODE_POINTS,
        url_length=23,
        max_raw_length=5000,
        splits_threads=True,
        media=MediaRules(
            max_items=4,
            image_types=_WEB_IMAGES,
            video_types=("video/mp4",),
            max_image_bytes=5 * MB,
            max_video_bytes=5 * MB,
            max_alt_text=1500,
            mixes_images_and_video=True,
        ),
    ),
}

PLATFORMS: tuple[str, ...] = tuple(_RULES)
THREAD_PLATFORMS: tuple[str, ...] = tuple(slug for slug, r in _RULES.items() if r.splits_threads)


class UnknownPlatformError(ValueError):
    def __init__(self, platform: str) -> None:
        super().__init__(f"Unknown platform {platform!r}; choose one of: {', '.join(PLATFORMS)}")
        self.platform = platform


def platform_limits(platform: str) -> PlatformRules:
    """The rules of ``platform`` (a slug from ``PLATFORMS``); raises UnknownPlatformError."""
    try:
        return _RULES[platform.strip().lower()]
    except (KeyError, AttributeError):
        raise UnknownPlatformError(str(platform)) from None


def _positive_int(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        return None
    return value


def mastodon_rules_from_instance(instance: Mapping[str, Any]) -> PlatformRules:
    """Mastodon rules for one instance, from its parsed ``/api/v2/instance`` JSON.

    Missing or malformed values fall back to Mastodon's defaults (500 characters, links 23).
    """
    base = _RULES["mastodon"]
    config = instance.get("configuration") if isinstance(instance, Mapping) else None
    config = config if isinstance(config, Mapping) else {}
    statuses = config.get("statuses") if isinstance(config.get("statuses"), Mapping) else {}
    media = config.get("media_attachments")
    media = media if isinstance(media, Mapping) else {}

    max_length = _positive_int(statuses.get("max_characters")) or base.max_length
    url_length = _positive_int(statuses.get("characters_reserved_per_url")) or base.url_length
    items = _positive_int(statuses.get("max_media_attachments")) or base.media.max_items
    image_bytes = _positive_int(media.get("image_size_limit")) or base.media.max_image_bytes
    video_bytes = _positive_int(media.get("video_size_limit")) or base.media.max_video_bytes
    alt_text = _positive_int(media.get("description_limit")) or base.media.max_alt_text
    mime_types = media.get("supported_mime_types")
    image_types = base.media.image_types
    video_types = base.media.video_types
    if isinstance(mime_types, list) and all(isinstance(t, str) for t in mime_types):
        image_types = tuple(t for t in mime_types if t.startswith("image/")) or image_types
        video_types = tuple(t for t in mime_types if t.startswith("video/")) or video_types
    return replace(
        base,
        max_length=max_length,
        url_length=url_length,
        media=replace(
            base.media,
            max_items=items,
            max_image_bytes=image_bytes,
            max_video_bytes=video_bytes,
            max_alt_text=alt_text,
            image_types=image_types,
            video_types=video_types,
        ),
    )


def mastodon_limits(instance: Mapping[str, Any]) -> tuple[int, int]:
    """(max_characters, characters_reserved_per_url) of an instance, defaults (500, 23)."""
    rules = mastodon_rules_from_instance(instance)
    return rules.max_length, rules.url_length or 23
