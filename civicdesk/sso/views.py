"""The sign-in page's "use my organization's account" step: from an address to its provider."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from civicdesk.sso.selectors import identity_provider_for_email


@login_not_required
@require_POST
def sso_find(request: HttpRequest) -> HttpResponse:
    """The provider answering for the typed address's domain, as one sign-in button."""
    email = request.POST.get("email", "").strip()
    provider = identity_provider_for_email(email=email)
    if provider is None:
        messages.error(request, _("No organization signs in with that address's domain."))
        return redirect("login")
    return render(request, "sso/found.html", {"provider": provider})
