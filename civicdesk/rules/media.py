"""Checking attachments against what a platform accepts: count, formats, sizes, shapes, alt text."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from . import text as tx
from .messages import message
from .platforms import Counting, MediaRules, PlatformRules, platform_limits
from .types import Finding, MediaSpec, Severity
from .video import CODEC_NAMES


def _size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    if size >= 1024:
        return f"{size / 1024:.0f} kB"
    return f"{size} B"


def _alt_length(alt_text: str, rules: PlatformRules) -> int:
    if rules.counting is Counting.GRAPHEMES:
        return tx.grapheme_count(alt_text)
    if rules.counting is Counting.UTF16:
        return tx.utf16_length(alt_text)
    if rules.counting is Counting.CODE_POINTS:
        return len(alt_text)
    return len(tx.nfc(alt_text))


def check_media_with(
    rules: PlatformRules, media: Sequence[MediaSpec], *, language: str | None = None
) -> list[Finding]:
    """Findings for ``media`` attached to one post under explicit platform ``rules``."""
    found: list[Finding] = []
    limits = rules.media

    def add(code: str, severity: Severity = Severity.BLOCKING, **values: object) -> None:
        values.setdefault("platform", rules.name)
        found.append(
            Finding(
                severity=severity,
                code=code,
                message=message(code, language, values),
                language=language,
                platform=rules.slug,
                data={k: str(v) for k, v in values.items()},
            )
        )

    if not media:
        if limits.requires_media:
            add("media.required")
        return found
    if limits.max_items == 0:
        add("media.not_supported")
        return found
    if len(media) > limits.max_items:
        add("media.too_many", limit=limits.max_items, count=len(media))
    kinds = [item.kind for item in media]
    videos = kinds.count("video")
    if videos and "image" in kinds and not limits.mixes_images_and_video:
        add("media.mixed")
    if videos > limits.max_videos:
        add("media.too_many_videos", limit=limits.max_videos)

    for number, item in enumerate(media, start=1):
        content_type = item.content_type.split(";", 1)[0].strip().lower()
        accepted = limits.image_types if item.kind == "image" else limits.video_types
        if item.kind == "other" or content_type not in accepted:
            add("media.type", content_type=content_type or "?", number=number)
            continue
        most = limits.max_image_bytes if item.kind == "image" else limits.max_video_bytes
        if most is not None and item.size_bytes > most:
            add("media.too_large", number=number, size=_size(item.size_bytes), limit=_size(most))
        if item.width and item.height and item.width > 0 and item.height > 0:
            ratio = item.width / item.height
            low, high = limits.min_aspect_ratio, limits.max_aspect_ratio
            if (low is not None and ratio < low - 1e-9) or (
                high is not None and ratio > high + 1e-9
            ):
                add(
                    "media.aspect_ratio",
                    number=number,
                    ratio=f"{ratio:.2f}",
                    low=f"{low or 0:.2f}",
                    high=f"{high:.2f}" if high else "∞",
                )
            if limits.min_width and item.kind == "image" and item.width < limits.min_width:
                add("media.too_narrow", number=number, width=item.width, limit=limits.min_width)
        if item.kind == "video":
            _video_findings(item, number, limits, add)
        if limits.max_alt_text is not None and item.alt_text:
            length = _alt_length(item.alt_text, rules)
            if length > limits.max_alt_text:
                add(
                    "media.alt_text_too_long",
                    number=number,
                    length=length,
                    limit=limits.max_alt_text,
                )
    return found


def _video_findings(
    item: MediaSpec, number: int, limits: MediaRules, add: Callable[..., None]
) -> None:
    longest = limits.max_video_seconds
    if longest is not None and item.duration_seconds is not None:
        if item.duration_seconds > longest + 1e-3:
            add(
                "media.video_too_long",
                number=number,
                length=_duration(item.duration_seconds),
                limit=_duration(longest),
            )
    if limits.video_codecs and item.codec and item.codec not in limits.video_codecs:
        add(
            "media.video_codec",
            number=number,
            codec=CODEC_NAMES.get(item.codec, item.codec),
            accepted=", ".join(sorted({CODEC_NAMES.get(c, c) for c in limits.video_codecs})),
        )


def _duration(seconds: float) -> str:
    whole = round(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


def check_media(platform: str, media: Sequence[MediaSpec]) -> list[Finding]:
    """Findings for ``media`` on ``platform``: what the platform itself would refuse."""
    return check_media_with(platform_limits(platform), media)
