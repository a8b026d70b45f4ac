"""The exercise network's on/off switch: off unless the setting EXNET_ENABLED turns it on.

A production install must not serve a second social network (with fault injection) beside
the real ones, so every route of the network answers 404 while it is off. The setting is read
at each request, not when the URLs load, so one process can switch it (the tests do).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

View = Callable[..., HttpResponse]


def network_enabled() -> bool:
    return bool(getattr(settings, "EXNET_ENABLED", False))


def only_when_enabled(view: View, *, api: bool = False) -> View:
    """The view while the network is on; a 404 (JSON for the API) while it is off."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not network_enabled():
            if api:
                return JsonResponse(
                    {"error": "not_found", "detail": "the exercise network is off"}, status=404
                )
            raise Http404(_("the exercise network is off"))
        return view(request, *args, **kwargs)

    return wrapper
