"""The Records screens: the archive with its search and export, retention rules, legal holds.
For an organization's admins and records officers (``records.access``)."""

from __future__ import annotations

import hashlib
import io

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from civicdesk.core.http import HtmxHttpRequest, signed_in
from civicdesk.organizations.access import organizations_for
from civicdesk.organizations.audit import audit
from civicdesk.organizations.models import Organization
from civicdesk.records import holds, retention
from civicdesk.records.access import records_organizations, require_records
from civicdesk.records.export import build_export
from civicdesk.records.forms import HoldForm, RuleForm, SearchForm
from civicdesk.records.models import Chain, Disposal, LegalHold, RecordClass, RetentionRule
from civicdesk.records.search import threads_for
from civicdesk.records.verification import chain_status, check_request

SHOWN_THREADS = 50


def _organization(request: HtmxHttpRequest, org_pk: int) -> Organization:
    organization = organizations_for(request.user).filter(pk=org_pk).first()
    if organization is None:
        raise Http404(_("No such organization"))
    require_records(request.user, organization)
    return organization


def _context(request: HtmxHttpRequest, organization: Organization, tab: str) -> dict[str, object]:
    return {
        "org": organization,
        "organizations": records_organizations(request.user).order_by("name"),
        "tab": tab,
    }


@require_GET
def records_home(request: HtmxHttpRequest) -> HttpResponse:
    organization = records_organizations(request.user).order_by("name").first()
    if organization is None:
        if organizations_for(request.user).exists():
            raise PermissionDenied(
                _("Only the organization's admins and records officers can open its records.")
            )
        raise Http404(_("You do not belong to an organization."))
    return redirect("records-archive", org_pk=organization.pk)


@require_GET
def records_archive(request: HtmxHttpRequest, org_pk: int) -> HttpResponse:
    organization = _organization(request, org_pk)
    form = SearchForm(request.GET or None, organization=organization)
    threads = []
    searched = form.is_bound and form.is_valid()
    if searched:
        threads = threads_for(
            organization.pk, form.query(), organization.tz, limit=SHOWN_THREADS + 1
        )
    chain = chain_status(organization_id=organization.pk, chain=Chain.ARCHIVE)
    context = _context(request, organization, "archive")
    context.update(
        {
            "form": form,
            "searched": searched,
            "threads": threads[:SHOWN_THREADS],
            "more": len(threads) > SHOWN_THREADS,
            "chain": chain,
        }
    )
    return render(request, "records/archive.html", context)


@require_POST
def records_export(request: HtmxHttpRequest, org_pk: int) -> HttpResponse:
    organization = _organization(request, org_pk)
    form = SearchForm(request.POST, organization=organization)
    if not form.is_valid():
        context = _context(request, organization, "archive")
        chain = chain_status(organization_id=organization.pk, chain=Chain.ARCHIVE)
        context.update({"form": form, "searched": False, "threads": [], "chain": chain})
        return render(request, "records/archive.html", context, status=400)
    person = signed_in(request)
    buffer = io.BytesIO()
    query = form.query()
    result = build_export(
        organization=organization,
        query=query,
        out=buffer,
        redact=form.cleaned_data["redact"],
        requested_by=person.get_username(),
        language=get_language() or "en",
    )
    data = buffer.getvalue()
    audit(
        organization=organization,
        actor=person,
        action="records.export",
        data={
            "query": query.describe(),
            "redacted": form.cleaned_data["redact"],
            "threads": result.threads,
            "entries": result.entries,
            "sha256": hashlib.sha256(data).hexdigest(),
        },
    )
    stamp = timezone.localtime(timezone.now(), organization.tz)
    name = f"records-{organization.slug}-{stamp:%Y%m%d-%H%M}.zip"
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_POST
def records_chain_check(request: HtmxHttpRequest, org_pk: int, chain: str) -> HttpResponse:
    """Queue a full check of the archive's or the audit log's chain, from its page."""
    if chain not in Chain.values:
        raise Http404(_("There is no such chain."))
    organization = organizations_for(request.user).filter(pk=org_pk).first()
    if organization is None:
        raise Http404(_("No such organization"))
    check_request(organization=organization, chain=chain, actor=signed_in(request))
    messages.success(
        request, _("The whole chain will be checked in the background; this page says when.")
    )
    if chain == Chain.AUDIT:
        return redirect(f"{reverse('audit')}?org={organization.pk}")
    return redirect("records-archive", org_pk=organization.pk)


@require_http_methods(["GET", "POST"])
def records_retention(request: HtmxHttpRequest, org_pk: int) -> HttpResponse:
    organization = _organization(request, org_pk)
    existing = {r.record_class: r for r in RetentionRule.objects.filter(organization=organization)}
    data = request.POST if request.method == "POST" else None
    rule_forms = [
        RuleForm(
            data,
            record_class=value,
            initial=(
                {"days": existing[value].days, "action": existing[value].action}
                if value in existing
                else {"days": 365 * 10, "action": "keep"}
            ),
        )
        for value in RecordClass.values
    ]
    if request.method == "POST" and all(f.is_valid() for f in rule_forms):
        person = signed_in(request)
        try:
            for rule_form in rule_forms:
                before = existing.get(rule_form.record_class)
                days, action = rule_form.cleaned_data["days"], rule_form.cleaned_data["action"]
                if before is None or (before.days, before.action) != (days, action):
                    retention.rule_set(
                        organization=organization,
                        actor=person,
                        record_class=rule_form.record_class,
                        days=days,
                        action=action,
                    )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The retention rules are saved."))
            return redirect("records-retention", org_pk=organization.pk)
    context = _context(request, organization, "retention")
    context.update(
        {
            "rule_forms": rule_forms,
            "disposals": Disposal.objects.filter(organization=organization).count(),
        }
    )
    return render(request, "records/retention.html", context, status=400 if data else 200)


@require_http_methods(["GET", "POST"])
def records_holds(request: HtmxHttpRequest, org_pk: int) -> HttpResponse:
    organization = _organization(request, org_pk)
    form = HoldForm(request.POST or None, organization=organization)
    if request.method == "POST" and form.is_valid():
        try:
            holds.hold_place(
                organization=organization,
                actor=signed_in(request),
                name=form.cleaned_data["name"],
                reason=form.cleaned_data["reason"],
                starts_on=form.cleaned_data["starts_on"],
                ends_on=form.cleaned_data["ends_on"],
                channels=form.cleaned_data["channels"],
                authors=form.authors_list(),
                words=form.words_list(),
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("The hold is placed: retention leaves its records alone."))
            return redirect("records-holds", org_pk=organization.pk)
    context = _context(request, organization, "holds")
    context.update(
        {
            "form": form,
            "holds": LegalHold.objects.filter(organization=organization)
            .select_related("created_by", "released_by")
            .prefetch_related("channels"),
        }
    )
    return render(
        request, "records/holds.html", context, status=400 if request.method == "POST" else 200
    )


@require_POST
def records_hold_release(request: HtmxHttpRequest, org_pk: int, pk: int) -> HttpResponse:
    organization = _organization(request, org_pk)
    hold = get_object_or_404(LegalHold, pk=pk, organization=organization)
    try:
        holds.hold_release(hold=hold, actor=signed_in(request))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The hold is released."))
    return redirect("records-holds", org_pk=organization.pk)
