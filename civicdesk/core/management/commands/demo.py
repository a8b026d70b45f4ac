"""civicdesk demo: migrate, seed the demo organization, run the web server and a worker."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from argparse import ArgumentParser
from typing import Any

import httpx
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError


def _port_free(host: str, port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex((host, port)) != 0


class Command(BaseCommand):
    help = "Start the demo: web server and worker on the built-in exercise network."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--simulate", type=float, default=4.0, metavar="PER_MINUTE",
                            help="messages a minute from the simulated public (default 4)")
        parser.add_argument("--days", type=int, default=90, help="days of history to seed")

    def handle(self, *args: Any, **options: Any) -> None:
        host, port = options["host"], options["port"]
        if not _port_free(host, port):
            raise CommandError(f"Port {port} is in use; choose another with --port.")
        site = f"http://{host}:{port}"
        # The exercise network is off in an install; the demo rehearses on it, faults included.
        env = dict(os.environ, SITE_URL=site, EXNET_BASE_URL=f"{site}/exnet/api",
                   EXNET_ENABLED="true", EXNET_ALLOW_REQUEST_FAULTS="true")
        # This process seeds through the exercise network's HTTP API like a worker would.
        settings.SITE_URL = site
        settings.EXNET_BASE_URL = env["EXNET_BASE_URL"]
        settings.EXNET_ENABLED = True
        settings.EXNET_ALLOW_REQUEST_FAULTS = True

        self.stdout.write("Preparing the database...")
        call_command("migrate", verbosity=0, interactive=False)
        children: list[subprocess.Popen[bytes]] = []

        def stop(*_: object) -> None:
            for child in children:
                if child.poll() is None:
                    child.terminate()
            for child in children:
                try:
                    child.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    child.kill()
            raise SystemExit(0)

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        cli = [sys.executable, "-m", "civicdesk.cli"]
        children.append(subprocess.Popen([*cli, "serve", "--host", host, "--port", str(port)],
                                         env=env))
        self._wait_for(f"{site}/exnet/", children[0])
        self.stdout.write("Seeding the demo organization (first start only)...")
        from civicdesk.core.demo import DEMO_SLUG, seed_demo_fully

        info = seed_demo_fully(days=options["days"])
        children.append(subprocess.Popen(
            [*cli, "worker", "--simulate", str(options["simulate"])], env=env,
            stdout=subprocess.DEVNULL))
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"Civic Desk is running at {site}/"))
        self.stdout.write(f"Organization: {info.organization.name} ({DEMO_SLUG})")
        self.stdout.write("Logins (user / password / role):")
        for user, password, role in info.logins:
            self.stdout.write(f"  {user:<10} {password:<16} {role}")
        self.stdout.write(f"The exercise network: {site}/exnet/")
        self.stdout.write("Press Ctrl+C to stop.")
        self.stdout.flush()
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
        stop()

    def _wait_for(self, url: str, server: subprocess.Popen[bytes]) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if server.poll() is not None:
                raise CommandError("The web server stopped while starting.")
            try:
                if httpx.get(url, timeout=2).status_code < 500:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise CommandError(f"The web server did not answer at {url}.")
