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
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchkit  # noqa: E402

benchkit.configure()
# The PostgreSQL server is shared: each sender thread and each server thread holds a connection.
os.environ.setdefault("PUBLISH_THREADS", "12")
SERVER_THREADS = 24

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

CHANNELS = 10
POSTS = 100


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
    server = benchkit.serve_exnet(threads=SERVER_THREADS)
    workers = []
    figures: dict[str, float] = {"latency_s": args.latency}
    try:
        brand, channels, author, approver = setup(args.latency)
        workers = benchkit.workers(args.workers)

        # 1. Lateness: 1,000 publications due within one minute.
        posts, _ = schedule(brand, channels, author, approver, spread=60, lead=3)
        wait_done(posts, timeout=900)
        late = [(done - sched).total_seconds() for done, sched in finished(posts)]
        figures["lateness_n"] = len(late)
        for name, q in (("p50", 0.5), ("p99", 0.99), ("max", 1.0)):
            figures[f"lateness_{name}_s"] = benchkit.percentile(late, q) if late else float("nan")

        # 2. Throughput: 1,000 publications due at once.
        posts, start = schedule(brand, channels, author, approver, spread=0, lead=3)
        worker_pids = [proc.pid for proc in workers]
        cpu_before = benchkit.cpu_seconds(worker_pids), benchkit.cpu_seconds([server.pid])
        busy_before = benchkit.machine_busy()
        wait_done(posts, timeout=900)
        cpu_after = benchkit.cpu_seconds(worker_pids), benchkit.cpu_seconds([server.pid])
        busy_after = benchkit.machine_busy()
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
            spent = figures["worker_cpu_ms"] + figures["server_cpu_ms"]
            # What the CPU time allows on this machine's cores, were nothing else running.
            figures["ceiling_per_s"] = benchkit.cores() * 1000 / spent if spent else float("nan")
            total = busy_after[1] - busy_before[1]
            figures["machine_busy_pct"] = (
                100 * (busy_after[0] - busy_before[0]) / total if total else float("nan")
            )
    finally:
        benchkit.stop(workers)
        benchkit.stop([server])
    if not figures.get("throughput_pubs"):
        raise SystemExit(f"nothing was published: {figures}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
