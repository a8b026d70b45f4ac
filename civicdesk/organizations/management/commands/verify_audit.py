"""civicdesk verify_audit: check every organization's audit chain."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from civicdesk.organizations.audit import verify_chain
from civicdesk.organizations.models import Organization


class Command(BaseCommand):
    help = "Verify the hash chain of the audit log and name the first broken link."

    def handle(self, *args: Any, **options: Any) -> None:
        broken = 0
        for org in Organization.objects.order_by("pk"):
            report = verify_chain(org)
            if report.ok:
                self.stdout.write(f"{org.slug}: {report.events} events, chain intact")
            else:
                broken += 1
                self.stdout.write(
                    f"{org.slug}: chain broken at event #{report.first_broken} ({report.reason})"
                )
        if broken:
            raise CommandError(f"{broken} organization(s) have a broken audit chain")
