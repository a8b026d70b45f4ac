"""``civicdesk exercise run FILE [--speed N]``: play a scenario on the exercise network."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from civicdesk.exercises import runner
from civicdesk.exercises.models import Exercise
from civicdesk.exercises.scenario import ScenarioError, load_scenario_file
from civicdesk.exercises.services import exercise_start
from civicdesk.organizations.models import Channel, Organization


class Command(BaseCommand):
    help = "Check or run a crisis exercise scenario on the exercise network."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        check = sub.add_parser("check", help="validate a scenario file")
        check.add_argument("file", type=Path)
        run = sub.add_parser("run", help="run a scenario until its end")
        run.add_argument("file", type=Path)
        run.add_argument("--organization", required=True, help="the organization's id or name")
        run.add_argument("--speed", type=float, default=1.0, help="scenario minutes a real minute")
        run.add_argument(
            "--channel", type=int, action="append", default=[], help="a channel id (repeat)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # Absolute now: the scenario's crisis files are read from its folder, whatever the
        # current folder of this command or of the worker that plays the exercise.
        options["file"] = options["file"].expanduser().resolve()
        try:
            scenario = load_scenario_file(options["file"])
        except ScenarioError as exc:
            raise CommandError(f"{options['file']}:\n{exc}") from None
        if options["action"] == "check":
            self.stdout.write(f"{scenario.name}: {len(scenario.timeline)} events, valid")
            return
        org_ref = options["organization"]
        organization = Organization.objects.filter(
            **({"pk": int(org_ref)} if org_ref.isdigit() else {"name": org_ref})
        ).first()
        if organization is None:
            raise CommandError(f"no organization {org_ref!r}")
        channels = list(Channel.objects.filter(pk__in=options["channel"]))
        if len(channels) != len(set(options["channel"])):
            raise CommandError("unknown channel id")
        try:
            exercise = exercise_start(
                organization=organization,
                actor=None,
                source=options["file"].read_text(encoding="utf-8"),
                channels=channels,
                speed=options["speed"],
                base_dir=options["file"].parent,
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        self.stdout.write(f"exercise {exercise.pk} started: {exercise.name}")

        def progress(ex: Exercise, fired: int) -> None:
            self.stdout.write(f"  {ex.fired}/{ex.total_actions} actions")

        exercise = runner.run(exercise, on_step=progress)
        self.stdout.write(
            f"exercise {exercise.pk} {exercise.state}: score {exercise.report.get('overall')}"
        )
        for s in exercise.report.get("scores", []):
            self.stdout.write(
                f"  {'met' if s['met'] else 'NOT met'}  {s['score']:.2f}  {s['label']}"
            )
