"""civicdesk serve: the web server (WSGI, multi-threaded, static files included)."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand
from waitress import serve

from civicdesk.wsgi import application


class Command(BaseCommand):
    help = "Serve Civic Desk over HTTP (pages, API and the exercise network)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8)

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"Serving on http://{options['host']}:{options['port']}/")
        serve(
            application,
            host=options["host"],
            port=options["port"],
            threads=options["threads"],
            ident="civicdesk",
            channel_timeout=120,
        )
