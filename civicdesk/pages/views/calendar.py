"""The plan as a calendar (month, week, day), moving a post on it, a campaign, the pillar balance.

Moving is the edit form's time change and nothing else: ``services.post_reschedule`` checks
the same rights and locks and writes the audit log, whether the post was dragged, moved with
the keys, or given a date in its "move to" form (which works without JavaScript).
"""

from __future__ import annotations

import calendar as pycalendar
from datetime import date, datetime, timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from civicdesk.core.http import signed_in
from civicdesk.organizations.access import (
    Perm,
    brands_for,
    channels_for,
    is_org_admin,
    organizations_for,
)
from civicdesk.organizations.models import Organization
from civicdesk.pages.calendar_selectors import (
    MAX_POSTS,
    VIEWS,
    CalendarFilters,
    calendar_days,
    calendar_period,
    calendar_posts,
    campaign_posts,
    pillar_balance,
    pillar_colours,
    visible_campaign,
)
from civicdesk.pages.post_state import overall_state, pauses
from civicdesk.pages.text import parse_local_time
from civicdesk.pages.views.common import HtmxHttpRequest, int_param, post_for, run_action
from civicdesk.publishing import services
from civicdesk.publishing.checks import reader_language
from civicdesk.publishing.models import Campaign, Pillar, PublicationState
from civicdesk.rules import language_name


def _date_param(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _calendar_organization(request: HtmxHttpRequest, brand_id: int | None) -> Organization:
    """Whose time zone draws the days: the filtered brand's organization, else the first of
    the person's organizations where they see a brand."""
    brands = brands_for(request.user, Perm.VIEW).select_related("organization")
    brand = brands.filter(pk=brand_id).first() if brand_id else None
    brand = brand or brands.order_by("organization__name", "name").first()
    if brand is None:
        raise Http404(_("You see no brand yet."))
    return brand.organization


@require_GET
def calendar_view(request: HtmxHttpRequest) -> HttpResponse:
    get = request.GET
    state = get.get("state") or None
    filters = CalendarFilters(
        brand=int_param(get.get("brand")),
        channel=int_param(get.get("channel")),
        pillar=int_param(get.get("pillar")),
        campaign=int_param(get.get("campaign")),
        language=(get.get("language") or "")[:8] or None,
        state=state if state in PublicationState.values else None,
    )
    org = _calendar_organization(request, filters.brand)
    tz = org.tz
    anchor = _date_param(get.get("date")) or timezone.localdate(timezone=tz)
    view = get.get("view") or "month"
    period = calendar_period(view if view in VIEWS else "month", anchor)
    since, until = period.bounds(tz)
    posts = calendar_posts(user=request.user, filters=filters, since=since, until=until)
    paused = pauses({post.brand.organization for post in posts})
    composable = set(brands_for(request.user, Perm.COMPOSE).values_list("pk", flat=True))
    organizations = list(organizations_for(request.user).order_by("name"))
    pillars = list(Pillar.objects.filter(organization__in=organizations).order_by("name"))
    colours = pillar_colours(pillars)
    for post in posts:
        post.overall = overall_state(
            post, list(post.publications.all()), paused.get(post.brand.organization_id)
        )
    days = calendar_days(
        period=period, posts=posts, tz=tz, composable_brands=composable, colours=colours
    )
    reader = reader_language()
    languages = sorted({lang for o in organizations for lang in o.official_languages})
    query = get.copy()
    for name in ("view", "date"):
        query.pop(name, None)
    return render(
        request,
        "pages/calendar.html",
        {
            "org": org,
            "period": period,
            "days": days,
            "weeks": [days[i : i + 7] for i in range(0, len(days), 7)],
            "weekdays": days[:7] if view != "day" else days,
            "hours": range(24),
            "filters": filters,
            "filter_query": query.urlencode(),
            "here": request.get_full_path(),
            "brands": brands_for(request.user, Perm.VIEW).filter(archived_at=None).order_by("name"),
            "channels": channels_for(request.user, Perm.VIEW).filter(brand__archived_at=None),
            "pillars": [(p, colours[p.pk]) for p in pillars],
            "campaigns": Campaign.objects.filter(organization__in=organizations).order_by("name"),
            "languages": [(code, language_name(code, reader)) for code in languages],
            "states": PublicationState.choices,
            "can_compose": bool(composable),
            "too_many": len(posts) >= MAX_POSTS,
        },
    )


@require_POST
def calendar_move(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Give a post a new date (and time of day) in its organization's time zone."""
    post = post_for(request, pk, Perm.COMPOSE)
    org = post.brand.organization
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
        back = reverse("calendar")
    day = (request.POST.get("date") or "").strip()
    clock = (request.POST.get("time") or "").strip()
    if not clock and post.scheduled_at is not None:
        clock = timezone.localtime(post.scheduled_at, org.tz).strftime("%H:%M")
    try:
        at = parse_local_time(f"{day}T{clock}", org.tz) if day and clock else None
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(back)
    if at is None:
        messages.error(request, _("Choose a day and a time."))
        return redirect(back)
    local = timezone.localtime(at, org.tz)
    run_action(
        request,
        lambda: services.post_reschedule(
            post=post,
            at=at,
            actor=signed_in(request),
            via=(request.POST.get("via") or "form")[:20],
        ),
        _("“%(title)s” moved to %(when)s.")
        % {"title": post.title, "when": local.strftime("%Y-%m-%d %H:%M")},
    )
    return redirect(back)


@require_GET
def campaign_view(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    campaign = visible_campaign(user=request.user, pk=pk)
    if campaign is None:
        raise Http404(_("No such campaign"))
    posts = campaign_posts(user=request.user, campaign=campaign)
    paused = pauses({campaign.organization})
    for post in posts:
        post.overall = overall_state(
            post, list(post.publications.all()), paused.get(campaign.organization_id)
        )
    today = timezone.localdate(timezone=campaign.organization.tz)
    return render(
        request,
        "pages/campaign.html",
        {
            "campaign": campaign,
            "org": campaign.organization,
            "posts": posts,
            "scheduled": sum(1 for p in posts if p.scheduled_at),
            "running": (campaign.starts_on is None or campaign.starts_on <= today)
            and (campaign.ends_on is None or today <= campaign.ends_on),
        },
    )


@require_GET
def pillar_balance_view(request: HtmxHttpRequest) -> HttpResponse:
    organizations = list(
        organizations_for(request.user)
        .filter(pk__in=brands_for(request.user, Perm.VIEW).values("organization_id"))
        .order_by("name")
    )
    if not organizations:
        raise Http404(_("You see no brand yet."))
    wanted = int_param(request.GET.get("org"))
    org = next((o for o in organizations if o.pk == wanted), organizations[0])
    month = _month_param(request.GET.get("month")) or timezone.localdate(timezone=org.tz)
    balance = pillar_balance(user=request.user, organization=org, month=month)
    # The calendar's colours: numbered among all the organization's pillars.
    colours = pillar_colours(list(Pillar.objects.filter(organization=org)))
    previous = (balance.month.replace(day=1) - timedelta(days=1)).replace(day=1)
    last = pycalendar.monthrange(balance.month.year, balance.month.month)[1]
    following = balance.month.replace(day=last) + timedelta(days=1)
    return render(
        request,
        "pages/pillar_balance.html",
        {
            "org": org,
            "organizations": organizations,
            "balance": balance,
            "previous": previous,
            "following": following,
            "rows": [
                (share, colours.get(share.pillar.pk) if share.pillar else None)
                for share in balance.shares
            ],
            "is_admin": is_org_admin(request.user, org),
        },
    )


def _month_param(value: str | None) -> date | None:
    try:
        return datetime.strptime(value, "%Y-%m").date() if value else None
    except ValueError:
        return None
