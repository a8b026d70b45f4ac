"""Actions of crisis exercises: start one, stop one, and play what is due.

An exercise runs only on the exercise network: every channel in scope must be an exercise
network account, checked here (not only in the forms), so no scenario ever reaches a real
platform. Start and stop take the acting person and write the audit log; ``exercise_tick``
fires due actions, each claimed by moving ``Exercise.fired`` with a conditional UPDATE, so two
runners never fire one action twice.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from civicdesk.exercises.models import Exercise, ExerciseAction, ExerciseState
from civicdesk.exercises.scenario import Action, Scenario, ScenarioError, expand, load_scenario
from civicdesk.exercises.scoring import score
from civicdesk.exnet import services as net
from civicdesk.exnet.bank import FIRST_NAMES, LAST_NAMES
from civicdesk.exnet.faults import inject_fault
from civicdesk.exnet.models import NetAccount, NetPost
from civicdesk.organizations.access import Perm, User, require
from civicdesk.organizations.audit import audit
from civicdesk.organizations.models import Brand, Channel, Organization

EXERCISE_PLATFORM = "exnet"
CROWD = 24  # simulated people an exercise speaks through


def scenario_of(exercise: Exercise) -> Scenario:
    return load_scenario(exercise.source, base_dir=exercise.scenario_folder)


def actions_of(exercise: Exercise) -> list[Action]:
    return expand(scenario_of(exercise))


def check_scope(channels: Sequence[Channel]) -> list[NetAccount]:
    """The network accounts behind the channels; refuses any channel of a real platform."""
    if not channels:
        raise ValidationError(_("An exercise needs at least one channel on the exercise network."))
    real = [c for c in channels if c.platform != EXERCISE_PLATFORM]
    if real:
        raise ValidationError(
            _("Exercises run only on the exercise network; refused for %(channels)s.")
            % {"channels": ", ".join(str(c) for c in real)}
        )
    accounts = {a.handle.lower(): a for a in NetAccount.objects.filter(is_simulated=False)}
    missing = [c for c in channels if c.handle.lower() not in accounts]
    if missing:
        raise ValidationError(
            _("No exercise network account for %(channels)s.")
            % {"channels": ", ".join(str(c) for c in missing)}
        )
    return [accounts[c.handle.lower()] for c in channels]


@transaction.atomic
def exercise_start(
    *,
    organization: Organization,
    actor: User | None,
    source: str,
    channels: Sequence[Channel] = (),
    speed: float = 1.0,
    base_dir: Path | None = None,
    now: datetime | None = None,
) -> Exercise:
    """Start a scenario for the organization on its exercise-network channels.

    Without channels, every active channel of the organization is in scope, so an
    organization with a real platform connected is refused rather than half-exercised.
    ``actor`` None is the command line (an operator on the server)."""
    try:
        scenario = load_scenario(source, base_dir=base_dir)
        actions = expand(scenario)
    except ScenarioError as exc:
        raise ValidationError([str(exc)]) from None
    if not 0.1 <= speed <= 10000:
        raise ValidationError(_("The speed is from 0.1 to 10000 scenario minutes a minute."))
    scope = list(channels) or list(
        Channel.objects.filter(brand__organization=organization, is_active=True).order_by("pk")
    )
    if any(c.brand.organization_id != organization.pk for c in scope):
        raise ValidationError(_("Every channel must be of the organization."))
    if actor is not None:
        for brand in {c.brand_id: c.brand for c in scope}.values():
            require(actor, brand, Perm.PUBLISH_CONTROL)
    check_scope(scope)
    if Exercise.objects.filter(organization=organization, state=ExerciseState.RUNNING).exists():
        raise ValidationError(_("An exercise is already running for this organization."))
    start = now or timezone.now()
    # The scenario's folder is kept absolute: runners and workers read its crisis files
    # later, from whatever folder they were started in.
    exercise = Exercise.objects.create(
        organization=organization,
        name=scenario.name[:200],
        source=source,
        scenario_dir=str(base_dir.resolve()) if base_dir is not None else "",
        speed=speed,
        state=ExerciseState.RUNNING,
        started_by=actor if actor is not None and actor.is_authenticated else None,
        started_at=start,
        ends_at=start + timedelta(seconds=scenario.duration_minutes * 60 / speed),
        total_actions=len(actions),
    )
    exercise.channels.set(scope)
    audit(
        organization=organization,
        actor=actor,
        action="exercise.start",
        target=exercise,
        data={"name": exercise.name, "speed": speed, "channels": sorted(c.pk for c in scope)},
    )
    return exercise


@transaction.atomic
def exercise_stop(
    *, exercise: Exercise, actor: User | None, now: datetime | None = None
) -> Exercise:
    """Stop a running exercise now; it is scored on what happened so far."""
    if actor is not None:
        for brand in Brand.objects.filter(channels__exercises=exercise).distinct():
            require(actor, brand, Perm.PUBLISH_CONTROL)
    end = now or timezone.now()
    if (
        Exercise.objects.filter(pk=exercise.pk, state=ExerciseState.RUNNING).update(
            state=ExerciseState.STOPPED, ended_at=end
        )
        != 1
    ):
        raise ValidationError(_("This exercise is not running."))
    exercise.refresh_from_db()
    _clear_faults(exercise)
    exercise.report = score(exercise=exercise, now=end)
    exercise.save(update_fields=["report"])
    audit(
        organization=exercise.organization_id,
        actor=actor,
        action="exercise.stop",
        target=exercise,
        data={"fired": exercise.fired, "total": exercise.total_actions},
    )
    return exercise


def exercise_tick(*, exercise: Exercise, now: datetime | None = None) -> int:
    """Fire every action due by ``now``; finish and score the exercise at its end.
    Returns how many actions this call fired."""
    now = now or timezone.now()
    exercise.refresh_from_db()
    if exercise.state != ExerciseState.RUNNING:
        return 0
    actions = actions_of(exercise)
    fired = 0
    while exercise.fired < len(actions):
        number = exercise.fired
        action = actions[number]
        if exercise.real_time(action.at_seconds) > now:
            break
        with transaction.atomic():
            # "1 row updated" means this runner owns action ``number``.
            if (
                Exercise.objects.filter(
                    pk=exercise.pk, fired=number, state=ExerciseState.RUNNING
                ).update(fired=F("fired") + 1)
                != 1
            ):
                exercise.refresh_from_db()
                if exercise.state != ExerciseState.RUNNING:
                    return fired
                continue
            data = _fire(exercise, number, action, now)
            ExerciseAction.objects.create(
                exercise=exercise,
                number=number,
                kind=action.kind,
                at_seconds=action.at_seconds,
                done_at=now,
                data=data,
            )
        exercise.fired = number + 1
        fired += 1
    if now >= exercise.ends_at:
        finished = Exercise.objects.filter(pk=exercise.pk, state=ExerciseState.RUNNING).update(
            state=ExerciseState.FINISHED, ended_at=now
        )
        if finished == 1:
            exercise.refresh_from_db()
            _clear_faults(exercise)
            exercise.report = score(exercise=exercise, now=now)
            exercise.save(update_fields=["report"])
            audit(
                organization=exercise.organization_id,
                actor=None,
                action="exercise.finish",
                target=exercise,
                data={"fired": exercise.fired, "total": exercise.total_actions},
            )
    return fired


def tick_running(*, now: datetime | None = None) -> int:
    """Play every running exercise (the worker's periodic job)."""
    return sum(
        exercise_tick(exercise=e, now=now)
        for e in Exercise.objects.filter(state=ExerciseState.RUNNING)
    )


# Firing -------------------------------------------------------------------------------------


def _team(exercise: Exercise) -> list[NetAccount]:
    return check_scope(list(exercise.channels.order_by("pk")))


def _clear_faults(exercise: Exercise) -> None:
    # The network's faults the scenario injected end with it.
    for account in _team(exercise):
        account.faults.all().delete()


def _speaker(exercise: Exercise, number: int, language: str) -> NetAccount:
    rng = random.Random(f"{exercise.pk}:{number % CROWD}")
    first = rng.choice(FIRST_NAMES.get(language, FIRST_NAMES["en"]))
    last = rng.choice(LAST_NAMES.get(language, LAST_NAMES["en"]))
    handle = f"x{exercise.pk}_{number % CROWD}"
    account = NetAccount.objects.filter(handle=handle).first()
    if account is None:
        account, _token = net.create_account(
            handle=handle, display_name=f"{first} {last}", simulated=True
        )
    return account


def _say(exercise: Exercise, number: int, action: Action, now: datetime) -> dict[str, Any]:
    team = _team(exercise)
    target = team[number % len(team)]
    author = _speaker(exercise, number, action.data["language"])
    latest = (
        NetPost.objects.filter(account=target, in_reply_to=None, deleted_at=None)
        .order_by("-created_at", "-id")
        .first()
    )
    text = action.data["text"]
    if latest is None:
        text = f"@{target.handle} {text}"
    post = net.create_post(
        account=author,
        text=text[: net.MAX_WEIGHTED_CHARS],
        in_reply_to=latest.pk if latest else None,
        now=now,
    ).obj
    return {**action.data, "post": str(post.pk), "to": target.handle, "author": author.handle}


def _fire(exercise: Exercise, number: int, action: Action, now: datetime) -> dict[str, Any]:
    if action.kind in ("message", "rumour"):
        return _say(exercise, number, action, now)
    if action.kind == "fault":
        d = action.data
        for account in _team(exercise):
            inject_fault(
                account,
                d["kind"],
                operation=d["operation"],
                count=d["count"],
                probability=d["probability"],
                **d["params"],
            )
        return dict(d)
    return dict(action.data)  # an inject: shown in the app from its row
