"""Settings of an organization: the overview, the organization itself, its brands."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from civicdesk.organizations.access import administered_organizations, organizations_for
from civicdesk.organizations.models import Brand
from civicdesk.organizations.services import (
    brand_add,
    brand_archive,
    brand_set_approval_tiers,
    brand_update,
    organization_update,
)
from civicdesk.pages.views.common import HtmxHttpRequest, int_param, run_action
from civicdesk.pages.views.settings_common import administered, back_here, in_setup
from civicdesk.setup.forms import BrandForm, OrganizationForm, SecondFactorRuleForm, TiersForm
from civicdesk.setup.selectors import (
    open_invitations,
    organization_brands,
    organization_business_areas,
    organization_campaigns,
    organization_people,
    organization_pillars,
)
from civicdesk.setup.services import organization_set_second_factor_rule

# The organization screen holds two forms; this field of the POST says which one was sent.
SECOND_FACTOR_FORM = "second-factor"


@require_GET
def settings_home(request: HtmxHttpRequest) -> HttpResponse:
    mine = list(administered_organizations(request.user).order_by("name"))
    if not mine:
        if request.user.is_superuser and not organizations_for(request.user).exists():
            return redirect("setup")
        raise PermissionDenied(_("Only the organization's admins can change its settings."))
    wanted = int_param(request.GET.get("org"))
    org = next((o for o in mine if o.pk == wanted), mine[0])
    return render(
        request,
        "pages/settings/home.html",
        {
            "org": org,
            "organizations": mine,
            "brands": list(organization_brands(organization=org)),
            "people": len(organization_people(organization=org)),
            "invitations": open_invitations(organization=org).count(),
            "pillars": organization_pillars(organization=org).count(),
            "campaigns": organization_campaigns(organization=org).count(),
            "areas": organization_business_areas(organization=org).count(),
        },
    )


@require_http_methods(["GET", "POST"])
def settings_organization(request: HtmxHttpRequest, org_pk: int) -> HttpResponse:
    org = administered(request, org_pk)
    sent_rule = request.method == "POST" and request.POST.get("form") == SECOND_FACTOR_FORM
    rule_initial = {"for_all": org.mfa_required_for_all, "roles": org.mfa_required_roles}
    rule = SecondFactorRuleForm(
        request.POST if sent_rule else None, initial=rule_initial, prefix="mfa"
    )
    if sent_rule:
        if rule.is_valid() and run_action(
            request,
            lambda: organization_set_second_factor_rule(
                organization=org,
                for_all=rule.cleaned_data["for_all"],
                roles=rule.cleaned_data["roles"],
                actor=request.user,
            ),
            _("Saved the second-factor rule."),
        ):
            return back_here(request)
    initial = {
        "name": org.name,
        "time_zone": org.time_zone,
        "official_languages": ", ".join(org.official_languages),
    }
    sent_org = request.method == "POST" and not sent_rule
    form = OrganizationForm(
        request.POST if sent_org else None, request.FILES if sent_org else None, initial=initial
    )
    if sent_org and form.is_valid():
        data = form.cleaned_data
        if run_action(
            request,
            lambda: organization_update(
                organization=org,
                name=data["name"],
                time_zone=data["time_zone"],
                official_languages=data["official_languages"],
                logo=data.get("logo"),
                actor=request.user,
            ),
            _("Saved."),
        ):
            return back_here(request)
    return render(
        request,
        "pages/settings/organization.html",
        {"org": org, "form": form, "rule": rule, "rule_form_name": SECOND_FACTOR_FORM},
    )


@require_GET
def organization_logo(request: HtmxHttpRequest, org_pk: int) -> FileResponse:
    org = get_object_or_404(organizations_for(request.user), pk=org_pk)
    if not org.logo:
        raise Http404(_("No logo"))
    return FileResponse(org.logo.open("rb"))


@require_http_methods(["GET", "POST"])
def settings_brands(request: HtmxHttpRequest, org_pk: int) -> HttpResponse:
    org = administered(request, org_pk)
    form = BrandForm(request.POST or None, prefix="new")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if run_action(
            request,
            lambda: brand_add(
                organization=org, name=data["name"], purpose=data["purpose"], actor=request.user
            ),
            _("Brand %(name)s added.") % {"name": data["name"]},
        ):
            return back_here(request)
    return render(
        request,
        "pages/settings/brands.html",
        {
            "org": org,
            "form": form,
            "brands": organization_brands(organization=org),
            "setup": in_setup(request),
        },
    )


def _brand(request: HtmxHttpRequest, org_pk: int, pk: int) -> Brand:
    org = administered(request, org_pk)
    return get_object_or_404(Brand.objects.select_related("organization"), organization=org, pk=pk)


@require_http_methods(["GET", "POST"])
def settings_brand(request: HtmxHttpRequest, org_pk: int, pk: int) -> HttpResponse:
    brand = _brand(request, org_pk, pk)
    form = BrandForm(request.POST or None, initial={"name": brand.name, "purpose": brand.purpose})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if run_action(
            request,
            lambda: brand_update(
                brand=brand, name=data["name"], purpose=data["purpose"], actor=request.user
            ),
            _("Saved."),
        ):
            return back_here(request)
    tiers = TiersForm(initial={"approval_tiers": brand.approval_tiers})
    return render(
        request,
        "pages/settings/brand.html",
        {"org": brand.organization, "brand": brand, "form": form, "tiers": tiers},
    )


@require_POST
def brand_tiers(request: HtmxHttpRequest, org_pk: int, pk: int) -> HttpResponse:
    brand = _brand(request, org_pk, pk)
    form = TiersForm(request.POST)
    if form.is_valid():
        run_action(
            request,
            lambda: brand_set_approval_tiers(
                brand=brand, approval_tiers=form.cleaned_data["approval_tiers"], actor=request.user
            ),
            _("Posts of %(brand)s now need %(n)s approval(s).")
            % {"brand": brand.name, "n": form.cleaned_data["approval_tiers"]},
        )
    else:
        messages.error(request, _("Choose between 1 and 5 approvals."))
    return redirect("settings-brand", org_pk=org_pk, pk=pk)


@require_POST
def brand_archive_view(request: HtmxHttpRequest, org_pk: int, pk: int) -> HttpResponse:
    brand = _brand(request, org_pk, pk)
    archived = request.POST.get("archived") == "1"
    run_action(
        request,
        lambda: brand_archive(brand=brand, archived=archived, actor=request.user),
        _("%(brand)s archived.") % {"brand": brand.name}
        if archived
        else _("%(brand)s is active again.") % {"brand": brand.name},
    )
    return redirect("settings-brands", org_pk=org_pk)
