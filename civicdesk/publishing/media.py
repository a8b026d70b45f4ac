"""Images attached to posts: checked on the way in, described in every language."""

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

MAX_IMAGE_BYTES = 8 * 1024 * 1024
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
    content_type, extension, width, height = inspect_image(data)
    item = PostMedia(
        post=post,
        content_type=content_type,
        size=len(data),
        width=width,
        height=height,
        alt_texts=_alt_texts(alt_texts),
        position=post.media.count(),
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
def media_remove(*, media: PostMedia, actor: User) -> None:
    media = PostMedia.objects.select_for_update().select_related("post__brand").get(pk=media.pk)
    post = media.post
    require(actor, post.brand, Perm.COMPOSE)
    _content_changed(post, actor, "post.media_remove", {"media": media.pk})
    media.file.delete(save=False)
    media.delete()
    archive.note("post", post.pk, actor=actor, why="post.media_remove")
