"""What any visitor may get whatever their role: the error pages and the site icon.

403 and 404 keep the navigation and say why; 500 is rendered without the request, the user
or the database, since any of them may be what failed.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.shortcuts import redirect, render
from django.template import loader
from django.templatetags.static import static
from django.utils.translation import gettext
from django.views.decorators.http import require_safe


def _reason(exception: Exception | None) -> str:
    """The exception's message when it is a sentence meant for the person, else ""."""
    if exception is None or not exception.args:
        return ""
    message = exception.args[0]
    # Django's own "not found" carries the URL patterns it tried (a dict): not for users.
    return str(message) if isinstance(message, str) else ""


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "403.html", {"reason": _reason(exception)}, status=403)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", {"reason": _reason(exception)}, status=404)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    # Django's reason ("CSRF token missing") means nothing to people; say what to do instead.
    explanation = gettext(
        "This form had expired or was sent from another page, so nothing was changed. "
        "Reload the page and try again."
    )
    return render(request, "403.html", {"reason": explanation}, status=403)


def server_error(request: HttpRequest) -> HttpResponse:
    # No request in the context: no context processor runs, so no query and no session.
    return HttpResponseServerError(loader.get_template("500.html").render())


@login_not_required
@require_safe
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers and crawlers ask /favicon.ico before reading any page's icon link."""
    return redirect(static("civicdesk/favicon.ico"), permanent=True)
