"""Influencers: the authors who carry weight in the organization's conversations, ranked by
reach or engagement over a date range, with the graph of who replies to and mentions whom.
Read-only; tags are set on the author's page, which each row leads to."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta

from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from civicdesk.inbox.influence import InfluenceFilters, Order, influence_for
from civicdesk.inbox.models import AuthorTag
from civicdesk.listening.models import MessageSource, Topic, TopicEntry
from civicdesk.listening.selectors import listening_organizations
from civicdesk.organizations.access import Perm, brands_for, channels_for
from civicdesk.organizations.models import Platform
from civicdesk.pages.forms import CATEGORY_CHOICES
from civicdesk.pages.influence_graph import draw
from civicdesk.pages.views.common import HtmxHttpRequest, int_param

DEFAULT_DAYS = 30
LONGEST_DAYS = 366  # a year at most: the range is read message by message for mentions
TOPICS_OFFERED = 50


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _range(request: HtmxHttpRequest) -> tuple[date, date, list[str]]:
    """The first and last day asked for (today and the 30 days before by default), and what
    was wrong with them; a wrong value is replaced by the default, the others kept."""
    today = timezone.localdate()
    errors: list[str] = []
    since_text, until_text = request.GET.get("since", ""), request.GET.get("until", "")
    until = _day(until_text)
    if until_text and until is None:
        errors.append(_("The end date is not a date; showing up to today."))
    until = until or today
    since = _day(since_text)
    if since_text and since is None:
        errors.append(_("The start date is not a date; showing the 30 days before the end."))
    since = since or until - timedelta(days=DEFAULT_DAYS)
    if since > until:
        errors.append(_("The start date is after the end date; showing the 30 days before it."))
        since = until - timedelta(days=DEFAULT_DAYS)
    if (until - since).days > LONGEST_DAYS:
        errors.append(_("A range is at most a year; showing the year up to the end date."))
        since = until - timedelta(days=LONGEST_DAYS)
    return since, until, errors


def _topics(request: HtmxHttpRequest, since: datetime) -> QuerySet[Topic]:
    """The topics of the person's organizations seen in the range, the largest first."""
    return Topic.objects.filter(
        organization__in=listening_organizations(request.user), last_seen__gte=since
    ).order_by("-size", "-last_seen", "pk")[:TOPICS_OFFERED]


def _topic_label(topic: Topic) -> str:
    return topic.label or _("Topic %(number)d") % {"number": topic.pk}


@require_GET
def influencers(request: HtmxHttpRequest) -> HttpResponse:
    get = request.GET
    since, until, errors = _range(request)
    zone = timezone.get_current_timezone()
    start = datetime.combine(since, time.min, zone)
    end = datetime.combine(until + timedelta(days=1), time.min, zone)
    categories = dict(CATEGORY_CHOICES)
    channels = list(channels_for(request.user, Perm.VIEW).order_by("brand__name", "handle"))
    platforms = sorted({c.platform for c in channels})
    tags = sorted(
        set(
            AuthorTag.objects.filter(
                author__organization__in={c.brand.organization_id for c in channels}
            ).values_list("tag", flat=True)
        ),
        key=str.casefold,
    )
    topics = {t.pk: t for t in _topics(request, start)}
    filters = InfluenceFilters(
        start=start,
        end=end,
        brand=int_param(get.get("brand")),
        channel=int_param(get.get("channel")),
        platform=get.get("platform") if get.get("platform") in platforms else None,
        tag=next((t for t in tags if t == get.get("tag")), None),
        category=get.get("category") if get.get("category") in categories else None,
    )
    topic = topics.get(int_param(get.get("topic")) or 0)
    if topic is not None:
        filters = replace(
            filters,
            messages_in=TopicEntry.objects.filter(topic=topic, source=MessageSource.INBOX).values(
                "message_id"
            ),
        )
    order: Order = "reach" if get.get("order") == "reach" else "engagement"
    names = {p: str(Platform(p).label) if p in Platform.values else p for p in platforms}
    base = get.copy()
    base.pop("tag", None)
    found = influence_for(user=request.user, filters=filters, order=order)
    return render(
        request,
        "pages/influencers.html",
        {
            "found": found,
            "graph": draw(found.nodes, found.edges),
            "node_labels": {n.key: n for n in found.nodes},
            "errors": errors,
            "since": since,
            "until": until,
            "order": order,
            "filters": filters,
            "topic": topic,
            "brands": brands_for(request.user, Perm.VIEW).order_by("organization__name", "name"),
            "channels": channels,
            "platforms": [(p, names[p]) for p in platforms],
            "platform_names": names,
            "base_query": base.urlencode(),
            "tags": tags,
            "categories": CATEGORY_CHOICES,
            "topics": [(t.pk, _topic_label(t)) for t in topics.values()],
        },
    )
