"""Making untrusted public text safe to store and show.

Text is stored as the platform gave it (escaping happens when it is rendered), less what
no screen can show and some databases refuse: NUL and other C0 controls, and lone
surrogates.
"""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MAX_STORED = 100_000


def clean_text(value: str, *, limit: int = MAX_STORED) -> str:
    if not isinstance(value, str):
        value = str(value)
    # Lone surrogates cannot be encoded as UTF-8; replace them rather than fail.
    value = value.encode("utf-8", "replace").decode("utf-8")
    value = _CONTROL.sub("", value)
    return value[:limit]
