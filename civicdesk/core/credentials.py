"""The one field of a platform's stored credentials that both the channels and the
connectors read: when the authorization expires (``expires_at``, ISO 8601, UTC)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime


def credentials_expire_at(credentials: Mapping[str, str]) -> datetime | None:
    raw = credentials.get("expires_at", "")
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)
