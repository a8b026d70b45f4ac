"""Rebuild crisis timelines from research data and measure listening's topics and spikes on
them (listening/evaluation.py says how)."""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from civicdesk.listening import engine
from civicdesk.listening.evaluation import DataMissing, evaluate


class Command(BaseCommand):
    help = (
        "Per crisis and overall: delay from onset to first alert, false alerts per quiet "
        "day, V-measure of topics against events."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--data", required=True, help="folder holding CrisisLex's CSV files")
        parser.add_argument(
            "--background-rate",
            type=float,
            default=6.0,
            help="background messages an hour, on average (default 6)",
        )
        parser.add_argument(
            "--threshold",
            type=float,
            default=engine.TOPIC_THRESHOLD,
            help=f"topic similarity threshold (default {engine.TOPIC_THRESHOLD})",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        data = Path(options["data"])
        if not data.is_dir():
            raise CommandError(f"{data} is not a folder")
        started = time.monotonic()
        try:
            rows, overall = evaluate(
                data, background_rate=options["background_rate"], threshold=options["threshold"]
            )
        except DataMissing as exc:
            raise CommandError(str(exc)) from None
        write = self.stdout.write
        write(f"{'event':<32} {'lang':<5} {'messages':>8} {'first alert':>12} {'alerts':>6}")
        for row in rows:
            delay = "missed" if row.delay_hours is None else f"{row.delay_hours:+.1f} h"
            write(
                f"{row.event[:32]:<32} {row.language:<5} {row.messages:>8} {delay:>12} "
                f"{row.alerts:>6}"
            )
        write("")
        write(f"events detected: {overall['detected']} of {overall['events']}")
        median = overall["median_delay_hours"]
        write(
            "median delay from onset to first alert: "
            + ("n/a" if isinstance(median, float) and math.isnan(median) else f"{median:.1f} h")
        )
        write(
            f"false alerts on quiet stretches: {overall['false_alerts']} in "
            f"{overall['quiet_days']:.1f} days = {overall['false_alerts_per_quiet_day']:.2f} a day"
            f" (background alerts in all: {overall['background_alerts_all']})"
        )
        write(f"V-measure of topics against events: {overall['v_measure']:.3f}")
        write(
            f"messages: {overall['messages']} ({overall['background_messages']} background); "
            f"embedding: {overall['embedding']}; {time.monotonic() - started:.0f} s"
        )
