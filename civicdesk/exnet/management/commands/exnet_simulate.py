"""Play the simulated public on the exercise network for a while."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from civicdesk.exnet.simulator import SimulationReport, simulate


class Command(BaseCommand):
    help = "Simulated members of the public react to the teams' posts on the exercise network."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--rate", type=float, default=6.0, help="messages per minute")
        parser.add_argument("--duration", type=float, default=60.0, help="seconds to run")
        parser.add_argument("--tick", type=float, default=5.0, help="seconds between rounds")
        parser.add_argument("--seed", type=int, default=None, help="for repeatable activity")
        parser.add_argument(
            "--at-once",
            action="store_true",
            help="write the whole duration's activity now instead of in real time",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        rate, duration, tick = options["rate"], options["duration"], options["tick"]
        if rate < 0 or duration <= 0 or tick <= 0:
            raise CommandError("--rate must be >= 0; --duration and --tick must be > 0")
        if options["at_once"]:
            self._show(simulate(seconds=duration, rate_per_minute=rate, seed=options["seed"]))
            return
        seed = options["seed"]
        deadline = time.monotonic() + duration
        last = time.monotonic()
        round_number = 0
        while time.monotonic() < deadline:
            time.sleep(min(tick, max(0.0, deadline - time.monotonic())))
            elapsed, last = time.monotonic() - last, time.monotonic()
            report = simulate(
                seconds=elapsed,
                rate_per_minute=rate,
                seed=None if seed is None else seed + round_number,
            )
            round_number += 1
            self._show(report)

    def _show(self, report: SimulationReport) -> None:
        if report.note:
            self.stdout.write(report.note)
        self.stdout.write(
            f"{report.messages} messages, {report.likes} likes, {report.reposts} reposts, "
            f"{report.follows} follows, {report.impressions} views, "
            f"{report.new_accounts} new accounts"
        )
