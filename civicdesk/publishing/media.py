"""Images and videos attached to posts: checked on the way in, described in every language;
a video also carries captions in each language (WebVTT or SubRip, kept as WebVTT)."""

from __future__ import annotations

import io
from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from civicdesk.core import archive
from civicdesk.organizations.access import Perm, User, require
from civicdesk.organizations.audit import audit
from civicdesk.publishing.models import Post, PostMedia, PostStatus
from civicdesk.publishing.models import PublicationState as S
from civicdesk.publishing.state import LIVE_OR_UNKNOWN, PENDING, move_many
from civicdesk.rules.video import CaptionsError, VideoError, read_captions, read_mp4

MAX_IMAGE_BYTES = 8 * 1024 * 1024
# The largest video a post carries: above what most platforms take, below what a worker
# should hold in memory to send it.
MAX_VIDEO_BYTES = 200 * 1024 * 1024
MAX_IMAGES = 10
MAX_ALT_TEXT = 1500
FORMATS = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "GIF": ("image/gif", "gif"),
    "WEBP": ("image/webp", "webp"),
}
# Decompression bombs: refuse images larger than this many pixels.
MAX_PIXELS = 50_000_000


def inspect_image(data: bytes) -> tuple[str, str, int, int]:
    """(content type, extension, width, height) of a real image, or ValidationError."""
    if len(data) > MAX_IMAGE_BYTES:
        raise ValidationError(_("The image is larger than 8 MB."))
    try:
        with Image.open(io.BytesIO(data)) as image:
            kind = image.format or ""
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise ValidationError(_("The image has too many pixels."))
            image.verify()
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
    ) as exc:
        raise ValidationError(
            _("That file is not an image we can use (JPEG, PNG, GIF or WebP).")
        ) from exc
    if kind not in FORMATS:
        raise ValidationError(_("Use a JPEG, PNG, GIF or WebP image."))
    content_type, extension = FORMATS[kind]
    return content_type, extension, width, height


def is_mp4(head: bytes) -> bool:
    """Whether a file's first bytes are an MP4's (its ``ftyp`` box)."""
    return head[4:8] == b"ftyp"


def inspect_video(data: bytes) -> tuple[int, int, int, str]:
    """(width, height, duration in ms, codec) of an MP4 video, or ValidationError."""
    if len(data) > MAX_VIDEO_BYTES:
        raise ValidationError(_("The video is larger than 200 MB."))
    try:
        info = read_mp4(data)
    except VideoError as exc:
        raise ValidationError(
            _("That file is not an MP4 video we can read: %(reason)s.") % {"reason": exc}
        ) from exc
    return info.width, info.height, round(info.duration_seconds * 1000), info.codec


def _alt_texts(values: Mapping[str, str]) -> dict[str, str]:
    cleaned = {lang: " ".join(text.split()) for lang, text in values.items() if text.strip()}
    if any(len(text) > MAX_ALT_TEXT for text in cleaned.values()):
        raise ValidationError(
            _("Alt text is limited to %(count)s characters.") % {"count": MAX_ALT_TEXT}
        )
    return cleaned


def _content_changed(post: Post, actor: User, action: str, data: dict[str, object]) -> None:
    """Images are content: a change sends an approved post back to draft."""
    if post.publications.filter(state__in=LIVE_OR_UNKNOWN).exists():
        raise ValidationError(_("Part of this post is already published or being published."))
    if post.status != PostStatus.DRAFT:
        post.revision += 1
        post.status = PostStatus.DRAFT
        post.save(update_fields=["revision", "status", "updated_at"])
        move_many(
            post.publications.all(),
            S.DRAFT,
            sources=PENDING,
            status_reason="The images changed; approve again.",
        )
    audit(
        organization=post.brand.organization_id, actor=actor, action=action, target=post, data=data
    )


@transaction.atomic
def media_attach(
    *, post: Post, actor: User, data: bytes, filename: str, alt_texts: Mapping[str, str]
) -> PostMedia:
    post = Post.objects.select_for_update().select_related("brand").get(pk=post.pk)
    require(actor, post.brand, Perm.COMPOSE)
    if post.media.count() >= MAX_IMAGES:
        raise ValidationError(
            _("A post can carry at most %(count)s images.") % {"count": MAX_IMAGES}
        )
    duration_ms, codec = None, ""
    if is_mp4(data[:12]):
        width, height, duration_ms, codec = inspect_video(data)
        content_type, extension = "video/mp4", "mp4"
    else:
        content_type, extension, width, height = inspect_image(data)
    item = PostMedia(
        post=post,
        content_type=content_type,
        size=len(data),
        width=width,
        height=height,
        alt_texts=_alt_texts(alt_texts),
        position=post.media.count(),
        duration_ms=duration_ms,
        codec=codec,
    )
    item.file.save(f"post{post.pk}.{extension}", ContentFile(data), save=False)
    item.save()
    _content_changed(
        post,
        actor,
        "post.media_attach",
        {"media": item.pk, "bytes": len(data), "name": filename[:100]},
    )
    archive.note("post", post.pk, actor=actor, why="post.media_attach")
    return item


@transaction.atomic
def media_describe(*, media: PostMedia, actor: User, alt_texts: Mapping[str, str]) -> PostMedia:
    media = PostMedia.objects.select_for_update().select_related("post__brand").get(pk=media.pk)
    require(actor, media.post.brand, Perm.COMPOSE)
    media.alt_texts = _alt_texts(alt_texts)
    media.save(update_fields=["alt_texts"])
    _content_changed(media.post, actor, "post.media_describe", {"media": media.pk})
    archive.note("post", media.post_id, actor=actor, why="post.media_describe")
    return media


@transaction.atomic
def media_captions(
    *, media: PostMedia, actor: User, language: str, data: bytes | None
) -> PostMedia:
    """Give a video its captions in ``language`` (WebVTT or SubRip), or take them away
    (``data`` None). Captions are content: an approved post goes back to draft."""
    media = PostMedia.objects.select_for_update().select_related("post__brand").get(pk=media.pk)
    require(actor, media.post.brand, Perm.COMPOSE)
    if not media.is_video:
        raise ValidationError(_("Only a video has captions."))
    if language not in media.post.brand.organization.official_languages:
        raise ValidationError(_("Captions are given in one of the organization's languages."))
    captions = dict(media.captions)
    if data is None:
        captions.pop(language, None)
        detail: dict[str, object] = {"media": media.pk, "language": language, "removed": True}
    else:
        try:
            read = read_captions(data)
        except CaptionsError as exc:
            raise ValidationError(
                _("Those captions cannot be used: %(reason)s.") % {"reason": exc}
            ) from exc
        duration = media.duration_seconds
        if duration is not None and read.last_end > duration + 1:
            raise ValidationError(
                _("The captions run past the end of the video (%(end)s s of %(length)s s).")
                % {"end": round(read.last_end), "length": round(duration)}
            )
        captions[language] = read.vtt
        detail = {"media": media.pk, "language": language, "cues": read.cues}
    media.captions = captions
    media.save(update_fields=["captions"])
    _content_changed(media.post, actor, "post.media_captions", detail)
    archive.note("post", media.post_id, actor=actor, why="post.media_captions")
    return media


@transaction.atomic
def media_remove(*, media: PostMedia, actor: User) -> None:
    media = PostMedia.objects.select_for_update().select_related("post__brand").get(pk=media.pk)
    post = media.post
    require(actor, post.brand, Perm.COMPOSE)
    _content_changed(post, actor, "post.media_remove", {"media": media.pk})
    media.file.delete(save=False)
    media.delete()
    archive.note("post", post.pk, actor=actor, why="post.media_remove")
