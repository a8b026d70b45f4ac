"""How well listening finds crises: ``civicdesk evaluate-listening --data DIR``.

Event timelines are rebuilt from CrisisLexT26 (``<event>-tweets_labeled.csv``): a tweet id
is a Twitter snowflake, so each tweet's time is ``(id >> 22) + 1288834974657`` ms. Tweets
labelled related to the event are the event's messages; the rest, with CrisisLexT6's
off-topic tweets, are the background pool.

One timeline holds every event: a week of background only, then each event in turn, a whole
number of weeks apart (so its hours of the day and days of the week are its own), its
tweets of its first ``EVENT_DAYS`` days at their real times. A background of pool tweets
runs all along at ``background_rate`` messages an hour, busier by day than by night.

The stream goes through the desk's own code (``engine.TopicGrouper`` on the same sentence
vectors, ``engine.detect`` on every topic with at least ``MIN_COUNT`` messages in the hour,
once an hour, with the cards' cooldown), and the figures are:

- per event: the delay from its onset (its first related tweet that starts a run of five
  within six hours) to the first alert whose hour's messages are mostly its own;
- false alerts per day on quiet stretches: alerts whose hour's messages are mostly background,
  raised more than ``QUIET_AFTER`` after every event's onset, per quiet day;
- the V-measure of topics against events, over the events' messages.
"""

from __future__ import annotations

import csv
import os
import random
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from sklearn.metrics import v_measure_score

from civicdesk.listening import engine
from civicdesk.understanding import embedding

TWITTER_EPOCH_MS = 1288834974657
EVENT_DAYS = 4
WARM_UP = timedelta(days=7)
SPACING = timedelta(days=7)
QUIET_AFTER = timedelta(days=EVENT_DAYS)
BURST_COUNT = 5
BURST_SPAN = timedelta(hours=6)
# Busier by day than by night: the share of the daily background in each UTC hour.
DIURNAL = np.array([0.4, 0.3, 0.25, 0.25, 0.3, 0.5, 0.8, 1.1, 1.3, 1.4, 1.4, 1.4,
                    1.4, 1.4, 1.4, 1.3, 1.3, 1.3, 1.3, 1.2, 1.1, 0.9, 0.7, 0.5])  # fmt: skip
DIURNAL = DIURNAL / DIURNAL.mean()


class DataMissing(Exception):
    pass


def snowflake_time(tweet_id: str) -> datetime:
    value = int(tweet_id.strip().strip("'\""))
    return datetime.fromtimestamp(((value >> 22) + TWITTER_EPOCH_MS) / 1000, UTC)


@dataclass
class Event:
    name: str
    onset: datetime
    tweets: list[tuple[datetime, str]]  # real times
    language: str = ""


@dataclass
class Message:
    when: datetime
    text: str
    event: str  # "" for the background


def _rows(path: Path) -> Iterator[list[str]]:
    with path.open(encoding="utf-8", errors="replace", newline="") as handle:
        reader = csv.reader(handle)
        next(reader, None)
        yield from reader


def _find(data: Path, suffix: str) -> list[Path]:
    """Files ending in ``suffix`` under ``data``, through linked folders too."""
    found = []
    for folder, _dirs, files in os.walk(data, followlinks=True):
        found += [Path(folder) / name for name in files if name.endswith(suffix)]
    return sorted(found)


def burst_onset(times: list[datetime]) -> datetime:
    """When the data shows the event began to be talked about: the first related tweet that
    starts a run of ``BURST_COUNT`` within ``BURST_SPAN``. The first tweet alone is often an
    early stray (a storm forecast a week before the floods), and the descriptions' start days
    are not always right (one is nine months off)."""
    for index, when in enumerate(times):
        later = index + BURST_COUNT - 1
        if later < len(times) and times[later] - when <= BURST_SPAN:
            return when
    return times[0]


def load(data: Path) -> tuple[list[Event], list[str]]:
    """The events and the background pool found under ``data``."""
    labelled = _find(data, "-tweets_labeled.csv")
    if not labelled:
        raise DataMissing(f"no CrisisLexT26 *-tweets_labeled.csv under {data}")
    events: list[Event] = []
    pool: list[str] = []
    for path in labelled:
        name = path.name.removesuffix("-tweets_labeled.csv")
        tweets = []
        for row in _rows(path):
            if len(row) < 5 or not row[0].strip().strip("'\"").isdigit():
                continue
            text = row[1].strip()
            if row[4].strip().startswith("Related"):
                tweets.append((snowflake_time(row[0]), text))
            else:
                pool.append(text)
        if not tweets:
            continue
        tweets.sort()
        events.append(Event(name=name, onset=burst_onset([t for t, _ in tweets]), tweets=tweets))
    for path in _find(data, "-ontopic_offtopic.csv"):
        pool += [row[1].strip() for row in _rows(path) if len(row) >= 3 and "off" in row[2]]
    if not pool:
        raise DataMissing("no background tweets (not related, or off-topic) found")
    return events, pool


def timeline(
    events: list[Event], pool: list[str], *, background_rate: float, seed: int = 7
) -> tuple[list[Message], dict[str, datetime], datetime, datetime]:
    """The stream, time-ordered; each event's onset on it; the timeline's start and end."""
    rng = random.Random(seed)
    first = min(e.onset for e in events)
    start = (first - WARM_UP).replace(minute=0, second=0, microsecond=0)
    messages: list[Message] = []
    onsets: dict[str, datetime] = {}
    for number, event in enumerate(sorted(events, key=lambda e: e.onset)):
        target = first + WARM_UP + SPACING * number
        # Whole weeks: the event keeps its own hours of the day and days of the week.
        shift = timedelta(weeks=round((target - event.onset) / timedelta(weeks=1)))
        onsets[event.name] = event.onset + shift
        for when, text in event.tweets:
            if event.onset - timedelta(hours=1) <= when < event.onset + timedelta(days=EVENT_DAYS):
                messages.append(Message(when + shift, text, event.name))
    end = max(onsets.values()) + timedelta(days=EVENT_DAYS)
    hour = start
    while hour < end:
        expected = background_rate * DIURNAL[hour.hour]
        for _ in range(np_poisson(rng, expected)):
            offset = timedelta(seconds=rng.uniform(0, 3600))
            messages.append(Message(hour + offset, rng.choice(pool), ""))
        hour += timedelta(hours=1)
    messages.sort(key=lambda m: m.when)
    return messages, onsets, start, end


def np_poisson(rng: random.Random, mean: float) -> int:
    """A Poisson draw from ``rng`` (Knuth's method; the means here are small)."""
    limit, k, product = np.exp(-mean), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


@dataclass
class Alert:
    when: datetime
    topic: int
    event: str  # the event most of the topic's messages belong to ("" background)
    observed: int
    expected: float


@dataclass
class Result:
    events: list[Event]
    onsets: dict[str, datetime]
    alerts: list[Alert]
    labels: list[str] = field(default_factory=list)
    topics: list[int] = field(default_factory=list)
    quiet_days: float = 0.0
    messages: int = 0
    background: int = 0


def run(
    messages: list[Message],
    onsets: dict[str, datetime],
    start: datetime,
    end: datetime,
    *,
    threshold: float = engine.TOPIC_THRESHOLD,
    batch: int = 512,
) -> Result:
    """Group the stream into topics and look for spikes once an hour, as the worker does."""
    grouper = engine.TopicGrouper(threshold=threshold)
    times: dict[int, list[datetime]] = defaultdict(list)
    events_of: dict[int, list[str]] = defaultdict(list)
    assigned: list[int] = []
    alerted: dict[int, datetime] = {}
    alerts: list[Alert] = []
    cache: dict[str, np.ndarray] = {}
    next_key = 0
    index = 0
    hour = start + timedelta(hours=1)
    while hour <= end:
        # Every message of the hour, then the hour's detection.
        chunk = []
        while index < len(messages) and messages[index].when <= hour:
            chunk.append(messages[index])
            index += 1
        missing = list(dict.fromkeys(m.text for m in chunk if m.text not in cache))
        for at in range(0, len(missing), batch):
            part = missing[at : at + batch]
            for text, vector in zip(part, embedding.embed(part), strict=True):
                cache[text] = vector
        touched = set()
        for message in chunk:
            got = grouper.assign(cache[message.text], message.when, new_key=next_key)
            key = next_key if got.key is None else got.key
            if got.key is None:
                next_key += 1
            times[key].append(message.when)
            events_of[key].append(message.event)
            assigned.append(key)
            touched.add(key)
        for key in touched:
            recent = [t for t in times[key] if t > hour - engine.WINDOW]
            if len(recent) < engine.MIN_COUNT:
                continue
            if key in alerted and hour - alerted[key] < engine.COOLDOWN:
                continue
            history = [t for t in times[key] if t > hour - timedelta(days=engine.HISTORY_DAYS)]
            verdict = engine.detect(history, now=hour)
            if verdict.spike:
                alerted[key] = hour
                # The alert is the story of the messages that made it: a topic that outlived
                # one event may be lifted later by another's.
                owner = Counter(
                    event
                    for when, event in zip(times[key], events_of[key], strict=True)
                    if when > hour - engine.WINDOW
                ).most_common(1)[0][0]
                alerts.append(Alert(hour, key, owner, verdict.observed, verdict.expected))
        hour += timedelta(hours=1)
    quiet = 0
    hour = start
    while hour < end:
        if not any(o <= hour < o + QUIET_AFTER for o in onsets.values()):
            quiet += 1
        hour += timedelta(hours=1)
    labels = [m.event for m in messages[:index]]
    keep = [i for i, label in enumerate(labels) if label]
    return Result(
        events=[],
        onsets=onsets,
        alerts=alerts,
        labels=[labels[i] for i in keep],
        topics=[assigned[i] for i in keep],
        quiet_days=quiet / 24,
        messages=index,
        background=sum(1 for m in messages[:index] if not m.event),
    )


def languages_of(events: list[Event]) -> None:
    """Each event's most common language (the understanding's own detector)."""
    try:
        from civicdesk.understanding.language import detect_batch
    except Exception:  # noqa: BLE001 - the figure is left out without the model
        return
    for event in events:
        found = Counter(code for code, _ in detect_batch([t for _, t in event.tweets[:300]]))
        found.pop("und", None)
        event.language = found.most_common(1)[0][0] if found else "?"


@dataclass
class Row:
    event: str
    language: str
    messages: int
    delay_hours: float | None
    alerts: int


def table(events: list[Event], result: Result) -> tuple[list[Row], dict[str, float | str]]:
    """The per-event rows and the overall figures."""
    rows = []
    counts = Counter(result.labels)
    delays = []
    for event in sorted(events, key=lambda e: result.onsets[e.name]):
        onset = result.onsets[event.name]
        mine = [a for a in result.alerts if a.event == event.name]
        delay = (min(a.when for a in mine) - onset).total_seconds() / 3600 if mine else None
        if delay is not None:
            delays.append(delay)
        rows.append(Row(event.name, event.language, counts[event.name], delay, len(mine)))
    false = [
        a
        for a in result.alerts
        if not a.event and not any(o <= a.when < o + QUIET_AFTER for o in result.onsets.values())
    ]
    overall: dict[str, float | str] = {
        "events": len(events),
        "detected": sum(1 for r in rows if r.delay_hours is not None),
        "median_delay_hours": float(np.median(delays)) if delays else float("nan"),
        "false_alerts": len(false),
        "quiet_days": result.quiet_days,
        "false_alerts_per_quiet_day": len(false) / result.quiet_days
        if result.quiet_days
        else float("nan"),
        "background_alerts_all": sum(1 for a in result.alerts if not a.event),
        "v_measure": float(v_measure_score(result.labels, result.topics))
        if result.labels
        else float("nan"),
        "messages": result.messages,
        "background_messages": result.background,
        "embedding": embedding.backend(),
    }
    return rows, overall


def evaluate(
    data: Path, *, background_rate: float = 6.0, threshold: float = engine.TOPIC_THRESHOLD
) -> tuple[list[Row], dict[str, float | str]]:
    events, pool = load(data)
    languages_of(events)
    messages, onsets, start, end = timeline(events, pool, background_rate=background_rate)
    result = run(messages, onsets, start, end, threshold=threshold)
    return table(events, result)
