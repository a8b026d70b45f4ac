"""Template context shared by every page: the navigation, the pause and exercise banners,
inbox counts.

The menu offers only what the person's role opens. Each entry names what its view requires,
judged by the rules of ``organizations.access`` (``ROLE_PERMS``, org-wide admins) over the
person's memberships, read once a page: a link never leads to a refusal, and the menu costs
one query however many organizations the person belongs to.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from civicdesk.exercises.models import Exercise, ExerciseState
from civicdesk.listening.selectors import unread_alerts
from civicdesk.organizations.access import ROLE_PERMS, Perm, brands_for
from civicdesk.organizations.models import Membership, Organization, Role
from civicdesk.pages.inbox_selectors import new_message_count


@dataclass(frozen=True)
class Grant:
    organization_id: int
    brand_id: int | None  # None: every brand of the organization
    role: str


@dataclass(frozen=True)
class Reach:
    """The person's memberships, and the organizations where they see at least one brand."""

    grants: list[Grant]
    organizations_with_brands: set[int]

    def may_somewhere(self, perm: Perm) -> bool:
        """``brands_for(user, perm)`` is not empty (an org-wide role needs a brand to act on)."""
        return any(
            perm in ROLE_PERMS[grant.role]
            and (
                grant.brand_id is not None
                or grant.organization_id in self.organizations_with_brands
            )
            for grant in self.grants
        )

    def administers_an_organization(self) -> bool:
        """``is_org_admin`` holds for one of their organizations."""
        return any(g.brand_id is None and g.role == Role.ADMIN for g in self.grants)

    def keeps_records(self) -> bool:
        """``records.access.keeps_records`` holds for one of their organizations."""
        return any(g.brand_id is None and Perm.RECORDS in ROLE_PERMS[g.role] for g in self.grants)

    def is_member(self) -> bool:
        """``organizations_for(user)`` is not empty."""
        return bool(self.grants)


def _everyone(reach: Reach) -> bool:
    # The plan, the inbox and the channels list only what the person may see; empty is fine.
    return True


def _composes(reach: Reach) -> bool:
    # The composer refuses whoever has no brand to write for (views.compose._default_brand).
    return reach.may_somewhere(Perm.COMPOSE)


def _belongs(reach: Reach) -> bool:
    # The policy page is a member's (policies.views.policy_home answers 404 to others).
    return reach.is_member()


def _reads_analytics(reach: Reach) -> bool:
    # Analytics need the analytics permission on a brand (views.analytics._organization).
    return reach.may_somewhere(Perm.ANALYTICS)


def _runs_incidents(reach: Reach) -> bool:
    # The incidents list is a member's; declaring needs control of publishing (views.incidents).
    return reach.is_member()


def _keeps_saved_replies(reach: Reach) -> bool:
    # Responders write saved replies, approvers approve them (views.settings_inbox_saved).
    return reach.may_somewhere(Perm.REPLY) or reach.may_somewhere(Perm.APPROVE)


def _works_claims(reach: Reach) -> bool:
    # The claims desk is for whoever answers, writes or approves (claims.services.may_work).
    return any(reach.may_somewhere(p) for p in (Perm.REPLY, Perm.COMPOSE, Perm.APPROVE))


def _sees_listening(reach: Reach) -> bool:
    # Topics and issue cards are for every member who sees a brand (listening.selectors).
    return reach.may_somewhere(Perm.VIEW)


def _runs_exercises(reach: Reach) -> bool:
    # Exercises need control of publishing (views.exercises).
    return reach.may_somewhere(Perm.PUBLISH_CONTROL)


def _keeps_records(reach: Reach) -> bool:
    # The Records screens are for admins and records officers, organization-wide
    # (records.views._organization).
    return reach.keeps_records()


def _administers(reach: Reach) -> bool:
    # The audit log is for an organization's admins (views.audit.audit_log).
    return reach.administers_an_organization()


@dataclass(frozen=True)
class NavEntry:
    url_name: str
    label: Promise
    opens: Callable[[Reach], bool]
    # The pages under this entry, so it is marked as the current one there too.
    under: frozenset[str]
    under_prefix: str = ""


NAVIGATION: tuple[NavEntry, ...] = (
    NavEntry("dashboard", _("Dashboard"), _everyone, frozenset({"dashboard"})),
    NavEntry(
        "posts",
        _("Plan"),
        _everyone,
        frozenset(
            {
                "posts",
                "post-detail",
                "calendar",
                "campaign",
                "pillar-balance",
                "series-list",
                "series-new",
                "series-detail",
                "series-edit",
            }
        ),
    ),
    NavEntry("post-new", _("Write a post"), _composes, frozenset({"post-new", "post-edit"})),
    NavEntry("inbox", _("Inbox"), _everyone, frozenset({"inbox", "conversation", "author"})),
    # Lists only the authors of the person's own channels, like the inbox.
    NavEntry("influencers", _("Influencers"), _everyone, frozenset({"influencers"})),
    NavEntry(
        "saved-replies",
        _("Saved replies"),
        _keeps_saved_replies,
        frozenset({"saved-replies", "settings-saved-replies", "settings-saved-reply"}),
    ),
    NavEntry(
        "channels",
        _("Channels"),
        _everyone,
        frozenset({"channels", "channel-connect", "channel-connect-choose"}),
    ),
    NavEntry("analytics", _("Analytics"), _reads_analytics, frozenset(), under_prefix="analytics"),
    NavEntry("claims-home", _("Claims"), _works_claims, frozenset(), under_prefix="claim"),
    NavEntry(
        "listening-home", _("Listening"), _sees_listening, frozenset(), under_prefix="listening"
    ),
    NavEntry("incidents", _("Incidents"), _runs_incidents, frozenset(), under_prefix="incident"),
    NavEntry("exercises", _("Exercises"), _runs_exercises, frozenset(), under_prefix="exercise"),
    NavEntry("policy-home", _("Policy"), _belongs, frozenset(), under_prefix="policy"),
    NavEntry("audit", _("Audit log"), _administers, frozenset({"audit"})),
    NavEntry("records", _("Records"), _keeps_records, frozenset(), under_prefix="records"),
    # Every settings screen requires an org-wide admin (views.settings_common.administered).
    NavEntry("settings", _("Settings"), _administers, frozenset(), under_prefix="settings"),
)


@dataclass(frozen=True)
class NavLink:
    url_name: str
    label: Promise
    url: str
    current: bool


def navigation(reach: Reach, here: str) -> list[NavLink]:
    """The entries this person can open, in menu order; ``here`` is the current URL name.

    An entry that names the page is the current one over an entry whose prefix covers it
    (the saved replies are a settings screen with an entry of their own)."""
    entries = [entry for entry in NAVIGATION if entry.opens(reach)]
    named = any(here in entry.under for entry in entries)
    return [
        NavLink(
            url_name=entry.url_name,
            label=entry.label,
            url=reverse(entry.url_name),
            current=here in entry.under
            or bool(not named and entry.under_prefix and here.startswith(entry.under_prefix)),
        )
        for entry in entries
    ]


def running_exercises(request: HttpRequest, organization_ids: set[int]) -> list[Exercise]:
    """The exercises running in the person's organizations: one query, once a request."""
    cached = getattr(request, "_running_exercises", None)
    if cached is None:
        cached = (
            list(
                Exercise.objects.filter(
                    state=ExerciseState.RUNNING, organization_id__in=organization_ids
                ).only("pk", "name", "organization_id")
            )
            if organization_ids
            else []
        )
        request._running_exercises = cached  # type: ignore[attr-defined]
    return cached


def desk(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    brands = list(brands_for(user, Perm.VIEW).order_by("organization__name", "name"))
    organizations: dict[int, Organization] = {}
    for brand in brands:
        organizations.setdefault(brand.organization_id, brand.organization)
    grants = [
        Grant(organization_id=org, brand_id=brand, role=role)
        for org, brand, role in Membership.objects.filter(user_id=user.pk).values_list(
            "organization_id", "brand_id", "role"
        )
    ]
    reach = Reach(grants=grants, organizations_with_brands=set(organizations))
    match = getattr(request, "resolver_match", None)
    here = (match.url_name or "") if match else ""
    links = navigation(reach, here)
    return {
        "nav_links": links,
        # For links outside the menu to the same pages ("Write a post" on the plan).
        "nav_opens": frozenset(link.url_name for link in links),
        "nav_brands": brands,
        "nav_organizations": list(organizations.values()),
        "paused_organizations": [o for o in organizations.values() if o.publishing_paused],
        "running_exercises": running_exercises(request, set(organizations)),
        "new_messages": new_message_count(user=user),
        "new_issue_cards": unread_alerts(user)
        if any(link.url_name == "listening-home" for link in links)
        else 0,
    }
