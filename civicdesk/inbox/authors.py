"""Authors as the team knows them: tags such as journalist, elected official, community
leader or agency, given by people who answer the public, audited, and read by the routing
rules (``RoutingRule.author_tag``) for the author's next messages."""

from __future__ import annotations

from django.contrib.auth.models import User as Person
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicdesk.inbox.models import Author, AuthorTag
from civicdesk.organizations.access import Perm, User, brands_for
from civicdesk.organizations.audit import audit

MAX_TAG = 40
# Offered as the tag field's suggestions; any other word is fine too.
SUGGESTED_TAGS = (
    gettext_lazy("journalist"),
    gettext_lazy("elected official"),
    gettext_lazy("community leader"),
    gettext_lazy("agency"),
    gettext_lazy("influencer"),
)


def normalize_tag(text: str) -> str:
    """One tag as it is stored: trimmed, inner spaces collapsed (case is kept as typed)."""
    return " ".join(text.split())


def may_tag(user: User, author: Author) -> bool:
    """People who answer the public for one of the author's organization's brands."""
    return brands_for(user, Perm.REPLY).filter(organization_id=author.organization_id).exists()


def _require(actor: User, author: Author) -> None:
    if not may_tag(actor, author):
        raise PermissionDenied(_("Your role does not allow tagging authors here."))


@transaction.atomic
def author_tag_add(*, author: Author, tag: str, actor: Person) -> AuthorTag:
    cleaned = normalize_tag(tag)
    _require(actor, author)
    if not cleaned:
        raise ValidationError(_("Write a tag first."), code="empty")
    if len(cleaned) > MAX_TAG:
        raise ValidationError(
            _("A tag is at most %(n)d characters.") % {"n": MAX_TAG}, code="too_long"
        )
    taken = AuthorTag.objects.filter(author=author).values_list("tag", flat=True)
    if cleaned.casefold() in {t.casefold() for t in taken}:
        raise ValidationError(
            _("The author is already tagged “%(tag)s”.") % {"tag": cleaned}, code="taken"
        )
    try:
        with transaction.atomic():
            row = AuthorTag.objects.create(author=author, tag=cleaned, added_by=actor)
    except IntegrityError:
        raise ValidationError(
            _("The author is already tagged “%(tag)s”.") % {"tag": cleaned}, code="taken"
        ) from None
    audit(
        organization=author.organization_id,
        actor=actor,
        action="author.tag_add",
        target=author,
        data={"handle": author.handle, "platform": author.platform, "tag": row.tag},
    )
    return row


@transaction.atomic
def author_tag_remove(*, tag: AuthorTag, actor: Person) -> None:
    author = tag.author
    _require(actor, author)
    audit(
        organization=author.organization_id,
        actor=actor,
        action="author.tag_remove",
        target=author,
        data={"handle": author.handle, "platform": author.platform, "tag": tag.tag},
    )
    tag.delete()
