"""Create an exercise network account and print its API token (shown only this once)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from civicdesk.exnet.models import NetAccount
from civicdesk.exnet.services import NetError, create_account, rotate_token


class Command(BaseCommand):
    help = "Create an exercise network account (or a new token for one) and print the token."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("handle")
        parser.add_argument("--name", default="", help="display name")
        parser.add_argument(
            "--new-token", action="store_true", help="replace the token of an existing account"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["new_token"]:
            account = NetAccount.objects.filter(handle__iexact=options["handle"]).first()
            if account is None:
                raise CommandError(f"no exercise network account @{options['handle']}")
            self.stdout.write(rotate_token(account=account))
            return
        try:
            _, token = create_account(handle=options["handle"], display_name=options["name"])
        except NetError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(token)
