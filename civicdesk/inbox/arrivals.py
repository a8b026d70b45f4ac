"""What else happens to messages once the inbox has understood them, as apps above the inbox
ask for it: the claims desk installs its matcher here when it starts (``set_arrival_hook``).

Called after the messages' understanding is stored, outside the page's transaction; a hook
that fails is logged and never stops ingest.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

logger = logging.getLogger(__name__)

ArrivalHook = Callable[[Sequence[int]], object]
_hook: ArrivalHook | None = None


def set_arrival_hook(hook: ArrivalHook | None) -> None:
    """Install the function given the ids of newly understood messages (None: nothing)."""
    global _hook
    _hook = hook


def messages_understood(message_ids: Sequence[int]) -> None:
    if not message_ids or _hook is None:
        return
    try:
        _hook(message_ids)
    except Exception:  # noqa: BLE001 - the inbox keeps working whatever a hook does
        logger.exception("the arrival hook failed on %d messages", len(message_ids))
