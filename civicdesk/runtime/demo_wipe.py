"""Deleting a demo organization and everything its seed wrote: the seed's all-or-nothing.

The seed notes, in its "started" audit event, the exercise network's high-water marks and
the people it created; a wipe deletes the organization, the network's rows above those
marks and those people (unless they have since joined another organization).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.db.models import Max

from civicdesk.exnet.models import (
    NetAccount,
    NetDirectMessage,
    NetEvent,
    NetFollow,
    NetLike,
    NetPost,
    NetRepost,
)
from civicdesk.inbox.models import InboundMessage
from civicdesk.organizations.models import AuditEvent, Membership, Organization
from civicdesk.publishing.models import Post
from civicdesk.records.models import ArchiveEntry, Checkpoint

SEED_STARTED = "demo.seed_started"

# What the seed writes on the exercise network, newest rows last: a failed seed deletes the
# rows above the marks it noted when it started.
NETWORK_MODELS: list[type[models.Model]] = [
    NetEvent,
    NetLike,
    NetRepost,
    NetFollow,
    NetDirectMessage,
    NetPost,
    NetAccount,
]


def network_marks() -> dict[str, int]:
    """The newest id of each network table, to note before the seed writes any."""
    return {
        model._meta.label: model._default_manager.aggregate(top=Max("pk"))["top"] or 0
        for model in NETWORK_MODELS
    }


def demo_wipe(org: Organization) -> None:
    """Delete a demo organization and what its seed wrote on the exercise network."""
    started = AuditEvent.objects.filter(organization=org, action=SEED_STARTED).first()
    data: dict[str, Any] = started.data if started else {}
    with transaction.atomic():
        # The organization's rows that protect others from deletion go first.
        AuditEvent.objects.filter(organization=org).delete()
        ArchiveEntry.objects.filter(organization=org).delete()
        Checkpoint.objects.filter(organization=org).delete()
        InboundMessage.objects.filter(channel__brand__organization=org).delete()
        Post.objects.filter(brand__organization=org).delete()
        org.delete()
        for model in NETWORK_MODELS:
            mark = data.get("network", {}).get(model._meta.label)
            if mark is not None:
                model._default_manager.filter(pk__gt=mark).delete()
        # People the seed created, unless they have since joined another organization.
        get_user_model().objects.filter(username__in=data.get("new_users", [])).exclude(
            pk__in=Membership.objects.values("user_id")
        ).delete()
