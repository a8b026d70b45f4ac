"""Writing a post: the composer, its edit form, and the live preview."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from civicdesk.organizations.access import Perm, brands_for
from civicdesk.organizations.models import Brand
from civicdesk.pages.forms import ComposeForm, language_name, post_languages
from civicdesk.pages.preview import build_preview
from civicdesk.pages.selectors import post_detail
from civicdesk.pages.views.common import HtmxHttpRequest, brand_for, int_param, post_for
from civicdesk.publishing import services


def _default_brand(request: HtmxHttpRequest) -> Brand:
    brand_id = int_param(request.GET.get("brand") or request.POST.get("brand"))
    if brand_id is not None:
        return brand_for(request, brand_id, Perm.COMPOSE)
    brand = brands_for(request.user, Perm.COMPOSE).order_by("organization__name", "name").first()
    if brand is None:
        raise PermissionDenied("Your role on your brands does not allow writing posts.")
    return brand


@require_http_methods(["GET", "POST"])
def post_new(request: HtmxHttpRequest) -> HttpResponse:
    brand = _default_brand(request)
    form = ComposeForm(request.POST or None, brand=brand)
    if request.method == "POST" and form.is_valid():
        try:
            post = services.post_create(brand=brand, actor=request.user, draft=form.draft())
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            return redirect("post-detail", pk=post.pk)
    brands = brands_for(request.user, Perm.COMPOSE).order_by("organization__name", "name")
    return render(request, "pages/compose.html",
                  {"form": form, "brand": brand, "brands": brands, "post": None,
                   "org": brand.organization})


@require_http_methods(["GET", "POST"])
def post_edit(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    post_for(request, pk, Perm.COMPOSE)
    post = post_detail(pk=pk)
    brand = post.brand
    form = ComposeForm(request.POST or None, brand=brand,
                       initial=ComposeForm.initial_for(post))
    if request.method == "POST" and form.is_valid():
        try:
            services.post_update(post=post, actor=request.user, draft=form.draft())
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            return redirect("post-detail", pk=post.pk)
    return render(request, "pages/compose.html",
                  {"form": form, "brand": brand, "brands": [brand], "post": post,
                   "org": brand.organization})


@require_POST
def post_preview(request: HtmxHttpRequest) -> HttpResponse:
    brand = _default_brand(request)
    channel_ids = {int_param(v) for v in request.POST.getlist("channels")}
    channels = [c for c in brand.channels.filter(is_active=True) if c.pk in channel_ids]
    languages = post_languages(brand)
    texts = {lang: request.POST.get(f"text_{lang}", "")[:100_000] for lang in languages}
    overrides = {
        (lang, c.pk): request.POST.get(f"override_{lang}_{c.pk}", "")[:100_000]
        for lang in languages for c in channels
    }
    preview = build_preview(
        channels=channels, texts=texts, overrides=overrides,
        official_languages=brand.organization.official_languages,
        language_names={lang: language_name(lang) for lang in languages},
        organization=brand.organization,
        reader_language=getattr(request, "LANGUAGE_CODE", "") or "en",
    )
    return render(request, "pages/compose.html#preview",
                  {"items": preview.items, "general": preview.general,
                   "has_channels": bool(channels)})
