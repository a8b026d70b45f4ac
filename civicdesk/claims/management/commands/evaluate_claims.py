"""``civicdesk evaluate_claims``: precision and recall of claim matching on the labelled set."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from civicdesk.claims import evaluation


class Command(BaseCommand):
    help = "Measure claim matching (precision, recall) on the labelled set shipped with it."

    def handle(self, *args: Any, **options: Any) -> None:
        evaluation.main()
