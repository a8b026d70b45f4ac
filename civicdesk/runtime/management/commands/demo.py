"""civicdesk demo: migrate, seed the demo organization, run the web server and a worker.

A start either ends with both children running, or stops everything it started, keeps no
half-seeded organization and says in one line what failed (exit status 1).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from argparse import ArgumentParser
from types import FrameType
from typing import Any

import httpx
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from civicdesk.runtime.demo import DEMO_SLUG, seed_demo_fully

Child = subprocess.Popen[bytes]


def _port_free(host: str, port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex((host, port)) != 0


def _interrupt(signum: int, frame: FrameType | None) -> None:
    # SIGTERM ends the demo the way Ctrl+C does, through the same clean-up.
    raise KeyboardInterrupt


def plain_message(error: BaseException) -> str:
    """What went wrong in one line: the messages, not the exception's repr or a traceback."""
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error) or type(error).__name__


def stop_children(children: list[tuple[str, Child]]) -> None:
    for _name, child in children:
        if child.poll() is None:
            child.terminate()
    for _name, child in children:
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


class Command(BaseCommand):
    help = "Start the demo: web server and worker on the built-in exercise network."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--simulate",
            type=float,
            default=4.0,
            metavar="PER_MINUTE",
            help="messages a minute from the simulated public (default 4)",
        )
        parser.add_argument("--days", type=int, default=90, help="days of history to seed")

    def handle(self, *args: Any, **options: Any) -> None:
        host, port = options["host"], options["port"]
        if options["days"] < 1:
            raise CommandError(_("--days must be at least 1."))
        if not _port_free(host, port):
            raise CommandError(
                _("Port %(port)s is in use; choose another with --port.") % {"port": port}
            )
        signal.signal(signal.SIGTERM, _interrupt)
        signal.signal(signal.SIGINT, _interrupt)
        children: list[tuple[str, Child]] = []
        try:
            self._run(
                children, host=host, port=port, days=options["days"], simulate=options["simulate"]
            )
        except KeyboardInterrupt:
            self.stdout.write(_("Stopping..."))
        except CommandError:
            raise
        except Exception as error:
            raise CommandError(
                _("The demo could not start: %(reason)s") % {"reason": plain_message(error)}
            ) from error
        finally:
            stop_children(children)

    def _run(
        self, children: list[tuple[str, Child]], *, host: str, port: int, days: int, simulate: float
    ) -> None:
        site = f"http://{host}:{port}"
        env = dict(
            os.environ,
            SITE_URL=site,
            EXNET_BASE_URL=f"{site}/exnet/api",
            EXNET_ENABLED="true",
            EXNET_ALLOW_REQUEST_FAULTS="true",
        )
        # This process seeds through the exercise network's HTTP API like a worker would.
        settings.SITE_URL = site
        settings.EXNET_BASE_URL = env["EXNET_BASE_URL"]
        settings.EXNET_ENABLED = True
        settings.EXNET_ALLOW_REQUEST_FAULTS = True

        self.stdout.write(_("Preparing the database..."))
        call_command("migrate", verbosity=0, interactive=False)
        cli = [sys.executable, "-m", "civicdesk.cli"]
        server = subprocess.Popen([*cli, "serve", "--host", host, "--port", str(port)], env=env)
        children.append((_("The web server"), server))
        self._wait_for(f"{site}/exnet/", server)
        self.stdout.write(_("Seeding the demo organization (first start only)..."))
        self.stdout.flush()
        info = seed_demo_fully(days=days)
        worker = subprocess.Popen(
            [*cli, "worker", "--simulate", str(simulate)], env=env, stdout=subprocess.DEVNULL
        )
        children.append((_("The worker"), worker))
        self.stdout.write("")
        self.stdout.write(
            self.style.SUCCESS(_("Civic Desk is running at %(site)s/") % {"site": site})
        )
        self.stdout.write(
            _("Organization: %(name)s (%(slug)s)")
            % {"name": info.organization.name, "slug": DEMO_SLUG}
        )
        self.stdout.write(_("Logins (user / password / role):"))
        for user, password, role in info.logins:
            self.stdout.write(f"  {user:<10} {password:<16} {role}")
        self.stdout.write(_("The exercise network: %(site)s/exnet/") % {"site": site})
        self.stdout.write(_("Press Ctrl+C to stop."))
        self.stdout.flush()
        while True:
            for name, child in children:
                code = child.poll()
                if code is not None:
                    raise CommandError(
                        _("%(name)s stopped unexpectedly (exit status %(code)s).")
                        % {"name": name, "code": code}
                    )
            time.sleep(0.5)

    def _wait_for(self, url: str, server: Child) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if server.poll() is not None:
                raise CommandError(_("The web server stopped while starting."))
            try:
                if httpx.get(url, timeout=2).status_code < 500:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise CommandError(_("The web server did not answer at %(url)s.") % {"url": url})
