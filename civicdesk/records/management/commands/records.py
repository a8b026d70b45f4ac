"""civicdesk records: export the archive for an access-to-information request, verify an
export or the chains, export the signed checkpoints, apply retention now.

    civicdesk records export --organization SLUG --from DATE --to DATE [--query TEXT]
        [--redact] --out FILE.zip
    civicdesk records verify [FILE.zip | FILE.warc.gz] [--public-key PEM] [--checkpoints FILE]
    civicdesk records checkpoints --out FILE.jsonl
    civicdesk records retention [--organization SLUG]
"""

from __future__ import annotations

import hashlib
import json
from argparse import ArgumentParser
from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from civicdesk.organizations.audit import audit, verify_chain
from civicdesk.organizations.models import Organization
from civicdesk.records import anchoring, signing
from civicdesk.records.archive import verify_archive
from civicdesk.records.export import build_export, verify_export, verify_warc
from civicdesk.records.models import Chain, Checkpoint
from civicdesk.records.retention import apply_retention
from civicdesk.records.search import ArchiveQuery


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"not a date (YYYY-MM-DD): {value!r}") from None


class Command(BaseCommand):
    help = "Export, verify and keep the organization's records."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        export = sub.add_parser("export", help="a signed ZIP of the archive for a request")
        export.add_argument("--organization", required=True, help="the organization's slug")
        export.add_argument("--from", dest="date_from", required=True, type=_date)
        export.add_argument("--to", dest="date_to", required=True, type=_date)
        export.add_argument("--query", default="", help="words every entry must contain")
        export.add_argument("--channel", type=int, action="append", default=[])
        export.add_argument("--author", action="append", default=[])
        export.add_argument("--redact", action="store_true", help="redact third parties")
        export.add_argument("--language", default="en")
        export.add_argument("--out", required=True, type=Path)
        verify = sub.add_parser("verify", help="check an export, or every chain")
        verify.add_argument("file", nargs="?", type=Path)
        verify.add_argument("--public-key", type=Path, help="PEM of the key that signed it")
        verify.add_argument("--checkpoints", type=Path, help="exported checkpoints to trust")
        checkpoints = sub.add_parser("checkpoints", help="export the signed checkpoints")
        checkpoints.add_argument("--out", required=True, type=Path)
        retention = sub.add_parser("retention", help="apply the retention rules now")
        retention.add_argument("--organization", help="one organization's slug")

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"do_{options['action']}")(options)

    def do_export(self, options: dict[str, Any]) -> None:
        organization = Organization.objects.filter(slug=options["organization"]).first()
        if organization is None:
            raise CommandError(f"no organization {options['organization']!r}")
        if options["date_to"] < options["date_from"]:
            raise CommandError("--to is before --from")
        query = ArchiveQuery(
            date_from=options["date_from"],
            date_to=options["date_to"],
            words=options["query"],
            channel_ids=tuple(options["channel"]),
            authors=tuple(options["author"]),
        )
        result = build_export(
            organization=organization,
            query=query,
            out=options["out"],
            redact=options["redact"],
            requested_by="command line",
            language=options["language"],
        )
        # Disclosed from the command line too: the audit log says what left, and its hash.
        audit(
            organization=organization,
            actor=None,
            action="records.export",
            data={
                "query": query.describe(),
                "redacted": options["redact"],
                "threads": result.threads,
                "entries": result.entries,
                "sha256": hashlib.sha256(options["out"].read_bytes()).hexdigest(),
                "via": "command line",
            },
        )
        self.stdout.write(
            f"{result.path}: {result.threads} threads, {result.entries} entries, "
            f"{result.files} files, {result.redactions} redactions, signed by key "
            f"{signing.key_id()}"
        )

    def do_verify(self, options: dict[str, Any]) -> None:
        key = (
            signing.load_public_key(options["public_key"].read_bytes())
            if options["public_key"]
            else None
        )
        path: Path | None = options["file"]
        if path is not None:
            if not path.exists():
                raise CommandError(f"{path}: no such file")
            data = path.read_bytes()
            verdict = (
                verify_warc(data)
                if path.name.endswith(".warc.gz")
                else verify_export(data, key=key)
            )
            if not verdict.ok:
                for problem in verdict.problems:
                    self.stdout.write(f"{path}: {problem}")
                raise CommandError(f"{path} does not verify")
            self.stdout.write(f"{path}: verified, every file matches its signed manifest")
            return
        extra = anchoring.read_exported(options["checkpoints"]) if options["checkpoints"] else []
        broken = 0
        for org in Organization.objects.order_by("pk"):
            audit_report = verify_chain(
                org, anchoring.anchors(org.pk, Chain.AUDIT, extra=extra, key=key)
            )
            archive_report = verify_archive(
                org.pk, anchoring.anchors(org.pk, Chain.ARCHIVE, extra=extra, key=key)
            )
            for name, ok, count, first, reason in (
                (
                    "audit log",
                    audit_report.ok,
                    audit_report.events,
                    audit_report.first_broken,
                    audit_report.reason,
                ),
                (
                    "archive",
                    archive_report.ok,
                    archive_report.entries,
                    archive_report.first_broken,
                    archive_report.reason,
                ),
            ):
                if ok:
                    self.stdout.write(f"{org.slug} {name}: {count} entries, intact")
                else:
                    broken += 1
                    self.stdout.write(f"{org.slug} {name}: broken at entry #{first} ({reason})")
        if broken:
            raise CommandError(f"{broken} chain(s) do not verify")

    def do_checkpoints(self, options: dict[str, Any]) -> None:
        anchoring.checkpoint_all()
        rows = [anchoring.as_json(c) for c in Checkpoint.objects.order_by("pk")]
        out: Path = options["out"]
        out.write_text("".join(json.dumps(row, sort_keys=True) + "\n" for row in rows))
        self.stdout.write(
            f"{out}: {len(rows)} checkpoints; public key {signing.key_id()}:\n"
            + signing.public_key_pem()
        )

    def do_retention(self, options: dict[str, Any]) -> None:
        organizations = Organization.objects.order_by("pk")
        if options["organization"]:
            organizations = organizations.filter(slug=options["organization"])
        for organization in organizations:
            report = apply_retention(organization)
            self.stdout.write(f"{organization.slug}: {json.dumps(report.as_data()['done'])}")
