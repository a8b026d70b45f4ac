"""Who keeps the records: an organization's admins and its records officers, organization-wide
(the archive spans every brand, so a role on one brand does not open it)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from civicdesk.organizations.access import ROLE_PERMS, Perm, User, organizations_for
from civicdesk.organizations.models import Membership, Organization

RECORDS_ROLES = [role for role, perms in ROLE_PERMS.items() if Perm.RECORDS in perms]


def keeps_records(user: User, organization: Organization) -> bool:
    if not user.is_authenticated:
        return False
    return Membership.objects.filter(
        user_id=user.pk, organization=organization, brand__isnull=True, role__in=RECORDS_ROLES
    ).exists()


def records_organizations(user: User) -> QuerySet[Organization]:
    if not user.is_authenticated:
        return Organization.objects.none()
    return Organization.objects.filter(
        id__in=Membership.objects.filter(
            user_id=user.pk, brand__isnull=True, role__in=RECORDS_ROLES
        ).values("organization_id")
    )


def require_records(user: User, organization: Organization) -> None:
    """Raise 404 to someone outside the organization, 403 to a member who keeps no records."""
    if not organizations_for(user).filter(pk=organization.pk).exists():
        raise Http404(_("No such organization"))
    if not keeps_records(user, organization):
        raise PermissionDenied(
            _("Only the organization's admins and records officers can open its records.")
        )
