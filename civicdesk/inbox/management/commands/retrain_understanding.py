"""Retrain an organisation's understanding model from the research data and its corrections."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from civicdesk.inbox.understanding import corrections_for
from civicdesk.organizations.models import Organization
from civicdesk.understanding import datasets
from civicdesk.understanding.organizations import models_dir, retrain_organization


class Command(BaseCommand):
    help = (
        "Retrain the understanding model with an organisation's corrections; the new model "
        "replaces the organisation's current one only if it is not worse on the held-out splits."
    )

    def add_arguments(self, parser):
        parser.add_argument("--organization", required=True, help="organisation slug")
        parser.add_argument(
            "--data",
            default=str(Path("..") / "shared" / "data"),
            help="folder with the research data sets (default: ../shared/data)",
        )

    def handle(self, *args, **options):
        data = Path(options["data"])
        if not data.is_dir():
            raise CommandError(f"the research data folder {data} does not exist; pass --data DIR")
        slug = options["organization"]
        organization = Organization.objects.filter(slug=slug).first()
        if organization is None:
            raise CommandError(f"no organisation with slug {slug!r}")
        try:
            report = retrain_organization(
                organization=organization, data_dir=data, corrections=corrections_for(slug)
            )
        except datasets.DatasetError as exc:
            raise CommandError(f"cannot read a data set: {exc}") from exc
        self.stdout.write(f"corrections used: {report.corrections_used}")
        for task, score in report.candidate.items():
            before = report.current.get(task)
            was = f" (current {before:.3f})" if before is not None else ""
            self.stdout.write(f"  {task}: macro-F1 {score:.3f}{was}")
        if report.replaced:
            self.stdout.write(f"installed in {models_dir(organization)}: {report.reason}")
        else:
            self.stdout.write(f"kept the current model: {report.reason}")
