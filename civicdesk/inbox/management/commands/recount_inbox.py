"""Rebuild the inbox counters from the messages: after a restore, or a bulk load made
with the counting triggers off. Safe to run at any time; it runs in one transaction."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from civicdesk.inbox.counters import recount


class Command(BaseCommand):
    help = (
        "Recount unread messages per conversation and channel, and messages per day "
        "(with analytics' counts by language, kind and urgency)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--channel",
            type=int,
            action="append",
            dest="channels",
            help="Only this channel (repeatable).",
        )

    def handle(self, *args: Any, channels: list[int] | None = None, **options: Any) -> None:
        recount(channel_ids=channels)
        self.stdout.write("Inbox counters recounted.")
