"""allauth's second-factor signals, written to the sign-in log and the organizations' audit.

allauth sends these for every change to a person's second factors (whichever screen or
flow made it) and for every wrong code; each receiver only names the event and hands it
to ``signin_event_record``.
"""

from __future__ import annotations

from typing import Any

from allauth.mfa import signals
from allauth.mfa.models import Authenticator
from django.contrib.auth.models import User
from django.http import HttpRequest

from civicdesk.accounts.services import signin_event_record

KIND = {
    Authenticator.Type.TOTP: "totp",
    Authenticator.Type.WEBAUTHN: "passkey",
    Authenticator.Type.RECOVERY_CODES: "recovery_codes",
}


def _kind(authenticator: Authenticator) -> str:
    return KIND.get(authenticator.type, str(authenticator.type))


def _added(*, request: HttpRequest, user: User, authenticator: Authenticator, **_: Any) -> None:
    kind = _kind(authenticator)
    # Recovery codes come into being as a set: "generated", whichever way it happened.
    verb = "generated" if kind == "recovery_codes" else "added"
    signin_event_record(action=f"mfa.{kind}.{verb}", request=request, user=user)


def _removed(*, request: HttpRequest, user: User, authenticator: Authenticator, **_: Any) -> None:
    signin_event_record(action=f"mfa.{_kind(authenticator)}.removed", request=request, user=user)


def _reset(*, request: HttpRequest, user: User, authenticator: Authenticator, **_: Any) -> None:
    signin_event_record(action=f"mfa.{_kind(authenticator)}.generated", request=request, user=user)


def _failed(
    *,
    request: HttpRequest,
    user: User,
    authenticator: Authenticator,
    reauthentication: bool = False,
    **_: Any,
) -> None:
    # allauth names the person's main authenticator (the app, if any), whichever kind of
    # code was typed: a wrong recovery code is a wrong code for the same account.
    signin_event_record(
        action="mfa.code.failed",
        request=request,
        user=user,
        data={"authenticator": _kind(authenticator), "reauthentication": reauthentication},
    )


def connect() -> None:
    signals.authenticator_added.connect(_added, dispatch_uid="civicdesk.mfa.added")
    signals.authenticator_removed.connect(_removed, dispatch_uid="civicdesk.mfa.removed")
    signals.authenticator_reset.connect(_reset, dispatch_uid="civicdesk.mfa.reset")
    signals.authentication_failed.connect(_failed, dispatch_uid="civicdesk.mfa.failed")
