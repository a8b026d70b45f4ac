"""civicdesk createorganization: a new organization for scripted installs.

The same action as the first-run screens: the organization, its admin and its default
content pillars, written to the audit log as the system.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from civicdesk.setup.services import organization_setup


class Command(BaseCommand):
    help = "Create an organization with an existing user as its admin."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", required=True)
        parser.add_argument("--time-zone", required=True, help="An IANA zone, e.g. Europe/Paris")
        parser.add_argument(
            "--languages", required=True, help="Official languages, comma-separated, e.g. en,fr"
        )
        parser.add_argument("--admin", required=True, help="Username of the organization's admin")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            admin = get_user_model().objects.get_by_natural_key(options["admin"])
        except get_user_model().DoesNotExist as error:
            raise CommandError(
                f"No user {options['admin']!r}; create it first (civicdesk createsuperuser)."
            ) from error
        languages = [
            code.strip().lower() for code in options["languages"].split(",") if code.strip()
        ]
        try:
            org = organization_setup(
                name=options["name"],
                time_zone=options["time_zone"],
                official_languages=languages,
                admin=admin,
                actor=None,
            )
        except (ValidationError, PermissionDenied) as error:
            messages = error.messages if isinstance(error, ValidationError) else [str(error)]
            raise CommandError("; ".join(messages)) from error
        self.stdout.write(f"Created {org.name} ({org.slug}) with {admin.get_username()} as admin.")
