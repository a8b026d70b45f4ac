"""How fast the hot screens answer with a realistic amount of data, over real HTTP.

    .venv/bin/python bench/pages.py                          # 1,000,000 messages, both databases
    .venv/bin/python bench/pages.py --messages 100000 --db sqlite     # a quick run

For each database it seeds, in a fresh data folder (SQLite) or a fresh database
(PostgreSQL, ``civicdesk_bench`` or BENCH_POSTGRES_URL): ``--messages`` inbound messages in
conversations of five, over 20 channels of two brands, 10 metric snapshots a message and a
post a hundred messages. Big tables are loaded in bulk (COPY on PostgreSQL, executemany
on SQLite) with the inbox-counting triggers off, then ``recount()`` counts them once, and
the triggers are put back, as after a restore. Then it starts ``civicdesk serve`` on a free
port, logs in as a manager of one brand (so the permission filter does its work), and times
each screen: p50 and p95 over ``--requests`` requests, against the targets.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from html import unescape
from itertools import islice
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchkit  # noqa: E402

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/civicdesk_bench"
CLI = [sys.executable, "-m", "civicdesk.cli"]
PASSWORD = "bench-password-1"  # noqa: S105 - a throwaway account in a throwaway database
CHANNELS = 20
INBOX_P95_MS = 100.0
DASHBOARD_P95_MS = 500.0


# --- the parent: one child process a database, then the table --------------------------


def run_child(label: str, database_url: str | None, args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="civicdesk-bench-pages-") as data:
        env = dict(os.environ, CIVICDESK_DATA_DIR=data, LOG_LEVEL="ERROR", DEBUG="0")
        env.pop("DATABASE_URL", None)
        if database_url:
            env["DATABASE_URL"] = database_url
        command = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--child",
            "--messages",
            str(args.messages),
            "--requests",
            str(args.requests),
        ]
        print(
            f"{label}: seeding {args.messages:,} messages and timing the screens…",
            file=sys.stderr,
            flush=True,
        )
        out = subprocess.run(command, env=env, stdout=subprocess.PIPE, text=True, check=False)
        if out.returncode != 0:
            raise SystemExit(f"{label}: the benchmark failed")
        return json.loads(out.stdout.strip().splitlines()[-1])


def print_table(results: dict[str, dict[str, Any]]) -> None:
    labels = list(results)
    first = results[labels[0]]
    print()
    print(
        f"Seeded: {first['messages']:,} messages in {first['conversations']:,} conversations, "
        f"{first['snapshots']:,} metric snapshots, {first['posts']:,} posts, "
        f"{CHANNELS} channels; {first['requests']} requests a screen."
    )
    for label in labels:
        seed = results[label]["seed_seconds"]
        print(f"  {label} seeding (s): " + ", ".join(f"{k} {v:.0f}" for k, v in seed.items()))
    width = max(len(name) for name in first["screens"]) + 2
    head = f"{'screen':<{width}}{'target p95':>11}"
    for label in labels:
        head += f"{label + ' p50':>17}{label + ' p95':>17}{label + ' CPU':>17}"
    print()
    print(head)
    print("-" * len(head))
    for name, target in first["targets"].items():
        line = f"{name:<{width}}{f'< {target:.0f} ms':>11}"
        for label in labels:
            p50, p95, cpu = results[label]["screens"][name]
            verdict = "" if p95 < target else " !"
            line += f"{f'{p50:.1f} ms':>17}{f'{p95:.1f} ms{verdict}':>17}{f'{cpu:.1f} ms':>17}"
        print(line)
    print(
        "\n'!' marks a p95 over its target. Times are server and client on one machine; CPU is"
        "\nthe server process's CPU time a request (the mean), which other programs on the"
        "\nmachine do not inflate."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        sys.path.insert(0, str(ROOT))
        print(json.dumps(child(messages=args.messages, requests=args.requests)))
        return
    results: dict[str, dict[str, Any]] = {}
    if args.db in ("sqlite", "both"):
        results["SQLite"] = run_child("SQLite", None, args)
    if args.db in ("postgres", "both"):
        url = benchkit.fresh_postgres("BENCH_POSTGRES_URL", DEFAULT_PG)
        if url:
            results["PostgreSQL"] = run_child("PostgreSQL", url, args)
    if results:
        print_table(results)


# --- the child: seed one database, serve it, time it ------------------------------------


def child(*, messages: int, requests: int) -> dict[str, Any]:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicdesk.settings")
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    rng = random.Random(20261129)
    seed_seconds: dict[str, float] = {}
    world = seed(messages=messages, rng=rng, seconds=seed_seconds)
    port = benchkit.free_port()
    base = f"http://127.0.0.1:{port}"
    log = Path(os.environ["CIVICDESK_DATA_DIR"]) / "server.log"
    server = subprocess.Popen(
        [*CLI, "serve", "--port", str(port), "--threads", "4"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=log.open("w"),
    )
    try:
        screens, targets = time_screens(
            base, world, requests=requests, rng=rng, server_pid=server.pid
        )
    except Exception:
        print(log.read_text()[-5000:], file=sys.stderr)
        raise
    finally:
        server.terminate()
        server.wait(timeout=30)
    return {
        **world["figures"],
        "requests": requests,
        "seed_seconds": seed_seconds,
        "screens": screens,
        "targets": targets,
    }


def load(table: str, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]) -> int:
    """Insert many rows: COPY on PostgreSQL, executemany in big batches on SQLite."""
    from django.db import connection

    n = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
            with cursor.cursor.copy(sql) as copy:
                for row in rows:
                    copy.write_row(row)
                    n += 1
            return n
        sql = (
            f"INSERT INTO {table} ({', '.join(columns)}) "
            f"VALUES ({', '.join('%s' for _ in columns)})"
        )
        iterator = iter(rows)
        while batch := list(islice(iterator, 50_000)):
            cursor.executemany(sql, batch)
            n += len(batch)
    return n


def timed(seconds: dict[str, float], name: str, work: Callable[[], Any]) -> Any:
    began = time.perf_counter()
    result = work()
    seconds[name] = seconds.get(name, 0.0) + time.perf_counter() - began
    print(f"  {name}: {seconds[name]:.1f} s", file=sys.stderr, flush=True)
    return result


def seed(*, messages: int, rng: random.Random, seconds: dict[str, float]) -> dict[str, Any]:
    from django.contrib.auth.models import User
    from django.db import connection, transaction

    from civicdesk.inbox import counters
    from civicdesk.organizations import services as org
    from civicdesk.organizations.models import Role
    from civicdesk.publishing.models import Post, PostStatus, PostVariant, Publication
    from civicdesk.publishing.models import PublicationState as S
    from civicdesk.understanding.types import KINDS

    sqlite = connection.vendor == "sqlite"
    now = datetime.now(UTC).replace(microsecond=0)

    # SQLite keeps naive UTC text, as Django writes it; PostgreSQL takes the datetime.
    def ts(value: datetime) -> Any:
        return str(value.replace(tzinfo=None)) if sqlite else value

    organization = org.organization_create(
        name="Bench City", time_zone="UTC", official_languages=["en", "fr"]
    )
    brands = [
        org.brand_create(organization=organization, name=name, purpose="Benchmarks")
        for name in ("City Hall", "Transit")
    ]
    channels = [
        org.channel_create(
            brand=brands[n % 2], platform="exnet", handle=f"bench{n}", display_name=f"Bench {n}"
        )
        for n in range(CHANNELS)
    ]
    user = User.objects.create_user("bench-manager", password=PASSWORD)
    # A manager of one brand: sees half the channels, so the permission filter works.
    org.membership_grant(user=user, organization=organization, role=Role.MANAGER, brand=brands[0])
    channel_ids = [c.pk for c in channels]
    visible = {c.pk for c in channels if c.brand_id == brands[0].pk}

    conversations = max(1, messages // 5)
    authors = max(100, messages // 20)
    posts = max(100, messages // 100)
    snapshots = messages * 10
    year = 365 * 24 * 3600

    if sqlite:
        # Seeding only: a page cache that holds the indexes being filled (the default 2 MB
        # turns a random-order index insert into a disk read). The server keeps defaults.
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size = -2000000")
            cursor.execute("PRAGMA temp_store = MEMORY")
    counters.remove_triggers(connection)
    with transaction.atomic():
        first_author = 1 + _max_id("inbox_author")
        timed(
            seconds,
            "authors",
            lambda: load(
                "inbox_author",
                [
                    "id",
                    "organization_id",
                    "platform",
                    "remote_id",
                    "handle",
                    "display_name",
                    "first_seen_at",
                    "last_seen_at",
                ],
                (
                    (
                        first_author + n,
                        organization.pk,
                        "exnet",
                        f"u{n}",
                        f"person{n}",
                        f"Person {n}",
                        ts(now),
                        ts(now),
                    )
                    for n in range(authors)
                ),
            ),
        )
        first_conversation = 1 + _max_id("inbox_conversation")
        # Older conversations first, as they would have been created.
        last_at = sorted(now - timedelta(seconds=rng.randrange(year)) for _ in range(conversations))
        old = now - timedelta(days=30)

        def conversation_rows() -> Iterator[tuple[Any, ...]]:
            for n, at in enumerate(last_at):
                status = "closed" if at < old and rng.random() < 0.7 else "open"
                yield (
                    first_conversation + n,
                    channel_ids[n % CHANNELS],
                    f"t{n}",
                    False,
                    status,
                    "",
                    ts(at),
                    ts(at),
                    0,
                    False,
                    "",
                    "[]",
                )

        timed(
            seconds,
            "conversations",
            lambda: load(
                "inbox_conversation",
                [
                    "id",
                    "channel_id",
                    "remote_id",
                    "is_direct",
                    "status",
                    "business_area",
                    "last_message_at",
                    "created_at",
                    "unread_count",
                    "is_spam",
                    "priority",
                    "labels",
                ],
                conversation_rows(),
            ),
        )
        recent = now - timedelta(days=7)
        kinds = list(KINDS)
        kind_weights = [30 if k == "question" else 15 if k == "complaint" else 3 for k in kinds]
        urgency_weights = {"critical": 2, "high": 8, "medium": 35, "low": 55}

        first_message = 1 + _max_id("inbox_inboundmessage")

        def message_rows() -> Iterator[tuple[Any, ...]]:
            for m in range(messages):
                c = m % conversations
                at = last_at[c] - timedelta(minutes=7 * (m // conversations))
                status = (
                    "new"
                    if at > recent or rng.random() < 0.03
                    else ("replied" if rng.random() < 0.6 else "done")
                )
                yield (
                    first_message + m,
                    channel_ids[c % CHANNELS],
                    first_conversation + c,
                    first_author + rng.randrange(authors),
                    f"m{m}",
                    "comment",
                    f"Is Highway {m % 99} open tonight? Message {m}",
                    "",
                    "",
                    ts(at),
                    ts(at),
                    status,
                    rng.choice(("en", "en", "fr")),
                    rng.choices(kinds, kind_weights)[0],
                    "{}",
                    rng.choices(list(urgency_weights), list(urgency_weights.values()))[0],
                    "[]",
                    "[]",
                    ts(at),
                )

        timed(
            seconds,
            "messages",
            lambda: load(
                "inbox_inboundmessage",
                [
                    "id",
                    "channel_id",
                    "conversation_id",
                    "author_id",
                    "remote_id",
                    "kind",
                    "text",
                    "url",
                    "in_reply_to_remote_id",
                    "sent_at",
                    "received_at",
                    "status",
                    "language",
                    "category",
                    "category_scores",
                    "urgency",
                    "urgency_reasons",
                    "personal_data",
                    "understood_at",
                ],
                message_rows(),
            ),
        )

        def make_posts() -> list[Publication]:
            made = Post.objects.bulk_create(
                [
                    Post(
                        brand=brands[n % 2],
                        author=user,
                        title=f"Bench post {n}",
                        status=PostStatus.APPROVED,
                        scheduled_at=now + timedelta(seconds=rng.randrange(-year, year // 12)),
                    )
                    for n in range(posts)
                ],
                batch_size=5000,
            )
            variants = PostVariant.objects.bulk_create(
                [
                    PostVariant(post=p, language="en", text=f"{p.title}: the bridge reopens.")
                    for p in made
                ],
                batch_size=5000,
            )
            through = Post.channels.through
            publications: list[Publication] = []
            links = []
            for post, variant in zip(made, variants, strict=True):
                mine = [c for c in channels if c.brand_id == post.brand_id]
                for channel in rng.sample(mine, 2):
                    links.append(through(post_id=post.pk, channel_id=channel.pk))
                    past = post.scheduled_at <= now
                    publications.append(
                        Publication(
                            post=post,
                            variant=variant,
                            channel=channel,
                            state=S.PUBLISHED if past else S.SCHEDULED,
                            scheduled_at=post.scheduled_at,
                            next_attempt_at=post.scheduled_at,
                            published_at=post.scheduled_at if past else None,
                        )
                    )
            through.objects.bulk_create(links, batch_size=5000)
            return Publication.objects.bulk_create(publications, batch_size=5000)

        publications = timed(seconds, "posts", make_posts)

        def snapshot_rows() -> Iterator[tuple[Any, ...]]:
            # A tenth for the accounts, hourly back from now; the rest for published posts.
            account = snapshots // 10
            for n in range(account):
                at = now - timedelta(hours=n // CHANNELS)
                yield (
                    channel_ids[n % CHANNELS],
                    None,
                    ts(at),
                    10_000 + n % 977,
                    50 * n % 9973,
                    None,
                    n % 301,
                    None,
                    None,
                    None,
                    None,
                    None,
                )
            published = [p for p in publications if p.published_at]
            per = max(1, (snapshots - account) // max(1, len(published)))
            n = 0
            for publication in published:
                for h in range(per):
                    if n >= snapshots - account:
                        return
                    at = publication.published_at + timedelta(hours=h)
                    yield (
                        publication.channel_id,
                        publication.pk,
                        ts(at),
                        None,
                        40 * h,
                        30 * h,
                        None,
                        3 * h,
                        h,
                        h // 2,
                        h // 10,
                        None,
                    )
                    n += 1

        timed(
            seconds,
            "snapshots",
            lambda: load(
                "analytics_metricsnapshot",
                [
                    "channel_id",
                    "publication_id",
                    "captured_at",
                    "followers",
                    "impressions",
                    "reach",
                    "engagements",
                    "likes",
                    "reposts",
                    "replies",
                    "clicks",
                    "video_views",
                ],
                snapshot_rows(),
            ),
        )
        timed(seconds, "recount", counters.recount)
    counters.install_triggers(connection)
    if not sqlite:
        _reset_sequences(["inbox_author", "inbox_conversation", "inbox_inboundmessage"])
    timed(seconds, "analyze", _analyze)

    from civicdesk.analytics.models import MetricSnapshot
    from civicdesk.inbox.models import Conversation, InboundMessage

    visible_conversations = list(
        Conversation.objects.filter(channel_id__in=visible)
        .order_by("?")
        .values_list("pk", flat=True)[:500]
    )
    visible_authors = list(
        InboundMessage.objects.filter(conversation_id__in=visible_conversations[:200])
        .values_list("author_id", flat=True)
        .distinct()[:500]
    )
    return {
        "user": user.username,
        "brand": brands[0].pk,
        "channel": min(visible),
        "conversations": visible_conversations,
        "authors": visible_authors,
        "figures": {
            "messages": InboundMessage.objects.count(),
            "conversations": Conversation.objects.count(),
            "snapshots": MetricSnapshot.objects.count(),
            "posts": Post.objects.count(),
        },
    }


def _max_id(table: str) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608 - our names
        return int(cursor.fetchone()[0])


def _reset_sequences(tables: list[str]) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT MAX(id) FROM {table}))"
            )


def _analyze() -> None:
    """Planner statistics, as a live database has them (autovacuum, or SQLite's optimize)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def time_screens(
    base: str, world: dict[str, Any], *, requests: int, rng: random.Random, server_pid: int
) -> tuple[dict[str, tuple[float, float, float]], dict[str, float]]:
    import httpx

    client = httpx.Client(base_url=base, timeout=60)
    deadline = time.monotonic() + 60
    while True:
        try:
            client.get("/login/")
            break
        except httpx.HTTPError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    client.post(
        "/login/",
        data={
            "login": world["user"],
            "password": PASSWORD,
            "csrfmiddlewaretoken": client.cookies["csrftoken"],
        },
        headers={"Referer": f"{base}/login/"},
    )
    assert "sessionid" in client.cookies, "login failed"

    def fetch(url: str) -> str:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return response.text

    # Page 50 of the inbox (or the last, on a small run), reached as a person would:
    # following "Older" from the first page.
    url, page = "/inbox/", 1
    while page < 50 and (found := re.search(r'<a href="([^"]*)" rel="next">', fetch(url))):
        url, page = "/inbox/" + unescape(found.group(1)), page + 1
    page_50 = url

    conversations = iter(world["conversations"])
    authors = world["authors"]
    screens: dict[str, tuple[Callable[[], str], float]] = {
        "inbox": (lambda: "/inbox/", INBOX_P95_MS),
        "inbox, brand": (lambda: f"/inbox/?brand={world['brand']}", INBOX_P95_MS),
        "inbox, channel": (lambda: f"/inbox/?channel={world['channel']}", INBOX_P95_MS),
        "inbox, status open": (lambda: "/inbox/?status=open", INBOX_P95_MS),
        "inbox, category complaint": (lambda: "/inbox/?category=complaint", INBOX_P95_MS),
        "inbox, urgency critical": (lambda: "/inbox/?urgency=critical", INBOX_P95_MS),
        f"inbox, page {page} (cursor)": (lambda: page_50, INBOX_P95_MS),
        "conversation": (lambda: f"/inbox/c/{next(conversations)}/", INBOX_P95_MS),
        "author history": (lambda: f"/inbox/authors/{rng.choice(authors)}/", INBOX_P95_MS),
        "plan (posts)": (lambda: "/posts/", INBOX_P95_MS),
        "dashboard": (lambda: "/", DASHBOARD_P95_MS),
        # Analytics over the last 30 days and the 30 before, every figure and chart.
        "analytics": (lambda: "/analytics/", DASHBOARD_P95_MS),
    }
    results: dict[str, tuple[float, float, float]] = {}
    for name, (make_url, _target) in screens.items():
        for _ in range(3):  # warm: templates compiled, connections open
            fetch(make_url())
        times = []
        cpu_before = benchkit.cpu_seconds([server_pid])
        for _ in range(requests):
            target = make_url()
            began = time.perf_counter()
            fetch(target)
            times.append((time.perf_counter() - began) * 1000)
        # The server's CPU a request: what the screen costs whatever else the machine runs
        # (the database's own work on PostgreSQL is in its processes, not counted here).
        cpu_ms = (benchkit.cpu_seconds([server_pid]) - cpu_before) * 1000 / requests
        results[name] = (
            benchkit.percentile(times, 0.5),
            benchkit.percentile(times, 0.95),
            cpu_ms,
        )
        print(
            f"  {name}: p50 {results[name][0]:.1f} ms, p95 {results[name][1]:.1f} ms, "
            f"server CPU {cpu_ms:.1f} ms",
            file=sys.stderr,
            flush=True,
        )
    return results, {name: target for name, (_, target) in screens.items()}


if __name__ == "__main__":
    main()
