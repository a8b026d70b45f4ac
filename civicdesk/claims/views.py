"""The claims desk's screens: the claims of an organization with the proposed new ones, a
claim with its matches to check, its repeats over time and its entry's versions, the claim
form, and the static export of the public page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.models import User as Person
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from civicdesk.claims import export, selectors, services
from civicdesk.claims.forms import ClaimForm
from civicdesk.claims.models import (
    Claim,
    ClaimMatch,
    ClaimProposal,
    ClaimStatus,
    ClaimVersion,
    MatchState,
    VersionState,
)
from civicdesk.core.http import HtmxHttpRequest, signed_in
from civicdesk.organizations.models import Membership, Organization


def _organization(request: HtmxHttpRequest, org_pk: int | None = None) -> Organization:
    organizations = selectors.desk_organizations(request.user)
    organization = organizations.filter(pk=org_pk).first() if org_pk else organizations.first()
    if organization is None:
        raise Http404(_("No such organization"))
    return organization


def _claim(request: HtmxHttpRequest, pk: int) -> Claim:
    claim = get_object_or_404(Claim.objects.select_related("organization", "owner"), pk=pk)
    if not selectors.desk_organizations(request.user).filter(pk=claim.organization_id).exists():
        raise Http404(_("No such claim"))
    return claim


def _people(organization: Organization) -> QuerySet[Person]:
    return Person.objects.filter(
        pk__in=Membership.objects.filter(organization=organization).values("user_id"),
        is_active=True,
    ).order_by("username")


def _refused(request: HtmxHttpRequest, error: ValidationError | PermissionDenied) -> None:
    text = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
    messages.error(request, text)


@require_GET
def claims_home(request: HtmxHttpRequest) -> HttpResponse:
    return redirect("claims", org_pk=_organization(request).pk)


@require_GET
def claims_list(request: HtmxHttpRequest, org_pk: int) -> HttpResponse:
    organization = _organization(request, org_pk)
    query = request.GET.get("q", "").strip()[:200]
    status = request.GET.get("status", "")
    status = status if status in ClaimStatus.values else ""
    return render(
        request,
        "claims/list.html",
        {
            "org": organization,
            "organizations": selectors.desk_organizations(request.user),
            "claims": selectors.claims_for(organization=organization, query=query, status=status)[
                :200
            ],
            "proposals": selectors.open_proposals(organization=organization, user=request.user),
            "query": query,
            "status": status,
            "statuses": ClaimStatus.choices,
        },
    )


@require_http_methods(["GET", "POST"])
def claim_new(request: HtmxHttpRequest, org_pk: int) -> HttpResponse:
    organization = _organization(request, org_pk)
    people = _people(organization)
    form = ClaimForm(
        request.POST if request.method == "POST" else None,
        organization=organization,
        people=people,
        initial={"statement": request.GET.get("statement", "")[:1000]}
        if request.method == "GET"
        else None,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            claim = services.claim_create(
                organization=organization,
                statement=data["statement"],
                topic=data["topic"],
                status=data["status"],
                owner=data["owner"],
                texts=form.texts(),
                sources=data["sources"],
                help_links=data["help_links"],
                actor=signed_in(request),
            )
        except (ValidationError, PermissionDenied) as error:
            _refused(request, error)
        else:
            messages.success(request, _("Claim added. An approver publishes its entry."))
            return redirect("claim", pk=claim.pk)
    return render(request, "claims/form.html", {"org": organization, "form": form, "claim": None})


@require_http_methods(["GET", "POST"])
def claim_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    claim = _claim(request, pk)
    organization = claim.organization
    versions = selectors.claim_versions(claim=claim)
    latest = versions[0] if versions else None
    form = ClaimForm(
        request.POST if request.method == "POST" else None,
        organization=organization,
        people=_people(organization),
        claim=claim,
        version=latest,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.claim_update(
                claim=claim,
                statement=data["statement"],
                topic=data["topic"],
                status=data["status"],
                owner=data["owner"],
                texts=form.texts(),
                sources=data["sources"],
                help_links=data["help_links"],
                actor=signed_in(request),
            )
        except (ValidationError, PermissionDenied) as error:
            _refused(request, error)
        else:
            messages.success(request, _("Saved as a draft. An approver publishes it."))
            return redirect("claim", pk=claim.pk)
    user = request.user
    return render(
        request,
        "claims/detail.html",
        {
            "org": organization,
            "claim": claim,
            "form": form,
            "trend": selectors.trend(claim=claim),
            "suggested": selectors.claim_matches(
                claim=claim, user=user, state=MatchState.SUGGESTED
            ),
            "confirmed": selectors.claim_matches(
                claim=claim, user=user, state=MatchState.CONFIRMED
            ),
            "rejected": selectors.claim_matches(claim=claim, user=user, state=MatchState.REJECTED),
            "versions": versions,
            "may_approve": services.may_approve(user, organization),
            "missing": {
                v.pk: services.missing_languages(v, organization)
                for v in versions
                if v.state == VersionState.DRAFT
            },
        },
    )


@require_POST
def claim_version_approve(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    version = get_object_or_404(ClaimVersion, pk=pk)
    claim = _claim(request, version.claim_id)
    try:
        services.claim_approve(version=version, actor=signed_in(request))
    except (ValidationError, PermissionDenied) as error:
        _refused(request, error)
    else:
        messages.success(request, _("Published on the rumour-control page."))
    return redirect("claim", pk=claim.pk)


@require_POST
def claim_unpublish(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    claim = _claim(request, pk)
    try:
        services.claim_unpublish(claim=claim, actor=signed_in(request))
    except PermissionDenied as error:
        _refused(request, error)
    else:
        messages.success(request, _("Taken off the rumour-control page."))
    return redirect("claim", pk=claim.pk)


@require_POST
def match_decide(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    match = get_object_or_404(ClaimMatch.objects.select_related("claim"), pk=pk)
    claim = _claim(request, match.claim_id)
    decision = request.POST.get("decision")
    if decision not in {"confirm", "reject"}:
        messages.error(request, _("Confirm or reject the match."))
    else:
        try:
            services.match_decide(
                match=match, confirmed=decision == "confirm", actor=signed_in(request)
            )
        except PermissionDenied as error:
            _refused(request, error)
        else:
            messages.success(
                request,
                _("Confirmed: the message is an example of the claim now.")
                if decision == "confirm"
                else _("Rejected: similar messages need a closer match to this claim now."),
            )
    back = request.POST.get("next", "")
    if back.startswith("/inbox/c/"):
        return redirect(back)
    return redirect(f"{reverse('claim', args=[claim.pk])}#matches")


@require_http_methods(["GET", "POST"])
def proposal_view(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    proposal = get_object_or_404(
        ClaimProposal.objects.select_related("organization", "example"), pk=pk
    )
    organization = _organization(request, proposal.organization_id)
    if request.method == "POST":
        actor = signed_in(request)
        try:
            if request.POST.get("decision") == "dismiss":
                services.proposal_dismiss(proposal=proposal, actor=actor)
                messages.success(request, _("Dismissed."))
                return redirect("claims", org_pk=organization.pk)
            claim = services.proposal_accept(
                proposal=proposal, statement=request.POST.get("statement", ""), actor=actor
            )
        except (ValidationError, PermissionDenied) as error:
            _refused(request, error)
        else:
            messages.success(request, _("Claim added. Check its messages and write its entry."))
            return redirect("claim", pk=claim.pk)
    return render(
        request,
        "claims/proposal.html",
        {
            "org": organization,
            "proposal": proposal,
            "messages_in": selectors.proposal_messages(proposal=proposal, user=request.user),
        },
    )


@require_GET
def claims_export(request: HtmxHttpRequest, org_pk: int) -> HttpResponse:
    """The public page as static HTML in a ZIP, for the organization's own site."""
    organization = _organization(request, org_pk)
    response = HttpResponse(export.zip_bytes(organization), content_type="application/zip")
    name = f"rumour-control-{organization.slug}.zip"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
