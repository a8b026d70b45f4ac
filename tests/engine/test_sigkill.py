"""Real worker processes killed with SIGKILL at random points mid-batch: every publication
still goes out, and none twice, on a platform without idempotency keys."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from civicdesk.config import database_url
from civicdesk.publishing import services as pub_services
from civicdesk.publishing.models import AttemptOutcome, Publication
from civicdesk.publishing.models import PublicationState as S
from tests.core.conftest import Desk

from .conftest import channels_on
from .platform import SlowPlatform

POSTS = 12
CHANNELS = 3
KILLS = 5


def start_worker(name: str) -> subprocess.Popen[bytes]:
    env = dict(
        os.environ,
        DATABASE_URL=database_url(connection.settings_dict),
        PUBLISH_LEASE_SECONDS="1.5",
        CONNECTOR_TIMEOUT_SECONDS="2",
        LOG_LEVEL="ERROR",
        PUBLISH_THREADS="6",
    )
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "civicdesk.cli",
            "worker",
            "--only",
            "publish",
            "--interval",
            "0.1",
            "--worker-id",
            name,
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_workers_killed_mid_batch_lose_and_duplicate_nothing(
    desk: Desk, slow_platform: SlowPlatform, settings: Any
) -> None:
    slow_platform.hold = 0.3
    channels = channels_on(desk, slow_platform, CHANNELS)
    at = timezone.now() + timedelta(seconds=2)
    for n in range(POSTS):
        draft = pub_services.Draft(
            title=f"Update {n}",
            texts={"en": f"Road update {n}."},
            channels=channels,
            scheduled_at=at,
        )
        post = pub_services.post_create(brand=desk.brand, actor=desk.author, draft=draft)
        pub_services.post_submit(post=post, actor=desk.author)
        pub_services.post_approve(post=post, actor=desk.approver)
    total = POSTS * CHANNELS
    rng = random.Random(int(os.environ.get("KILL_SEED", "7")))
    # Kill points: when the platform has seen this many requests, a random worker dies.
    kill_at = sorted(rng.sample(range(1, total - 4), KILLS))
    workers = [start_worker(f"k{n}") for n in range(2)]
    started = len(workers)
    try:
        for count in kill_at:
            if not slow_platform.wait_for_posts(count, timeout=40):
                break
            victim = rng.choice([w for w in workers if w.poll() is None])
            victim.send_signal(signal.SIGKILL)
            victim.wait(timeout=10)
            workers.append(start_worker(f"k{started}"))
            started += 1
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if not Publication.objects.exclude(state=S.PUBLISHED).exists():
                break
            time.sleep(0.2)
    finally:
        for proc in workers:
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                proc.wait(timeout=10)
    states = Counter(Publication.objects.values_list("state", flat=True))
    assert states == {S.PUBLISHED: total}, states
    # Nothing duplicated: one post per publication reached the platform.
    markers = {str(key) for key in Publication.objects.values_list("idempotency_key", flat=True)}
    assert set(slow_platform.per_marker()) == markers
    assert set(slow_platform.per_marker().values()) == {1}
    assert len(slow_platform.posts) == total
    # Each publication's ledger says how it was settled.
    settled = Counter(
        Publication.objects.filter(
            attempts_log__outcome__in=[AttemptOutcome.PUBLISHED, AttemptOutcome.CHECK_FOUND]
        ).values_list("pk", flat=True)
    )
    assert len(settled) == total
