"""How fast the Archive and Audit log pages answer when their hash chains are long.

    .venv/bin/python bench/chains.py                              # 200,000 entries, both databases
    .venv/bin/python bench/chains.py --entries 20000 --db sqlite  # a quick run

For each database it seeds, in a fresh data folder (SQLite) or a fresh database
(PostgreSQL, ``civicdesk_bench_chains`` or BENCH_CHAINS_POSTGRES_URL), one organization
with ``--entries`` archive entries and as many audit events, hashed and chained as
``records.archive.append_many`` and ``organizations.audit.audit`` chain them, and a signed
checkpoint of each head. Then, in process, as the organization's admin, it times: a full
``verify_archive`` and ``verify_chain``, the full check the nightly job stores, and the
Archive and Audit log pages with 1,000 entries added since that check (median of
``--requests``).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import benchkit

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/civicdesk_bench_chains"
BATCH = 5_000
ADDED = 1_000


def run_child(label: str, database_url: str | None, args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="civicdesk-bench-chains-") as data:
        env = dict(
            os.environ,
            CIVICDESK_DATA_DIR=data,
            LOG_LEVEL="ERROR",
            DEBUG="0",
            ALLOWED_HOSTS="testserver",
        )
        env.pop("DATABASE_URL", None)
        if database_url:
            env["DATABASE_URL"] = database_url
        command = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--child",
            "--entries",
            str(args.entries),
            "--requests",
            str(args.requests),
        ]
        print(f"{label}: seeding {args.entries:,} entries a chain…", file=sys.stderr, flush=True)
        done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True)
        if done.returncode != 0:
            print(done.stderr[-5000:], file=sys.stderr)
            raise SystemExit(f"{label} run failed")
        print(done.stderr, file=sys.stderr, end="")
        return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=200_000)
    parser.add_argument("--requests", type=int, default=5)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(entries=args.entries, requests=args.requests)))
        return
    results: dict[str, dict[str, Any]] = {}
    if args.db in ("sqlite", "both"):
        results["SQLite"] = run_child("SQLite", None, args)
    if args.db in ("postgres", "both"):
        url = benchkit.fresh_postgres("BENCH_CHAINS_POSTGRES_URL", DEFAULT_PG)
        if url:
            results["PostgreSQL"] = run_child("PostgreSQL", url, args)
    names = list(next(iter(results.values()))) if results else []
    print(f"| {args.entries:,} entries a chain | " + " | ".join(results) + " |")
    print("|---|" + "---|" * len(results))
    for name in names:
        cells = " | ".join(f"{r[name] * 1000:,.0f} ms" for r in results.values())
        print(f"| {name} | {cells} |")


# --- the child: seed one database, time it ---------------------------------------------


def timed(work: Callable[[], Any], times: int = 1) -> float:
    seconds = []
    for _ in range(times):
        began = time.perf_counter()
        work()
        seconds.append(time.perf_counter() - began)
    return statistics.median(seconds)


def seed_archive(organization_id: int, count: int, start: datetime) -> None:
    """``count`` messages appended as ingest appends them, a batch at a time."""
    from civicdesk.records.archive import Version, append_many
    from civicdesk.records.models import ArchiveEntry, EntryKind

    first = (
        ArchiveEntry.objects.filter(organization_id=organization_id)
        .order_by("-sequence")
        .values_list("sequence", flat=True)
        .first()
        or 0
    ) + 1
    for batch_start in range(first, first + count, BATCH):
        append_many(
            [
                Version(
                    organization_id=organization_id,
                    kind=EntryKind.MESSAGE,
                    thread=f"conversation:{n // 5}",
                    subject=f"message:{n}",
                    channel_id=None,
                    brand_id=None,
                    occurred_at=start + timedelta(seconds=n),
                    author_label=f"person{n % 997}",
                    actor_label=f"person{n % 997}",
                    text=f"Message {n}: the bridge on Main Street is closed again.",
                    content={"remote_id": f"m{n}", "kind": "public", "why": "ingest"},
                )
                for n in range(batch_start, min(batch_start + BATCH, first + count))
            ]
        )


def seed_audit(organization_id: int, count: int, start: datetime) -> None:
    from civicdesk.organizations.audit import GENESIS, _digest
    from civicdesk.organizations.models import AuditEvent

    last = (
        AuditEvent.objects.filter(organization_id=organization_id)
        .order_by("-sequence")
        .values_list("sequence", "hash")
        .first()
    )
    sequence, prev_hash = last if last else (0, GENESIS)
    batch: list[AuditEvent] = []
    for n in range(count):
        sequence += 1
        event = AuditEvent(
            organization_id=organization_id,
            sequence=sequence,
            created_at=start + timedelta(seconds=sequence),
            actor=None,
            actor_label="system",
            action="inbox.message_routed",
            object_type="InboundMessage",
            object_id=str(sequence),
            data={"queue": "roads", "rule": sequence % 40},
            prev_hash=prev_hash,
        )
        event.hash = prev_hash = _digest(event)
        batch.append(event)
        if len(batch) == BATCH or n == count - 1:
            AuditEvent.objects.bulk_create(batch)
            batch = []


def child(*, entries: int, requests: int) -> dict[str, Any]:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicdesk.settings")
    django.setup()
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from civicdesk.organizations import services as org
    from civicdesk.organizations.audit import verify_chain
    from civicdesk.organizations.models import Role
    from civicdesk.records import anchoring
    from civicdesk.records.archive import verify_archive
    from civicdesk.records.models import Chain

    call_command("migrate", verbosity=0)
    organization = org.organization_create(
        name="Bench City", time_zone="UTC", official_languages=["en", "fr"]
    )
    user = User.objects.create_user("bench-admin", password="bench-password-1")  # noqa: S106
    org.membership_grant(user=user, organization=organization, role=Role.ADMIN)
    start = datetime.now(UTC) - timedelta(days=400)
    began = time.perf_counter()
    seed_archive(organization.pk, entries, start)
    seed_audit(organization.pk, entries, start)
    anchoring.checkpoint_all()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(f"  seeded in {time.perf_counter() - began:.0f} s", file=sys.stderr, flush=True)

    client = Client()
    client.force_login(user)
    archive_url = reverse("records-archive", args=[organization.pk])
    audit_url = reverse("audit") + f"?org={organization.pk}"

    def page(url: str) -> Callable[[], None]:
        def get() -> None:
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)

        return get

    figures: dict[str, float] = {
        "verify_archive, in full": timed(
            lambda: verify_archive(
                organization.pk, anchoring.anchors(organization.pk, Chain.ARCHIVE)
            )
        ),
        "verify_chain (audit), in full": timed(lambda: verify_chain(organization)),
    }
    figures.update(extra_figures(organization, start, page, archive_url, audit_url, requests))
    return figures


def extra_figures(
    organization: Any,
    start: datetime,
    page: Callable[[str], Callable[[], None]],
    archive_url: str,
    audit_url: str,
    requests: int,
) -> dict[str, float]:
    """The full checks the nightly job stores, then the pages with ``ADDED`` entries (and
    events) added since."""
    from civicdesk.records import anchoring
    from civicdesk.records.models import Chain
    from civicdesk.records.verification import run_full_check

    figures = {
        "full check stored (archive)": timed(
            lambda: run_full_check(organization.pk, Chain.ARCHIVE)
        ),
        "full check stored (audit log)": timed(
            lambda: run_full_check(organization.pk, Chain.AUDIT)
        ),
    }
    seed_archive(organization.pk, ADDED, start + timedelta(days=300))
    seed_audit(organization.pk, ADDED, start + timedelta(days=300))
    anchoring.checkpoint_all()
    figures["Archive page, 1,000 entries since the full check"] = timed(page(archive_url), requests)
    figures["Audit log page, 1,000 events since the full check"] = timed(page(audit_url), requests)
    return figures


if __name__ == "__main__":
    main()
