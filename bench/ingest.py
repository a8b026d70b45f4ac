"""The inbox ingest benchmark against one database; prints a JSON line of figures.

Messages wait on four exercise-network accounts (1,500 each, direct messages in English and
French of the kinds a public institution receives); two ``civicdesk worker`` processes
(periodic role) fetch, store, understand, route and date them, as an installation does.
Measured from the first message stored to the last one understood, so the workers' start
(loading the models) is left out; the CPU time the workers and the exercise network spent
a message over the same stretch is read from /proc.

Run by bench/run.py, which gives each database a fresh process and data folder.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchkit  # noqa: E402

benchkit.configure()
os.environ["INGEST_INTERVAL_SECONDS"] = "1"

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db.models import Max, Min  # noqa: E402

from civicdesk.exnet import services as net  # noqa: E402
from civicdesk.exnet.models import NetAccount  # noqa: E402
from civicdesk.inbox.models import InboundMessage  # noqa: E402
from civicdesk.organizations import services as org_services  # noqa: E402

PHRASES = [
    "Is Highway {n} open tonight? I need to get to work.",
    "The traffic lights at the corner of Main and {n}th are out, somebody will get hurt",
    "Thank you to the crews who cleared the snow on route {n} so fast!",
    "I have been waiting {n} days for my permit, nobody answers the phone. Unacceptable.",
    "Heard the water is poisoned in district {n}, is that true??",
    "My mother needs to get to the hospital but the bridge {n} is closed, please help",
    "La route {n} est-elle ouverte ce soir ? Je dois aller travailler.",
    "Merci aux équipes qui ont réparé la conduite d'eau rue {n} !",
    "J'attends mon remboursement depuis {n} semaines, c'est inadmissible.",
    "Il paraît que l'eau du quartier {n} est contaminée, c'est vrai ?",
    "Could you add a bus stop near school {n}? It would help a lot of families.",
    "WIN A FREE PHONE!!! click here bit.ly/{n}",
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--channels", type=int, default=4)
    parser.add_argument("--messages", type=int, default=1500, help="waiting on each channel")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--encoder-threads",
        type=int,
        default=None,
        help="UNDERSTANDING_ENCODER_THREADS of each worker (default: the cores shared out "
        "between the workers, at least 1, as the README advises where workers keep every core "
        "busy; measured: two threads each cost two workers on two cores about 0.2 ms of CPU "
        "a message)",
    )
    args = parser.parse_args()
    threads = args.encoder_threads or max(1, (os.cpu_count() or 1) // args.workers)
    os.environ["UNDERSTANDING_ENCODER_THREADS"] = str(threads)
    call_command("migrate", verbosity=0)
    server = benchkit.serve_exnet(threads=8)
    running = []
    figures: dict[str, float] = {}
    try:
        stamp = time.time_ns() % 10**8
        org = org_services.organization_create(
            name=f"Bench {stamp}", time_zone="UTC", official_languages=["en", "fr"]
        )
        brand = org_services.brand_create(organization=org, name="Bench", purpose="Benchmarks")
        rng = random.Random(7)
        senders = [
            net.create_account(handle=f"public{i}_{stamp}", simulated=True)[0] for i in range(50)
        ]
        for c in range(args.channels):
            handle = f"in{c}_{stamp}"
            _, token = net.create_account(handle=handle)
            org_services.channel_create(
                brand=brand, platform="exnet", handle=handle, credentials={"token": token}
            )
            account = NetAccount.objects.get(handle=handle)
            for _ in range(args.messages):
                net.send_direct_message(
                    sender=rng.choice(senders),
                    recipient=account,
                    text=rng.choice(PHRASES).format(n=rng.randint(1, 400)),
                )
        expected = args.channels * args.messages
        running = benchkit.workers(args.workers, "--only", "periodic", "--interval", "0.2")
        figures["ingest_encoder_threads"] = threads
        pids = [proc.pid for proc in running]
        deadline = time.monotonic() + 900
        while not InboundMessage.objects.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        cpu_before = benchkit.cpu_seconds(pids), benchkit.cpu_seconds([server.pid])
        busy_before = benchkit.machine_busy()
        understood = InboundMessage.objects.filter(understood_at__isnull=False)
        while understood.count() < expected and time.monotonic() < deadline:
            time.sleep(0.2)
        cpu_after = benchkit.cpu_seconds(pids), benchkit.cpu_seconds([server.pid])
        busy_after = benchkit.machine_busy()
        span = InboundMessage.objects.aggregate(first=Min("received_at"), last=Max("understood_at"))
        done = understood.count()
        took = (span["last"] - span["first"]).total_seconds() if done else float("nan")
        figures["ingest_messages"] = done  # keys prefixed: run.py merges them with publishing
        figures["ingest_per_s"] = done / took if took > 0 else float("nan")
        if done:
            figures["ingest_worker_cpu_ms"] = (cpu_after[0] - cpu_before[0]) * 1000 / done
            figures["ingest_server_cpu_ms"] = (cpu_after[1] - cpu_before[1]) * 1000 / done
            busy = busy_after[0] - busy_before[0]
            total = busy_after[1] - busy_before[1]
            figures["ingest_machine_busy_pct"] = 100 * busy / total if total else float("nan")
            spent = figures["ingest_worker_cpu_ms"] + figures["ingest_server_cpu_ms"]
            figures["ingest_ceiling_per_s"] = benchkit.cores() * 1000 / spent
    finally:
        benchkit.stop(running)
        benchkit.stop([server])
    if not figures.get("ingest_messages"):
        raise SystemExit(f"nothing was ingested: {figures}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
