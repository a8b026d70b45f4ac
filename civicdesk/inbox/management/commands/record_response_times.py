"""Write the first-response and resolution times of conversations answered or closed before
Civic Desk recorded them (or after business hours changed and the reports should follow).
Safe to run at any time: each conversation's times are computed again from its messages."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db.models import Q

from civicdesk.inbox.models import Conversation
from civicdesk.inbox.sla import record_times


class Command(BaseCommand):
    help = "Record the first-response and resolution times of answered or closed conversations."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--organization", type=int, help="Only this organization's conversations (its id)."
        )
        parser.add_argument("--batch", type=int, default=500, help="Conversations a batch.")

    def handle(
        self, *args: Any, organization: int | None = None, batch: int = 500, **options: Any
    ) -> None:
        done = Conversation.objects.filter(
            Q(first_response_at__isnull=False) | Q(closed_at__isnull=False)
        )
        if organization is not None:
            done = done.filter(channel__brand__organization_id=organization)
        last, changed = 0, 0
        while True:
            # Keyset batches by id: each is short, and rows arriving meanwhile are fine.
            ids = list(done.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:batch])
            if not ids:
                break
            changed += record_times(ids)
            last = ids[-1]
        self.stdout.write(f"Response times recorded for {changed} conversations.")
