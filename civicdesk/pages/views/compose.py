"""Writing a post: the composer, its edit form, and the live preview."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from civicdesk.core.http import signed_in
from civicdesk.organizations.access import Perm, brands_for
from civicdesk.organizations.models import Brand, Channel
from civicdesk.pages.forms import ComposeForm, post_languages
from civicdesk.pages.preview import build_preview
from civicdesk.pages.selectors import post_detail
from civicdesk.pages.text import parse_local_time
from civicdesk.pages.views.common import HtmxHttpRequest, brand_for, int_param, post_for
from civicdesk.publishing import services
from civicdesk.publishing.checks import captions_not_sent, postable_channels, reader_language
from civicdesk.rules import language_list, language_name


def _composable_brands(request: HtmxHttpRequest) -> QuerySet[Brand]:
    # An archived brand takes no new posts: it is not offered, and not taken if named.
    return (
        brands_for(request.user, Perm.COMPOSE)
        .filter(archived_at=None)
        .order_by("organization__name", "name")
    )


def _default_brand(request: HtmxHttpRequest, *, editing: bool = False) -> Brand:
    brand_id = int_param(request.GET.get("brand") or request.POST.get("brand"))
    if brand_id is not None:
        brand = brand_for(request, brand_id, Perm.COMPOSE)
        if brand.archived_at is not None and not editing:
            raise Http404(_("Archived brand"))
        return brand
    first = _composable_brands(request).first()
    if first is None:
        raise PermissionDenied(_("Your role on your brands does not allow writing posts."))
    return first


def channel_languages(channels: list[Channel]) -> dict[int, str]:
    """What each account publishes in, as the composer labels it ("French only")."""
    reader = reader_language()
    labels = {}
    for channel in channels:
        if not channel.languages:
            labels[channel.pk] = gettext("every language")
        elif len(channel.languages) == 1:
            labels[channel.pk] = gettext("%(language)s only") % {
                "language": language_name(channel.languages[0], reader)
            }
        else:
            labels[channel.pk] = language_list(channel.languages, reader)
    return labels


@require_http_methods(["GET", "POST"])
def post_new(request: HtmxHttpRequest) -> HttpResponse:
    brand = _default_brand(request)
    form = ComposeForm(request.POST or None, brand=brand)
    if request.method == "POST" and form.is_valid():
        try:
            post = services.post_create(brand=brand, actor=signed_in(request), draft=form.draft())
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            return redirect("post-detail", pk=post.pk)
    brands = _composable_brands(request)
    return render(
        request,
        "pages/compose.html",
        {
            "form": form,
            "brand": brand,
            "brands": brands,
            "post": None,
            "org": brand.organization,
            "channel_languages": channel_languages(form.channel_list),
        },
    )


@require_http_methods(["GET", "POST"])
def post_edit(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    post_for(request, pk, Perm.COMPOSE)
    post = post_detail(pk=pk)
    brand = post.brand
    form = ComposeForm(request.POST or None, brand=brand, initial=ComposeForm.initial_for(post))
    if request.method == "POST" and form.is_valid():
        try:
            services.post_update(post=post, actor=signed_in(request), draft=form.draft())
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            return redirect("post-detail", pk=post.pk)
    return render(
        request,
        "pages/compose.html",
        {
            "form": form,
            "brand": brand,
            "brands": [brand],
            "post": post,
            "org": brand.organization,
            "channel_languages": channel_languages(form.channel_list),
        },
    )


@require_POST
def post_preview(request: HtmxHttpRequest) -> HttpResponse:
    post_pk = int_param(request.GET.get("post"))
    # A post of a brand archived since is still edited, and its preview still shown.
    brand = _default_brand(request, editing=post_pk is not None)
    # Editing: the post's images count, as they will at approval.
    post = post_for(request, post_pk, Perm.COMPOSE) if post_pk is not None else None
    if post is not None and post.brand_id != brand.pk:
        post = None
    channel_ids = {int_param(v) for v in request.POST.getlist("channels")}
    postable = postable_channels(brand.pk)
    channels = [c for c in postable if c.pk in channel_ids]
    languages = post_languages(brand)
    texts = {lang: request.POST.get(f"text_{lang}", "")[:100_000] for lang in languages}
    overrides = {
        (lang, c.pk): request.POST.get(f"override_{lang}_{c.pk}", "")[:100_000]
        for lang in languages
        for c in channels
    }
    reader = reader_language()
    preview = build_preview(
        organization=brand.organization,
        channels=channels,
        texts=texts,
        overrides=overrides,
        language_names={lang: language_name(lang, reader) for lang in languages},
        other_channels=[c for c in postable if c.pk not in channel_ids],
        post=post,
        reader_language=reader,
    )
    try:
        at = parse_local_time(request.POST.get("scheduled_at", ""), brand.organization.tz)
    except ValidationError:
        at = None  # the form says what is wrong with it on saving
    return render(
        request,
        "pages/compose.html#preview",
        {
            "items": preview.items,
            "general": preview.general,
            "blocking": preview.blocking,
            "time_past": services.time_already_past(at),
            "has_channels": bool(channels),
            "bilingual": [choice.explanation(reader) for choice in preview.bilingual],
            "captions_not_sent": captions_not_sent(post, channels),
        },
    )
