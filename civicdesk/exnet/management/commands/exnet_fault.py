"""Inject, list or clear faults on an exercise network account."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from civicdesk.exnet.faults import OPERATIONS, PARAMS, clear_faults, inject_fault
from civicdesk.exnet.models import NetAccount, NetFault
from civicdesk.exnet.services import NetError


class Command(BaseCommand):
    help = (
        "Make an exercise network account's API calls fail. Examples: "
        "exnet_fault transport_gov rate_limit --operation create_post --count 3 "
        "--param retry_after=20; exnet_fault transport_gov --clear; exnet_fault --list"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("handle", nargs="?", help="the account's handle")
        parser.add_argument("kind", nargs="?", choices=sorted(PARAMS), help="the fault")
        parser.add_argument("--operation", default="any", choices=sorted(OPERATIONS))
        parser.add_argument("--count", type=int, default=None, help="calls to hit (default 1)")
        parser.add_argument(
            "--probability",
            type=float,
            default=None,
            help="chance per call; without --count, lasts until cleared",
        )
        parser.add_argument(
            "--param",
            action="append",
            default=[],
            metavar="NAME=VALUE",
            help="e.g. retry_after=20, seconds=3, status=503, hold=15, mode=close",
        )
        parser.add_argument("--clear", action="store_true", help="remove the account's faults")
        parser.add_argument("--list", action="store_true", help="show the faults in place")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["list"]:
            for fault in NetFault.objects.select_related("account"):
                left = "until cleared" if fault.remaining is None else f"{fault.remaining} left"
                chance = "" if fault.probability is None else f", p={fault.probability:g}"
                self.stdout.write(
                    f"@{fault.account.handle}: {fault.kind} on {fault.operation} "
                    f"({left}{chance}) {fault.params or ''}"
                )
            return
        if not options["handle"]:
            raise CommandError("give an account handle (or --list)")
        account = NetAccount.objects.filter(handle__iexact=options["handle"]).first()
        if account is None:
            raise CommandError(f"no exercise network account @{options['handle']}")
        if options["clear"]:
            self.stdout.write(f"removed {clear_faults(account)} fault(s) from @{account.handle}")
            return
        if not options["kind"]:
            raise CommandError("give a fault kind, --clear or --list")
        params = {}
        for item in options["param"]:
            name, sep, value = item.partition("=")
            if not sep:
                raise CommandError(f"--param {item!r} is not NAME=VALUE")
            params[name.strip()] = value.strip()
        count = options["count"]
        if count is None and options["probability"] is None:
            count = 1
        try:
            inject_fault(
                account,
                options["kind"],
                operation=options["operation"],
                count=count,
                probability=options["probability"],
                **params,
            )
        except NetError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(f"@{account.handle}: {options['kind']} on {options['operation']}")
