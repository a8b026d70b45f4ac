"""Routing: an organization's ordered rules decide, for each understood message, which
business area or person answers it, its priority, a label, or that it is spam.

Invariants:
- Rules are tried in order (position, then id); the first whose conditions all hold acts,
  and no later rule is tried. Empty conditions hold for any message.
- Routing runs on arrival, after understanding (``ingest_channel``, and ``understand_pending``
  for messages understood later), and again when a person corrects a message's kind
  (``services.message_correct``).
- "During an incident" asks the incidents app's scope (``scope.incident_channels``) once a
  batch: a message is in an incident when one in progress covers its channel now.
- "Author tag" reads the tags the team gave the message's author (``AuthorTag``) at the
  moment of routing, once a batch; tags compare without regard to case.
- Every evaluation leaves a ``RoutingDecision`` naming the rule that made it, or none.
- A rule never takes a conversation from someone who holds it; marking spam closes the
  conversation through its transition table.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User as Person
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from civicdesk.inbox.authors import normalize_tag
from civicdesk.inbox.models import (
    AuthorTag,
    Conversation,
    ConversationLabel,
    ConversationStatus,
    InboundMessage,
    MessageStatus,
    RoutingDecision,
    RoutingRule,
    RoutingTrigger,
)
from civicdesk.inbox.scope import incident_channels as incident_channels_of
from civicdesk.inbox.state import conversation_move
from civicdesk.organizations.access import require_org_admin
from civicdesk.organizations.audit import audit
from civicdesk.organizations.models import Channel, Organization


@dataclass(frozen=True)
class Facts:
    """What the rules may look at in a message."""

    brand_id: int
    channel_id: int
    platform: str
    message_kind: str
    category: str
    urgency: str
    language: str
    text: str
    in_incident: bool = False
    author_tags: frozenset[str] = frozenset()  # casefolded

    @classmethod
    def of(
        cls,
        message: InboundMessage,
        *,
        in_incident: bool = False,
        author_tags: frozenset[str] = frozenset(),
    ) -> Facts:
        return cls.read(
            brand_id=message.channel.brand_id,
            channel_id=message.channel_id,
            platform=message.channel.platform,
            message_kind=message.kind,
            category=message.category,
            urgency=message.urgency,
            language=message.language,
            text=message.text,
            in_incident=in_incident,
            author_tags=author_tags,
        )

    @classmethod
    def read(cls, *, text: str, **fields: Any) -> Facts:
        """The facts of a message given as plain values (its text as stored: the rules compare
        it casefolded)."""
        return cls(text=text.casefold(), **fields)


def author_tags_of(author_ids: Iterable[int]) -> dict[int, frozenset[str]]:
    """Each author's tags, casefolded, in one query."""
    found: dict[int, set[str]] = {}
    for author_id, tag in AuthorTag.objects.filter(author_id__in=set(author_ids)).values_list(
        "author_id", "tag"
    ):
        found.setdefault(author_id, set()).add(tag.casefold())
    return {author_id: frozenset(tags) for author_id, tags in found.items()}


def matches(rule: RoutingRule, facts: Facts) -> bool:
    """Every condition the rule sets holds for the message."""
    checks = (
        (rule.brand_id, facts.brand_id),
        (rule.channel_id, facts.channel_id),
        (rule.platform, facts.platform),
        (rule.message_kind, facts.message_kind),
        (rule.category, facts.category),
        (rule.urgency, facts.urgency),
        (rule.language, facts.language),
    )
    if any(wanted and wanted != actual for wanted, actual in checks):
        return False
    if rule.during_incident is not None and rule.during_incident != facts.in_incident:
        return False
    if rule.author_tag and rule.author_tag.casefold() not in facts.author_tags:
        return False
    phrases = rule.phrase_list
    return not phrases or any(p in facts.text for p in phrases)


def first_match(rules: Sequence[RoutingRule], facts: Facts) -> RoutingRule | None:
    return next((rule for rule in rules if rule.is_active and matches(rule, facts)), None)


def rules_for(organization_id: int) -> list[RoutingRule]:
    return list(
        RoutingRule.objects.filter(organization_id=organization_id, is_active=True)
        .select_related("route_to_area", "assign_to")
        .order_by("position", "pk")
    )


def route_messages(
    message_ids: Iterable[int],
    *,
    trigger: str = RoutingTrigger.ARRIVAL,
    incident_channels: Collection[int] | None = None,
) -> int:
    """Route these messages by their organizations' rules; returns how many a rule caught.

    Messages not yet understood are left for later (routing reads what understanding found).
    ``incident_channels``: the channels an incident covers, when the caller asked already
    (ingest asks once for understanding and routing); by default the scope is asked.
    """
    # Plain rows: a batch's messages share a few channels, which select_related would build
    # again for every message.
    messages = list(
        InboundMessage.objects.filter(pk__in=list(message_ids), understood_at__isnull=False)
        .order_by("sent_at", "pk")
        .values_list(*_ROUTED_COLUMNS)
    )
    channels = {
        channel_id: (brand_id, platform, organization_id)
        for channel_id, brand_id, platform, organization_id in Channel.objects.filter(
            pk__in={m[1] for m in messages}
        ).values_list("pk", "brand_id", "platform", "brand__organization_id")
    }
    rules: dict[int, list[RoutingRule]] = {}
    in_incident = (
        set(incident_channels)
        if incident_channels is not None
        else incident_channels_of(set(channels))
    )
    tags = author_tags_of(m[3] for m in messages)
    caught = 0
    for (
        pk,
        channel_id,
        conversation_id,
        author_id,
        kind,
        category,
        urgency,
        language,
        text,
    ) in messages:
        brand_id, platform, org_id = channels[channel_id]
        if org_id not in rules:
            rules[org_id] = rules_for(org_id)
        facts = Facts.read(
            brand_id=brand_id,
            channel_id=channel_id,
            platform=platform,
            message_kind=kind,
            category=category,
            urgency=urgency,
            language=language,
            text=text,
            in_incident=channel_id in in_incident,
            author_tags=tags.get(author_id, frozenset()),
        )
        rule = first_match(rules[org_id], facts)
        if rule is None and trigger == RoutingTrigger.ARRIVAL:
            continue  # nothing to undo on arrival: no decision to record
        _apply(pk, conversation_id, rule, trigger)
        caught += rule is not None
    return caught


# What route_messages reads of a message, in the order it unpacks them.
_ROUTED_COLUMNS = (
    "pk",
    "channel_id",
    "conversation_id",
    "author_id",
    "kind",
    "category",
    "urgency",
    "language",
    "text",
)


@transaction.atomic
def _apply(message_id: int, conversation: int, rule: RoutingRule | None, trigger: str) -> None:
    actions: dict[str, object] = {}
    if rule is not None and rule.mark_spam:
        # Messages first: the counters lock the channel's row before the conversation's.
        InboundMessage.objects.filter(
            conversation_id=conversation, status=MessageStatus.NEW
        ).update(status=MessageStatus.DONE)
    fields: dict[str, object] = {}
    if rule is None or rule.route_to_area_id:
        # On a re-evaluation that no rule catches, the area a rule gave goes.
        area = rule.route_to_area.name if rule is not None and rule.route_to_area else ""
        fields["business_area"] = actions["area"] = area
    if rule is not None and rule.set_priority:
        fields["priority"] = actions["priority"] = rule.set_priority
    if rule is not None and rule.mark_spam:
        fields["is_spam"] = actions["spam"] = True
    if fields:
        Conversation.objects.filter(pk=conversation).update(**fields)
    if rule is not None and rule.add_label:
        row = Conversation.objects.select_for_update().only("labels").get(pk=conversation)
        if rule.add_label not in row.labels:
            Conversation.objects.filter(pk=conversation).update(
                labels=[*row.labels, rule.add_label]
            )
        ConversationLabel.objects.bulk_create(
            [ConversationLabel(conversation_id=conversation, label=rule.add_label)],
            ignore_conflicts=True,
        )
        actions["label"] = rule.add_label
    if rule is not None and rule.assign_to is not None:
        # Never from under someone who holds it.
        held = Conversation.objects.filter(pk=conversation, assigned_to__isnull=True).update(
            assigned_to_id=rule.assign_to_id, assigned_at=timezone.now()
        )
        actions["assigned_to"] = rule.assign_to.get_username() if held else ""
    if rule is not None and rule.mark_spam:
        conversation_move([conversation], ConversationStatus.CLOSED, closed_at=timezone.now())
    RoutingDecision.objects.create(
        conversation_id=conversation,
        message_id=message_id,
        rule=rule,
        rule_name=rule.name if rule is not None else "",
        trigger=trigger,
        actions=actions,
    )


# The rules' screen: actions, each audited.

RULE_FIELDS = (
    "name",
    "is_active",
    "brand",
    "channel",
    "platform",
    "message_kind",
    "category",
    "urgency",
    "language",
    "phrases",
    "author_tag",
    "during_incident",
    "route_to_area",
    "assign_to",
    "set_priority",
    "add_label",
    "mark_spam",
)


_RELATED = {"brand", "channel", "route_to_area", "assign_to"}


def _snapshot(rule: RoutingRule) -> dict[str, object]:
    return {name: getattr(rule, f"{name}_id" if name in _RELATED else name) for name in RULE_FIELDS}


def _check(rule: RoutingRule, organization: Organization) -> None:
    for related in (rule.brand, rule.route_to_area):
        if related is not None and related.organization_id != organization.pk:
            raise ValidationError(_("A rule names only its organization's brands and areas."))
    if rule.channel is not None and rule.channel.brand.organization_id != organization.pk:
        raise ValidationError(_("A rule names only its organization's channels."))
    if not (
        rule.route_to_area_id
        or rule.assign_to_id
        or rule.set_priority
        or rule.add_label
        or rule.mark_spam
    ):
        raise ValidationError(_("Choose at least one thing the rule does."), code="no_action")


@transaction.atomic
def rule_save(*, organization: Organization, rule: RoutingRule, actor: Person) -> RoutingRule:
    """Create or change a rule; a new one goes last."""
    require_org_admin(actor, organization)
    rule.organization = organization
    rule.author_tag = normalize_tag(rule.author_tag)
    _check(rule, organization)
    created = rule.pk is None
    if created:
        last = RoutingRule.objects.filter(organization=organization).aggregate(n=Max("position"))
        rule.position = (last["n"] or 0) + 1
    rule.save()
    audit(
        organization=organization,
        actor=actor,
        action="routing_rule.create" if created else "routing_rule.update",
        target=rule,
        data=_snapshot(rule),
    )
    return rule


@transaction.atomic
def rule_delete(*, rule: RoutingRule, actor: Person) -> None:
    require_org_admin(actor, rule.organization)
    audit(
        organization=rule.organization_id,
        actor=actor,
        action="routing_rule.delete",
        target=rule,
        data={"name": rule.name},
    )
    rule.delete()


@transaction.atomic
def rule_move(*, rule: RoutingRule, actor: Person, up: bool) -> None:
    """Swap the rule with the one before (``up``) or after it, renumbering the list."""
    require_org_admin(actor, rule.organization)
    ordered = list(
        RoutingRule.objects.select_for_update()
        .filter(organization_id=rule.organization_id)
        .order_by("position", "pk")
    )
    index = next(i for i, r in enumerate(ordered) if r.pk == rule.pk)
    other = index - 1 if up else index + 1
    if not 0 <= other < len(ordered):
        return
    ordered[index], ordered[other] = ordered[other], ordered[index]
    for position, each in enumerate(ordered, start=1):
        if each.position != position:
            RoutingRule.objects.filter(pk=each.pk).update(position=position)
    audit(
        organization=rule.organization_id,
        actor=actor,
        action="routing_rule.move",
        target=rule,
        data={"order": [r.pk for r in ordered]},
    )


def preview(
    *, organization: Organization, limit: int = 200
) -> tuple[dict[int, list[InboundMessage]], int]:
    """Which of the organization's ``limit`` most recent messages each active rule would
    catch now, in order (a message goes to the first rule that matches), and how many were
    looked at. One query, then the rules in memory."""
    recent = list(
        InboundMessage.objects.filter(channel__brand__organization=organization)
        .select_related("channel__brand", "author")
        .order_by("-sent_at", "-pk")[:limit]
    )
    rules = rules_for(organization.pk)
    caught: dict[int, list[InboundMessage]] = {rule.pk: [] for rule in rules}
    in_incident = incident_channels_of({m.channel_id for m in recent})
    tags = author_tags_of(m.author_id for m in recent)
    for message in recent:
        facts = Facts.of(
            message,
            in_incident=message.channel_id in in_incident,
            author_tags=tags.get(message.author_id, frozenset()),
        )
        rule = first_match(rules, facts)
        if rule is not None:
            caught[rule.pk].append(message)
    return caught, len(recent)
