"""Small helpers for Bluesky: record keys, AT URIs, response shapes and error codes.

Every value read from a response goes through these checks, so a malformed answer
becomes a ``ShapeError`` the connector turns into the right ConnectorError instead of
a KeyError or TypeError.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from datetime import UTC, datetime
from typing import Any

from civicdesk.connectors.shapes import ShapeError as ShapeError
from civicdesk.connectors.shapes import count as count
from civicdesk.connectors.shapes import obj as obj
from civicdesk.connectors.shapes import timestamp as timestamp

POST = "app.bsky.feed.post"
THREADGATE = "app.bsky.feed.threadgate"

# Record keys of posts are TIDs: 13 characters of "base32-sortable", a 53-bit time in
# microseconds and a 10-bit clock id.
TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"
# Keys we derive carry a time inside 2023, never in the future and never before the
# network opened, so nothing that sorts or sanity-checks record keys trips over them.
_TID_EPOCH = int(datetime(2023, 1, 1, tzinfo=UTC).timestamp()) * 1_000_000
_TID_SPAN = 365 * 24 * 3600 * 1_000_000
_AT_URI = re.compile(r"^at://(did:[a-z]+:[A-Za-z0-9._:%-]+)/([a-zA-Z0-9.-]+)/([A-Za-z0-9._:~-]+)$")


def record_key(idempotency_key: str, part: int = 0) -> str:
    """A valid TID derived only from the idempotency key (and the part of a thread).

    The same post always gets the same record key, so a second attempt cannot create a
    second record, and the record can be looked up by that key.
    """
    seed = idempotency_key if part == 0 else f"{idempotency_key}#{part}"
    digest = hashlib.sha256(seed.encode()).digest()
    micros = _TID_EPOCH + int.from_bytes(digest[:8], "big") % _TID_SPAN
    clock = int.from_bytes(digest[8:10], "big") & 0x3FF
    value = (micros << 10) | clock
    chars = []
    for _ in range(13):
        chars.append(TID_ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def split_uri(uri: str) -> tuple[str, str, str]:
    """(repo DID, collection, record key) of an ``at://`` URI, or ValueError."""
    match = _AT_URI.match(uri or "")
    if not match:
        raise ValueError(f"not a Bluesky record address: {str(uri)[:80]!r}")
    return match.group(1), match.group(2), match.group(3)


def repo_of(uri: str) -> str:
    """The repo DID of an ``at://`` URI, or "" when it is not one."""
    try:
        return split_uri(uri)[0]
    except ValueError:
        return ""


def now_iso() -> str:
    """The current time as records carry it (``createdAt``): UTC, milliseconds, "Z"."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def post_url(uri: str, handle: str = "") -> str:
    """The bsky.app address of a post, from its AT URI."""
    try:
        did, _, rkey = split_uri(uri)
    except ValueError:
        return ""
    return f"https://bsky.app/profile/{handle or did}/post/{rkey}"


def jwt_claims(token: str) -> dict[str, Any]:
    """The claims of a JWT, unverified: only to read its expiry and scope."""
    try:
        payload = token.split(".")[1]
        data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError, UnicodeDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def error_code(body: Any) -> str:
    """The XRPC error name of an error body ({"error": "ExpiredToken", "message": ...})."""
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        return str(body["error"])[:60]
    return ""


def text(value: Any, what: str, *, optional: bool = True) -> str:
    if value is None and optional:
        return ""
    if not isinstance(value, str) or (not optional and not value):
        raise ShapeError(f"{what} is missing or not a string")
    return value


def uri(value: Any, what: str) -> str:
    found = text(value, what, optional=False)
    try:
        split_uri(found)
    except ValueError:
        raise ShapeError(f"{what} is not an at:// address") from None
    return found


def strong_ref(value: Any, what: str) -> dict[str, str]:
    """A {uri, cid} reference, as replies and embeds need."""
    body = obj(value, what)
    return {
        "uri": uri(body.get("uri"), f"{what}.uri"),
        "cid": text(body.get("cid"), f"{what}.cid", optional=False),
    }
