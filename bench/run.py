"""Run the publishing and ingest benchmarks on SQLite and PostgreSQL and print one table.

.venv/bin/python bench/run.py                    # no latency, and inbox ingest
.venv/bin/python bench/run.py --latency 0.3      # the publishing engine, create_post held
.venv/bin/python bench/run.py --latency 0,0.3,1  # several latencies, one table
BENCH_POSTGRES_URL=postgres://... .venv/bin/python bench/run.py

Every run takes a fresh data folder and, on PostgreSQL, a fresh database. Wall-clock
figures move with whatever else the machine runs; the CPU time a publication or a message
costs (read from /proc) and the ceiling it implies on this machine's cores do much less,
and "machine busy" says how loaded the machine was meanwhile.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import benchkit

HERE = Path(__file__).resolve().parent
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/civicdesk_bench"


def run(
    label: str, database_url: str | None, script: str, args: tuple[str, ...] = ()
) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="civicdesk-bench-") as data:
        env = dict(os.environ, CIVICDESK_DATA_DIR=data)
        env.pop("DATABASE_URL", None)
        if database_url:
            env["DATABASE_URL"] = database_url
        out = subprocess.run(
            [sys.executable, str(HERE / script), *args],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if out.returncode != 0:
            print(out.stdout, out.stderr, file=sys.stderr)
            raise SystemExit(f"{label}: the benchmark failed")
        return json.loads(out.stdout.strip().splitlines()[-1])


def fresh(database: str) -> tuple[bool, str | None]:
    """(usable, database URL) for one run: SQLite in the data folder, or a new PostgreSQL
    database."""
    if database != "PostgreSQL":
        return True, None
    url = benchkit.fresh_postgres("BENCH_POSTGRES_URL", DEFAULT_PG)
    return url is not None, url


def publishing(latencies: list[float], databases: list[str], *, ingest: bool) -> None:
    """The publishing engine (lateness and throughput, per database and latency), and with
    ``ingest`` the inbox ingest per database."""
    results: dict[str, dict[str, float]] = {}
    for latency in latencies:
        for database in databases:
            usable, url = fresh(database)
            if not usable:
                continue
            label = f"{database} {latency:g}s"
            results[label] = run(label, url, "publishing.py", ("--latency", str(latency)))
            print(f"{label}: {json.dumps(results[label])}", file=sys.stderr)
            if ingest:
                usable, url = fresh(database)
                results[label] |= run(label, url, "ingest.py")
                print(f"{label}: {json.dumps(results[label])}", file=sys.stderr)
    rows = [
        ("create_post held (s)", "latency_s", "{:.1f}"),
        ("lateness p50 of the finished publish (s)", "lateness_p50_s", "{:.2f}"),
        ("lateness p99 (s)", "lateness_p99_s", "{:.2f}"),
        ("lateness max (s)", "lateness_max_s", "{:.2f}"),
        ("  (publications due within one minute)", "lateness_n", "{:.0f}"),
        ("publications/s, 1,000 due at once", "throughput_per_s", "{:.1f}"),
        ("  (publications)", "throughput_pubs", "{:.0f}"),
        ("workers' CPU ms a publication", "worker_cpu_ms", "{:.1f}"),
        ("exercise network's CPU ms a publication", "server_cpu_ms", "{:.1f}"),
        ("  ceiling on these cores, publications/s", "ceiling_per_s", "{:.0f}"),
        ("  machine busy meanwhile (%)", "machine_busy_pct", "{:.0f}"),
    ]
    if ingest:
        rows += [
            ("inbox ingest with understanding, messages/s", "ingest_per_s", "{:.0f}"),
            ("  (messages, two workers, four channels)", "ingest_messages", "{:.0f}"),
            ("  encoder threads of each worker", "ingest_encoder_threads", "{:.0f}"),
            ("workers' CPU ms a message", "ingest_worker_cpu_ms", "{:.2f}"),
            ("exercise network's CPU ms a message", "ingest_server_cpu_ms", "{:.2f}"),
            ("  ceiling on these cores, messages/s", "ingest_ceiling_per_s", "{:.0f}"),
            ("  machine busy meanwhile (%)", "ingest_machine_busy_pct", "{:.0f}"),
        ]
    table(rows, results)


def table(rows: list[tuple[str, str, str]], results: dict[str, dict[str, float]]) -> None:
    labels = list(results)
    width = max(len(r[0]) for r in rows)
    cell = max([12, *(len(label) for label in labels)])
    print(f"{'measure':<{width}}  " + "  ".join(f"{label:>{cell}}" for label in labels))
    print("-" * (width + 2 + (cell + 2) * len(labels)))
    for title, key, fmt in rows:
        cells = [fmt.format(results[label].get(key, float("nan"))) for label in labels]
        print(f"{title:<{width}}  " + "  ".join(f"{c:>{cell}}" for c in cells))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--latency",
        metavar="SECONDS[,SECONDS...]",
        help="benchmark the publishing engine with create_post held this long",
    )
    parser.add_argument(
        "--databases",
        default="SQLite,PostgreSQL",
        help="comma-separated: SQLite, PostgreSQL (default both)",
    )
    args = parser.parse_args()
    latencies = [float(v) for v in (args.latency or "0").split(",")]
    publishing(latencies, args.databases.split(","), ingest=args.latency is None)


if __name__ == "__main__":
    main()
