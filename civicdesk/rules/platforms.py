"""What each platform accepts: text limits, how it counts, and its media rules.

The numbers are the platforms' published limits, declared in each platform's description
(``connectors/<platform>/platform.py``) and gathered here. Mastodon instances choose their
own limits; ``mastodon_rules_from_instance`` reads them from the instance's
``/api/v2/instance`` document.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from civicdesk.connectors.catalog import SPECS
from civicdesk.connectors.spec import MB, Counting, MediaRules, PlatformRules

__all__ = [
    "MB",
    "PLATFORMS",
    "THREAD_PLATFORMS",
    "Counting",
    "MediaRules",
    "PlatformRules",
    "UnknownPlatformError",
    "mastodon_limits",
    "mastodon_rules_from_instance",
    "platform_limits",
]

# Each platform's rules are part of its description (connectors/<platform>/platform.py);
# the table is assembled from those, so a platform is described once.
_RULES: dict[str, PlatformRules] = {
    slug: spec.rules for slug, spec in SPECS.items() if spec.rules is not None
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
    statuses = config.get("statuses")
    statuses = statuses if isinstance(statuses, Mapping) else {}
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
