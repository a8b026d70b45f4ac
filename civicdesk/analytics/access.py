"""Who reads analytics and who sends the monthly report.

Dashboards show the channels of the brands where a person has the analytics permission
(managers, analysts, admins). The monthly report, the exports of a whole organization and
the benchmark cover every brand, so they need that permission organization-wide; sending
the report is the manager's (or an admin's) call.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from civicdesk.organizations.access import (
    ROLE_PERMS,
    Perm,
    User,
    brands_for,
    channels_for,
    organizations_for,
)
from civicdesk.organizations.models import Channel, Membership, Organization, Role


def analytics_organizations(user: User) -> QuerySet[Organization]:
    """Organizations where the person reads the analytics of at least one brand."""
    return Organization.objects.filter(
        pk__in=brands_for(user, Perm.ANALYTICS).values("organization_id")
    ).order_by("name")


def analytics_channels(user: User, organization: Organization) -> QuerySet[Channel]:
    return channels_for(user, Perm.ANALYTICS).filter(brand__organization=organization)


def reads_whole_organization(user: User, organization: Organization) -> bool:
    if not user.is_authenticated:
        return False
    roles = Membership.objects.filter(
        user_id=user.pk, organization=organization, brand__isnull=True
    ).values_list("role", flat=True)
    return any(Perm.ANALYTICS in ROLE_PERMS[role] for role in roles)


def sends_reports(user: User, organization: Organization) -> bool:
    if not user.is_authenticated:
        return False
    return Membership.objects.filter(
        user_id=user.pk,
        organization=organization,
        brand__isnull=True,
        role__in=[Role.ADMIN, Role.MANAGER],
    ).exists()


def require_organization_analytics(user: User, organization: Organization) -> None:
    """404 outside the organization; 403 to a member without organization-wide analytics."""
    if not organizations_for(user).filter(pk=organization.pk).exists():
        raise Http404(_("No such organization"))
    if not reads_whole_organization(user, organization):
        raise PermissionDenied(
            _("Reports of the whole organization are for its managers, analysts and admins.")
        )


def require_report_sender(user: User, organization: Organization) -> None:
    require_organization_analytics(user, organization)
    if not sends_reports(user, organization):
        raise PermissionDenied(_("Only the organization's managers and admins send its report."))
