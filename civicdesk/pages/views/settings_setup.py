"""The first run of a fresh install, and joining an organization by an invitation link."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from civicdesk.core.http import signed_in
from civicdesk.organizations.people import invitation_accept, invitation_for_token
from civicdesk.pages.views.common import HtmxHttpRequest
from civicdesk.setup.forms import AcceptForm, OrganizationForm
from civicdesk.setup.services import organization_setup


@require_http_methods(["GET", "POST"])
def setup_organization(request: HtmxHttpRequest) -> HttpResponse:
    """Step 1: the organization. For the installation's operators (superusers)."""
    user = signed_in(request)
    if not user.is_superuser:
        raise PermissionDenied(_("Only the installation's operators can create organizations."))
    form = OrganizationForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            org = organization_setup(
                name=data["name"],
                time_zone=data["time_zone"],
                official_languages=data["official_languages"],
                logo=data.get("logo"),
                admin=user,
                actor=user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, _("%(org)s is ready. Now add its brands.") % {"org": org.name}
            )
            return redirect(reverse("settings-brands", args=[org.pk]) + "?setup=1")
    return render(request, "pages/settings/setup.html", {"form": form})


@login_not_required
@require_http_methods(["GET", "POST"])
def invitation_accept_view(request: HtmxHttpRequest, token: str) -> HttpResponse:
    invitation = invitation_for_token(token)
    if invitation is None:
        return render(request, "pages/settings/invitation_gone.html", status=410)
    form = AcceptForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation_accept(
                token=token,
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Your account is ready. Sign in to %(org)s.")
                % {"org": invitation.organization.name},
            )
            return redirect("login")
    return render(request, "pages/settings/accept.html", {"form": form, "invitation": invitation})
