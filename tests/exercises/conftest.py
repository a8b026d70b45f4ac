"""Fixtures of the exercise tests: a world whose channels are exercise network accounts,
and a clock the tests step (every timestamp the app writes moves with it)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime

import pytest
import time_machine
from django.utils import timezone

from civicdesk.exnet.services import create_account
from tests.factories import World, make_world

SCENARIO = """\
name: Flood on the quays
languages: [en, fr]
duration_minutes: 60
seed: 7
timeline:
  - at: 0
    inject:
      text: The minister wants a statement by 10:30
  - at: 2
    wave:
      kind: emergency
      language: en
      rate_per_minute: 1
      count: 3
      texts:
        - Water is coming into our ground floor on Quai Perrache, we need help
        - My neighbour is stuck on her roof near the footbridge
  - at: 4
    rumour:
      language: fr
      text: On dit que le barrage a cédé en amont
      correction: Le barrage n'a pas cédé
  - at: 5
    fault:
      kind: latency
      seconds: 0.3
      operation: create_post
      count: 2
  - at: 10
    wave:
      kind: question
      language: fr
      rate_per_minute: 2
      count: 4
      bank: comment
expectations:
  first_update_within_minutes: 10
  emergency_answered_within_minutes: 15
  rumours_corrected: true
  cadence_minutes: 30
"""


@pytest.fixture
def world(db: None) -> World:
    world = make_world()
    for channel in (world.channel, world.channel2, world.other_channel):
        create_account(handle=channel.handle, display_name=channel.brand.name)
    return world


class SteppedClock:
    """The runner's clock in tests: ``sleep`` moves time on at once, for the whole process."""

    def __init__(self, traveller: time_machine.Coordinates) -> None:
        self.traveller = traveller
        self.on_sleep: list[Callable[[datetime], None]] = []

    def now(self) -> datetime:
        return timezone.now()

    def sleep(self, seconds: float) -> None:
        self.traveller.shift(max(seconds, 0.001))
        for hook in self.on_sleep:
            hook(self.now())


@pytest.fixture
def clock() -> Iterator[SteppedClock]:
    with time_machine.travel(datetime(2025, 3, 1, 8, 0, tzinfo=timezone.UTC), tick=False) as t:
        yield SteppedClock(t)
