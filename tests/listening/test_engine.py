"""The topic grouper and the spike detector on plain numbers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

from civicdesk.listening import engine, terms
from civicdesk.understanding import embedding

NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)  # a Wednesday


def _pattern(hourly: dict[int, int], *, days: int, now: datetime = NOW) -> list[datetime]:
    """``hourly[h]`` messages at each hour of the day ``h`` for ``days`` days before now."""
    times = []
    for day in range(1, days + 1):
        for hour, count in hourly.items():
            start = (now - timedelta(days=day)).replace(hour=hour)
            times += [start + timedelta(minutes=1 + 50 * i / max(count, 1)) for i in range(count)]
    return times


def test_a_busy_hour_is_usual_at_its_time_of_day_and_a_spike_at_night() -> None:
    # Every day: 12 messages between 14:00 and 15:00, one an hour otherwise.
    usual = _pattern({h: (12 if h == 14 else 1) for h in range(24)}, days=21)
    afternoon = usual + [NOW - timedelta(minutes=m) for m in range(2, 50, 4)]  # 12 again
    verdict = engine.detect(afternoon, now=NOW)
    assert verdict.observed == 12 and not verdict.spike
    assert 6 < verdict.expected < 20

    night = NOW.replace(hour=3)
    history = [t for t in usual if t < night - timedelta(hours=1)]
    same = history + [night - timedelta(minutes=m) for m in range(2, 50, 4)]
    verdict = engine.detect(same, now=night)
    assert verdict.observed == 12 and verdict.spike
    assert verdict.expected < 2


def test_a_story_from_nowhere_is_a_spike_and_a_trickle_is_not() -> None:
    assert engine.detect([NOW - timedelta(minutes=m) for m in (1, 5, 9, 20, 40)], now=NOW).spike
    assert not engine.detect([NOW - timedelta(minutes=m) for m in (1, 5, 9, 20)], now=NOW).spike
    # Five an hour every hour for two weeks: five more is ordinary.
    steady = _pattern({h: 5 for h in range(24)}, days=14)
    now_five = [NOW - timedelta(minutes=m) for m in (1, 10, 20, 30, 40)]
    assert not engine.detect(steady + now_five, now=NOW).spike


def test_the_weekday_counts_with_two_weeks_of_history() -> None:
    # Busy Wednesdays at 14:00 (30 messages), quiet other days (2).
    times = []
    for day in range(1, 29):
        start = (NOW - timedelta(days=day)).replace(hour=14)
        count = 30 if start.weekday() == NOW.weekday() else 2
        times += [start + timedelta(minutes=1 + i) for i in range(count)]
    wednesday = times + [NOW - timedelta(minutes=1 + i) for i in range(30)]
    assert not engine.detect(wednesday, now=NOW).spike
    thursday = NOW + timedelta(days=1)
    busy_thursday = times + [thursday - timedelta(minutes=1 + i) for i in range(30)]
    assert engine.detect(busy_thursday, now=thursday).spike


def test_the_same_story_in_english_and_french_is_one_topic() -> None:
    texts = [
        "The Lions Gate bridge is closed after a truck fire",
        "Le pont Lions Gate est fermé après l'incendie d'un camion",
        "Truck fire closes the Lions Gate bridge this morning",
        "When does the public library open on Sundays?",
    ]
    vectors = embedding.embed(texts)
    grouper = engine.TopicGrouper()
    keys = []
    for number, vector in enumerate(vectors):
        assigned = grouper.assign(vector, NOW, new_key=number)
        keys.append(number if assigned.key is None else assigned.key)
    assert keys[0] == keys[1] == keys[2] != keys[3]
    assert grouper.topics[keys[0]].size == 3
    np.testing.assert_allclose(np.linalg.norm(grouper.topics[keys[0]].centroid), 1.0, rtol=1e-5)
    # A topic quiet for longer than ACTIVE_HOURS takes no new message.
    later = NOW + timedelta(hours=engine.ACTIVE_HOURS + 1)
    assert grouper.assign(vectors[0], later, new_key=99).key is None


def test_topic_words_skip_links_mentions_and_common_words() -> None:
    counts = terms.merge(
        {},
        [
            "The #BridgeClosure on https://x.example/a @roads is the bridge",
            "Le pont est fermé #bridgeclosure",
        ],
    )
    assert "the" not in counts and "https" not in counts and "@roads" not in counts
    assert terms.top(counts, 3)[0] == "#bridgeclosure"
    assert "pont" in counts and "fermé" in counts
