"""The request type of every view: Django's, with django-htmx's details attached, and the
signed-in person a view acts for."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def signed_in(request: HttpRequest) -> User:
    """The person making the request.

    ``LoginRequiredMiddleware`` sends everyone else to the sign-in page before a view runs;
    a view marked ``login_not_required`` that calls this still turns a visitor away.
    """
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied
    return user
