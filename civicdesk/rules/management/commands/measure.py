"""``civicdesk measure``: measure text from standard input as a platform counts it, as JSON."""

from __future__ import annotations

import json
import sys
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from civicdesk.rules import PLATFORMS, UnknownPlatformError, measure, split_thread
from civicdesk.rules.types import Entity, Measurement


def _entities(entities: tuple[Entity, ...]) -> list[dict[str, Any]]:
    return [{"text": e.text, "start": e.start, "end": e.end} for e in entities]


def measurement_json(m: Measurement) -> dict[str, Any]:
    data: dict[str, Any] = {
        "platform": m.platform,
        "length": m.length,
        "limit": m.limit,
        "remaining": m.remaining,
        "valid": m.valid,
        "urls": _entities(m.urls),
        "mentions": _entities(m.mentions),
        "hashtags": _entities(m.hashtags),
    }
    if m.byte_limit is not None:
        data["bytes"] = m.byte_length
        data["byte_limit"] = m.byte_limit
    if m.platform == "bluesky":
        data["facets"] = [f.as_record() for f in m.facets]
    if m.invalid_ranges:
        data["invalid_ranges"] = [list(r) for r in m.invalid_ranges]
    return data


class Command(BaseCommand):
    help = "Measure text read from standard input as a platform counts it; prints JSON."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--platform", required=True, help=f"one of: {', '.join(PLATFORMS)}")
        parser.add_argument("--split", action="store_true", help="split into a thread")
        parser.add_argument("--numbering", action="store_true", help='add " 1/n" to each part')
        parser.add_argument("--limit", type=int, help="override the platform's length limit")
        parser.add_argument(
            "--keep-newline", action="store_true", help="count the final newline of the input"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        text = sys.stdin.read()
        if not options["keep_newline"] and text.endswith("\n"):
            text = text[:-2] if text.endswith("\r\n") else text[:-1]
        platform = options["platform"]
        limit = options["limit"]
        if limit is not None and limit < 1:
            raise CommandError("--limit must be a positive number")
        try:
            data = measurement_json(measure(text, platform, limit=limit))
            if options["split"]:
                parts = split_thread(text, platform, numbering=options["numbering"], limit=limit)
                data["parts"] = [
                    {"text": part, "length": m.length, "valid": m.valid}
                    for part, m in ((p, measure(p, platform, limit=limit)) for p in parts)
                ]
        except UnknownPlatformError as exc:
            raise CommandError(str(exc)) from None
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
