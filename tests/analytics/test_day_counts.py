"""Analytics' day counts of messages (``MessageDay``) against counting the messages: they
follow arrival, understanding, a person's correction, a bulk rewrite, a move and a delete,
and rebuild from nothing; and a period's inbox figures, in any time zone and across a change
of the clocks, are exactly what counting its messages gives."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from itertools import cycle

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from civicdesk.analytics.definitions import Period, Scope
from civicdesk.analytics.inbox_figures import inbox_figures
from civicdesk.inbox import counters
from civicdesk.inbox.models import AuthorTag, Conversation, InboundMessage, MessageDay
from civicdesk.inbox.services import message_correct
from civicdesk.inbox.understanding import _save_understanding
from civicdesk.organizations.models import Organization
from tests.factories import World, make_message, make_world

pytestmark = pytest.mark.django_db

Key = tuple[int, date, str, str, str]


@pytest.fixture
def world() -> World:
    return make_world(time_zone="Europe/Paris")


def _counted() -> Counter[Key]:
    """The slow way: every message read and counted by its UTC day."""
    counts: Counter[Key] = Counter()
    for channel_id, sent_at, language, category, urgency in InboundMessage.objects.values_list(
        "channel_id", "sent_at", "language", "category", "urgency"
    ):
        counts[channel_id, sent_at.astimezone(UTC).date(), language, category, urgency] += 1
    return counts


def _kept() -> Counter[Key]:
    rows = MessageDay.objects.values_list(
        "channel_id", "day", "language", "category", "urgency", "received"
    )
    assert all(row[-1] >= 0 for row in rows)
    return Counter({row[:-1]: row[-1] for row in rows if row[-1]})


def _at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 10, day, hour, minute, tzinfo=UTC)


def test_day_counts_follow_every_write_and_rebuild_from_nothing(world: World) -> None:
    first = make_message(channel=world.channel, text="Open?", sent_at=_at(24, 23, 59))
    second = make_message(
        channel=world.channel,
        text="Still open?",
        sent_at=_at(25, 0, 1),
        conversation=first.conversation,
        language="fr",
    )
    third = make_message(
        channel=world.channel2, text="Why closed?", sent_at=_at(25, 12), category="complaint"
    )
    # Stored before it is understood: nothing known yet.
    blank = make_message(
        channel=world.channel, text="?", sent_at=_at(26, 8), category="", urgency="", language=""
    )
    assert _kept() == _counted()
    assert sum(_kept().values()) == 4

    # Understanding writes its findings with one raw UPDATE a message.
    blank.language, blank.category, blank.urgency = "en", "help_request", "high"
    blank.category_scores, blank.urgency_reasons, blank.personal_data = {}, [], []
    blank.understood_at = _at(26, 8, 1)
    _save_understanding([blank])
    assert _kept() == _counted()
    assert _kept()[world.channel.pk, date(2026, 10, 26), "en", "help_request", "high"] == 1

    # A responder corrects the kind, then the urgency.
    message_correct(message=third, actor=world.responder, field="category", value="question")
    message_correct(message=third, actor=world.responder, field="urgency", value="critical")
    assert _kept() == _counted()

    # Any other writer: a bulk rewrite, a message moved in time and to another channel.
    InboundMessage.objects.filter(channel=world.channel).update(urgency="low")
    InboundMessage.objects.filter(pk=second.pk).update(sent_at=_at(20, 10))
    InboundMessage.objects.filter(pk=first.pk).update(channel=world.channel2)
    assert _kept() == _counted()

    # Deleted: one message, then a conversation with its messages.
    InboundMessage.objects.filter(pk=blank.pk).delete()
    assert _kept() == _counted()
    Conversation.objects.filter(pk=first.conversation_id).delete()
    assert _kept() == _counted()
    assert sum(_kept().values()) == 1

    # The recount gives the same counts from nothing.
    expected = _kept()
    MessageDay.objects.all().delete()
    counters.recount()
    assert _kept() == expected
    # Or one channel's, leaving the others' as they are.
    MessageDay.objects.filter(channel=world.channel2).update(received=7)
    counters.recount(channel_ids=[world.channel2.pk])
    assert _kept() == expected


def _seed_hours(world: World) -> None:
    """Messages every five hours and a bit from 20 October to 5 November (both changes of
    the clocks in Europe and America), in two languages, four kinds and three urgencies."""
    kinds = cycle(["question", "complaint", "question", "help_request", "praise"])
    urgencies = cycle(["low", "medium", "high", "medium"])
    languages = cycle(["en", "fr", "en"])
    channels = cycle([world.channel, world.channel2, world.other_channel])
    at = _at(20, 0, 7)
    while at < datetime(2026, 11, 5, tzinfo=UTC):
        make_message(
            channel=next(channels),
            text="A message",
            sent_at=at,
            category=next(kinds),
            urgency=next(urgencies),
            language=next(languages),
            author_handle=f"person{at:%d%H}",
        )
        at += timedelta(hours=5, minutes=13)


def _expected(scope: Scope, period: Period, what: str) -> list[tuple[str, int]]:
    begin, finish = period.bounds(scope.organization.time_zone)
    messages = InboundMessage.objects.filter(
        channel_id__in=scope.channel_ids, sent_at__gte=begin, sent_at__lt=finish
    )
    if scope.language:
        messages = messages.filter(language=scope.language)
    counts = Counter(messages.values_list(what, flat=True))
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


@pytest.mark.parametrize(
    "time_zone",
    ["UTC", "Europe/Paris", "America/New_York", "Asia/Kolkata", "Pacific/Chatham"],
)
def test_period_figures_are_the_count_of_its_messages_in_any_time_zone(time_zone: str) -> None:
    world = make_world(time_zone=time_zone)
    _seed_hours(world)
    organization = Organization.objects.get(pk=world.org.pk)
    channels = [world.channel, world.channel2, world.other_channel]
    for start, days in [(date(2026, 10, 21), 1), (date(2026, 10, 24), 3), (date(2026, 10, 30), 4)]:
        period = Period(start, start + timedelta(days=days - 1))
        for language in ("", "fr"):
            scope = Scope(organization=organization, channels=channels, language=language)
            inbox = inbox_figures(scope, period)
            assert inbox.by_kind == _expected(scope, period, "category"), (start, language)
            assert inbox.by_urgency == _expected(scope, period, "urgency")
            assert inbox.by_language == _expected(scope, period, "language")
            assert inbox.figures["messages"].value == sum(n for _k, n in inbox.by_kind)


def test_segments_count_each_tagged_authors_messages_in_the_scope(world: World) -> None:
    journalist = make_message(
        channel=world.channel, text="A", sent_at=_at(10, 9), author_handle="press"
    )
    make_message(
        channel=world.channel, text="B", sent_at=_at(11, 9), author_handle="press", language="fr"
    )
    make_message(channel=world.channel2, text="C", sent_at=_at(12, 9), author_handle="press")
    make_message(channel=world.channel, text="D", sent_at=_at(12, 9), author_handle="someone")
    make_message(channel=world.channel, text="E", sent_at=_at(31, 23), author_handle="press")
    AuthorTag.objects.create(author=journalist.author, tag="journalist", added_by=world.manager)
    scope = Scope(organization=world.org, channels=[world.channel])
    october = Period.month(2026, 10)
    assert inbox_figures(scope, october).by_segment == [
        ("journalist", 2)
    ]  # C is on another channel, E in November
    french = Scope(organization=world.org, channels=[world.channel], language="fr")
    assert inbox_figures(french, october).by_segment == [("journalist", 1)]
    nobody = Scope(organization=world.org, channels=[world.channel2, world.other_channel])
    assert inbox_figures(nobody, Period(date(2026, 10, 1), date(2026, 10, 11))).by_segment == []


def test_a_periods_inbox_figures_cost_the_same_queries_however_many_messages(
    world: World,
) -> None:
    scope = Scope(organization=world.org, channels=[world.channel, world.channel2])
    october = Period.month(2026, 10)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            inbox_figures(scope, october)
        return len(captured.captured_queries)

    make_message(channel=world.channel, text="First", sent_at=_at(2, 9))
    few = queries()
    for day in range(3, 30):
        make_message(channel=world.channel2, text="More", sent_at=_at(day, 9))
    assert queries() == few
