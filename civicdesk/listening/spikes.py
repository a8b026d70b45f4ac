"""Find topics and followed terms much louder than usual (``engine.detect``) and raise an
issue card for each, with what the team needs to judge it at a glance; the alert goes out
after the card is committed (``alerts.announce``)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from civicdesk.inbox.models import InboundMessage
from civicdesk.listening import engine, terms
from civicdesk.listening.alerts import announce
from civicdesk.listening.models import (
    CardState,
    FollowedTerm,
    IssueCard,
    ListeningItem,
    Topic,
    TopicEntry,
)
from civicdesk.organizations.models import Organization

EXAMPLES = 6
AUTHORS = 5


def detect_organization(organization: Organization, *, now: datetime | None = None) -> list[int]:
    """Raise or refresh cards for the organization's spikes; returns the new cards' ids."""
    now = now or timezone.now()
    window_start = now - engine.WINDOW
    history_start = now - engine.WINDOW - timedelta(days=engine.HISTORY_DAYS)
    raised: list[int] = []
    busy_topics = (
        TopicEntry.objects.filter(
            organization=organization, sent_at__gt=window_start, sent_at__lte=now
        )
        .values("topic_id")
        .annotate(n=Count("pk"))
        .filter(n__gte=engine.MIN_COUNT)
    )
    for row in busy_topics:
        topic = Topic.objects.get(pk=row["topic_id"])
        entries = list(
            TopicEntry.objects.filter(
                topic=topic, sent_at__gt=history_start, sent_at__lte=now
            ).order_by("sent_at")
        )
        verdict = engine.detect([e.sent_at for e in entries], now=now)
        if verdict.spike:
            card = _raise(organization, verdict, entries, now=now, topic=topic)
            if card is not None:
                raised.append(card)
    busy_terms = (
        ListeningItem.objects.filter(
            organization=organization, sent_at__gt=window_start, sent_at__lte=now
        )
        .values("term_id")
        .annotate(n=Count("pk"))
        .filter(n__gte=engine.MIN_COUNT)
    )
    for term_row in busy_terms:
        term = FollowedTerm.objects.get(pk=term_row["term_id"])
        times = list(
            ListeningItem.objects.filter(
                term=term, sent_at__gt=history_start, sent_at__lte=now
            ).values_list("sent_at", flat=True)
        )
        verdict = engine.detect(times, now=now)
        if verdict.spike and not _joins_topic_card(organization, term, now=now):
            entries = list(
                TopicEntry.objects.filter(
                    item__term=term, sent_at__gt=now - timedelta(hours=48), sent_at__lte=now
                ).order_by("sent_at")
            )
            card = _raise(organization, verdict, entries, now=now, term=term, times=times)
            if card is not None:
                raised.append(card)
    return raised


def _joins_topic_card(organization: Organization, term: FollowedTerm, *, now: datetime) -> bool:
    """A term's spike that is mostly one topic's, whose card is open: the term is noted on
    that card instead of raising a second card (and a second alert) for the same story."""
    topics = Counter(
        TopicEntry.objects.filter(
            item__term=term, sent_at__gt=now - engine.WINDOW, sent_at__lte=now
        ).values_list("topic_id", flat=True)
    )
    if not topics:
        return False
    topic_id, count = topics.most_common(1)[0]
    if count * 2 < sum(topics.values()):
        return False
    card = IssueCard.objects.filter(
        organization=organization,
        topic_id=topic_id,
        state=CardState.OPEN,
        detected_at__gt=now - engine.COOLDOWN,
    ).first()
    if card is None:
        return False
    if card.term_id is None:
        IssueCard.objects.filter(pk=card.pk).update(term=term)
    return True


def _raise(
    organization: Organization,
    verdict: engine.Verdict,
    entries: list[TopicEntry],
    *,
    now: datetime,
    topic: Topic | None = None,
    term: FollowedTerm | None = None,
    times: list[datetime] | None = None,
) -> int | None:
    """A new card (its id), or None when an open card of the same topic or term was raised
    within the cooldown: that card is brought up to date instead, without a new alert."""
    fields, earliest = _describe(entries, now=now, times=times)
    if topic is not None:
        title = topic.label or _("A topic")
        first_seen = topic.first_seen
    else:
        assert term is not None
        title = str(term)
        first_seen = earliest
    with transaction.atomic():
        recent = (
            IssueCard.objects.select_for_update()
            .filter(
                organization=organization,
                state=CardState.OPEN,
                detected_at__gt=now - engine.COOLDOWN,
            )
            .filter(topic=topic, **({} if topic is not None else {"term": term}))
            .first()
        )
        if recent is not None:
            IssueCard.objects.filter(pk=recent.pk).update(
                updated_at=now,
                observed=max(recent.observed, verdict.observed),
                expected=verdict.expected,
                score=max(recent.score, verdict.score),
                **fields,
            )
            return None
        card = IssueCard.objects.create(
            organization=organization,
            topic=topic,
            term=term,
            title=title[:300],
            detected_at=now,
            updated_at=now,
            first_seen=first_seen,
            observed=verdict.observed,
            expected=verdict.expected,
            score=verdict.score,
            **fields,
        )
        transaction.on_commit(lambda: announce(card.pk))
    return card.pk


def _describe(
    entries: list[TopicEntry], *, now: datetime, times: list[datetime] | None
) -> tuple[dict[str, Any], datetime]:
    """The card's picture (curve, examples, words, languages, kinds, sources, authors) and
    the earliest message time it covers."""
    recent = [e for e in entries if e.sent_at > now - timedelta(hours=48)]
    curve_times = times if times is not None else [e.sent_at for e in entries]
    texts = _texts(recent)
    counts = terms.merge({}, (text for text, _url in texts.values()))
    authors: dict[str, list[int]] = {}
    for e in recent:
        reach_and_count = authors.setdefault(e.author, [0, 0])
        reach_and_count[0] = max(reach_and_count[0], e.reach)
        reach_and_count[1] += 1
    ranked = sorted(authors.items(), key=lambda kv: (-kv[1][0], -kv[1][1], kv[0]))[:AUTHORS]
    newest = sorted(recent, key=lambda e: (-e.reach, -e.sent_at.timestamp()))[:EXAMPLES]
    picture = {
        "curve": engine.curve(curve_times, now=now),
        "examples": [
            {
                "text": texts.get(e.pk, ("", ""))[0][:500],
                "author": e.author,
                "reach": e.reach,
                "url": texts.get(e.pk, ("", ""))[1],
                "sent_at": e.sent_at.isoformat(),
                "language": e.language,
                "source": e.source,
            }
            for e in newest
        ],
        "top_terms": terms.top(counts, 8),
        "languages": dict(Counter(e.language or "?" for e in recent).most_common()),
        "kinds": dict(Counter(e.category or "?" for e in recent).most_common()),
        "sources": dict(Counter(e.source for e in recent).most_common()),
        "authors": [{"author": name, "reach": reach, "messages": n} for name, (reach, n) in ranked],
    }
    return picture, min(curve_times) if curve_times else now


def _texts(entries: list[TopicEntry]) -> dict[int, tuple[str, str]]:
    """Each entry's message text and address, read in two queries."""
    from_inbox = {e.message_id: e.pk for e in entries if e.message_id}
    from_items = {e.item_id: e.pk for e in entries if e.item_id}
    out: dict[int, tuple[str, str]] = {}
    for pk, text, url in InboundMessage.objects.filter(pk__in=list(from_inbox)).values_list(
        "pk", "text", "url"
    ):
        out[from_inbox[pk]] = (text, url)
    for pk, text, url in ListeningItem.objects.filter(pk__in=list(from_items)).values_list(
        "pk", "text", "url"
    ):
        out[from_items[pk]] = (text, url)
    return out


def detect_all(*, now: datetime | None = None) -> list[int]:
    """Every organization: the worker's periodic job."""
    with override(None):
        return [
            card
            for organization in Organization.objects.all()
            for card in detect_organization(organization, now=now)
        ]
