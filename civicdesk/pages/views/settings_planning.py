"""Settings: content pillars, campaigns and business areas of an organization."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from civicdesk.organizations.models import BusinessArea
from civicdesk.organizations.people import business_area_save
from civicdesk.pages.views.common import HtmxHttpRequest, run_action
from civicdesk.pages.views.settings_common import administered, back_here
from civicdesk.publishing.models import Campaign, Pillar
from civicdesk.setup.forms import BusinessAreaForm, CampaignForm, PillarForm
from civicdesk.setup.selectors import (
    organization_business_areas,
    organization_campaigns,
    organization_pillars,
)
from civicdesk.setup.services import campaign_save, pillar_save


@require_http_methods(["GET", "POST"])
def settings_pillars(request: HtmxHttpRequest, org_pk: int) -> HttpResponse:
    org = administered(request, org_pk)
    form = PillarForm(request.POST or None, prefix="new")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if run_action(
            request,
            lambda: pillar_save(
                organization=org,
                name=data["name"],
                description=data["description"],
                target_percent=data["target_percent"],
                actor=request.user,
            ),
            _("Pillar %(name)s added.") % {"name": data["name"]},
        ):
            return back_here(request)
    pillars = [
        (
            p,
            PillarForm(
                initial={
                    "name": p.name,
                    "description": p.description,
                    "target_percent": p.target_percent,
                },
                prefix=f"p{p.pk}",
            ),
        )
        for p in organization_pillars(organization=org)
    ]
    return render(
        request, "pages/settings/pillars.html", {"org": org, "form": form, "pillars": pillars}
    )


@require_POST
def pillar_edit(request: HtmxHttpRequest, org_pk: int, pk: int) -> HttpResponse:
    org = administered(request, org_pk)
    pillar = get_object_or_404(Pillar, organization=org, pk=pk)
    form = PillarForm(request.POST, prefix=f"p{pillar.pk}")
    if form.is_valid():
        data = form.cleaned_data
        run_action(
            request,
            lambda: pillar_save(
                organization=org,
                pillar=pillar,
                name=data["name"],
                description=data["description"],
                target_percent=data["target_percent"],
                actor=request.user,
            ),
            _("Pillar %(name)s saved.") % {"name": data["name"]},
        )
    return redirect("settings-pillars", org_pk=org.pk)


@require_http_methods(["GET", "POST"])
def settings_campaigns(
    request: HtmxHttpRequest, org_pk: int, pk: int | None = None
) -> HttpResponse:
    """The campaigns, with a form to add one, or (``pk``) to change that one."""
    org = administered(request, org_pk)
    campaign = get_object_or_404(Campaign, organization=org, pk=pk) if pk else None
    initial = (
        {
            "name": campaign.name,
            "starts_on": campaign.starts_on,
            "ends_on": campaign.ends_on,
            "pillar": campaign.pillar_id,
            "goal": campaign.goal,
        }
        if campaign
        else None
    )
    form = CampaignForm(request.POST or None, organization=org, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if run_action(
            request,
            lambda: campaign_save(
                organization=org,
                campaign=campaign,
                name=data["name"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                pillar=data["pillar"],
                goal=data["goal"],
                actor=request.user,
            ),
            _("Campaign %(name)s saved.") % {"name": data["name"]},
        ):
            return redirect("settings-campaigns", org_pk=org.pk)
    return render(
        request,
        "pages/settings/campaigns.html",
        {
            "org": org,
            "form": form,
            "editing": campaign,
            "campaigns": organization_campaigns(organization=org),
        },
    )


@require_http_methods(["GET", "POST"])
def settings_areas(request: HtmxHttpRequest, org_pk: int, pk: int | None = None) -> HttpResponse:
    """The business areas, with a form to add one, or (``pk``) to change that one."""
    org = administered(request, org_pk)
    area = get_object_or_404(BusinessArea, organization=org, pk=pk) if pk else None
    initial = (
        {
            "name": area.name,
            "languages": area.languages,
            "members": list(area.members.values_list("pk", flat=True)),
        }
        if area
        else None
    )
    form = BusinessAreaForm(request.POST or None, organization=org, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if run_action(
            request,
            lambda: business_area_save(
                organization=org,
                area=area,
                name=data["name"],
                languages=data["languages"],
                members=list(data["members"]),
                actor=request.user,
            ),
            _("Business area %(name)s saved.") % {"name": data["name"]},
        ):
            return redirect("settings-areas", org_pk=org.pk)
    return render(
        request,
        "pages/settings/areas.html",
        {
            "org": org,
            "form": form,
            "editing": area,
            "areas": organization_business_areas(organization=org),
        },
    )
