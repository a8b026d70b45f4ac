"""Saved replies: answers the team keeps ready, per organization and brand, one text per
official language, with fields filled in when a responder inserts one.

Invariants:
- A saved reply's wording lives in versions. Writing or editing makes a new draft version;
  only someone who may approve on its brand (an approver, a manager, an admin) approves it,
  and the approved version before it is retired. Responders see and send only the approved
  version, so an edit never reaches the public unapproved.
- Each reply sent with a saved reply counts once, with F() (two responders at the same
  moment both count), and remembers the version it was written from.
- Every change is audited.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from civicdesk.inbox.models import (
    Conversation,
    InboundMessage,
    SavedReply,
    SavedReplyState,
    SavedReplyVersion,
)
from civicdesk.inbox.state import saved_reply_move
from civicdesk.organizations.access import ROLE_PERMS, Perm, User, has_perm
from civicdesk.organizations.audit import audit
from civicdesk.organizations.models import Brand, Membership, Organization

FIELDS = ("name", "case_number", "link")
_FIELD = re.compile(r"\{(\w+)\}")
MAX_TEXT = 5_000


def _may(user: User, organization: Organization, brand: Brand | None, perm: Perm) -> bool:
    """``perm`` on the brand; for a saved reply of every brand, an organization-wide role."""
    if brand is not None:
        return has_perm(user, brand, perm)
    roles = Membership.objects.filter(
        user_id=user.pk, organization=organization, brand__isnull=True
    ).values_list("role", flat=True)
    return any(perm in ROLE_PERMS[role] for role in roles)


def may_write(user: User, organization: Organization, brand: Brand | None) -> bool:
    return _may(user, organization, brand, Perm.REPLY) or _may(
        user, organization, brand, Perm.APPROVE
    )


def may_approve(user: User, organization: Organization, brand: Brand | None) -> bool:
    return _may(user, organization, brand, Perm.APPROVE)


def _clean_texts(organization: Organization, texts: Mapping[str, str]) -> dict[str, str]:
    """One text per official language (at least one); fields only those we fill in."""
    cleaned = {
        code: texts[code].strip()
        for code in organization.official_languages
        if (texts.get(code) or "").strip()
    }
    if not cleaned:
        raise ValidationError(_("Write the reply in at least one official language."))
    for text in cleaned.values():
        if len(text) > MAX_TEXT:
            raise ValidationError(_("The reply is too long."))
        unknown = sorted({f for f in _FIELD.findall(text) if f not in FIELDS})
        if unknown:
            raise ValidationError(
                _("Unknown field %(fields)s: use {name}, {case_number} or {link}.")
                % {"fields": ", ".join(f"{{{f}}}" for f in unknown)}
            )
    return cleaned


def _draft(
    saved: SavedReply, *, texts: dict[str, str], link: str, actor: User
) -> SavedReplyVersion:
    # An unapproved draft before this one is replaced, not left waiting.
    saved_reply_move(
        SavedReplyVersion.objects.filter(saved_reply=saved),
        SavedReplyState.DRAFT,
        SavedReplyState.RETIRED,
    )
    last = saved.versions.aggregate(n=Max("number"))["n"] or 0
    return SavedReplyVersion.objects.create(
        saved_reply=saved, number=last + 1, texts=texts, link=link, written_by=actor
    )


@transaction.atomic
def saved_reply_create(
    *,
    organization: Organization,
    brand: Brand | None,
    title: str,
    texts: Mapping[str, str],
    link: str = "",
    actor: User,
) -> SavedReply:
    """A new saved reply, its first version a draft waiting for approval."""
    if brand is not None and brand.organization_id != organization.pk:
        raise ValidationError(_("A saved reply names only its organization's brands."))
    if not may_write(actor, organization, brand):
        raise PermissionDenied(_("Your role does not allow writing saved replies here."))
    title = title.strip()
    if not title:
        raise ValidationError(_("Give the saved reply a title."))
    cleaned = _clean_texts(organization, texts)
    saved = SavedReply.objects.create(organization=organization, brand=brand, title=title[:120])
    version = _draft(saved, texts=cleaned, link=link, actor=actor)
    audit(
        organization=organization,
        actor=actor,
        action="saved_reply.create",
        target=saved,
        data={"title": saved.title, "brand": saved.brand_id, "version": version.number},
    )
    return saved


@transaction.atomic
def saved_reply_edit(
    *, saved_reply: SavedReply, texts: Mapping[str, str], link: str = "", actor: User
) -> SavedReplyVersion:
    """A new draft version; responders keep using the approved one until it is approved."""
    saved = (
        SavedReply.objects.select_for_update(of=("self",))
        .select_related("organization", "brand")
        .get(pk=saved_reply.pk)
    )
    if not may_write(actor, saved.organization, saved.brand):
        raise PermissionDenied(_("Your role does not allow writing saved replies here."))
    version = _draft(saved, texts=_clean_texts(saved.organization, texts), link=link, actor=actor)
    audit(
        organization=saved.organization,
        actor=actor,
        action="saved_reply.edit",
        target=saved,
        data={"version": version.number},
    )
    return version


@transaction.atomic
def saved_reply_approve(*, version: SavedReplyVersion, actor: User) -> None:
    """Approve a draft: responders use it from now on; the version approved before retires."""
    saved = (
        SavedReply.objects.select_for_update(of=("self",))
        .select_related("organization", "brand")
        .get(pk=version.saved_reply_id)
    )
    if not may_approve(actor, saved.organization, saved.brand):
        raise PermissionDenied(_("Only an approver or an admin approves saved replies."))
    now = timezone.now()
    if not saved_reply_move(
        SavedReplyVersion.objects.filter(pk=version.pk),
        SavedReplyState.DRAFT,
        SavedReplyState.APPROVED,
        approved_by=actor,
        approved_at=now,
    ):
        raise ValidationError(_("This version is no longer a draft."))
    saved_reply_move(
        SavedReplyVersion.objects.filter(saved_reply=saved).exclude(pk=version.pk),
        SavedReplyState.APPROVED,
        SavedReplyState.RETIRED,
    )
    SavedReply.objects.filter(pk=saved.pk).update(approved_id=version.pk)
    audit(
        organization=saved.organization,
        actor=actor,
        action="saved_reply.approve",
        target=saved,
        data={"version": version.number},
    )


@transaction.atomic
def saved_reply_delete(*, saved_reply: SavedReply, actor: User) -> None:
    saved = SavedReply.objects.select_related("organization", "brand").get(pk=saved_reply.pk)
    if not may_approve(actor, saved.organization, saved.brand):
        raise PermissionDenied(_("Only an approver or an admin removes saved replies."))
    audit(
        organization=saved.organization,
        actor=actor,
        action="saved_reply.delete",
        target=saved,
        data={"title": saved.title, "used": saved.usage_count},
    )
    saved.delete()


# Using them in the reply box.


def fill(text: str, *, name: str, case_number: str, link: str) -> str:
    """The text with its fields filled in; anything else in braces is left as written."""
    values = {"name": name, "case_number": case_number, "link": link}
    return _FIELD.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def case_number(conversation: Conversation) -> str:
    """The number the public can quote back to us: the conversation's, as the desk shows it."""
    return f"{conversation.pk:06d}"


@dataclass(frozen=True)
class Offer:
    """A saved reply offered in the reply box, in the language it would be inserted in."""

    saved_reply: SavedReply
    language: str
    text: str
    in_author_language: bool


def _usable(brand: Brand) -> Q:
    return Q(organization_id=brand.organization_id, approved__isnull=False) & (
        Q(brand=brand) | Q(brand__isnull=True)
    )


def offers_for(*, message: InboundMessage) -> list[Offer]:
    """The approved saved replies for the message's brand, those written in the author's
    detected language first, each in that language when it has it."""
    brand = message.channel.brand
    rows = SavedReply.objects.filter(_usable(brand)).select_related("approved")
    wanted = message.language
    languages = list(brand.organization.official_languages)
    offers = []
    for saved in rows:
        texts = saved.approved.texts
        language = wanted if wanted in texts else next((c for c in languages if c in texts), "")
        if not language:
            language = next(iter(texts), "")
        offers.append(
            Offer(
                saved_reply=saved,
                language=language,
                text=texts.get(language, ""),
                in_author_language=language == wanted,
            )
        )
    offers.sort(key=lambda o: (not o.in_author_language, o.saved_reply.title.casefold()))
    return offers


def insertion(*, saved_reply_id: int, message: InboundMessage) -> str | None:
    """The approved text of the saved reply for ``message``, its fields filled in from the
    author and the conversation; None when it is not usable here."""
    offer = next(
        (o for o in offers_for(message=message) if o.saved_reply.pk == saved_reply_id), None
    )
    if offer is None:
        return None
    author = message.author
    return fill(
        offer.text,
        name=author.display_name or f"@{author.handle}",
        case_number=case_number(message.conversation),
        link=offer.saved_reply.approved.link,
    )


def count_use(*, saved_reply_id: int, brand: Brand) -> SavedReplyVersion | None:
    """A reply written from the saved reply is being queued: count it, and return the version
    it came from (None when the saved reply is not usable on this brand: not counted)."""
    saved = SavedReply.objects.filter(_usable(brand), pk=saved_reply_id).first()
    if saved is None:
        return None
    SavedReply.objects.filter(pk=saved.pk).update(usage_count=F("usage_count") + 1)
    return SavedReplyVersion.objects.get(pk=saved.approved_id)
