"""The runner on a stepped clock, the exercise-network-only rule, and the scores of a
scripted team against a slow one."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.core.exceptions import ValidationError

from civicdesk.exercises import runner
from civicdesk.exercises.models import Exercise, ExerciseState
from civicdesk.exercises.services import exercise_start
from civicdesk.exnet.models import NetAccount, NetFault, NetPost
from civicdesk.inbox.models import InboundMessage
from civicdesk.inbox.services import reply_create
from civicdesk.incidents import services as incidents
from civicdesk.organizations.audit import AuditEvent
from tests.exercises.conftest import SCENARIO, SteppedClock
from tests.factories import World, make_channel, make_message
from tests.incidents.conftest import approved_template, declare


def _start(world: World, speed: float = 60.0) -> Exercise:
    return exercise_start(
        organization=world.org,
        actor=world.manager,
        source=SCENARIO,
        channels=[world.channel, world.channel2],
        speed=speed,
    )


def test_a_real_platform_in_scope_is_refused(world: World) -> None:
    make_channel(brand=world.brand, platform="mastodon", handle="cityhall_real")
    with pytest.raises(ValidationError, match="only on the exercise network"):
        exercise_start(organization=world.org, actor=world.manager, source=SCENARIO)
    assert not Exercise.objects.exists()


def test_the_runner_plays_the_timeline_on_a_stepped_clock(
    world: World, clock: SteppedClock
) -> None:
    exercise = _start(world)
    seen: list[int] = []
    clock.on_sleep.append(lambda now: seen.append(Exercise.objects.get(pk=exercise.pk).fired))
    runner.run(exercise, clock=clock)
    exercise.refresh_from_db()
    assert exercise.state == ExerciseState.FINISHED
    assert exercise.fired == exercise.total_actions == 10
    assert seen == sorted(seen)  # actions came one by one as the clock moved
    team = NetAccount.objects.get(handle=world.channel.handle)
    planted = NetPost.objects.filter(account__is_simulated=True)
    assert planted.count() == 8  # seven messages and the rumour
    assert planted.filter(text__contains="barrage").count() == 1
    assert not NetFault.objects.filter(account=team).exists()  # cleared at the end
    assert exercise.report["overall"] == 0  # nobody did anything
    assert AuditEvent.objects.filter(action="exercise.start").count() == 1


def _scripted_team(world: World, exercise: Exercise, *, delay_minutes: float) -> callable:
    """A team that acts through the services: declares and updates after ``delay_minutes``,
    answers each planted message ``delay_minutes`` after it arrives, corrects the rumour."""
    template = approved_template(world)
    state: dict[str, object] = {"incident": None, "answered": set(), "updates": 0}

    def act(now: datetime) -> None:
        minute = exercise.scenario_seconds(now) / 60
        if state["incident"] is None and minute >= delay_minutes:
            state["incident"] = declare(world, channels=[world.channel, world.channel2])
        incident = state["incident"]
        if incident is not None and minute >= delay_minutes + 25 * int(state["updates"]):
            incidents.update_publish(
                incident=incident,
                actor=world.manager,
                request=incidents.UpdateRequest(
                    channels=[world.channel, world.channel2],
                    template=template,
                    values={"road": "Quai Perrache", "time": "18:00", "link": "https://lyon.fr"},
                ),
            )
            state["updates"] = int(state["updates"]) + 1
        for action in exercise.actions.filter(kind__in=["message", "rumour"]):
            post = action.data["post"]
            if (
                post in state["answered"]
                or minute < exercise.scenario_seconds(action.done_at) / 60 + delay_minutes
            ):
                continue
            channel = world.channel if action.data["to"] == world.channel.handle else world.channel2
            message = make_message(channel=channel, text=action.data["text"])
            InboundMessage.objects.filter(pk=message.pk).update(remote_id=post)
            text = action.data.get("correction") or "We are on our way."
            reply_create(message=message, actor=world.responder, text=f"{text}. Details on lyon.fr")
            state["answered"].add(post)

    return act


@pytest.mark.parametrize(("delay", "expected"), [(1, 100), (20, 50)])
def test_a_scripted_team_is_scored_on_what_it_did(
    world: World, clock: SteppedClock, delay: float, expected: int
) -> None:
    exercise = _start(world)
    clock.on_sleep.append(_scripted_team(world, exercise, delay_minutes=delay))
    runner.run(exercise, clock=clock)
    exercise.refresh_from_db()
    report = exercise.report
    by_name = {s["expectation"]: s for s in report["scores"]}
    first = by_name["first_update"]["evidence"][0]
    assert delay <= first["minute"] <= delay + 1
    assert by_name["first_update"]["met"] is (delay <= 10)
    emergencies = by_name["emergency_answered"]["evidence"]
    assert len(emergencies) == 3 and all("reply" in e for e in emergencies)
    assert all(delay <= e["delay"] <= delay + 1 for e in emergencies)
    assert by_name["rumours_corrected"]["met"] is True
    assert report["overall"] == expected, report
