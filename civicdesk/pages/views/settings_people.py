"""Settings: the organization's people, their roles per brand, and invitations."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User as Person
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from civicdesk.organizations.models import Invitation, Organization
from civicdesk.organizations.people import (
    invitation_create,
    invitation_revoke,
    membership_set_role,
    person_deactivate,
)
from civicdesk.pages.views.common import HtmxHttpRequest, run_action
from civicdesk.pages.views.settings_common import administered, back_here, in_setup
from civicdesk.setup.forms import InviteForm, RoleForm
from civicdesk.setup.selectors import open_invitations, organization_people


@require_http_methods(["GET", "POST"])
def settings_people(request: HtmxHttpRequest, org_pk: int) -> HttpResponse:
    org = administered(request, org_pk)
    form = InviteForm(request.POST or None, organization=org)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        # The link in the email leads back to this server, as the admin reached it.
        site_url = request.build_absolute_uri("/")
        if run_action(
            request,
            lambda: invitation_create(
                organization=org,
                email=data["email"],
                role=data["role"],
                brand=data["brand"],
                actor=request.user,
                site_url=site_url,
            ),
            _("Invitation sent to %(email)s.") % {"email": data["email"]},
        ):
            return back_here(request)
    return render(
        request,
        "pages/settings/people.html",
        {
            "org": org,
            "form": form,
            "people": organization_people(organization=org),
            "invitations": open_invitations(organization=org),
            "role_form": RoleForm(organization=org),
            "setup": in_setup(request),
        },
    )


def _member(org: Organization, user_pk: int) -> Person:
    # Only people of this organization: another organization's people answer 404.
    return get_object_or_404(
        get_user_model().objects.filter(memberships__organization=org).distinct(), pk=user_pk
    )


@require_POST
def person_role(request: HtmxHttpRequest, org_pk: int, user_pk: int) -> HttpResponse:
    org = administered(request, org_pk)
    person = _member(org, user_pk)
    form = RoleForm(request.POST, organization=org)
    if form.is_valid():
        data = form.cleaned_data
        run_action(
            request,
            lambda: membership_set_role(
                organization=org,
                person=person,
                brand=data["brand"],
                role=data["role"],
                actor=request.user,
            ),
            _("Role of %(name)s changed.") % {"name": person.get_username()},
        )
    return redirect("settings-people", org_pk=org.pk)


@require_POST
def person_deactivate_view(request: HtmxHttpRequest, org_pk: int, user_pk: int) -> HttpResponse:
    org = administered(request, org_pk)
    person = _member(org, user_pk)
    run_action(
        request,
        lambda: person_deactivate(organization=org, person=person, actor=request.user),
        _("%(name)s no longer has a role in %(org)s.")
        % {"name": person.get_username(), "org": org.name},
    )
    return redirect("settings-people", org_pk=org.pk)


@require_POST
def invitation_revoke_view(request: HtmxHttpRequest, org_pk: int, pk: int) -> HttpResponse:
    org = administered(request, org_pk)
    invitation = get_object_or_404(Invitation, organization=org, pk=pk)
    run_action(
        request,
        lambda: invitation_revoke(invitation=invitation, actor=request.user),
        _("The invitation to %(email)s no longer works.") % {"email": invitation.email},
    )
    return redirect("settings-people", org_pk=org.pk)
