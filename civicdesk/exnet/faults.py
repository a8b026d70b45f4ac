"""Injected faults: the ways a real platform fails, on demand, per account or per request.

A fault is taken from the ``X-Exnet-Fault`` request header (when the setting
``EXNET_ALLOW_REQUEST_FAULTS`` allows it) or from the account's ``NetFault`` rows, which are
used up atomically. Faults that strike before the action (latency, rate limit, server error,
timeout) leave the network unchanged; the others (malformed, accepted_lost) strike after it.
"""

from __future__ import annotations

import logging
import random
import socket
import time
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import F
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone

from civicdesk.exnet.models import FaultKind, NetAccount, NetFault
from civicdesk.exnet.services import NetError

logger = logging.getLogger(__name__)

HEADER = "X-Exnet-Fault"
MAX_HOLD_SECONDS = 120.0
OPERATIONS = frozenset(
    {
        "any",
        "read",
        "write",
        "me",
        "account_metrics",
        "create_post",
        "list_posts",
        "get_post",
        "edit_post",
        "delete_post",
        "post_metrics",
        "like",
        "repost",
        "follow",
        "create_dm",
        "inbox",
        "search",
        "hide_reply",
        "block",
        "list_blocks",
    }
)
# The parameters each kind understands, with their defaults (None: computed at use).
PARAMS: dict[str, dict[str, Any]] = {
    FaultKind.LATENCY: {"seconds": 2.0},
    FaultKind.RATE_LIMIT: {"retry_after": 30.0},
    FaultKind.SERVER_ERROR: {"status": 500},
    FaultKind.TIMEOUT: {"hold": None},
    FaultKind.MALFORMED: {},
    FaultKind.ACCEPTED_LOST: {"hold": None, "mode": "hold"},
}


@dataclass(frozen=True)
class Fault:
    kind: str
    params: dict[str, Any] = field(default_factory=dict)

    def number(self, name: str) -> float:
        value = self.params.get(name, PARAMS[self.kind].get(name))
        if value is None:
            return default_hold()  # only "hold" has no fixed default
        return float(value)


def default_hold() -> float:
    """Long enough that a client with the configured timeout has given up."""
    configured = getattr(settings, "EXNET_FAULT_HOLD_SECONDS", None)
    if configured is not None:
        return float(configured)
    return float(getattr(settings, "CONNECTOR_TIMEOUT_SECONDS", 10.0)) + 2.0


def check_fault(kind: str, params: dict[str, Any]) -> Fault:
    """A validated fault; raises NetError (400) naming the problem."""
    if kind not in PARAMS:
        raise NetError(f"unknown fault kind {kind[:30]!r}; one of {', '.join(PARAMS)}")
    known = PARAMS[kind]
    clean: dict[str, Any] = {}
    for name, value in params.items():
        if name not in known:
            raise NetError(f"fault {kind} takes no parameter {name[:30]!r}")
        if name == "mode":
            if value not in ("hold", "close"):
                raise NetError("mode is hold or close")
            clean[name] = value
            continue
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise NetError(f"fault parameter {name} must be a number") from None
        if name == "status":
            if not 500 <= number <= 599:
                raise NetError("status must be between 500 and 599")
            clean[name] = int(number)
        else:
            if not 0 <= number <= MAX_HOLD_SECONDS:
                raise NetError(f"{name} must be between 0 and {MAX_HOLD_SECONDS:g} seconds")
            clean[name] = number
    return Fault(kind=kind, params=clean)


def parse_header(value: str) -> Fault:
    """``<kind>[;param=value]...``, e.g. ``rate_limit;retry_after=7``."""
    kind, *rest = [part.strip() for part in value.split(";")]
    params: dict[str, str] = {}
    for part in rest:
        if not part:
            continue
        name, sep, raw = part.partition("=")
        if not sep:
            raise NetError(f"fault parameter {name[:30]!r} needs a value (name=value)")
        params[name.strip()] = raw.strip()
    return check_fault(kind, params)


def inject_fault(
    account: NetAccount,
    kind: str,
    *,
    operation: str = "any",
    count: int | None = 1,
    probability: float | None = None,
    **params: Any,
) -> NetFault:
    """Make the account's next ``count`` matching calls fail (or each with ``probability``).

    With a probability and ``count=None`` the fault lasts until ``clear_faults``.
    """
    fault = check_fault(kind, params)
    if operation not in OPERATIONS:
        raise NetError(f"unknown operation {operation!r}; one of {', '.join(sorted(OPERATIONS))}")
    if count is None and probability is None:
        raise NetError("give a count, a probability, or both")
    if count is not None and count < 1:
        raise NetError("count must be at least 1")
    if probability is not None and not 0 < probability <= 1:
        raise NetError("probability must be in (0, 1]")
    return NetFault.objects.create(
        account=account,
        kind=fault.kind,
        operation=operation,
        remaining=count,
        probability=probability,
        params=fault.params,
        created_at=timezone.now(),
    )


def clear_faults(account: NetAccount) -> int:
    deleted, _ = NetFault.objects.filter(account=account).delete()
    return deleted


def take_fault(
    account: NetAccount, operation: str, *, write: bool, rng: random.Random | None = None
) -> Fault | None:
    """The first of the account's faults that strikes this call, used up atomically."""
    rng = rng or random.Random()
    scopes = ["any", operation, "write" if write else "read"]
    for row in NetFault.objects.filter(account=account, operation__in=scopes):
        if row.probability is not None and rng.random() >= row.probability:
            continue
        if row.remaining is not None:
            # Only the request whose decrement succeeds gets the fault.
            claimed = NetFault.objects.filter(pk=row.pk, remaining__gt=0).update(
                remaining=F("remaining") - 1
            )
            if claimed != 1:
                continue
            NetFault.objects.filter(pk=row.pk, remaining=0).delete()
        return Fault(kind=row.kind, params=dict(row.params))
    return None


def request_fault(request: HttpRequest) -> Fault | None:
    value = request.headers.get(HEADER, "").strip()
    if not value or not getattr(settings, "EXNET_ALLOW_REQUEST_FAULTS", False):
        return None
    return parse_header(value)


def pause(seconds: float) -> None:
    """How a fault keeps an answer back. Tests put an event in its place, so that a held
    answer lasts exactly until the client has given up, not a guessed number of seconds."""
    time.sleep(seconds)


def before_action(fault: Fault) -> HttpResponse | None:
    """Faults that strike before anything happens; None means "go on with the action"."""
    if fault.kind == FaultKind.LATENCY:
        pause(fault.number("seconds"))
        return None
    if fault.kind == FaultKind.RATE_LIMIT:
        retry_after = fault.number("retry_after")
        response = JsonResponse(
            {"error": "rate_limited", "detail": "too many requests; slow down"}, status=429
        )
        response["Retry-After"] = f"{retry_after:g}"
        return response
    if fault.kind == FaultKind.SERVER_ERROR:
        status = int(fault.params.get("status", 500))
        return JsonResponse({"error": "server_error", "detail": "internal error"}, status=status)
    if fault.kind == FaultKind.TIMEOUT:
        # The client gave up long ago; nothing was done.
        pause(fault.number("hold"))
        return JsonResponse({"error": "timeout", "detail": "gateway timeout"}, status=504)
    return None


def after_action(fault: Fault, request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """Faults that strike once the action is done: the answer is garbled or never arrives."""
    if not 200 <= response.status_code < 300:
        return response
    if fault.kind == FaultKind.MALFORMED:
        body = response.content or b'{"ok": true}'
        return HttpResponse(
            body[: max(1, len(body) // 2)], status=200, content_type="application/json"
        )
    if fault.kind == FaultKind.ACCEPTED_LOST:
        if fault.params.get("mode") == "close" and _drop_connection(request):
            return response
        pause(fault.number("hold"))
    return response


def _drop_connection(request: HttpRequest) -> bool:
    """Close the client's socket without a word; False where the server hides the socket."""
    sock = request.META.get("gunicorn.socket")
    if sock is None:
        # Django's development and test server: wsgi.input reads from the socket's file.
        stream = request.META.get("wsgi.input")
        reader = getattr(getattr(stream, "_read", None), "__self__", None)
        sock = getattr(getattr(reader, "raw", None), "_sock", None)
    if not isinstance(sock, socket.socket):
        logger.info("exnet: cannot reach the socket to drop it; holding the response instead")
        return False
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        return False
    return True
