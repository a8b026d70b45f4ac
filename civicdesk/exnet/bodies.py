"""Reading what a client sends the exercise network's API, refusing what cannot be used.

Anyone on the internet can send anything, so every value is checked before it reaches the
database: a malformed request is a 400 (413 when too large) with a JSON reason, never a 500.
The rules: a JSON body is an object of at most MAX_JSON_BYTES, nested at most MAX_DEPTH
deep, with no NaN or Infinity, and every string in it (keys too) valid Unicode without NUL;
ids are positive and fit a database integer.
"""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest

from civicdesk.exnet.services import HANDLE_RE, NetError, check_text

MAX_JSON_BYTES = 2 * 1024 * 1024
MAX_MULTIPART_BYTES = 22 * 1024 * 1024
# Deeper than any request of ours needs, far below what the parser's recursion can take.
MAX_DEPTH = 20
# The largest id a database integer column holds (SQLite and PostgreSQL bigint).
MAX_ID = 2**63 - 1


def content_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def json_body(request: HttpRequest) -> dict[str, Any]:
    """The body as a JSON object; NetError (400 or 413) naming what is wrong with it."""
    if content_length(request) > MAX_JSON_BYTES:
        raise NetError(
            "a JSON body is at most 2 MB; send large media as multipart",
            status=413,
            code="too_large",
        )
    raw = request.body or b"{}"
    if len(raw) > MAX_JSON_BYTES:  # a chunked body has no Content-Length to refuse early
        raise NetError("a JSON body is at most 2 MB", status=413, code="too_large")
    try:
        body = json.loads(raw, parse_constant=_no_constants)
    except RecursionError:
        # The C parser gives up on deep nesting with RecursionError; it is the client's fault.
        raise NetError(f"the JSON is nested deeper than {MAX_DEPTH}", code="too_deep") from None
    except UnicodeDecodeError:
        raise NetError("the body is not valid UTF-8", code="bad_json") from None
    except ValueError:  # JSONDecodeError, NaN, or an integer of more than 4300 digits
        raise NetError("the body is not valid JSON", code="bad_json") from None
    if not isinstance(body, dict):
        raise NetError("the body must be a JSON object", code="bad_json")
    check_json_value(body)
    return body


def check_json_value(value: Any) -> None:
    """Refuse deep nesting and unstorable strings anywhere in a parsed JSON value."""
    # Iterative on purpose: a recursive walk would itself be the recursion we refuse.
    pending: list[tuple[Any, int]] = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, str):
            check_text(item, "a string in the body")
        elif isinstance(item, dict | list):
            if depth > MAX_DEPTH:
                raise NetError(f"the JSON is nested deeper than {MAX_DEPTH}", code="too_deep")
            if isinstance(item, dict):
                for key, child in item.items():
                    check_text(key, "a key in the body")
                    pending.append((child, depth + 1))
            else:
                pending.extend((child, depth + 1) for child in item)


def text_field(body: dict[str, Any], name: str, *, required: bool = False) -> str:
    value = body.get(name)
    if value is None:
        if required:
            raise NetError(f"{name} is required", code="missing")
        return ""
    if not isinstance(value, str):
        raise NetError(f"{name} must be a string")
    return check_text(value, name)


def optional_id(value: Any, name: str, *, what: str = "an id") -> int | None:
    """A post or account id from JSON or a form: a positive integer or its digits."""
    if value in (None, ""):
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise NetError(f"{name} must be {what}")
    if isinstance(value, str):
        # str.isdigit() accepts "²", which int() refuses; only ASCII digits are ids.
        if not (value.isascii() and value.isdigit()) or len(value) > 19:
            raise NetError(f"{name} must be {what}")
        value = int(value)
    if not 1 <= value <= MAX_ID:
        raise NetError(f"{name} must be {what}")
    return value


def query_int(request: HttpRequest, name: str, default: int) -> int:
    raw = request.GET.get(name) or ""
    if not raw:
        return default
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 19 or int(raw) > MAX_ID:
        raise NetError(f"{name} must be a whole number from 0 to {MAX_ID}")
    return int(raw)


def query_text(request: HttpRequest, *names: str, limit: int = 200) -> str:
    """The first of the named query parameters that is set, checked like body text."""
    for name in names:
        raw = request.GET.get(name, "")
        if raw:
            if len(raw) > limit:
                raise NetError(f"{name} is longer than {limit} characters")
            return check_text(raw.strip(), name)
    return ""


def header_text(request: HttpRequest, name: str, *, limit: int = 200) -> str:
    raw = request.headers.get(name, "").strip()
    if len(raw) > limit:
        raise NetError(f"the {name} header is longer than {limit} characters")
    return check_text(raw, f"the {name} header")


def is_handle(value: str) -> bool:
    return bool(HANDLE_RE.fullmatch(value))


def is_id(value: int) -> bool:
    return 1 <= value <= MAX_ID
