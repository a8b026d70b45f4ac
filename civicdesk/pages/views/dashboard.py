"""The dashboard: numbers per brand and channel, channel warnings, the stop-all switch."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from civicdesk.organizations.access import can_control_publishing, organizations_for
from civicdesk.organizations.services import publishing_pause
from civicdesk.pages.forms import PauseForm
from civicdesk.pages.selectors import (
    PERIOD_DAYS,
    dashboard_figures,
    health_warnings,
    publishing_switches,
)
from civicdesk.pages.views.common import HtmxHttpRequest, run_action


@require_GET
def dashboard(request: HtmxHttpRequest) -> HttpResponse:
    # A fresh install's operator, in no organization yet, is led to create the first one.
    if request.user.is_superuser and not organizations_for(request.user).exists():
        return redirect("setup")
    return render(
        request,
        "pages/dashboard.html",
        {
            "brands": dashboard_figures(user=request.user),
            "switches": publishing_switches(user=request.user),
            "warnings": list(health_warnings(user=request.user)),
            "period_days": PERIOD_DAYS,
        },
    )


@require_POST
def publishing_switch(request: HtmxHttpRequest, org_pk: int) -> HttpResponse:
    org = get_object_or_404(organizations_for(request.user), pk=org_pk)
    if not can_control_publishing(request.user, org):
        raise PermissionDenied(_("Only organization admins and managers can stop all posts."))
    form = PauseForm(request.POST)
    if not form.is_valid():
        for error in form.non_field_errors():
            messages.error(request, str(error))
        return redirect("dashboard")
    paused = form.cleaned_data["paused"]
    run_action(
        request,
        lambda: publishing_pause(
            organization=org, paused=paused, reason=form.cleaned_data["reason"], actor=request.user
        ),
        (
            _("All posts of %(organization)s are stopped.")
            if paused
            else _("Posts of %(organization)s go out again.")
        )
        % {"organization": org},
    )
    return redirect("dashboard")
