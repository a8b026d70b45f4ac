"""Two real worker processes race over the same due publications: each goes out once."""

from __future__ import annotations

import os
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
from civicdesk.exnet.faults import inject_fault
from civicdesk.exnet.models import NetPost
from civicdesk.exnet.services import create_account
from civicdesk.organizations.models import Channel
from civicdesk.publishing import services as pub_services
from civicdesk.publishing.models import Publication, PublicationAttempt
from civicdesk.publishing.models import PublicationState as S

from .conftest import Desk

POSTS = 30


def worker_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["DATABASE_URL"] = database_url(connection.settings_dict)
    env.update(extra)
    return env


def start_worker(name: str, *, seconds: float, **env: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "civicdesk.cli",
            "worker",
            "--interval",
            "0.1",
            "--stop-after",
            str(seconds),
            "--worker-id",
            name,
        ],
        env=worker_env(**env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_two_workers_publish_each_exactly_once(desk: Desk, live_server: Any) -> None:
    account, token = create_account(handle="roadwatch_race", display_name="Road Watch")
    # The platform answers as a real one does, not at once: a worker that came up first
    # cannot then send all of them before the other has claimed any.
    inject_fault(
        account, "latency", operation="create_post", count=None, probability=1.0, seconds=0.3
    )
    Channel.objects.filter(pk=desk.channel.pk).update(api_base_url=f"{live_server.url}/exnet/api")
    desk.channel.refresh_from_db()
    desk.channel.set_credentials({"token": token})
    desk.channel.save()
    at = timezone.now() + timedelta(seconds=4)
    for n in range(POSTS):
        draft = pub_services.Draft(
            title=f"Update {n}",
            texts={"en": f"Road update number {n}."},
            channels=[desk.channel],
            scheduled_at=at,
        )
        post = pub_services.post_create(brand=desk.brand, actor=desk.author, draft=draft)
        pub_services.post_submit(post=post, actor=desk.author)
        pub_services.post_approve(post=post, actor=desk.approver)

    workers = [start_worker(f"w{n}", seconds=14, PUBLISH_CLAIM_BATCH="5") for n in range(2)]
    deadline = time.monotonic() + 40
    while time.monotonic() < deadline:
        if not Publication.objects.exclude(state=S.PUBLISHED).exists():
            break
        time.sleep(0.3)
    outputs = []
    for proc in workers:
        out, _ = proc.communicate(timeout=60)
        outputs.append(out.decode(errors="replace"))
    states = Counter(Publication.objects.values_list("state", flat=True))
    assert states == {S.PUBLISHED: POSTS}, (states, outputs)
    # Exactly once on the platform, one ledger row each, and both workers took part.
    assert NetPost.objects.filter(account=account).count() == POSTS
    refs = Counter(NetPost.objects.filter(account=account).values_list("client_ref", flat=True))
    assert max(refs.values()) == 1
    assert PublicationAttempt.objects.count() == POSTS
    by_worker = Counter(
        attempt.worker.split("/")[0] for attempt in PublicationAttempt.objects.all()
    )
    assert set(by_worker) == {"w0", "w1"}, by_worker
