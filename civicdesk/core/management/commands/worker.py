"""civicdesk worker: publish on time, fetch the inbox, collect metrics, run queued tasks."""

from __future__ import annotations

import signal
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from civicdesk.core.worker import DeskWorker, WorkerOptions


class Command(BaseCommand):
    help = "Run the background worker. Start as many as you like against one database."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--interval", type=float, default=1.0,
                            help="seconds between polls (default 1)")
        parser.add_argument("--simulate", type=float, default=0.0, metavar="PER_MINUTE",
                            help="make the exercise network's simulated public write this "
                                 "many messages a minute")
        parser.add_argument("--stop-after", type=float, default=None, metavar="SECONDS",
                            help="stop after this long (for tests and benchmarks)")
        parser.add_argument("--worker-id", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        worker = DeskWorker(
            WorkerOptions(interval=options["interval"], simulate_rate=options["simulate"]),
            worker_id=options["worker_id"],
        )

        def stop(signum: int, frame: object) -> None:
            worker.running = False

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        self.stdout.write(f"worker {worker.worker_id} running; Ctrl+C to stop")
        worker.run(stop_after=options["stop_after"])
