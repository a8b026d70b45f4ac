"""Language sets: the official-language versions of a post go out together or not at all.

A post's publications in the organization's official languages form one *set* per channel
group: the accounts kept for one language on one platform together (the English account and
the French one), and each bilingual account on its own (every language on it). A publication
in another language, or of an organization with one official language, is a set of one.

Rules kept here and by the publisher:
- a set is claimed whole: only when each member is due and claimable, or already out;
- a member in flight, unconfirmed or waiting for a retry holds the others;
- when a member fails for good (failed, missed), the members not yet sent are *withheld*, the
  ones already out are removed where the platform allows, and the audit log says what is live.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from django.db import transaction
from django.utils import timezone

from civicdesk.connectors.base import Capability
from civicdesk.connectors.registry import supports
from civicdesk.organizations.audit import audit
from civicdesk.publishing.models import Publication
from civicdesk.publishing.models import PublicationState as S
from civicdesk.publishing.state import move, move_many
from civicdesk.publishing.tasks import remove_publication

# A member in one of these has failed for good: the set cannot go out whole.
BROKEN = frozenset({S.FAILED, S.MISSED})
# Members that do not hold the others back (out already, or taken down since).
SETTLED = frozenset({S.PUBLISHED, S.DELETING, S.DELETED, S.CANCELLED})
# Members the others wait for: still to be sent, or sent with the answer not in yet.
WAITING = frozenset({S.DRAFT, S.IN_REVIEW, S.APPROVED, S.PUBLISHING, S.UNCONFIRMED})
# Members a broken set stops before they are sent.
UNSENT = frozenset({S.APPROVED, S.SCHEDULED})

MEMBER_FIELDS = (
    "pk",
    "post_id",
    "channel_id",
    "state",
    "next_attempt_at",
    "variant__language",
    "channel__languages",
    "channel__platform",
    "channel__rate_limited_until",
    "post__brand__organization__official_languages",
)


@dataclass(frozen=True)
class Member:
    pk: int
    post_id: int
    channel_id: int
    state: str
    next_attempt_at: datetime | None
    language: str
    channel_languages: tuple[str, ...]
    platform: str
    rate_limited_until: datetime | None
    official: tuple[str, ...]

    @property
    def key(self) -> tuple[Any, ...]:
        """Which set this publication belongs to (its own pk when it stands alone)."""
        if len(self.official) < 2 or self.language not in self.official:
            return ("alone", self.pk)
        if len(self.channel_languages) == 1:
            return ("accounts", self.post_id, self.platform)
        return ("bilingual", self.post_id, self.channel_id)

    def ready(self, now: datetime) -> bool:
        """Whether this member can be claimed right now."""
        return (
            self.state == S.SCHEDULED
            and self.next_attempt_at is not None
            and self.next_attempt_at <= now
            and not (self.rate_limited_until and self.rate_limited_until > now)
        )


def members_of_posts(post_ids: Iterable[int]) -> list[Member]:
    """Every publication of these posts, with what deciding its set needs (one query)."""
    rows = Publication.objects.filter(post_id__in=list(post_ids)).values_list(*MEMBER_FIELDS)
    return [
        Member(
            pk=pk,
            post_id=post_id,
            channel_id=channel_id,
            state=state,
            next_attempt_at=next_at,
            language=language,
            channel_languages=tuple(channel_languages or ()),
            platform=platform,
            rate_limited_until=limited,
            official=tuple(official or ()),
        )
        for (
            pk,
            post_id,
            channel_id,
            state,
            next_at,
            language,
            channel_languages,
            platform,
            limited,
            official,
        ) in rows
    ]


def sets_of(members: Iterable[Member]) -> dict[tuple[Any, ...], list[Member]]:
    grouped: dict[tuple[Any, ...], list[Member]] = defaultdict(list)
    for member in members:
        grouped[member.key].append(member)
    return grouped


def claimable(members: list[Member], now: datetime) -> list[Member] | None:
    """The members to claim together now, or None while the set must wait (or is broken).

    Every member must be ready or already out: one in flight, unconfirmed, waiting for a
    retry or for approval holds the others.
    """
    to_send = []
    for member in members:
        if member.state in SETTLED:
            continue
        if not member.ready(now):
            return None
        to_send.append(member)
    return to_send or None


def set_of(publication: Publication) -> list[Member]:
    """The members of this publication's language set (itself included)."""
    members = members_of_posts([publication.post_id])
    key = next(m.key for m in members if m.pk == publication.pk)
    return [m for m in members if m.key == key]


def is_broken(members: Iterable[Member]) -> bool:
    return any(m.state in BROKEN for m in members)


def may_stand_alone(publication: Publication) -> bool:
    """True when a publication is certainly a set of one (no query needed)."""
    official = publication.channel.brand.organization.official_languages or []
    return len(official) < 2 or publication.variant.language not in official


def withdraw_broken_sets(post_ids: Iterable[int]) -> int:
    """Stop every broken set of these posts: withhold what is not sent, remove what is out.

    Idempotent: a set already withdrawn has nothing left to move. Returns how many
    publications it moved.
    """
    moved = 0
    for members in sets_of(members_of_posts(post_ids)).values():
        if len(members) > 1 and is_broken(members):
            moved += _withdraw(members)
    return moved


def _withdraw(members: list[Member]) -> int:
    pubs = {
        p.pk: p
        for p in Publication.objects.select_related("variant", "channel__brand", "post").filter(
            pk__in=[m.pk for m in members]
        )
    }
    broken = [pubs[m.pk] for m in members if m.state in BROKEN and m.pk in pubs]
    if not broken:
        return 0
    cause = "; ".join(
        f"the {p.variant.language} version on {p.channel} {p.get_state_display().lower()}"
        + (f": {p.status_reason}" if p.status_reason else "")
        for p in broken
    )
    withheld: list[Publication] = []
    removing: list[Publication] = []
    kept_live: list[Publication] = []
    with transaction.atomic():
        unsent = [p for p in pubs.values() if p.state in UNSENT]
        if unsent:
            count = move_many(
                Publication.objects.filter(pk__in=[p.pk for p in unsent]),
                S.WITHHELD,
                sources=UNSENT,
                status_reason=f"Withheld, so the languages go out together: {cause}"[:500],
            )
            if count:
                withheld = unsent
        for pub in pubs.values():
            if pub.state != S.PUBLISHED:
                continue
            if supports(pub.channel, Capability.DELETE):
                if move(
                    pub,
                    S.DELETING,
                    status_reason=f"Being removed, so the languages go out together: {cause}"[:500],
                ):
                    removing.append(pub)
                    transaction.on_commit(partial(remove_publication.enqueue, pub.pk))
            elif "still live" not in pub.status_reason.lower():
                Publication.objects.filter(pk=pub.pk, state=S.PUBLISHED).update(
                    status_reason=(
                        "Still live: this platform does not allow removing it from Civic "
                        f"Desk, although {cause}"
                    )[:500],
                    updated_at=timezone.now(),
                )
                kept_live.append(pub)
        if withheld or removing or kept_live:
            post = broken[0].post
            audit(
                organization=broken[0].channel.brand.organization_id,
                actor=None,
                action="publication_set.withdrawn",
                target=post,
                data={
                    "failed": [_describe(p) for p in broken],
                    "withheld": [_describe(p) for p in withheld],
                    "removing": [_describe(p) for p in removing],
                    "still_live": [_describe(p) for p in kept_live],
                },
            )
    return len(withheld) + len(removing)


def _describe(pub: Publication) -> dict[str, Any]:
    return {
        "publication": pub.pk,
        "language": pub.variant.language,
        "channel": str(pub.channel),
        "remote_url": pub.remote_url,
    }
