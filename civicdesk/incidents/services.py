"""Actions of emergency mode: declare and close an incident, keep pre-approved templates,
publish an update to every channel in scope in every language of the incident.

Each takes the acting user, checks permission on every brand in scope, runs in one
transaction and writes the audit log. Updates are ordinary posts made through the
publishing actions; only their approval is quicker (a pre-approved template, or the duty
approver's fast track) and they go out at once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib.auth.models import User as Person
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from civicdesk.connectors.base import Capability
from civicdesk.connectors.registry import supports
from civicdesk.incidents.fields import fields_in, fill, outside_form, unknown_fields
from civicdesk.incidents.models import (
    Incident,
    IncidentKind,
    IncidentTemplate,
    IncidentUpdate,
    Severity,
    UpdateApproval,
)
from civicdesk.incidents.selectors import paused_publications
from civicdesk.organizations.access import Perm, User, has_perm, require
from civicdesk.organizations.audit import audit
from civicdesk.organizations.models import Brand, Channel, Organization
from civicdesk.publishing import services as publishing
from civicdesk.publishing.models import Post, PostStatus, Publication
from civicdesk.publishing.models import PublicationState as S
from civicdesk.publishing.state import move_many


@dataclass(frozen=True)
class Declaration:
    name: str
    kind: str
    severity: str
    area: str
    brands: Sequence[Brand]
    # Empty: every active channel of the brands.
    channels: Sequence[Channel] = ()
    # Empty: the organization's official languages.
    languages: Sequence[str] = ()
    on_duty: Sequence[Person] = ()
    duty_approver: Person | None = None
    cadence_minutes: int = 60
    errors: dict[str, list[str]] = field(default_factory=dict, compare=False)


def _person(actor: User) -> Person:
    """The signed-in person acting (every action here has passed ``require`` already)."""
    if not isinstance(actor, Person):
        raise PermissionDenied(_("Sign in first."))
    return actor


def _require_all(actor: User, brands: Sequence[Brand], perm: Perm) -> None:
    for brand in brands:
        require(actor, brand, perm)


def _validate(organization: Organization, d: Declaration) -> tuple[list[Channel], list[str]]:
    errors: dict[str, list[str]] = {}
    if not d.name.strip():
        errors.setdefault("name", []).append(_("Name the incident."))
    if d.kind not in IncidentKind.values:
        errors.setdefault("kind", []).append(_("Choose a kind of incident."))
    if d.severity not in Severity.values:
        errors.setdefault("severity", []).append(_("Choose a severity."))
    if not d.brands:
        errors.setdefault("brands", []).append(_("Choose at least one brand."))
    brand_ids = {b.pk for b in d.brands}
    if any(b.organization_id != organization.pk for b in d.brands):
        errors.setdefault("brands", []).append(_("Every brand must be of one organization."))
    channels = list(d.channels) or list(
        Channel.objects.filter(brand_id__in=brand_ids, is_active=True).order_by("pk")
    )
    if any(c.brand_id not in brand_ids for c in channels):
        errors.setdefault("channels", []).append(_("Every channel must be of a brand in scope."))
    if not channels:
        errors.setdefault("channels", []).append(_("The brands in scope have no channel."))
    languages = list(d.languages) or list(organization.official_languages)
    strange = [lang for lang in languages if lang not in organization.official_languages]
    if strange:
        errors.setdefault("languages", []).append(
            _("Not an official language of the organization: %(codes)s")
            % {"codes": ", ".join(strange)}
        )
    if not languages:
        errors.setdefault("languages", []).append(_("Choose at least one language."))
    if not 5 <= d.cadence_minutes <= 24 * 60:
        errors.setdefault("cadence_minutes", []).append(
            _("Updates are due every 5 minutes to 24 hours.")
        )
    if d.duty_approver is not None and not all(
        has_perm(d.duty_approver, b, Perm.APPROVE) for b in d.brands
    ):
        errors.setdefault("duty_approver", []).append(
            _("The duty approver must be able to approve posts of every brand in scope.")
        )
    if errors:
        raise ValidationError(errors)
    return channels, languages


@transaction.atomic
def incident_declare(
    *, organization: Organization, actor: User, declaration: Declaration
) -> Incident:
    """Declare an incident: its channels are understood in incident mode and its brands'
    ordinary posts wait until it is closed."""
    _require_all(actor, declaration.brands, Perm.PUBLISH_CONTROL)
    channels, languages = _validate(organization, declaration)
    now = timezone.now()
    incident = Incident.objects.create(
        organization=organization,
        name=declaration.name.strip()[:200],
        kind=declaration.kind,
        severity=declaration.severity,
        area=declaration.area.strip()[:200],
        languages=languages,
        duty_approver=declaration.duty_approver,
        cadence_minutes=declaration.cadence_minutes,
        declared_by=_person(actor),
        declared_at=now,
        next_update_due_at=now + timedelta(minutes=declaration.cadence_minutes),
    )
    incident.brands.set(declaration.brands)
    incident.channels.set(channels)
    incident.on_duty.set(declaration.on_duty)
    audit(
        organization=organization,
        actor=actor,
        action="incident.declare",
        target=incident,
        data={
            "name": incident.name,
            "kind": incident.kind,
            "severity": incident.severity,
            "area": incident.area,
            "brands": sorted(b.pk for b in declaration.brands),
            "channels": sorted(c.pk for c in channels),
            "languages": languages,
            "duty_approver": incident.duty_approver_id,
            "on_duty": sorted(u.pk for u in declaration.on_duty),
            "cadence_minutes": incident.cadence_minutes,
        },
    )
    return incident


def _lock(incident: Incident) -> Incident:
    return Incident.objects.select_for_update().get(pk=incident.pk)


@transaction.atomic
def incident_close(
    *, incident: Incident, actor: User, reschedule: Mapping[int, datetime] | None = None
) -> Incident:
    """Close an incident. The ordinary posts it held resume: those still waiting go out at
    their time, those whose time passed go out now; a post named in ``reschedule`` (post id
    → time) goes out at that time instead."""
    incident = _lock(incident)
    brands = list(incident.brands.all())
    _require_all(actor, brands, Perm.PUBLISH_CONTROL)
    if not incident.is_open:
        raise ValidationError(_("This incident is already closed."))
    reschedule = dict(reschedule or {})
    now = timezone.now()
    for at in reschedule.values():
        if timezone.is_naive(at) or at < now - timedelta(minutes=1):
            raise ValidationError(_("A new time must be in the future."))
    held = paused_publications(incident=incident)
    incident.closed_at = now
    incident.closed_by = actor  # type: ignore[assignment]
    incident.save(update_fields=["closed_at", "closed_by"])
    resumed: list[int] = []
    moved: dict[int, datetime] = {}
    posts: dict[int, Post] = {p.post_id: p.post for p in held}
    for post_id, post in posts.items():
        mine = Publication.objects.filter(post_id=post_id, pk__in=[p.pk for p in held])
        if post_id in reschedule:
            at = reschedule[post_id]
            move_many(
                mine,
                S.SCHEDULED,
                sources=[S.SCHEDULED, S.MISSED],
                scheduled_at=at,
                next_attempt_at=at,
                status_reason=_("Rescheduled when the incident ended."),
            )
            Post.objects.filter(pk=post_id).update(scheduled_at=at, updated_at=now)
            moved[post_id] = at
        elif post.status == PostStatus.APPROVED:
            # Missed while held: it goes out now, as it would have without the incident.
            move_many(
                mine,
                S.SCHEDULED,
                sources=[S.MISSED],
                scheduled_at=now,
                next_attempt_at=now,
                status_reason=_("Resumed when the incident ended."),
            )
            resumed.append(post_id)
    audit(
        organization=incident.organization_id,
        actor=actor,
        action="incident.close",
        target=incident,
        data={"resumed_posts": sorted(resumed), "rescheduled_posts": moved},
    )
    return incident


# Templates ---------------------------------------------------------------------------------


def _template_brands(organization: Organization) -> list[Brand]:
    return list(organization.brands.filter(archived_at__isnull=True))


def _require_somewhere(actor: User, organization: Organization, perm: Perm) -> None:
    brands = _template_brands(organization)
    if not any(has_perm(actor, b, perm) for b in brands):
        if brands:
            require(actor, brands[0], perm)
        raise PermissionDenied(_("Only people who run incidents can change templates."))


@transaction.atomic
def template_save(
    *,
    organization: Organization,
    actor: User,
    kind: str,
    name: str,
    texts: Mapping[str, str],
    template: IncidentTemplate | None = None,
) -> IncidentTemplate:
    """Create or edit a template; an edit of the wording voids its approval."""
    _require_somewhere(actor, organization, Perm.PUBLISH_CONTROL)
    texts = {lang: text.strip() for lang, text in texts.items() if text.strip()}
    errors: dict[str, list[str]] = {}
    if kind not in IncidentKind.values:
        errors.setdefault("kind", []).append(_("Choose a kind of incident."))
    if not name.strip():
        errors.setdefault("name", []).append(_("Name the template."))
    missing = [lang for lang in organization.official_languages if lang not in texts]
    if missing:
        errors.setdefault("texts", []).append(
            _("Write it in every official language; missing: %(codes)s")
            % {"codes": ", ".join(missing)}
        )
    unknown = unknown_fields(texts)
    if unknown:
        errors.setdefault("texts", []).append(
            _("Unknown fields: %(names)s") % {"names": ", ".join("{" + n + "}" for n in unknown)}
        )
    if len({tuple(sorted(fields_in(t))) for t in texts.values()}) > 1:
        errors.setdefault("texts", []).append(_("Every language must use the same fields."))
    if errors:
        raise ValidationError(errors)
    if template is None:
        template = IncidentTemplate.objects.create(
            organization=organization,
            kind=kind,
            name=name.strip()[:200],
            texts=texts,
            created_by=_person(actor),
        )
    else:
        template = IncidentTemplate.objects.select_for_update().get(
            pk=template.pk, organization=organization
        )
        changed = template.texts != texts
        template.kind, template.name, template.texts = kind, name.strip()[:200], texts
        if changed:
            template.version += 1
        template.save(update_fields=["kind", "name", "texts", "version"])
    audit(
        organization=organization,
        actor=actor,
        action="incident_template.save",
        target=template,
        data={"version": template.version, "kind": kind, "texts": texts},
    )
    return template


@transaction.atomic
def template_approve(*, template: IncidentTemplate, actor: User) -> IncidentTemplate:
    """Approve the template's current version; the approval is kept with it (who, when,
    which version)."""
    template = (
        IncidentTemplate.objects.select_for_update()
        .select_related("organization")
        .get(pk=template.pk)
    )
    _require_somewhere(actor, template.organization, Perm.APPROVE)
    if template.created_by_id == actor.pk:
        raise PermissionDenied(_("No one approves their own template."))
    template.approved_by = actor  # type: ignore[assignment]
    template.approved_at = timezone.now()
    template.approved_version = template.version
    template.save(update_fields=["approved_by", "approved_at", "approved_version"])
    audit(
        organization=template.organization_id,
        actor=actor,
        action="incident_template.approve",
        target=template,
        data={"version": template.version},
    )
    return template


# Updates -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class UpdateRequest:
    """What the room sends: a template with its field values, or free texts per language."""

    channels: Sequence[Channel]
    template: IncidentTemplate | None = None
    values: Mapping[str, str] = field(default_factory=dict)
    texts: Mapping[str, str] = field(default_factory=dict)
    # Answer the first update on each channel whose platform allows replying to our own post.
    continue_thread: bool = False


def _texts_and_approval(incident: Incident, request: UpdateRequest) -> tuple[dict[str, str], str]:
    """The wording per language, and why it needs the duty approver ("" when the template's
    approval covers it)."""
    if request.template is None:
        texts = {lang: request.texts.get(lang, "").strip() for lang in incident.languages}
        return texts, _("Written for this update, not from a pre-approved template.")
    template = request.template
    if template.organization_id != incident.organization_id:
        raise ValidationError(_("That template belongs to another organization."))
    texts = {
        lang: fill(template.texts.get(lang, ""), request.values) for lang in incident.languages
    }
    used = {name for lang in incident.languages for name in fields_in(template.texts.get(lang, ""))}
    missing = sorted(used - {k for k, v in request.values.items() if v.strip()})
    if missing:
        raise ValidationError(
            _("Fill in every field: %(names)s")
            % {"names": ", ".join("{" + n + "}" for n in missing)}
        )
    if not template.is_approved:
        return texts, _("The template's current version is not approved.")
    problems = outside_form({k: v for k, v in request.values.items() if k in used})
    if problems:
        return texts, "; ".join(problems)
    return texts, ""


@transaction.atomic
def update_publish(
    *, incident: Incident, actor: User, request: UpdateRequest
) -> list[IncidentUpdate]:
    """Publish one update to every chosen channel in every language of the incident.

    One post per brand, made through the publishing actions. A template filled within its
    fields' forms goes out at once under the template's approval; anything else waits in the
    room for the duty approver (``update_approve``)."""
    incident = _lock(incident)
    if not incident.is_open:
        raise ValidationError(_("This incident is closed."))
    scope = {c.pk: c for c in incident.channels.select_related("brand")}
    chosen = [scope[c.pk] for c in request.channels if c.pk in scope]
    if not chosen or len(chosen) != len(request.channels):
        raise ValidationError(_("Choose channels of the incident."))
    by_brand: dict[int, list[Channel]] = {}
    for channel in chosen:
        by_brand.setdefault(channel.brand_id, []).append(channel)
    brands = {c.brand_id: c.brand for c in chosen}
    _require_all(actor, list(brands.values()), Perm.PUBLISH_CONTROL)
    texts, reason = _texts_and_approval(incident, request)
    empty = [lang for lang, text in texts.items() if not text]
    if empty:
        raise ValidationError(
            _("Write the update in every language of the incident; missing: %(codes)s")
            % {"codes": ", ".join(empty)}
        )
    number = (incident.updates.aggregate(n=Max("number"))["n"] or 0) + 1
    now = timezone.now()
    template = request.template
    made = []
    threaded: list[int] = []
    for brand_id, channels in by_brand.items():
        post = publishing.post_create(
            brand=brands[brand_id],
            actor=_person(actor),
            draft=publishing.Draft(
                title=_("%(incident)s: update %(number)s")
                % {"incident": incident.name, "number": number},
                texts=texts,
                channels=channels,
            ),
        )
        publishing.post_submit(post=post, actor=_person(actor))
        approval, why = UpdateApproval.FAST_TRACK, reason
        if not reason and template is not None:
            why = _approve_by_template(post, template)
            approval = UpdateApproval.FAST_TRACK if why else UpdateApproval.TEMPLATE
        update = IncidentUpdate.objects.create(
            incident=incident,
            number=number,
            post=post,
            template=template,
            template_version=template.version if template else None,
            field_values=dict(request.values) if template else {},
            approval=approval,
            approval_reason=str(why)[:300],
            created_by=_person(actor),
            created_at=now,
            continues_thread=request.continue_thread,
        )
        if request.continue_thread:
            threaded += _continue_thread(incident, post)
        if approval == UpdateApproval.TEMPLATE:
            _send_now(update)
        post.refresh_from_db(fields=["status", "scheduled_at", "revision"])
        made.append(update)
    incident.next_update_due_at = now + timedelta(minutes=incident.cadence_minutes)
    incident.save(update_fields=["next_update_due_at"])
    audit(
        organization=incident.organization_id,
        actor=actor,
        action="incident.update",
        target=incident,
        data={
            "number": number,
            "posts": [u.post_id for u in made],
            "channels": sorted(c.pk for c in chosen),
            "template": template.pk if template else None,
            "template_version": template.version if template else None,
            "template_approved_by": template.approved_by_id if template else None,
            "values": dict(request.values),
            "approval": [u.approval for u in made],
            "continue_thread": request.continue_thread,
            "threaded_publications": sorted(threaded),
        },
    )
    return made


def _continue_thread(incident: Incident, post: Post) -> list[int]:
    """Make each publication of ``post`` answer the first update's on the same channel (its
    language, else any), where the platform lets an account reply to its own post. The
    publisher sends the reply to that post's platform id once it is published. Returns the
    publications linked."""
    first = (
        Publication.objects.filter(post__incident_update__incident=incident)
        .exclude(post=post)
        .order_by("post__incident_update__number", "pk")
        .select_related("variant")
    )
    number = first.values_list("post__incident_update__number", flat=True).first()
    if number is None:
        return []
    roots: dict[tuple[int, str], int] = {}
    for p in first.filter(post__incident_update__number=number):
        roots.setdefault((p.channel_id, p.variant.language), p.pk)
        roots.setdefault((p.channel_id, ""), p.pk)
    linked = []
    for publication in post.publications.select_related("channel", "variant"):
        if not supports(publication.channel, Capability.SELF_REPLY):
            continue
        root = roots.get((publication.channel_id, publication.variant.language)) or roots.get(
            (publication.channel_id, "")
        )
        if root is not None:
            Publication.objects.filter(pk=publication.pk).update(reply_to_id=root)
            linked.append(publication.pk)
    return linked


def _approve_by_template(post: Post, template: IncidentTemplate) -> str:
    """Approve the post under the template's standing approval; why not, if it cannot be."""
    approver = template.approved_by
    if approver is None or approver.pk == post.author_id:
        return _("The template's approver wrote this update; another approver must approve it.")
    if post.brand.approval_tiers > 1:
        return _("%(brand)s needs more than one approval.") % {"brand": post.brand.name}
    if not has_perm(approver, post.brand, Perm.APPROVE):
        return _("The template's approver can no longer approve posts of %(brand)s.") % {
            "brand": post.brand.name
        }
    publishing.post_approve(
        post=post,
        actor=approver,
        comment=_(
            "Pre-approved template %(name)s, version %(version)s, approved by %(who)s on "
            "%(when)s; every field within its allowed form."
        )
        % {
            "name": template.name,
            "version": template.approved_version,
            "who": approver.get_username(),
            "when": template.approved_at.isoformat() if template.approved_at else "",
        },
    )
    return ""


def _send_now(update: IncidentUpdate) -> None:
    """Every publication of an approved update goes out now (the publisher claims it next)."""
    now = timezone.now()
    Post.objects.filter(pk=update.post_id).update(scheduled_at=now, updated_at=now)
    move_many(
        Publication.objects.filter(post_id=update.post_id),
        S.SCHEDULED,
        sources=[S.APPROVED],
        scheduled_at=now,
        next_attempt_at=now,
        status_reason="",
    )
    update.sent_at = now
    IncidentUpdate.objects.filter(pk=update.pk).update(sent_at=now)


@transaction.atomic
def update_approve(*, update: IncidentUpdate, actor: User) -> IncidentUpdate:
    """The duty approver's fast track: approve an update waiting in the room; it goes out at
    once when its brand's approvals are complete."""
    update = (
        IncidentUpdate.objects.select_for_update()
        .select_related("incident", "post__brand")
        .get(pk=update.pk)
    )
    incident = update.incident
    require(actor, update.post.brand, Perm.APPROVE)
    if incident.duty_approver_id is not None and incident.duty_approver_id != actor.pk:
        raise PermissionDenied(_("Only the duty approver approves updates of this incident."))
    if update.approval != UpdateApproval.FAST_TRACK:
        raise ValidationError(_("This update is not waiting for approval."))
    post = publishing.post_approve(
        post=update.post, actor=_person(actor), comment=_("Incident fast track")
    )
    if post.status == PostStatus.APPROVED:
        update.approval = UpdateApproval.APPROVED
        update.save(update_fields=["approval"])
        _send_now(update)
    audit(
        organization=incident.organization_id,
        actor=actor,
        action="incident.update_approve",
        target=update,
        data={"post": update.post_id, "approved": post.status == PostStatus.APPROVED},
    )
    return update
