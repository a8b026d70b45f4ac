"""One benchmark run against one database; prints a JSON line of figures.

Run by bench/run.py, which gives each database a fresh process and data folder.
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicdesk.settings")
os.environ.setdefault("LOG_LEVEL", "ERROR")
os.environ.setdefault("INGEST_INTERVAL_SECONDS", "100000")
os.environ.setdefault("METRICS_INTERVAL_SECONDS", "100000")
os.environ.setdefault("PUBLISH_MISSED_AFTER_SECONDS", "3600")

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db.models import F  # noqa: E402
from django.utils import timezone  # noqa: E402

from civicdesk.exnet import services as net  # noqa: E402
from civicdesk.exnet.models import NetAccount  # noqa: E402
from civicdesk.inbox.ingest import ingest_channel  # noqa: E402
from civicdesk.inbox.models import InboundMessage  # noqa: E402
from civicdesk.organizations import services as org_services  # noqa: E402
from civicdesk.organizations.models import Channel, Role  # noqa: E402
from civicdesk.publishing import services as pub_services  # noqa: E402
from civicdesk.publishing.models import Publication, PublicationAttempt  # noqa: E402
from civicdesk.publishing.models import PublicationState as S  # noqa: E402

CLI = [sys.executable, "-m", "civicdesk.cli"]


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


def setup(channels: int) -> tuple[object, list[Channel], User, User]:
    org = org_services.organization_create(
        name=f"Bench {time.time_ns()}", time_zone="UTC", official_languages=["en"]
    )
    brand = org_services.brand_create(organization=org, name="Bench", purpose="Benchmarks")
    author = User.objects.create_user(f"author{time.time_ns()}")
    approver = User.objects.create_user(f"approver{time.time_ns()}")
    org_services.membership_grant(user=author, organization=org, role=Role.AUTHOR)
    org_services.membership_grant(user=approver, organization=org, role=Role.APPROVER)
    made = []
    for n in range(channels):
        handle = f"b{n}_{time.time_ns() % 10**8}"
        _, token = net.create_account(handle=handle)
        made.append(
            org_services.channel_create(
                brand=brand, platform="exnet", handle=handle, credentials={"token": token}
            )
        )
    return brand, made, author, approver


def schedule(
    brand: object,
    channels: list[Channel],
    author: User,
    approver: User,
    *,
    posts: int,
    start: object,
    spread: float,
) -> list[int]:
    ids = []
    for n in range(posts):
        at = start + timedelta(seconds=spread * n / max(1, posts))
        draft = pub_services.Draft(
            title=f"Bench {n}", texts={"en": f"Bench post {n}"}, channels=channels, scheduled_at=at
        )
        post = pub_services.post_create(brand=brand, actor=author, draft=draft)
        pub_services.post_submit(post=post, actor=author)
        pub_services.post_approve(post=post, actor=approver)
        ids.append(post.pk)
    return ids


def run_workers(count: int, until_done: list[int], timeout: float) -> float:
    procs = [
        subprocess.Popen(
            [*CLI, "worker", "--interval", "0.2", "--worker-id", f"bench{n}"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for n in range(count)
    ]
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if (
                not Publication.objects.filter(post_id__in=until_done)
                .exclude(state__in=[S.PUBLISHED, S.FAILED, S.MISSED])
                .exists()
            ):
                break
            time.sleep(0.1)
        return time.monotonic()
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=30)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> None:
    call_command("migrate", verbosity=0)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    os.environ["EXNET_BASE_URL"] = f"{base}/exnet/api"
    from django.conf import settings

    settings.EXNET_BASE_URL = os.environ["EXNET_BASE_URL"]
    server = subprocess.Popen(
        [*CLI, "serve", "--port", str(port), "--threads", "16"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    figures: dict[str, float | str] = {}
    try:
        wait_http(f"{base}/exnet/")
        brand, channels, author, approver = setup(10)

        # 1. Throughput: 500 publications due now, two workers.
        start = timezone.now() + timedelta(seconds=2)
        posts = schedule(brand, channels, author, approver, posts=50, start=start, spread=0)
        time.sleep(max(0.0, (start - timezone.now()).total_seconds()))
        begun = time.monotonic()
        ended = run_workers(2, posts, timeout=600)
        published = Publication.objects.filter(post_id__in=posts, state=S.PUBLISHED).count()
        figures["throughput_pubs"] = published
        figures["throughput_per_s"] = published / (ended - begun)

        # 2. Lateness: 1,000 publications due within the same minute.
        start = timezone.now() + timedelta(seconds=5)
        posts = schedule(brand, channels, author, approver, posts=100, start=start, spread=60)
        ready_in = (start - timezone.now()).total_seconds()
        figures["lateness_setup_margin_s"] = ready_in
        run_workers(2, posts, timeout=900)
        attempts = (
            PublicationAttempt.objects.filter(publication__post_id__in=posts, outcome="published")
            .annotate(sched=F("publication__scheduled_at"))
            .values_list("started_at", "sched")
        )
        lateness = [(a - s).total_seconds() for a, s in attempts]
        figures["lateness_n"] = len(lateness)
        figures["lateness_p50_s"] = statistics.median(lateness) if lateness else float("nan")
        figures["lateness_p99_s"] = percentile(lateness, 0.99) if lateness else float("nan")

        # 3. Inbox ingest: 3,000 messages waiting on one account.
        channel = channels[0]
        account = NetAccount.objects.get(handle=channel.handle)
        public, _ = net.create_account(handle=f"public{time.time_ns() % 10**8}", simulated=True)
        for n in range(3000):
            net.send_direct_message(
                sender=public,
                recipient=account,
                text=f"Is Highway {n % 99} open tonight? Message {n}",
            )
        before = InboundMessage.objects.count()
        began = time.monotonic()
        ingest_channel(channel.pk, max_pages=1000, page_size=200)
        took = time.monotonic() - began
        stored = InboundMessage.objects.count() - before
        figures["ingest_messages"] = stored
        figures["ingest_per_s"] = stored / took
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(json.dumps(figures))


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    main()
