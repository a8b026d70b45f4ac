"""The interface's language: the person's own choice first, else the browser's.

``LocaleMiddleware`` has already picked a language from the language cookie or the
browser's Accept-Language when this runs; a person who chose a language on their account
screen gets theirs instead. A request that states no language at all (no cookie, no
Accept-Language, as from some kiosks and scripts) gets the first official language of the
person's organization that the interface speaks.

What was decided is kept in the session, so a page costs no query for it: the choice is
read once a session, and the account screen writes the session along with the profile.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils import translation

from civicdesk.accounts.models import Profile
from civicdesk.organizations.audit import audit
from civicdesk.organizations.models import Membership

# {"user": pk, "chosen": "fr" or "", "organization": "fr" or ""}
SESSION_KEY = "civicdesk.language"


def interface_languages() -> set[str]:
    return {code for code, _name in settings.LANGUAGES}


def chosen_language(*, user: User) -> str:
    """The language the person chose on their account screen, or "" (none chosen)."""
    return Profile.objects.filter(user=user).values_list("language", flat=True).first() or ""


def organization_language(*, user: User) -> str:
    """The first official language of the person's first organization the interface speaks."""
    speaks = interface_languages()
    rows = (
        Membership.objects.filter(user=user)
        .order_by("organization_id")
        .values_list("organization__official_languages", flat=True)
    )
    for languages in rows:
        for code in languages or []:
            if code in speaks:
                return str(code)
    return ""


@transaction.atomic
def profile_language_set(*, user: User, language: str) -> Profile:
    """Record the person's interface language ("" to follow the browser) and audit it in
    each organization they belong to, like their sign-in events."""
    if language and language not in interface_languages():
        raise ValueError(f"not an interface language: {language!r}")
    profile, _created = Profile.objects.select_for_update().get_or_create(user=user)
    before = profile.language
    if before == language:
        return profile
    profile.language = language
    profile.save(update_fields=["language"])
    org_ids = (
        Membership.objects.filter(user=user)
        .values_list("organization_id", flat=True)
        .distinct()
        .order_by("organization_id")
    )
    for org_id in org_ids:
        audit(
            organization=org_id,
            actor=user,
            action="profile.language",
            target=user,
            data={"from": before, "to": language},
        )
    return profile


def remember(request: HttpRequest, *, user: User, chosen: str) -> dict[str, Any]:
    """Keep the decision in the session (after the account screen changed it, too)."""
    decided = {
        "user": user.pk,
        "chosen": chosen,
        "organization": "" if chosen else organization_language(user=user),
    }
    request.session[SESSION_KEY] = decided
    return decided


def _states_no_language(request: HttpRequest) -> bool:
    return (
        not request.META.get("HTTP_ACCEPT_LANGUAGE")
        and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES
    )


class ProfileLanguageMiddleware:
    """Apply the person's language; runs after authentication, inside LocaleMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            decided = request.session.get(SESSION_KEY)
            if not isinstance(decided, dict) or decided.get("user") != user.pk:
                decided = remember(request, user=user, chosen=chosen_language(user=user))
            language = decided.get("chosen") or (
                decided.get("organization") if _states_no_language(request) else ""
            )
            if language and language in interface_languages():
                translation.activate(language)
                request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)
