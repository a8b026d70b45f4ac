"""What the settings screens share: the organization an admin is working on, the set-up steps."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect

from civicdesk.organizations.access import require_org_admin
from civicdesk.organizations.models import Organization

# The first-run walk: organization, brands, people. Each step is a settings screen shown
# with ``?setup=1``, which adds the step's heading and the way on.
SETUP_STEPS = ("organization", "brands", "people")


def administered(request: HttpRequest, org_pk: int) -> Organization:
    """The organization, if the user is its admin (404 to outsiders, 403 to other members)."""
    organization = get_object_or_404(Organization, pk=org_pk)
    require_org_admin(request.user, organization)
    return organization


def in_setup(request: HttpRequest) -> bool:
    return request.GET.get("setup") == "1"


def back_here(request: HttpRequest) -> HttpResponse:
    """After a form: the same screen again, set-up step kept (post/redirect/get)."""
    return redirect(request.get_full_path())
