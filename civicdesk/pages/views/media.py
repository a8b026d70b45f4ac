"""Images and videos on a post: add, describe, caption, remove, and show them to the team."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from civicdesk.organizations.access import Perm
from civicdesk.pages.views.common import HtmxHttpRequest, post_for, run_action
from civicdesk.publishing.media import (
    MAX_IMAGE_BYTES,
    MAX_VIDEO_BYTES,
    is_mp4,
    media_attach,
    media_captions,
    media_describe,
    media_remove,
)
from civicdesk.publishing.models import PostMedia
from civicdesk.rules.video import MAX_CAPTION_BYTES


def _alt_texts(request: HtmxHttpRequest, languages: list[str]) -> dict[str, str]:
    return {lang: request.POST.get(f"alt_{lang}", "") for lang in languages}


@require_POST
def media_add(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    post = post_for(request, pk, Perm.COMPOSE)
    upload = request.FILES.get("image")
    if upload is None:
        messages.error(request, _("Choose an image to add."))
        return redirect("post-detail", pk=pk)
    # Read at most one byte over the limit: the action gives the message.
    head = upload.read(12)
    limit = MAX_VIDEO_BYTES if is_mp4(head) else MAX_IMAGE_BYTES
    data = head + upload.read(limit + 1 - len(head))
    languages = list(post.brand.organization.official_languages)
    run_action(
        request,
        lambda: media_attach(
            post=post,
            actor=request.user,
            data=data,
            filename=upload.name or "",
            alt_texts=_alt_texts(request, languages),
        ),
        _("Image added."),
    )
    return redirect("post-detail", pk=pk)


def _media(request: HtmxHttpRequest, pk: int, media_pk: int, perm: Perm) -> PostMedia:
    post = post_for(request, pk, perm)
    return get_object_or_404(PostMedia.objects.select_related("post"), pk=media_pk, post=post)


@require_POST
def media_update(request: HtmxHttpRequest, pk: int, media_pk: int) -> HttpResponse:
    media = _media(request, pk, media_pk, Perm.COMPOSE)
    languages = list(media.post.brand.organization.official_languages)
    run_action(
        request,
        lambda: media_describe(
            media=media, actor=request.user, alt_texts=_alt_texts(request, languages)
        ),
        _("Description saved."),
    )
    return redirect("post-detail", pk=pk)


@require_POST
def media_delete(request: HtmxHttpRequest, pk: int, media_pk: int) -> HttpResponse:
    media = _media(request, pk, media_pk, Perm.COMPOSE)
    run_action(request, lambda: media_remove(media=media, actor=request.user), _("Image removed."))
    return redirect("post-detail", pk=pk)


@require_POST
def media_captions_set(request: HtmxHttpRequest, pk: int, media_pk: int) -> HttpResponse:
    """Give a video its captions in one language (a WebVTT or SubRip file), or remove them."""
    media = _media(request, pk, media_pk, Perm.COMPOSE)
    language = request.POST.get("language", "")
    upload = request.FILES.get("captions")
    if request.POST.get("remove"):
        data = None
    elif upload is None:
        messages.error(request, _("Choose a captions file (WebVTT or SubRip) to add."))
        return redirect("post-detail", pk=pk)
    else:
        data = upload.read(MAX_CAPTION_BYTES + 1)
    run_action(
        request,
        lambda: media_captions(media=media, actor=request.user, language=language, data=data),
        _("Captions saved.") if data is not None else _("Captions removed."),
    )
    return redirect("post-detail", pk=pk)


@require_GET
def media_file(request: HtmxHttpRequest, pk: int, media_pk: int) -> FileResponse:
    media = _media(request, pk, media_pk, Perm.VIEW)
    response = FileResponse(media.file.open("rb"), content_type=media.content_type)
    response["Content-Security-Policy"] = "default-src 'none'"
    response["X-Content-Type-Options"] = "nosniff"
    return response
