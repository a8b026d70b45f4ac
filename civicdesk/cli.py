"""The ``civicdesk`` command: Django's management commands plus serve, worker and demo."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicdesk.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv if argv is None else ["civicdesk", *argv])
    # Commands may be written with dashes: `civicdesk evaluate-understanding`.
    if len(args) > 1 and not args[1].startswith("-"):
        args[1] = args[1].replace("-", "_")
    execute_from_command_line(args)


if __name__ == "__main__":
    main()
