"""Listening's screens: the issue cards, the week's topics and the followed terms of an
organization (with the alerts' settings for its admins), and one issue card."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from civicdesk.claims.models import Claim
from civicdesk.connectors import registry
from civicdesk.connectors.base import LISTEN_CAPABILITY, FollowKind
from civicdesk.core.crypto import decrypt_json
from civicdesk.incidents.models import Incident
from civicdesk.listening import selectors, services
from civicdesk.listening.models import (
    AlertSettings,
    CardState,
    FollowedTerm,
    IssueCard,
)
from civicdesk.listening.models import FollowKind as FollowKindChoice
from civicdesk.organizations.access import is_org_admin
from civicdesk.organizations.models import Organization
from civicdesk.pages.views.common import HtmxHttpRequest, run_action


def _organization(request: HtmxHttpRequest, org_pk: int | None = None) -> Organization:
    organizations = selectors.listening_organizations(request.user)
    organization = organizations.filter(pk=org_pk).first() if org_pk else organizations.first()
    if organization is None:
        raise Http404(_("No such organization"))
    return organization


def _card(request: HtmxHttpRequest, pk: int) -> IssueCard:
    card = get_object_or_404(IssueCard.objects.select_related("organization"), pk=pk)
    if not selectors.listening_organizations(request.user).filter(pk=card.organization_id):
        raise Http404(_("No such issue card"))
    return card


@require_GET
def listening_home(request: HtmxHttpRequest) -> HttpResponse:
    return redirect("listening", org_pk=_organization(request).pk)


def _channel_choices(request: HtmxHttpRequest, organization: Organization) -> list[dict]:
    """Each channel the person may listen through, with what it can and cannot follow."""
    rows = []
    for channel in services.workable_channels(request.user, organization):
        can = [kind for kind in FollowKind if registry.supports(channel, LISTEN_CAPABILITY[kind])]
        cannot = [
            registry.limitation(channel, LISTEN_CAPABILITY[kind])
            for kind in FollowKind
            if kind not in can
        ]
        rows.append({"channel": channel, "can": can, "cannot": list(dict.fromkeys(cannot))})
    return rows


@require_http_methods(["GET", "POST"])
def listening(request: HtmxHttpRequest, org_pk: int) -> HttpResponse:
    organization = _organization(request, org_pk)
    may_work = services.may_work(request.user, organization)
    admin = is_org_admin(request.user, organization)
    form = {"kind": "keyword", "value": "", "channel": ""}
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "follow":
            form = {k: request.POST.get(k, "")[:200] for k in ("kind", "value", "channel")}
            channel = next(
                (
                    row["channel"]
                    for row in _channel_choices(request, organization)
                    if str(row["channel"].pk) == form["channel"]
                ),
                None,
            )
            if channel is None:
                messages.error(request, _("Choose a channel to listen through."))
            elif run_action(
                request,
                lambda: services.term_follow(
                    actor=request.user, channel=channel, kind=form["kind"], value=form["value"]
                ),
                _("Followed. New posts are fetched within a minute or two."),
            ):
                return redirect("listening", org_pk=organization.pk)
        elif action == "unfollow":
            term = get_object_or_404(
                FollowedTerm, pk=request.POST.get("term", "0") or 0, organization=organization
            )
            run_action(
                request,
                lambda: services.term_unfollow(actor=request.user, term=term),
                _("No longer followed."),
            )
            return redirect("listening", org_pk=organization.pk)
        elif action == "alerts":
            secret: list[str] = []
            if (
                run_action(
                    request,
                    lambda: secret.append(
                        services.alerts_configure(
                            actor=request.user,
                            organization=organization,
                            emails=request.POST.get("emails", "")[:5000],
                            webhook_url=request.POST.get("webhook_url", "")[:600],
                            new_secret=request.POST.get("new_secret") == "on",
                        )
                    ),
                    _("Where alerts go is saved."),
                )
                and secret
                and secret[0]
            ):
                messages.info(
                    request,
                    _(
                        "The webhook's signing secret, shown this once: %(secret)s. Keep it "
                        "where the receiver checks the signature."
                    )
                    % {"secret": secret[0]},
                )
            return redirect("listening", org_pk=organization.pk)
    config = AlertSettings.objects.filter(organization=organization).first()
    state = request.GET.get("state", CardState.OPEN)
    context = {
        "org": organization,
        "organizations": selectors.listening_organizations(request.user),
        "cards": selectors.cards_for(organization, state=state)[:100],
        "state": state,
        "states": CardState.choices,
        "topics": selectors.recent_topics(organization),
        "terms": selectors.terms_for(organization),
        "channels": _channel_choices(request, organization) if may_work else [],
        "kinds": FollowKindChoice.choices,
        "form": form,
        "may_work": may_work,
        "admin": admin,
        "config": config,
        "has_secret": bool(
            config and config.webhook_secret and decrypt_json(config.webhook_secret)
        ),
    }
    return render(request, "listening/home.html", context)


def _curve_bars(curve: list[list[object]]) -> list[dict[str, Any]]:
    """The card's volume curve as bars of an inline SVG chart (no script needed)."""
    highest = max((int(str(c)) for _, c in curve), default=0) or 1
    bars = []
    for index, (hour, count) in enumerate(curve):
        value = int(str(count))
        height = round(100 * value / highest, 1)
        when = parse_datetime(str(hour))
        bars.append(
            {
                "x": index * 10,
                "y": 100 - height,
                "height": height,
                "count": value,
                "hour": when if isinstance(when, datetime) else None,
            }
        )
    return bars


@require_http_methods(["GET", "POST"])
def card(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    issue = _card(request, pk)
    organization = issue.organization
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "close":
            run_action(
                request,
                lambda: services.card_close(actor=request.user, card=issue),
                _("The card is closed."),
            )
        elif action == "link":
            claim_pk = request.POST.get("claim", "")
            incident_pk = request.POST.get("incident", "")
            claim = (
                Claim.objects.filter(pk=claim_pk, organization=organization).first()
                if claim_pk.isdigit()
                else None
            )
            incident = (
                Incident.objects.filter(pk=incident_pk, organization=organization).first()
                if incident_pk.isdigit()
                else None
            )
            run_action(
                request,
                lambda: services.card_link(
                    actor=request.user, card=issue, claim=claim, incident=incident
                ),
                _("The card's links are saved."),
            )
        return redirect("listening-card", pk=issue.pk)
    services.alerts_read(user=request.user, card=issue)
    issue.refresh_from_db()
    may_work = services.may_work(request.user, organization)
    total = sum(issue.languages.values()) or 1
    return render(
        request,
        "listening/card.html",
        {
            "org": organization,
            "card": issue,
            "bars": _curve_bars(issue.curve),
            "languages": [(k, v, round(100 * v / total)) for k, v in issue.languages.items()],
            "kinds": [(k, v, round(100 * v / total)) for k, v in issue.kinds.items()],
            "sources": [(k, v, round(100 * v / total)) for k, v in issue.sources.items()],
            "may_work": may_work,
            "claims": Claim.objects.filter(organization=organization).order_by("-updated_at")[:100]
            if may_work
            else [],
            "incidents": Incident.objects.filter(organization=organization).order_by("-pk")[:50]
            if may_work
            else [],
        },
    )
