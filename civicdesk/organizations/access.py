"""Who may do what, per brand. Every view and action asks here."""

from __future__ import annotations

from enum import StrEnum

from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.models import User as Person
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.functional import Promise as StrPromise
from django.utils.translation import gettext, gettext_lazy
from django.utils.translation import gettext as _

from civicdesk.organizations.models import Brand, Channel, Membership, Organization, Role

# Whoever makes a request: a signed-in person (Django's user model) or nobody yet.
User = Person | AnonymousUser


class Perm(StrEnum):
    VIEW = "view"
    COMPOSE = "compose"
    APPROVE = "approve"
    PUBLISH_CONTROL = "publish_control"  # pause everything, retry, cancel
    REPLY = "reply"
    ANALYTICS = "analytics"
    MANAGE = "manage"  # brand settings, channels, people
    RECORDS = "records"  # the archive, its exports, retention rules and legal holds


ROLE_PERMS: dict[str, frozenset[Perm]] = {
    Role.ADMIN: frozenset(Perm),
    Role.MANAGER: frozenset(
        {Perm.VIEW, Perm.COMPOSE, Perm.APPROVE, Perm.PUBLISH_CONTROL, Perm.REPLY, Perm.ANALYTICS}
    ),
    Role.AUTHOR: frozenset({Perm.VIEW, Perm.COMPOSE}),
    Role.APPROVER: frozenset({Perm.VIEW, Perm.APPROVE}),
    Role.RESPONDER: frozenset({Perm.VIEW, Perm.REPLY}),
    Role.ANALYST: frozenset({Perm.VIEW, Perm.ANALYTICS}),
    Role.VIEWER: frozenset({Perm.VIEW}),
    Role.RECORDS_OFFICER: frozenset({Perm.VIEW, Perm.RECORDS}),
}


# What each permission lets a person do, as the refusal names it ("does not allow ...").
PERM_ACTIONS: dict[Perm, StrPromise] = {
    Perm.VIEW: gettext_lazy("seeing it"),
    Perm.COMPOSE: gettext_lazy("writing or changing posts"),
    Perm.APPROVE: gettext_lazy("approving posts"),
    Perm.PUBLISH_CONTROL: gettext_lazy("stopping, retrying or cancelling publications"),
    Perm.REPLY: gettext_lazy("answering or moderating messages"),
    Perm.ANALYTICS: gettext_lazy("reading its analytics"),
    Perm.MANAGE: gettext_lazy("managing its channels and people"),
    Perm.RECORDS: gettext_lazy("keeping its records"),
}


def _memberships(user: User) -> QuerySet[Membership]:
    if not user.is_authenticated:
        return Membership.objects.none()
    return Membership.objects.filter(user_id=user.pk)


def brand_roles(user: User, brand: Brand) -> set[str]:
    return set(
        _memberships(user)
        .filter(organization_id=brand.organization_id)
        .filter(Q(brand=brand) | Q(brand__isnull=True))
        .values_list("role", flat=True)
    )


def has_perm(user: User, brand: Brand, perm: Perm) -> bool:
    return any(perm in ROLE_PERMS[role] for role in brand_roles(user, brand))


def require(user: User, brand: Brand, perm: Perm) -> None:
    """Raise 404 to someone who cannot see the brand at all, 403 to a member without ``perm``."""
    roles = brand_roles(user, brand)
    if not roles:
        raise Http404(_("No such brand"))
    if not any(perm in ROLE_PERMS[role] for role in roles):
        # The message is shown on the 403 page: it says what was refused, in the user's words.
        raise PermissionDenied(
            gettext("Your role on %(brand)s does not allow %(action)s.")
            % {"brand": brand.name, "action": PERM_ACTIONS[perm]}
        )


def brands_for(user: User, perm: Perm = Perm.VIEW) -> QuerySet[Brand]:
    """The brands on which ``user`` has ``perm``."""
    roles = [role for role, perms in ROLE_PERMS.items() if perm in perms]
    mine = _memberships(user).filter(role__in=roles)
    return Brand.objects.filter(
        Q(id__in=mine.filter(brand__isnull=False).values("brand_id"))
        | Q(organization_id__in=mine.filter(brand__isnull=True).values("organization_id"))
    ).select_related("organization")


def channels_for(user: User, perm: Perm = Perm.VIEW) -> QuerySet[Channel]:
    return Channel.objects.filter(brand__in=brands_for(user, perm)).select_related(
        "brand", "brand__organization"
    )


def organizations_for(user: User) -> QuerySet[Organization]:
    return Organization.objects.filter(id__in=_memberships(user).values("organization_id"))


def is_org_admin(user: User, organization: Organization) -> bool:
    return (
        _memberships(user)
        .filter(organization=organization, brand__isnull=True, role=Role.ADMIN)
        .exists()
    )


def can_control_publishing(user: User, organization: Organization) -> bool:
    """The stop-all switch: organization-wide admins and managers."""
    return (
        _memberships(user)
        .filter(organization=organization, brand__isnull=True, role__in=[Role.ADMIN, Role.MANAGER])
        .exists()
    )


def require_org_admin(user: User, organization: Organization) -> None:
    """Raise 404 to someone outside the organization, 403 to a member who is not its admin."""
    if not organizations_for(user).filter(pk=organization.pk).exists():
        raise Http404(_("No such organization"))
    if not is_org_admin(user, organization):
        raise PermissionDenied(gettext("Only the organization's admins can change its settings."))


def administered_organizations(user: User) -> QuerySet[Organization]:
    """The organizations where ``user`` is an organization-wide admin."""
    return Organization.objects.filter(
        id__in=_memberships(user)
        .filter(brand__isnull=True, role=Role.ADMIN)
        .values("organization_id")
    )
