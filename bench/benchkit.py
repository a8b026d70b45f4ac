"""What the benchmarks share: settings for a bench process, the exercise network served by
a child process, CPU time from /proc, percentiles."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-m", "civicdesk.cli"]


def configure() -> None:
    """Environment of a bench process and its children, before Django starts."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicdesk.settings")
    os.environ.setdefault("LOG_LEVEL", "ERROR")
    os.environ.setdefault("INGEST_INTERVAL_SECONDS", "100000")
    os.environ.setdefault("METRICS_INTERVAL_SECONDS", "100000")
    os.environ.setdefault("PUBLISH_MISSED_AFTER_SECONDS", "3600")
    os.environ.setdefault("EXNET_ENABLED", "1")  # the exercise network is off unless turned on
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))


def fresh_postgres(variable: str, default: str) -> str | None:
    """The PostgreSQL address in ``variable`` (else ``default``), its database dropped and
    created again; None, with the reason on stderr, when the server cannot be reached."""
    import psycopg

    url = os.environ.get(variable, default)
    admin, name = url.rsplit("/", 1)[0] + "/postgres", url.rsplit("/", 1)[1]
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as exc:
        print(f"PostgreSQL skipped: {exc}", file=sys.stderr)
        return None
    return url


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_http(url: str, timeout: float = 60) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer")


def serve_exnet(threads: int) -> subprocess.Popen[bytes]:
    """Serve this installation (and so its exercise network) on a free port, and point the
    connectors of this process and its children at it."""
    from django.conf import settings

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    os.environ["EXNET_BASE_URL"] = settings.EXNET_BASE_URL = f"{base}/exnet/api"
    server = subprocess.Popen(
        [*CLI, "serve", "--port", str(port), "--threads", str(threads)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_http(f"{base}/exnet/")
    except RuntimeError:
        server.terminate()
        raise
    return server


def workers(count: int, *args: str) -> list[subprocess.Popen[bytes]]:
    return [
        subprocess.Popen(
            [*CLI, "worker", "--worker-id", f"bench{n}", *args],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for n in range(count)
    ]


def stop(processes: list[subprocess.Popen[bytes]]) -> None:
    for proc in processes:
        proc.terminate()
    for proc in processes:
        proc.wait(timeout=60)


def cpu_seconds(pids: list[int]) -> float:
    """User plus system CPU time of the processes so far (Linux; nan elsewhere)."""
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return float("nan")
        total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    return total


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far, from /proc/stat."""
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except OSError:
        return float("nan"), float("nan")
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return (sum(fields) - idle) / tick, sum(fields) / tick


def cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]
