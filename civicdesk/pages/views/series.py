"""Recurring posts: their list, the form to write or change one, its page and its actions
(submit, approve, send back, end). The occurrences are ordinary posts on the plan."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from civicdesk.core.http import signed_in
from civicdesk.organizations.access import Perm, brands_for, has_perm, require
from civicdesk.organizations.models import Brand
from civicdesk.pages.series_forms import SeriesForm
from civicdesk.pages.views.common import HtmxHttpRequest, brand_for, int_param, run_action
from civicdesk.publishing import recurrence
from civicdesk.publishing.models import PostSeries, PostStatus, SeriesStatus


def _series_for(request: HtmxHttpRequest, pk: int, perm: Perm) -> PostSeries:
    series = get_object_or_404(
        PostSeries.objects.select_related("brand__organization", "author", "pillar", "campaign"),
        pk=pk,
    )
    require(request.user, series.brand, perm)
    return series


@require_GET
def series_list(request: HtmxHttpRequest) -> HttpResponse:
    series = (
        PostSeries.objects.filter(brand__in=brands_for(request.user, Perm.VIEW))
        .select_related("brand__organization", "author")
        .order_by("status", "title", "pk")
    )
    return render(request, "pages/series_list.html", {"series_list": series})


def _composable_brand(request: HtmxHttpRequest) -> Brand:
    brand_id = int_param(request.GET.get("brand") or request.POST.get("brand"))
    if brand_id is not None:
        brand = brand_for(request, brand_id, Perm.COMPOSE)
        if brand.archived_at is not None:
            raise Http404(_("Archived brand"))
        return brand
    first = (
        brands_for(request.user, Perm.COMPOSE)
        .filter(archived_at=None)
        .select_related("organization")
        .order_by("organization__name", "name")
        .first()
    )
    if first is None:
        raise PermissionDenied(_("Your role on your brands does not allow writing posts."))
    return first


@require_http_methods(["GET", "POST"])
def series_new(request: HtmxHttpRequest) -> HttpResponse:
    brand = _composable_brand(request)
    form = SeriesForm(request.POST or None, brand=brand)
    if request.method == "POST" and form.is_valid():
        try:
            series = recurrence.series_create(
                brand=brand,
                actor=signed_in(request),
                draft=form.draft(),
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            return redirect("series-detail", pk=series.pk)
    brands = (
        brands_for(request.user, Perm.COMPOSE)
        .filter(archived_at=None)
        .order_by("organization__name", "name")
    )
    return render(
        request,
        "pages/series_form.html",
        {"form": form, "brand": brand, "brands": brands, "series": None},
    )


@require_http_methods(["GET", "POST"])
def series_edit(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    series = _series_for(request, pk, Perm.COMPOSE)
    form = SeriesForm(
        request.POST or None, brand=series.brand, initial=SeriesForm.initial_for(series)
    )
    if request.method == "POST" and form.is_valid():
        try:
            recurrence.series_update(series=series, actor=signed_in(request), draft=form.draft())
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            return redirect("series-detail", pk=series.pk)
    return render(
        request,
        "pages/series_form.html",
        {"form": form, "brand": series.brand, "brands": [series.brand], "series": series},
    )


@require_GET
def series_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    series = _series_for(request, pk, Perm.VIEW)
    now = timezone.now()
    upcoming = list(
        series.occurrences.filter(scheduled_at__gte=now)
        .exclude(status=PostStatus.CANCELLED)
        .select_related("brand__organization")
        .order_by("scheduled_at", "pk")[:60]
    )
    user = request.user
    return render(
        request,
        "pages/series_detail.html",
        {
            "series": series,
            "org": series.brand.organization,
            "upcoming": upcoming,
            "next_times": recurrence.next_occurrences(series, after=now, limit=5),
            "approvals": series.approvals.select_related("approver").filter(
                revision=series.revision
            ),
            "approvals_needed": recurrence.series_approvals_needed(series),
            "once": recurrence.approves_series_once(series.brand),
            "can_compose": has_perm(user, series.brand, Perm.COMPOSE),
            "can_approve": has_perm(user, series.brand, Perm.APPROVE)
            and series.author_id != user.pk,
            "statuses": SeriesStatus,
        },
    )


@require_POST
def series_action(request: HtmxHttpRequest, pk: int, action: str) -> HttpResponse:
    actor = signed_in(request)
    comment = request.POST.get("comment", "")
    if action == "submit":
        series = _series_for(request, pk, Perm.COMPOSE)
        run_action(
            request,
            lambda: recurrence.series_submit(series=series, actor=actor),
            _("Sent for approval."),
        )
    elif action == "approve":
        series = _series_for(request, pk, Perm.APPROVE)
        run_action(
            request,
            lambda: recurrence.series_approve(series=series, actor=actor, comment=comment),
            _("Approved."),
        )
    elif action == "send-back":
        series = _series_for(request, pk, Perm.APPROVE)
        run_action(
            request,
            lambda: recurrence.series_send_back(series=series, actor=actor, comment=comment),
            _("Sent back to the author."),
        )
    elif action == "end":
        series = _series_for(request, pk, Perm.COMPOSE)
        run_action(
            request,
            lambda: recurrence.series_end(series=series, actor=actor),
            _("The recurring post has ended; its occurrences to come are cancelled."),
        )
    else:
        raise Http404(_("No such action"))
    return redirect("series-detail", pk=pk)
