"""civicdesk benchmark: the anonymous benchmark file exchanged with peer organizations.

civicdesk benchmark export --organization SLUG [--months 12] [--kind KIND] --out FILE
civicdesk benchmark import --organization SLUG FILE
"""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from civicdesk.analytics.models import InstitutionKind
from civicdesk.analytics.services import benchmark_export, benchmark_import, benchmark_kind_set
from civicdesk.organizations.models import Organization


class Command(BaseCommand):
    help = "Export an organization's anonymous benchmark file, or import a peer's."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        export = sub.add_parser("export", help="write this organization's benchmark file")
        export.add_argument("--organization", required=True, help="the organization's slug")
        export.add_argument("--months", type=int, default=12, help="whole months (1 to 24)")
        export.add_argument("--kind", choices=InstitutionKind.values, help="kind of institution")
        export.add_argument("--out", required=True, type=Path)
        imported = sub.add_parser("import", help="import a peer's benchmark file")
        imported.add_argument("--organization", required=True, help="the organization's slug")
        imported.add_argument("file", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        organization = Organization.objects.filter(slug=options["organization"]).first()
        if organization is None:
            raise CommandError(f"no organization with the slug {options['organization']!r}")
        if options["action"] == "export":
            if not 1 <= options["months"] <= 24:
                raise CommandError("--months is between 1 and 24")
            if options["kind"]:
                benchmark_kind_set(
                    organization=organization, actor=None, institution_kind=options["kind"]
                )
            content = benchmark_export(
                organization=organization, actor=None, months=options["months"]
            )
            options["out"].write_bytes(content)
            self.stdout.write(f"{options['out']} ({len(content)} bytes)")
            return
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        try:
            peer = benchmark_import(organization=organization, actor=None, data=path.read_bytes())
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(f"imported peer {peer.peer_id} ({len(peer.rows)} rows)")
