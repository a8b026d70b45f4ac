"""Media rules per platform."""

from __future__ import annotations

from civicdesk.rules import MediaSpec, check_media

JPEG = MediaSpec("image/jpeg", 500_000, 1080, 1080, "A park in spring.")
VIDEO = MediaSpec("video/mp4", 5_000_000, 1920, 1080, "")


def codes(platform: str, media: list[MediaSpec]) -> list[str]:
    return [f.code for f in check_media(platform, media)]


def test_fine_media() -> None:
    for platform in (
        "x",
        "bluesky",
        "mastodon",
        "threads",
        "facebook",
        "instagram",
        "linkedin",
        "exnet",
    ):
        assert codes(platform, [JPEG]) == [], platform


def test_count() -> None:
    assert codes("x", [JPEG] * 5) == ["media.too_many"]
    assert codes("bluesky", [JPEG] * 4) == []
    assert codes("youtube", [JPEG]) == ["media.type"]  # a video, not an image
    assert codes("youtube", []) == ["media.required"]


def test_instagram_needs_media_jpeg_and_aspect_ratio() -> None:
    assert codes("instagram", []) == ["media.required"]
    assert codes("instagram", [MediaSpec("image/png", 1000, 1080, 1080, "x")]) == ["media.type"]
    tall = MediaSpec("image/jpeg", 1000, 1000, 2000, "A tall poster.")
    assert codes("instagram", [tall]) == ["media.aspect_ratio"]
    assert codes("instagram", [MediaSpec("image/jpeg", 1000, 1080, 1350, "4:5")]) == []
    assert codes("instagram", [MediaSpec("image/jpeg", 1000, 200, 200, "small")]) == [
        "media.too_narrow"
    ]


def test_sizes() -> None:
    big = MediaSpec("image/jpeg", 1_500_000, 1000, 1000, "A chart.")
    assert codes("bluesky", [big]) == ["media.too_large"]
    assert codes("x", [big]) == []


def test_alt_text_length_per_platform() -> None:
    def alt(n: int) -> list[MediaSpec]:
        return [MediaSpec("image/jpeg", 1000, 100, 100, "a" * n)]

    assert codes("x", alt(1000)) == []
    assert codes("x", alt(1001)) == ["media.alt_text_too_long"]
    assert codes("bluesky", alt(2000)) == []
    assert codes("bluesky", alt(2001)) == ["media.alt_text_too_long"]
    assert codes("mastodon", alt(1500)) == []
    assert codes("mastodon", alt(1501)) == ["media.alt_text_too_long"]


def test_mixing_images_and_video() -> None:
    assert "media.mixed" in codes("x", [JPEG, VIDEO])
    assert "media.mixed" not in codes("instagram", [JPEG, VIDEO])
    assert "media.too_many_videos" in codes("x", [VIDEO, VIDEO])


def test_unknown_type_and_parameters() -> None:
    assert codes("x", [MediaSpec("application/pdf", 10, None, None, "")]) == ["media.type"]
    assert codes("x", [MediaSpec("IMAGE/JPEG; q=1", 10, None, None, "x")]) == []
