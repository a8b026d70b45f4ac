"""Emergency mode's screens: the list of incidents with the declaration form, the incident
room (timeline, inbox of the scope by urgency, updates per channel, people on duty, the
next update due, the posts held) and the pre-approved templates."""

from __future__ import annotations

from datetime import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from civicdesk.incidents import services
from civicdesk.incidents.forms import DeclareForm, TemplateForm, UpdateForm
from civicdesk.incidents.models import Incident, IncidentTemplate, IncidentUpdate
from civicdesk.incidents.report import incident_report
from civicdesk.incidents.selectors import (
    incident_inbox,
    incidents_for,
    is_overdue,
    paused_publications,
    timeline,
    update_rows,
)
from civicdesk.organizations.access import Perm, brands_for, organizations_for
from civicdesk.organizations.models import Organization
from civicdesk.pages.reports import pdf_response, publication_reach
from civicdesk.pages.templatetags.desk import org_time
from civicdesk.pages.views.common import HtmxHttpRequest, run_action


def _declaring_organization(request: HtmxHttpRequest) -> Organization | None:
    """The first organization where the person may hold posts of some brand."""
    brands = brands_for(request.user, Perm.PUBLISH_CONTROL).filter(archived_at__isnull=True)
    return Organization.objects.filter(pk__in=brands.values("organization_id")).first()


def _incident_for(request: HtmxHttpRequest, pk: int) -> Incident:
    return get_object_or_404(incidents_for(request.user), pk=pk)


@require_http_methods(["GET", "POST"])
def incidents(request: HtmxHttpRequest) -> HttpResponse:
    if not organizations_for(request.user).exists():
        raise Http404(_("No organization"))
    org = _declaring_organization(request)
    form = None
    if org is not None:
        form = DeclareForm(
            request.POST if request.method == "POST" else None, organization=org, user=request.user
        )
    elif request.method == "POST":
        raise PermissionDenied(_("Your role does not allow declaring an incident."))
    if request.method == "POST" and form is not None and form.is_valid():
        data = form.cleaned_data
        try:
            incident = services.incident_declare(
                organization=org,  # type: ignore[arg-type]
                actor=request.user,
                declaration=services.Declaration(
                    name=data["name"],
                    kind=data["kind"],
                    severity=data["severity"],
                    area=data["area"],
                    brands=list(data["brands"]),
                    channels=list(data["channels"]),
                    languages=list(data["languages"]),
                    on_duty=list(data["on_duty"]),
                    duty_approver=data["duty_approver"],
                    cadence_minutes=data["cadence_minutes"],
                ),
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("Incident declared."))
            return redirect("incident-room", pk=incident.pk)
    listed = list(incidents_for(request.user).order_by("closed_at", "-declared_at")[:50])
    now = timezone.now()
    return render(
        request,
        "incidents/list.html",
        {
            "incidents": [(i, is_overdue(i, now=now)) for i in listed],
            "form": form,
            "org": org,
        },
    )


@require_GET
def incident_room(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    incident = _incident_for(request, pk)
    context = {
        "incident": incident,
        "overdue": is_overdue(incident),
        "timeline": timeline(incident=incident),
        "inbox": incident_inbox(incident=incident),
        "updates": update_rows(incident=incident),
        "paused": paused_publications(incident=incident),
        "on_duty": list(incident.on_duty.order_by("username")),
        "reminders": list(incident.reminders.all()[:5]),
        "brands": list(incident.brands.all()),
        "update_form": UpdateForm(incident=incident) if incident.is_open else None,
    }
    return render(request, "incidents/room.html", context)


@require_GET
def incident_report_page(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """The after-action report (figures so far while the incident is open)."""
    incident = _incident_for(request, pk)
    report = incident_report(incident=incident, reach_of=publication_reach)
    return render(request, "incidents/report.html", {"incident": incident, "report": report})


@require_GET
def incident_report_pdf(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """The same report as a PDF document, for leadership and the archive."""
    incident = _incident_for(request, pk)
    now = timezone.now()
    report = incident_report(incident=incident, now=now, reach_of=publication_reach)
    return pdf_response(
        request,
        body="incidents/_report.html",
        title=_("After-action report: %(name)s") % {"name": incident.name},
        context={"report": report, "printed_at": org_time(now, incident.organization)},
    )


@require_POST
def incident_update(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    incident = _incident_for(request, pk)
    form = UpdateForm(request.POST, incident=incident)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
        return redirect("incident-room", pk=incident.pk)
    request_ = services.UpdateRequest(
        channels=list(form.cleaned_data["channels"]),
        template=form.cleaned_data["template"],
        values=form.values(),
        texts=form.texts(),
        continue_thread=form.cleaned_data["continue_thread"],
    )
    run_action(
        request,
        lambda: services.update_publish(incident=incident, actor=request.user, request=request_),
        _("The update is on its way."),
    )
    return redirect("incident-room", pk=incident.pk)


@require_POST
def incident_update_approve(request: HtmxHttpRequest, pk: int, update_pk: int) -> HttpResponse:
    incident = _incident_for(request, pk)
    update = get_object_or_404(IncidentUpdate, pk=update_pk, incident=incident)
    run_action(
        request,
        lambda: services.update_approve(update=update, actor=request.user),
        _("Approved."),
    )
    return redirect("incident-room", pk=incident.pk)


@require_POST
def incident_close(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    incident = _incident_for(request, pk)
    reschedule: dict[int, datetime] = {}
    for key in request.POST:
        value = request.POST.get(key, "")
        if key.startswith("reschedule_") and value.strip():
            at = parse_datetime(value)
            if at is None or not key.removeprefix("reschedule_").isdigit():
                messages.error(request, _("A new time could not be read."))
                return redirect("incident-room", pk=incident.pk)
            if timezone.is_naive(at):
                at = timezone.make_aware(at, incident.organization.tz)
            reschedule[int(key.removeprefix("reschedule_"))] = at
    run_action(
        request,
        lambda: services.incident_close(
            incident=incident, actor=request.user, reschedule=reschedule
        ),
        _("Incident closed; the posts it held go out again."),
    )
    return redirect("incident-room", pk=incident.pk)


@require_http_methods(["GET", "POST"])
def incident_templates(request: HtmxHttpRequest) -> HttpResponse:
    org = _declaring_organization(request)
    if org is None:
        raise Http404(_("No organization"))
    form = TemplateForm(request.POST if request.method == "POST" else None, organization=org)
    if request.method == "POST" and form.is_valid():
        try:
            services.template_save(
                organization=org,
                actor=request.user,
                kind=form.cleaned_data["kind"],
                name=form.cleaned_data["name"],
                texts=form.texts(),
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("Template saved; it needs an approval."))
            return redirect("incident-templates")
    templates = list(
        IncidentTemplate.objects.filter(organization=org).select_related(
            "approved_by", "created_by"
        )
    )
    return render(
        request, "incidents/templates.html", {"templates": templates, "form": form, "org": org}
    )


@require_POST
def incident_template_approve(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    mine = organizations_for(request.user)
    template = get_object_or_404(IncidentTemplate, pk=pk, organization__in=mine)
    run_action(
        request,
        lambda: services.template_approve(template=template, actor=request.user),
        _("Template approved."),
    )
    return redirect("incident-templates")
