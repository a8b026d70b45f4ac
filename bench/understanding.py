"""Throughput and latency of the understanding pipeline on synthetic public messages.

Run: python bench/understanding.py
"""

from __future__ import annotations

import random
import statistics
import time

from civicdesk.understanding import embed, understand, understand_batch

SAMPLES = [
    "Where can I renew my passport? The website is down again",
    "¿Cuándo abre la oficina de empleo de mi barrio?",
    "Merci pour la mise à jour, très utile !",
    "Fire on the 3rd floor, people trapped, please send help now",
    "I heard the water is poisoned, share before they delete this",
    "The bus never came this morning, worst service ever @CityTransit",
    "Check out my channel and subscribe!!! http://bit.ly/xyz",
    "Bon dia, el tren torna a anar amb retard",
    "You should add more night buses on line 5",
    "Call me on +44 20 7946 0958 about my claim",
]


def main() -> None:
    rng = random.Random(7)
    texts = [rng.choice(SAMPLES) + f" #{i}" for i in range(5000)]
    understand_batch(texts[:100])
    rows = []
    for size in (1000, 5000):
        t0 = time.perf_counter()
        understand_batch(texts[:size], languages=("en", "fr", "es"))
        rows.append((f"understand_batch x{size}", size / (time.perf_counter() - t0), None))
    lat = []
    for text in texts[:500]:
        t0 = time.perf_counter()
        understand(text)
        lat.append((time.perf_counter() - t0) * 1000)
    lat.sort()
    rows.append(("understand (one message)", 1000 / statistics.mean(lat), lat))
    t0 = time.perf_counter()
    embed(texts[:200])
    rows.append(("embed x200", 200 / (time.perf_counter() - t0), None))
    print(f"{'what':28s} {'msgs/s':>10s} {'median ms':>10s} {'p95 ms':>8s}")
    for name, rate, lat in rows:
        med = f"{lat[len(lat) // 2]:.2f}" if lat else "-"
        p95 = f"{lat[int(len(lat) * 0.95)]:.2f}" if lat else "-"
        print(f"{name:28s} {rate:10,.0f} {med:>10s} {p95:>8s}")


if __name__ == "__main__":
    main()
