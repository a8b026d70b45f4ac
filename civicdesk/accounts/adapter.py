"""allauth's hooks, pointed at the desk: no open sign-up, and an audit trail of sign-in.

allauth calls these adapters at each step it takes (sign-in, a failure, a lockout, a
sign-out, and a notice mail after every change to how a person signs in), so the audit
trail needs no signals.
"""

from __future__ import annotations

import time
from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.usersessions.adapter import DefaultUserSessionsAdapter
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from civicdesk.accounts.services import signin_event_record, user_for_identifier
from civicdesk.accounts.sessions import SEEN_AT, SIGNED_IN_AT

# allauth sends a notice for each of these; each is also an audit event. Second factors
# are audited from allauth's own signals (receivers.py), mail or no mail.
NOTICE_ACTIONS = {
    "account/email/password_changed": "password.changed",
    "account/email/password_set": "password.set",
    "account/email/password_reset": "password.reset",
}


def _typed_identifier(credentials: dict[str, Any]) -> str:
    return str(credentials.get("username") or credentials.get("email") or "")


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # People join an organization by invitation, never by signing themselves up.
        return False

    def login(self, request: HttpRequest, user: User) -> None:
        super().login(request, user)
        now = int(time.time())
        request.session[SIGNED_IN_AT] = now
        request.session[SEEN_AT] = now
        signin_event_record(action="signin", request=request, user=user)

    def logout(self, request: HttpRequest) -> None:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            signin_event_record(action="signout", request=request, user=user)
        super().logout(request)

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError:
            identifier = _typed_identifier(credentials)
            signin_event_record(
                action="signin.locked",
                request=request,
                user=user_for_identifier(identifier),
                identifier=identifier,
            )
            raise

    def _get_login_attempts_cache_key(self, request: HttpRequest, **credentials: Any) -> str:
        # allauth counts an account's failures per host name as well; one install is one
        # desk, so a second name for the same server (localhost, an IP) must not bring a
        # fresh set of guesses.
        return _typed_identifier(credentials).lower()

    def authentication_failed(self, request: HttpRequest, **credentials: Any) -> None:
        identifier = _typed_identifier(credentials)
        signin_event_record(
            action="signin.failed",
            request=request,
            user=user_for_identifier(identifier),
            identifier=identifier,
        )

    def send_notification_mail(
        self,
        template_prefix: str,
        user: User,
        context: dict[str, Any] | None = None,
        email: str | None = None,
    ) -> None:
        action = NOTICE_ACTIONS.get(template_prefix)
        if action is not None:
            signin_event_record(action=action, request=self.request, user=user)
        super().send_notification_mail(template_prefix, user, context, email)


class UserSessionsAdapter(DefaultUserSessionsAdapter):
    def end_sessions(self, sessions: Any) -> None:
        sessions = list(sessions)
        super().end_sessions(sessions)
        by_user: dict[int, Any] = {}
        for session in sessions:
            by_user.setdefault(session.user_id, session.user)
        for user in by_user.values():
            request = getattr(self, "request", None)
            signin_event_record(
                action="sessions.ended",
                request=request,
                user=user,
                data={"sessions": sum(1 for s in sessions if s.user_id == user.pk)},
            )
