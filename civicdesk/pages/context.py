"""Template context shared by every page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def desk(request: HttpRequest) -> dict[str, Any]:
    return {}
