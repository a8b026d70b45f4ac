"""People's actions on listening: follow and stop following, close a card, link it to a claim
or an incident, set where alerts go. Each checks permission, runs in one transaction and is
audited.

Who may do what:
- Every member who sees a brand of the organization sees its topics and issue cards.
- Whoever answers, writes, approves or analyses on a brand follows terms through that brand's
  channels and works the cards (closes them, links them to a claim or an incident).
- Only the organization's admins set the alerts' email addresses and webhook.
"""

from __future__ import annotations

import secrets

from django.contrib.auth.models import User as Person
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicdesk.claims.models import Claim
from civicdesk.connectors import registry
from civicdesk.connectors.base import LISTEN_CAPABILITY
from civicdesk.connectors.base import FollowKind as ConnectorFollowKind
from civicdesk.core.crypto import encrypt_json
from civicdesk.core.text import clean_text
from civicdesk.incidents.models import Incident
from civicdesk.listening.models import (
    AlertSettings,
    CardState,
    FollowedTerm,
    FollowKind,
    IssueAlert,
    IssueCard,
)
from civicdesk.organizations.access import Perm, User, brands_for, is_org_admin
from civicdesk.organizations.audit import audit
from civicdesk.organizations.models import Channel, Organization

WORK_PERMS = (Perm.REPLY, Perm.COMPOSE, Perm.APPROVE, Perm.ANALYTICS)
MAX_EMAILS = 20


def may_see(user: User, organization: Organization) -> bool:
    return brands_for(user, Perm.VIEW).filter(organization=organization).exists()


def may_work(user: User, organization: Organization) -> bool:
    return any(
        brands_for(user, perm).filter(organization=organization).exists() for perm in WORK_PERMS
    )


def workable_channels(user: User, organization: Organization) -> list[Channel]:
    """The channels through which this person may follow terms."""
    brand_ids: set[int] = set()
    for perm in WORK_PERMS:
        brand_ids |= set(
            brands_for(user, perm).filter(organization=organization).values_list("pk", flat=True)
        )
    return list(
        Channel.objects.filter(brand_id__in=brand_ids, is_active=True)
        .select_related("brand")
        .order_by("brand__name", "platform", "handle")
    )


def _require_work(user: User, organization: Organization) -> None:
    if not may_work(user, organization):
        raise PermissionDenied(_("Your role does not allow working on listening here."))


def normalise(kind: str, value: str) -> str:
    value = clean_text(value).strip()
    if kind == FollowKind.HASHTAG:
        value = value.lstrip("#")
    elif kind == FollowKind.ACCOUNT:
        value = value.lstrip("@")
    return " ".join(value.split())


def term_follow(*, actor: User, channel: Channel, kind: str, value: str) -> FollowedTerm:
    organization = channel.brand.organization
    if channel.pk not in {c.pk for c in workable_channels(actor, organization)}:
        raise PermissionDenied(_("Your role does not allow listening through this channel."))
    if kind not in FollowKind.values:
        raise ValidationError(_("Choose a keyword, a hashtag or an account."))
    value = normalise(kind, value)
    if not value:
        raise ValidationError(_("Say what to follow."))
    if len(value) > 100:
        raise ValidationError(_("What you follow is at most 100 characters long."))
    if kind != FollowKind.KEYWORD and any(c.isspace() for c in value):
        raise ValidationError(_("A hashtag or an account is one word, without spaces."))
    capability = LISTEN_CAPABILITY[ConnectorFollowKind(kind)]
    if not registry.supports(channel, capability):
        raise ValidationError(
            registry.limitation(channel, capability)
            or _("This platform cannot follow that from Civic Desk.")
        )
    try:
        with transaction.atomic():
            term = FollowedTerm.objects.create(
                organization=organization,
                channel=channel,
                kind=kind,
                value=value,
                created_by=actor if isinstance(actor, Person) else None,
            )
            audit(
                organization=organization,
                actor=actor,
                action="listening.follow",
                target=term,
                data={"kind": kind, "value": value, "channel": channel.pk},
            )
    except IntegrityError:
        raise ValidationError(_("This is already followed on that channel.")) from None
    return term


def term_unfollow(*, actor: User, term: FollowedTerm) -> None:
    _require_work(actor, term.organization)
    with transaction.atomic():
        audit(
            organization=term.organization,
            actor=actor,
            action="listening.unfollow",
            target=term,
            data={"kind": term.kind, "value": term.value, "channel": term.channel_id},
        )
        term.delete()


def card_close(*, actor: User, card: IssueCard) -> None:
    _require_work(actor, card.organization)
    with transaction.atomic():
        moved = IssueCard.objects.filter(pk=card.pk, state=CardState.OPEN).update(
            state=CardState.CLOSED, updated_at=timezone.now()
        )
        if moved:
            audit(
                organization=card.organization,
                actor=actor,
                action="listening.card_close",
                target=card,
            )


def card_link(
    *, actor: User, card: IssueCard, claim: Claim | None, incident: Incident | None
) -> None:
    """Link the card to a claim and an incident of its organization (None: unlink)."""
    _require_work(actor, card.organization)
    for linked in (claim, incident):
        if linked is not None and linked.organization_id != card.organization_id:
            raise ValidationError(_("Link to the organization's own claims and incidents."))
    with transaction.atomic():
        IssueCard.objects.filter(pk=card.pk).update(
            claim=claim, incident=incident, updated_at=timezone.now()
        )
        audit(
            organization=card.organization,
            actor=actor,
            action="listening.card_link",
            target=card,
            data={
                "claim": claim.pk if claim else None,
                "incident": incident.pk if incident else None,
            },
        )


def alerts_read(*, user: User, card: IssueCard) -> None:
    """The person saw the card: its alert leaves their list (not audited: nothing changed)."""
    IssueAlert.objects.filter(card=card, user_id=user.pk or 0, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def parse_emails(text: str) -> list[str]:
    check = EmailValidator()
    found: list[str] = []
    for raw in text.replace(",", "\n").replace(";", "\n").splitlines():
        address = raw.strip()
        if not address:
            continue
        try:
            check(address)
        except ValidationError:
            raise ValidationError(
                _("“%(address)s” is not an email address.") % {"address": address[:100]}
            ) from None
        found.append(address)
    if len(found) > MAX_EMAILS:
        raise ValidationError(_("At most %(n)d addresses.") % {"n": MAX_EMAILS})
    return list(dict.fromkeys(found))


def alerts_configure(
    *, actor: User, organization: Organization, emails: str, webhook_url: str, new_secret: bool
) -> str:
    """Set where alerts go. Returns the webhook's new secret when one was made ("" else):
    it is shown once, and kept encrypted."""
    if not is_org_admin(actor, organization):
        raise PermissionDenied(_("Only the organization's admins can change where alerts go."))
    addresses = parse_emails(emails)
    webhook_url = webhook_url.strip()
    if webhook_url:
        try:
            URLValidator(schemes=["https", "http"])(webhook_url)
        except ValidationError:
            raise ValidationError(_("The webhook address is not a web address.")) from None
    secret = ""
    with transaction.atomic():
        config, _created = AlertSettings.objects.select_for_update().get_or_create(
            organization=organization
        )
        config.emails = "\n".join(addresses)
        config.webhook_url = webhook_url[:500]
        if new_secret or (webhook_url and not config.webhook_secret):
            secret = secrets.token_urlsafe(32)
            config.webhook_secret = encrypt_json({"secret": secret})
        config.save()
        audit(
            organization=organization,
            actor=actor,
            action="listening.alerts",
            target=config,
            data={
                "emails": len(addresses),
                "webhook": webhook_url[:200],
                "new_secret": bool(secret),
            },
        )
    return secret
