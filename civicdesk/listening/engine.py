"""The two algorithms of listening, on plain numbers so that the desk and the evaluation
(``civicdesk evaluate-listening``) run the same code.

Topics: online clustering against topic centroids. Each message's multilingual sentence
vector (``understanding.embedding``: the same story in English and French lands close) joins
the nearest topic active in the last ``ACTIVE_HOURS`` when its cosine similarity to that
topic's centroid reaches ``TOPIC_THRESHOLD``, and moves the centroid (the normalised sum of
its members); otherwise it starts a topic of its own.

Spikes: a topic's (or followed term's) count in the last hour is compared with what is usual
for it at that hour of the day and day of the week: a seasonal baseline. The expected count
is the mean, over the past days, of the count at the same hour (its neighbouring hours
weighed in, the largest day left out so one past spike does not hide the next); with two
weeks of history or more it is blended with the same mean over the past weeks at the same
hour of the same weekday, the more so the more weeks there are. The count is a spike when it
is at least ``MIN_COUNT``, at least ``MIN_RATIO`` times the expected count, and its upper
Poisson tail probability is below ``ALPHA``. A new topic has no history: its expected count
is ``FLOOR_RATE``, so a story that appears from nowhere with ``MIN_COUNT`` messages within
the hour is a spike at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
from scipy.stats import poisson

#: Checked with ``civicdesk evaluate-listening`` on CrisisLexT26 (docs/listening.md); a little
#: below the claims desk's matching threshold, as a topic gathers looser paraphrases.
TOPIC_THRESHOLD = 0.5
ACTIVE_HOURS = 72
HISTORY_DAYS = 28
WINDOW = timedelta(hours=1)
MIN_COUNT = 5
MIN_RATIO = 3.0
ALPHA = 1e-4
FLOOR_RATE = 0.25
#: A topic or term already alerted is not alerted again for this long.
COOLDOWN = timedelta(hours=24)
DIM = 512


# Topics ------------------------------------------------------------------------------------


@dataclass
class TopicState:
    key: int  # the topic's id (in the database) or its number (in the evaluation)
    total: np.ndarray  # the sum of its members' vectors
    size: int
    last_seen: datetime

    @property
    def centroid(self) -> np.ndarray:
        norm = float(np.linalg.norm(self.total))
        return self.total / norm if norm else self.total


@dataclass
class Assignment:
    key: int | None  # None: a new topic, numbered by the caller
    similarity: float


@dataclass
class TopicGrouper:
    """Topics of one organization in memory; ``assign`` one message at a time, in time order."""

    threshold: float = TOPIC_THRESHOLD
    active: timedelta = timedelta(hours=ACTIVE_HOURS)
    topics: dict[int, TopicState] = field(default_factory=dict)
    _keys: list[int] = field(default_factory=list)
    _matrix: np.ndarray = field(default_factory=lambda: np.zeros((0, DIM), dtype=np.float32))

    def add(self, state: TopicState) -> None:
        self.topics[state.key] = state
        self._keys.append(state.key)
        self._matrix = np.vstack([self._matrix, state.centroid[None, :].astype(np.float32)])

    def assign(self, vector: np.ndarray, when: datetime, *, new_key: int) -> Assignment:
        """Put one message in its topic (a new one keyed ``new_key`` if none is near)."""
        best, similarity = None, 0.0
        if self._keys:
            scores = self._matrix @ vector
            for index in np.argsort(-scores)[:5]:
                state = self.topics[self._keys[index]]
                if when - state.last_seen <= self.active:
                    if scores[index] >= self.threshold:
                        best, similarity = int(index), float(scores[index])
                    break
        if best is None:
            self.add(
                TopicState(key=new_key, total=vector.astype(np.float64), size=1, last_seen=when)
            )
            return Assignment(key=None, similarity=1.0)
        state = self.topics[self._keys[best]]
        state.total = state.total + vector
        state.size += 1
        state.last_seen = max(state.last_seen, when)
        self._matrix[best] = state.centroid
        return Assignment(key=state.key, similarity=similarity)


# Spikes ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    observed: int
    expected: float
    score: float  # (observed - expected) / sqrt(expected)
    p_value: float
    spike: bool


def hour_start(when: datetime) -> datetime:
    return when.replace(minute=0, second=0, microsecond=0)


def hourly_history(
    times: Sequence[datetime], *, now: datetime, days: int = HISTORY_DAYS
) -> np.ndarray:
    """Counts per hour over the ``days`` before the current window, oldest first: index
    ``i`` is the hour starting ``now - WINDOW - (n - i) hours``."""
    hours = days * 24
    end = now - WINDOW
    counts = np.zeros(hours, dtype=np.float64)
    for when in times:
        age = (end - when).total_seconds() / 3600.0
        if 0 < age <= hours:
            counts[hours - int(np.ceil(age))] += 1
    return counts


def _trimmed_mean(values: np.ndarray) -> float:
    """The mean without the largest value once there are four or more: one past spike at
    this hour does not make the next one look usual."""
    if len(values) >= 4:
        values = np.sort(values)[:-1]
    return float(values.mean()) if len(values) else 0.0


def _seasonal(series: np.ndarray, period: int) -> np.ndarray:
    """Per past period, the count at the window's place in it, its neighbours weighed in
    (a quarter each), so a few periods of history already give a steady estimate."""
    periods = len(series) // period
    table = series[len(series) - periods * period :].reshape(periods, period)
    # Column 0 is the window's hour one period earlier; the last column the hour before it.
    before = table[:, -1]
    after = table[:, 1] if period > 1 else table[:, 0]
    return 0.5 * table[:, 0] + 0.25 * before + 0.25 * after


def expected_count(history: np.ndarray, *, now: datetime) -> float:
    """What the window ending ``now`` usually holds (see the module docstring).

    ``history`` is ``hourly_history``'s: the window would be its next entry, so the same
    hour a day earlier is every 24th entry back, and a week earlier every 168th. Only the
    days since the first message count: a young topic's quiet past is not known quiet."""
    if not len(history) or not history.any():
        return FLOOR_RATE
    first = int(np.argmax(history > 0))
    span = len(history) - first
    days = min(len(history) // 24, max(1, -(-span // 24)))
    recent = history[len(history) - days * 24 :]
    usual = _trimmed_mean(_seasonal(recent, 24))
    if span < 24:
        # Younger than a day: its rate so far is all there is to go by.
        usual = max(usual, float(history[first:].mean()))
    weeks = days // 7
    if weeks >= 2:
        weekly = _trimmed_mean(_seasonal(recent[len(recent) - weeks * 168 :], 168))
        weight = weeks / (weeks + 1)
        usual = weight * weekly + (1 - weight) * usual
    return max(FLOOR_RATE, usual)


def judge(observed: int, expected: float) -> Verdict:
    p_value = float(poisson.sf(observed - 1, expected)) if observed > 0 else 1.0
    score = (observed - expected) / float(np.sqrt(expected))
    spike = observed >= MIN_COUNT and observed >= MIN_RATIO * expected and p_value < ALPHA
    return Verdict(observed=observed, expected=expected, score=score, p_value=p_value, spike=spike)


def detect(times: Sequence[datetime], *, now: datetime) -> Verdict:
    """Whether the messages at ``times`` make the hour ending ``now`` a spike."""
    observed = sum(1 for t in times if now - WINDOW < t <= now)
    return judge(observed, expected_count(hourly_history(times, now=now), now=now))


def curve(times: Sequence[datetime], *, now: datetime, hours: int = 48) -> list[list[object]]:
    """[[hour start (ISO), count], ...] for the ``hours`` up to now, for the card's chart."""
    start = hour_start(now) - timedelta(hours=hours - 1)
    counts: dict[datetime, int] = {}
    for when in times:
        if start <= when <= now:
            counts[hour_start(when)] = counts.get(hour_start(when), 0) + 1
    return [
        [(start + timedelta(hours=i)).isoformat(), counts.get(start + timedelta(hours=i), 0)]
        for i in range(hours)
    ]
