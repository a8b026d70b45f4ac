"""Writes of the sign-in room: every sign-in event goes to the logs here.

An event is filed twice when the person is known: in the installation's sign-in log
(``SignInEvent``, which also holds attempts on names nobody has) and in the hash-chained
audit log of each organization the person belongs to, where its admins review it.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

from civicdesk.accounts.models import SignInEvent
from civicdesk.organizations.audit import audit
from civicdesk.organizations.models import Membership


def client_address(request: HttpRequest | None) -> str | None:
    """The client's address as the web server saw it (the proxy's own, behind one)."""
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def user_for_identifier(identifier: str) -> User | None:
    """The one person a typed username or email names, if exactly one."""
    if not identifier:
        return None
    found = list(
        User.objects.filter(Q(username__iexact=identifier) | Q(email__iexact=identifier))[:2]
    )
    return found[0] if len(found) == 1 else None


def signin_event_record(
    *,
    action: str,
    request: HttpRequest | None,
    user: User | None = None,
    identifier: str = "",
    data: dict[str, Any] | None = None,
) -> SignInEvent:
    """Log one sign-in event; ``user`` is the person it concerns (and its actor, if any)."""
    known = user if user is not None and user.pk is not None else None
    meta = request.META if request is not None else {}
    with transaction.atomic():
        event = SignInEvent.objects.create(
            created_at=timezone.now(),
            action=action,
            identifier="" if known is not None else identifier[:254],
            user=known,
            ip_address=client_address(request),
            user_agent=meta.get("HTTP_USER_AGENT", "")[:300],
            data=data or {},
        )
        if known is not None:
            org_ids = (
                Membership.objects.filter(user=known)
                .values_list("organization_id", flat=True)
                .distinct()
                .order_by("organization_id")
            )
            for org_id in org_ids:
                audit(
                    organization=org_id,
                    actor=known,
                    action=action,
                    target=known,
                    data={"ip": event.ip_address, **(data or {})},
                )
    return event
