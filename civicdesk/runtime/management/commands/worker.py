"""civicdesk worker: publish on time, fetch the inbox, collect metrics, run queued tasks.

civicdesk worker                        # everything (a laptop)
civicdesk worker --only publish         # a publishing node
civicdesk worker --only periodic,tasks  # the rest
"""

from __future__ import annotations

import signal
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from civicdesk.runtime.worker import ROLES, DeskWorker, WorkerOptions


class Command(BaseCommand):
    help = "Run the background worker. Start as many as you like against one database."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--interval", type=float, default=1.0, help="seconds between polls (default 1)"
        )
        parser.add_argument(
            "--simulate",
            type=float,
            default=0.0,
            metavar="PER_MINUTE",
            help="make the exercise network's simulated public write this many messages a minute",
        )
        parser.add_argument(
            "--stop-after",
            type=float,
            default=None,
            metavar="SECONDS",
            help="stop after this long (for tests and benchmarks)",
        )
        parser.add_argument("--worker-id", default="")
        parser.add_argument(
            "--only",
            default=",".join(ROLES),
            metavar="ROLES",
            help=f"run only these loops, comma-separated, of: {', '.join(ROLES)} (default: all)",
        )
        parser.add_argument(
            "--publish-threads",
            type=int,
            default=None,
            help="publications sent at once (default PUBLISH_THREADS)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        roles = tuple(role.strip() for role in options["only"].split(",") if role.strip())
        unknown = sorted(set(roles) - set(ROLES))
        if unknown or not roles:
            raise CommandError(f"--only takes {', '.join(ROLES)}; not {', '.join(unknown)}")
        worker = DeskWorker(
            WorkerOptions(
                interval=options["interval"],
                simulate_rate=options["simulate"],
                roles=roles,
                publish_threads=options["publish_threads"],
            ),
            worker_id=options["worker_id"],
        )

        def stop(signum: int, frame: object) -> None:
            worker.stop()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        self.stdout.write(f"worker {worker.worker_id} running; Ctrl+C to stop")
        worker.run(stop_after=options["stop_after"])
