"""Where a post stands as a whole, read from its publications, for the plan and the post page.

A post's own status stops at "Approved"; after that what matters is what each channel did:
all published, some, none, or held because the organization stopped all posts.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext

from civicdesk.organizations.models import AuditEvent, Organization
from civicdesk.publishing.models import Post, PostStatus, Publication
from civicdesk.publishing.models import PublicationState as S

# Publications still waiting for their time: the stop-all switch holds exactly these.
WAITING = frozenset({S.SCHEDULED, S.APPROVED})
# Withheld: not sent because another language of its set failed for good.
FAILED = frozenset({S.FAILED, S.MISSED, S.WITHHELD})
REMOVED = frozenset({S.DELETING, S.DELETED})


@dataclass(frozen=True)
class Pause:
    """The stop-all switch of one organization, as the audit log remembers it."""

    reason: str
    by: str | None = None
    at: datetime | None = None


@dataclass(frozen=True)
class OverallState:
    key: str
    label: str
    # The badge's colour, from the publication states' palette.
    css: str
    # Set when publications wait only because publishing is paused.
    held: Pause | None = None


def pauses(organizations: Iterable[Organization]) -> dict[int, Pause]:
    """The paused organizations among ``organizations``, with who stopped them and when."""
    paused = {org.pk: org for org in organizations if org.publishing_paused}
    result: dict[int, Pause] = {}
    for org_id, org in paused.items():
        # One small query a paused organization: pauses are rare and short.
        event = (
            AuditEvent.objects.filter(organization_id=org_id, action="publishing.pause")
            .order_by("-sequence")
            .only("actor_label", "created_at")
            .first()
        )
        result[org_id] = Pause(
            reason=org.publishing_paused_reason,
            by=event.actor_label if event else None,
            at=event.created_at if event else None,
        )
    return result


def overall_state(
    post: Post, publications: Sequence[Publication], pause: Pause | None = None
) -> OverallState:
    """The post's state as its readers mean it: "Published" once every channel has it."""
    status = PostStatus(post.status)
    if status is not PostStatus.APPROVED:
        return OverallState(status.value, str(status.label), f"status-{status.value}")
    states = [S(p.state) for p in publications if p.state != S.CANCELLED]
    if not states:
        return OverallState("cancelled", gettext("Cancelled"), "status-cancelled")
    published = sum(1 for s in states if s == S.PUBLISHED)
    waiting = [s for s in states if s in WAITING]
    held = pause if (pause is not None and waiting) else None
    if all(s in REMOVED for s in states):
        return OverallState("removed", gettext("Removed from the platform"), "state-cancelled")
    if all(s == S.PUBLISHED or s in REMOVED for s in states):
        return OverallState("published", gettext("Published"), "state-published")
    if published:
        return OverallState(
            "partly_published", gettext("Partly published"), "state-unconfirmed", held
        )
    if any(s == S.PUBLISHING for s in states):
        return OverallState("publishing", gettext("Publishing"), "state-publishing", held)
    if any(s == S.UNCONFIRMED for s in states):
        return OverallState("unconfirmed", gettext("Unconfirmed"), "state-unconfirmed", held)
    if all(s == S.MISSED for s in states):
        return OverallState("missed", gettext("Missed"), "state-missed")
    if all(s in FAILED for s in states):
        return OverallState("failed", gettext("Failed"), "state-failed")
    if held is not None:
        return OverallState(
            "held", gettext("Held: publishing is paused"), "state-unconfirmed", held
        )
    if any(s in FAILED for s in states):
        return OverallState("partly_failed", gettext("Partly failed"), "state-failed")
    if any(s == S.SCHEDULED for s in states):
        return OverallState("scheduled", gettext("Scheduled"), "state-scheduled")
    return OverallState("approved", str(status.label), "status-approved")
