"""Rebuild the understanding model artifact from the labelled research data."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from civicdesk.understanding import datasets, models, training


class Command(BaseCommand):
    help = "Train the message-understanding heads from a data folder and write heads.npz."

    def add_arguments(self, parser):
        parser.add_argument("--data", required=True, help="folder with the research data sets")
        parser.add_argument(
            "--out", default=str(models.MODELS_DIR), help="where to write heads.npz"
        )
        only = parser.add_mutually_exclusive_group()
        only.add_argument(
            "--kind-only",
            action="store_true",
            help="refit only the kind and urgency models of the artifact already in --out",
        )
        only.add_argument(
            "--language-only",
            action="store_true",
            help="refit only the language head and its stacker of the artifact already in --out",
        )

    def handle(self, *args, **options):
        try:
            if options["kind_only"]:
                path = training.replace_kind_model(
                    options["data"], options["out"], log=self.stdout.write
                )
            elif options["language_only"]:
                path = training.replace_language_model(
                    options["data"], options["out"], log=self.stdout.write
                )
            else:
                path = training.train(options["data"], options["out"], log=self.stdout.write)
        except datasets.DatasetError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"wrote {path} ({Path(path).stat().st_size / 1e6:.2f} MB)")
