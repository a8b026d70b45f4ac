"""The publishing benchmark against one database; prints a JSON line of figures.

Two ``civicdesk worker`` processes, the exercise network served by a third; every
``create_post`` held ``--latency`` seconds by the network's latency fault.

- lateness: 1,000 publications (100 posts x 10 channels) due within one minute; how late
  each successful publish finished against its scheduled time (p50, p99, max);
- throughput: 1,000 publications due at once; publications finished per second, and the
  CPU time the workers and the server spent per publication meanwhile (Linux: /proc), the
  figure that does not move when other programs share the machine.

Run by bench/run.py, which gives each database a fresh process and data folder.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicdesk.settings")
os.environ.setdefault("LOG_LEVEL", "ERROR")
os.environ.setdefault("INGEST_INTERVAL_SECONDS", "100000")
os.environ.setdefault("METRICS_INTERVAL_SECONDS", "100000")
os.environ.setdefault("PUBLISH_MISSED_AFTER_SECONDS", "3600")
os.environ.setdefault("EXNET_ENABLED", "1")
# The PostgreSQL server is shared: each sender thread and each server thread holds a connection.
os.environ.setdefault("PUBLISH_THREADS", "12")
SERVER_THREADS = "24"
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db.models import F, Max  # noqa: E402
from django.utils import timezone  # noqa: E402

from civicdesk.exnet import services as net  # noqa: E402
from civicdesk.exnet.faults import inject_fault  # noqa: E402
from civicdesk.organizations import services as org_services  # noqa: E402
from civicdesk.organizations.models import Brand, Channel, Role  # noqa: E402
from civicdesk.publishing import services as pub_services  # noqa: E402
from civicdesk.publishing.models import Post, Publication, PublicationAttempt  # noqa: E402
from civicdesk.publishing.models import PublicationState as S  # noqa: E402

CLI = [sys.executable, "-m", "civicdesk.cli"]
CHANNELS = 10
POSTS = 100


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


def setup(latency: float) -> tuple[Brand, list[Channel], User, User]:
    org = org_services.organization_create(
        name=f"Bench {time.time_ns()}", time_zone="UTC", official_languages=["en"]
    )
    brand = org_services.brand_create(organization=org, name="Bench", purpose="Benchmarks")
    author = User.objects.create_user(f"author{time.time_ns()}")
    approver = User.objects.create_user(f"approver{time.time_ns()}")
    org_services.membership_grant(user=author, organization=org, role=Role.AUTHOR)
    org_services.membership_grant(user=approver, organization=org, role=Role.APPROVER)
    channels = []
    for n in range(CHANNELS):
        handle = f"b{n}_{time.time_ns() % 10**8}"
        account, token = net.create_account(handle=handle)
        if latency > 0:
            inject_fault(
                account,
                "latency",
                operation="create_post",
                count=None,
                probability=1.0,
                seconds=latency,
            )
        channels.append(
            org_services.channel_create(
                brand=brand, platform="exnet", handle=handle, credentials={"token": token}
            )
        )
    return brand, channels, author, approver


def schedule(
    brand: Brand,
    channels: list[Channel],
    author: User,
    approver: User,
    *,
    spread: float,
    lead: float,
) -> tuple[list[int], datetime]:
    """Make the posts (approved for an hour ahead), then move them to ``lead`` seconds from
    now, spread over ``spread`` seconds: making them must not eat into the measured time."""
    ids = []
    later = timezone.now() + timedelta(hours=1)
    for n in range(POSTS):
        draft = pub_services.Draft(
            title=f"Bench {n}",
            texts={"en": f"Bench post {n} {later}"},
            channels=channels,
            scheduled_at=later,
        )
        post = pub_services.post_create(brand=brand, actor=author, draft=draft)
        pub_services.post_submit(post=post, actor=author)
        pub_services.post_approve(post=post, actor=approver)
        ids.append(post.pk)
    start = timezone.now() + timedelta(seconds=lead)
    for n, pk in enumerate(ids):
        at = start + timedelta(seconds=spread * n / POSTS)
        Post.objects.filter(pk=pk).update(scheduled_at=at)
        Publication.objects.filter(post_id=pk).update(scheduled_at=at, next_attempt_at=at)
    return ids, start


def wait_done(posts: list[int], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (
            not Publication.objects.filter(post_id__in=posts)
            .exclude(state__in=[S.PUBLISHED, S.FAILED, S.MISSED])
            .exists()
        ):
            return
        time.sleep(0.2)


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


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def finished(posts: list[int]) -> list[tuple[datetime, datetime]]:
    return list(
        PublicationAttempt.objects.filter(
            publication__post_id__in=posts, outcome__in=["published", "check_found"]
        )
        .annotate(sched=F("publication__scheduled_at"))
        .values_list("finished_at", "sched")
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--latency", type=float, default=0.3)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    os.environ["EXNET_BASE_URL"] = f"{base}/exnet/api"
    from django.conf import settings

    settings.EXNET_BASE_URL = os.environ["EXNET_BASE_URL"]
    server = subprocess.Popen(
        [*CLI, "serve", "--port", str(port), "--threads", SERVER_THREADS],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    workers = []
    figures: dict[str, float] = {"latency_s": args.latency}
    try:
        wait_http(f"{base}/exnet/")
        brand, channels, author, approver = setup(args.latency)
        workers = [
            subprocess.Popen(
                [*CLI, "worker", "--worker-id", f"bench{n}"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for n in range(args.workers)
        ]

        # 1. Lateness: 1,000 publications due within one minute.
        posts, _ = schedule(brand, channels, author, approver, spread=60, lead=3)
        wait_done(posts, timeout=900)
        late = [(done - sched).total_seconds() for done, sched in finished(posts)]
        figures["lateness_n"] = len(late)
        figures["lateness_p50_s"] = percentile(late, 0.5) if late else float("nan")
        figures["lateness_p99_s"] = percentile(late, 0.99) if late else float("nan")
        figures["lateness_max_s"] = max(late) if late else float("nan")

        # 2. Throughput: 1,000 publications due at once.
        posts, start = schedule(brand, channels, author, approver, spread=0, lead=3)
        worker_pids = [proc.pid for proc in workers]
        cpu_before = cpu_seconds(worker_pids), cpu_seconds([server.pid])
        wait_done(posts, timeout=900)
        cpu_after = cpu_seconds(worker_pids), cpu_seconds([server.pid])
        done = Publication.objects.filter(post_id__in=posts, state=S.PUBLISHED).count()
        last = PublicationAttempt.objects.filter(publication__post_id__in=posts).aggregate(
            last=Max("finished_at")
        )["last"]
        took = (last - start).total_seconds() if last else float("nan")
        figures["throughput_pubs"] = done
        figures["throughput_per_s"] = done / took if took > 0 else float("nan")
        if done:
            figures["worker_cpu_ms"] = (cpu_after[0] - cpu_before[0]) * 1000 / done
            figures["server_cpu_ms"] = (cpu_after[1] - cpu_before[1]) * 1000 / done
    finally:
        for proc in workers:
            proc.terminate()
        for proc in workers:
            proc.wait(timeout=60)
        server.terminate()
        server.wait(timeout=30)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
