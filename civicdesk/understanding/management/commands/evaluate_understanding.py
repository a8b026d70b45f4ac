"""Evaluate the installed understanding models on every data set in a folder.

Only rows the installed model was not trained on are scored.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from civicdesk.understanding import (
    calibration,
    datasets,
    models,
    multilingual,
    training,
    understand,
    understand_batch,
)


class Command(BaseCommand):
    help = "Per-class precision, recall and F1 of the installed models on held-out data."

    def add_arguments(self, parser):
        parser.add_argument(
            "--data", required=True, help="folder with data sets laid out like the research data"
        )
        parser.add_argument(
            "--models", default=None, help="folder holding heads.npz (default: installed)"
        )
        parser.add_argument(
            "--no-throughput", action="store_true", help="skip the pipeline throughput run"
        )

    def handle(self, *args, **options):
        try:
            tables = training.evaluate(options["data"], options["models"])
        except datasets.DatasetError as exc:
            raise CommandError(f"cannot read a data set: {exc}") from exc
        except models.ModelMissingError as exc:
            raise CommandError(str(exc)) from exc
        if not tables:
            raise CommandError(f"no known data set found in {options['data']}")
        self.stdout.write(
            "Evaluation uses only rows the installed artifact did not train on "
            "(it records its training events, videos, files and ids)."
        )
        for table in tables:
            self.stdout.write(training.format_table(table))
        self.stdout.write(
            calibration.format_reliability(calibration.evaluate(options["data"], options["models"]))
        )
        if multilingual.django_locale_root() is not None:
            self.stdout.write(multilingual.format_report(multilingual.evaluate_without_prior()))
        if not options["no_throughput"]:
            texts = [ex.text for rows in datasets.load(options["data"]).values() for ex in rows][
                :4000
            ]
            understand_batch(texts[:50])
            t0 = time.perf_counter()
            understand_batch(texts)
            batch_rate = len(texts) / (time.perf_counter() - t0)
            times = []
            for text in texts[:300]:
                t1 = time.perf_counter()
                understand(text)
                times.append(time.perf_counter() - t1)
            times.sort()
            self.stdout.write(
                f"== whole pipeline: {batch_rate:,.0f} messages/s in batches; "
                f"one message median {times[len(times) // 2] * 1000:.2f} ms, "
                f"p95 {times[int(len(times) * 0.95)] * 1000:.2f} ms"
            )
