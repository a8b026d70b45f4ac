"""Session limits and the organization's second-factor rule, checked on every request.

Idle limit (sliding): a session with no request for SESSION_IDLE_SECONDS is signed out.
Absolute limit: a session older than SESSION_ABSOLUTE_SECONDS is signed out however busy.
Second factor: a person whose organization requires one, and who has none, reaches only
the enrolment and sign-in pages until they have one.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import resolve_url
from django.utils.translation import gettext as _

from civicdesk.accounts.selectors import has_second_factor, mfa_required_for
from civicdesk.accounts.services import signin_event_record
from civicdesk.accounts.sessions import (
    MFA_CHECKED_AT,
    MFA_NEEDED,
    SEEN_AT,
    SIGNED_IN_AT,
    TOUCH_EVERY_SECONDS,
)

# Pages a person who must enrol may still open: enrolment itself, sign-in and sign-out,
# their sessions and password.
OPEN_URL_PREFIXES = ("mfa_", "account_", "usersessions_")
OPEN_URL_NAMES = {"login", "logout"}


class SessionPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if isinstance(user, User):  # signed in
            self._apply_time_limits(request, user)
        return self.get_response(request)

    def _apply_time_limits(self, request: HttpRequest, user: User) -> None:
        session = request.session
        now = int(time.time())
        # A session from before these limits (or a test's force_login) starts its clock now.
        signed_in_at = session.setdefault(SIGNED_IN_AT, now)
        seen_at = session.get(SEEN_AT, now)
        idle = now - seen_at > settings.SESSION_IDLE_SECONDS
        too_old = now - signed_in_at > settings.SESSION_ABSOLUTE_SECONDS
        if idle or too_old:
            signin_event_record(
                action="signout.expired",
                request=request,
                user=user,
                data={"reason": "idle" if idle else "absolute"},
            )
            logout(request)  # the next middleware sends the anonymous visitor to sign in
            messages.info(
                request,
                _("You were signed out after a time without activity.")
                if idle
                else _("You were signed out: sessions last a working day. Please sign in again."),
            )
            return
        if SEEN_AT not in session or now - seen_at >= TOUCH_EVERY_SECONDS:
            session[SEEN_AT] = now

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: Any,
        view_kwargs: Any,
    ) -> HttpResponse | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        match = request.resolver_match
        name = match.url_name if match is not None else None
        if name is None or name in OPEN_URL_NAMES or name.startswith(OPEN_URL_PREFIXES):
            return None
        if not getattr(view_func, "login_required", True):
            return None  # public pages (the exercise network, media for platforms)
        if not self._must_enrol(request, user):
            return None
        target = resolve_url(settings.MFA_ENROLMENT_URL)
        messages.warning(
            request,
            _("Your organization requires a second step at sign-in. Set it up to continue."),
        )
        if getattr(request, "htmx", False):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = target
            return response
        return HttpResponseRedirect(target)

    def _must_enrol(self, request: HttpRequest, user: Any) -> bool:
        session = request.session
        now = int(time.time())
        # A verdict of "fine" is trusted for a minute (the rule may change meanwhile);
        # "must enrol" is looked at again on every request, so enrolling takes effect at once.
        if session.get(MFA_NEEDED) is False and (
            now - session.get(MFA_CHECKED_AT, 0) < TOUCH_EVERY_SECONDS
        ):
            return False
        needed = mfa_required_for(user=user) and not has_second_factor(user=user)
        session[MFA_NEEDED] = needed
        session[MFA_CHECKED_AT] = now
        return needed
