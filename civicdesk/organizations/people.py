"""Actions on an organization's people: invitations, roles, deactivation, business areas.

An organization's admins manage their own organization's people only: every action checks
that the actor is an org-wide admin of the organization and that the person concerned
belongs to it (or is being invited to it). Nobody here can touch a password or an account
that belongs to another organization as well.

Invitations are single-use links: the token goes out by email once and only its SHA-256 is
stored. Accepting claims the invitation with a conditional UPDATE, so two visits of the same
link cannot both create an account.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.models import User as Person
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from civicdesk.organizations.access import User, require_org_admin
from civicdesk.organizations.audit import audit
from civicdesk.organizations.models import (
    Brand,
    BusinessArea,
    Invitation,
    Membership,
    Organization,
    Role,
)

INVITATION_LIFETIME = timedelta(days=7)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _check_brand(organization: Organization, brand: Brand | None) -> None:
    if brand is not None and brand.organization_id != organization.pk:
        raise PermissionDenied(_("That brand belongs to another organization."))


def _check_role(role: str) -> None:
    if role not in Role.values:
        raise ValidationError(_("Choose a role."))


def _require_member(organization: Organization, person: Person) -> None:
    # Another organization's people are not ours to see: the same answer as for a stranger.
    if not Membership.objects.filter(organization=organization, user_id=person.pk).exists():
        raise PermissionDenied(
            _("This person is not a member of %(org)s.") % {"org": organization.name}
        )


def _admins_left(organization: Organization, *, without: int) -> bool:
    return (
        Membership.objects.filter(organization=organization, brand__isnull=True, role=Role.ADMIN)
        .exclude(user_id=without)
        .filter(user__is_active=True)
        .exists()
    )


@transaction.atomic
def invitation_create(
    *,
    organization: Organization,
    email: str,
    role: str,
    brand: Brand | None = None,
    actor: User,
    site_url: str,
) -> Invitation:
    """Invite someone by email; earlier open invitations to the same address stop working."""
    require_org_admin(actor, organization)
    email = email.strip().lower()
    try:
        validate_email(email)
    except ValidationError as error:
        raise ValidationError(_("Enter a valid email address.")) from error
    _check_role(role)
    _check_brand(organization, brand)
    now = timezone.now()
    Invitation.objects.filter(
        organization=organization, email=email, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=now)
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        organization=organization,
        email=email,
        role=role,
        brand=brand,
        token_hash=token_hash(token),
        invited_by=actor if actor.is_authenticated else None,
        expires_at=now + INVITATION_LIFETIME,
    )
    link = site_url.rstrip("/") + reverse("invitation-accept", args=[token])
    audit(
        organization=organization,
        actor=actor,
        action="invitation.create",
        target=invitation,
        data={
            "email": email,
            "role": role,
            "brand": brand.pk if brand else None,
            "expires_at": invitation.expires_at,
        },
    )
    where = brand.name if brand else _("every brand")
    subject = _("You are invited to %(org)s on Civic Desk") % {"org": organization.name}
    body = _(
        "%(who)s invites you to join %(org)s on Civic Desk as %(role)s (%(where)s).\n\n"
        "Open this link to choose your username and password. It works once, until "
        "%(expires)s (UTC):\n\n%(link)s\n"
    ) % {
        "who": actor.get_username(),
        "org": organization.name,
        "role": Role(role).label,
        "where": where,
        "expires": invitation.expires_at.strftime("%Y-%m-%d %H:%M"),
        "link": link,
    }
    # Only once the invitation is stored: a rolled-back invitation sends no working link.
    transaction.on_commit(lambda: send_mail(subject, body, None, [email]))
    return invitation


def invitation_for_token(token: str, *, now: datetime | None = None) -> Invitation | None:
    """The open invitation this token stands for, or None (unknown, used, revoked, expired)."""
    return (
        Invitation.objects.select_related("organization", "brand")
        .filter(
            token_hash=token_hash(token),
            accepted_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=now or timezone.now(),
        )
        .first()
    )


@transaction.atomic
def invitation_accept(*, token: str, username: str, password: str) -> Person:
    """Create the invited person's account and role; the link works only this once."""
    UserModel = get_user_model()
    now = timezone.now()
    invitation = invitation_for_token(token, now=now)
    if invitation is None:
        raise ValidationError(_("This invitation link has expired or was already used."))
    username = username.strip()
    if not username:
        raise ValidationError(_("Choose a username."))
    if UserModel.objects.filter(username__iexact=username).exists():
        raise ValidationError(_("That username is taken; choose another."))
    person = UserModel(username=username, email=invitation.email)
    password_validation.validate_password(password, person)
    person.set_password(password)
    person.full_clean(exclude=["password"])
    person.save()
    claimed = Invitation.objects.filter(
        pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now
    ).update(accepted_at=now, accepted_by=person)
    if claimed != 1:
        # Someone used the link a moment earlier: undo this account with the transaction.
        raise ValidationError(_("This invitation link has expired or was already used."))
    membership = Membership.objects.create(
        user=person,
        organization=invitation.organization,
        brand=invitation.brand,
        role=invitation.role,
    )
    audit(
        organization=invitation.organization,
        actor=person,
        action="invitation.accept",
        target=membership,
        data={
            "email": invitation.email,
            "role": invitation.role,
            "brand": invitation.brand_id,
            "invitation": invitation.pk,
        },
    )
    return person


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, actor: User) -> Invitation:
    require_org_admin(actor, invitation.organization)
    Invitation.objects.filter(pk=invitation.pk, accepted_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    invitation.refresh_from_db()
    audit(
        organization=invitation.organization,
        actor=actor,
        action="invitation.revoke",
        target=invitation,
        data={"email": invitation.email},
    )
    return invitation


@transaction.atomic
def membership_set_role(
    *,
    organization: Organization,
    person: Person,
    brand: Brand | None,
    role: str,
    actor: User,
) -> Membership | None:
    """Give a member a role on one brand (or every brand); an empty role takes it away."""
    require_org_admin(actor, organization)
    _require_member(organization, person)
    _check_brand(organization, brand)
    current = (
        Membership.objects.select_for_update()
        .filter(organization=organization, user_id=person.pk, brand=brand)
        .first()
    )
    before = current.role if current else ""
    if (
        brand is None
        and before == Role.ADMIN
        and role != Role.ADMIN
        and not _admins_left(organization, without=person.pk)
    ):
        raise ValidationError(_("An organization keeps at least one admin."))
    if not role:
        if current is not None:
            current.delete()
        result = None
    else:
        _check_role(role)
        if current is None:
            area = (
                Membership.objects.filter(organization=organization, user_id=person.pk)
                .values_list("business_area", flat=True)
                .first()
            )
            result = Membership.objects.create(
                user=person,
                organization=organization,
                brand=brand,
                role=role,
                business_area=area or "",
            )
        else:
            current.role = role
            current.save(update_fields=["role"])
            result = current
    audit(
        organization=organization,
        actor=actor,
        action="membership.role",
        target=result or person,
        data={
            "user": person.get_username(),
            "brand": brand.pk if brand else None,
            "before": before,
            "after": role,
        },
    )
    return result


@transaction.atomic
def person_deactivate(*, organization: Organization, person: Person, actor: User) -> Person:
    """Take every role in this organization from someone; their account stops if it was only ours.

    A person who also belongs to another organization keeps their account there: one
    organization's admins cannot lock someone out of another's desk.
    """
    require_org_admin(actor, organization)
    _require_member(organization, person)
    if person.pk == actor.pk:
        raise ValidationError(_("You cannot deactivate yourself."))
    if not _admins_left(organization, without=person.pk):
        raise ValidationError(_("An organization keeps at least one admin."))
    roles = list(
        Membership.objects.filter(organization=organization, user_id=person.pk).values_list(
            "role", "brand_id"
        )
    )
    Membership.objects.filter(organization=organization, user_id=person.pk).delete()
    for area in BusinessArea.objects.filter(organization=organization, members=person):
        area.members.remove(person)
    elsewhere = Membership.objects.filter(user_id=person.pk).exists()
    account_stopped = False
    if not elsewhere and not getattr(person, "is_staff", False):
        account_stopped = (
            get_user_model().objects.filter(pk=person.pk, is_active=True).update(is_active=False)
            == 1
        )
    audit(
        organization=organization,
        actor=actor,
        action="person.deactivate",
        target=person,
        data={"user": person.get_username(), "roles": roles, "account_stopped": account_stopped},
    )
    return person


@transaction.atomic
def business_area_save(
    *,
    organization: Organization,
    name: str,
    languages: Sequence[str],
    members: Sequence[Person],
    area: BusinessArea | None = None,
    actor: User,
) -> BusinessArea:
    """Create or change a business area: its name, the languages it answers in, its members."""
    require_org_admin(actor, organization)
    if area is not None and area.organization_id != organization.pk:
        raise PermissionDenied(_("That business area belongs to another organization."))
    name = name.strip()
    unknown = [code for code in languages if code not in organization.official_languages]
    if unknown:
        raise ValidationError(
            _("Not an official language of %(org)s: %(codes)s.")
            % {"org": organization.name, "codes": ", ".join(unknown)}
        )
    member_ids = {m.pk for m in members}
    ours = set(
        Membership.objects.filter(organization=organization, user_id__in=member_ids).values_list(
            "user_id", flat=True
        )
    )
    if member_ids - ours:
        raise PermissionDenied(
            _("Only members of %(org)s can join its business areas.") % {"org": organization.name}
        )
    old_name = area.name if area is not None else ""
    area = area or BusinessArea(organization=organization)
    area.name, area.languages = name, list(languages)
    area.full_clean()
    area.save()
    before = set(area.members.values_list("pk", flat=True))
    area.members.set(member_ids)
    # Policies name approvers by business area through Membership.business_area: keep it.
    Membership.objects.filter(
        organization=organization,
        user_id__in=before - member_ids,
        business_area__in=[old_name, name],
    ).update(business_area="")
    Membership.objects.filter(organization=organization, user_id__in=member_ids).update(
        business_area=name
    )
    audit(
        organization=organization,
        actor=actor,
        action="business_area.update" if old_name else "business_area.create",
        target=area,
        data={
            "name": name,
            "languages": list(languages),
            "members": sorted(member_ids),
            "before": old_name,
        },
    )
    return area
