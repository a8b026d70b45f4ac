"""Images on a post: add, describe, remove, and show them to the team."""

from __future__ import annotations

from django.http import FileResponse, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from civicdesk.organizations.access import Perm
from civicdesk.pages.views.common import HtmxHttpRequest, post_for, run_action
from civicdesk.publishing.media import MAX_IMAGE_BYTES, media_attach, media_describe, media_remove
from civicdesk.publishing.models import PostMedia


def _alt_texts(request: HtmxHttpRequest, languages: list[str]) -> dict[str, str]:
    return {lang: request.POST.get(f"alt_{lang}", "") for lang in languages}


@require_POST
def media_add(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    post = post_for(request, pk, Perm.COMPOSE)
    upload = request.FILES.get("image")
    if upload is None:
        from django.contrib import messages

        messages.error(request, _("Choose an image to add."))
        return redirect("post-detail", pk=pk)
    # Read at most one byte over the limit: the action gives the message.
    data = upload.read(MAX_IMAGE_BYTES + 1)
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
        "Image added.",
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
        "Description saved.",
    )
    return redirect("post-detail", pk=pk)


@require_POST
def media_delete(request: HtmxHttpRequest, pk: int, media_pk: int) -> HttpResponse:
    media = _media(request, pk, media_pk, Perm.COMPOSE)
    run_action(request, lambda: media_remove(media=media, actor=request.user), "Image removed.")
    return redirect("post-detail", pk=pk)


@require_GET
def media_file(request: HtmxHttpRequest, pk: int, media_pk: int) -> FileResponse:
    media = _media(request, pk, media_pk, Perm.VIEW)
    response = FileResponse(media.file.open("rb"), content_type=media.content_type)
    response["Content-Security-Policy"] = "default-src 'none'"
    response["X-Content-Type-Options"] = "nosniff"
    return response
