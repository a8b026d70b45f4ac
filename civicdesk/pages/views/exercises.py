"""Crisis exercise screens: the list with "start an exercise", a running exercise's progress
(actions fired, the injects for the team as they fire, stop) and the after-action report.

Running exercises is for those who may stop publishing (owners, admins, managers): an exercise
posts on the organization's exercise network channels and pauses nothing real, but it takes
the team's attention. Another organization's exercise is a 404."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from civicdesk.exercises.forms import ExerciseStartForm
from civicdesk.exercises.models import Exercise
from civicdesk.exercises.services import exercise_start, exercise_stop
from civicdesk.organizations.access import Perm, brands_for, organizations_for
from civicdesk.organizations.models import Organization
from civicdesk.pages.reports import pdf_response
from civicdesk.pages.templatetags.desk import org_time
from civicdesk.pages.views.common import HtmxHttpRequest, run_action

# The progress part of a running exercise refreshes itself this often (seconds).
PROGRESS_POLL_SECONDS = 5


def _exercising_organizations(request: HtmxHttpRequest) -> QuerySet[Organization]:
    """The organizations where the person may run exercises; 404 to a non-member, 403 to a
    member whose role does not allow it."""
    if not organizations_for(request.user).exists():
        raise Http404(_("No organization"))
    brands = brands_for(request.user, Perm.PUBLISH_CONTROL).filter(archived_at__isnull=True)
    organizations = Organization.objects.filter(pk__in=brands.values("organization_id")).order_by(
        "name", "pk"
    )
    if not organizations.exists():
        raise PermissionDenied(_("Your role does not allow running exercises."))
    return organizations


def _exercise_for(request: HtmxHttpRequest, pk: int) -> Exercise:
    exercise = get_object_or_404(
        Exercise.objects.select_related("organization", "started_by"),
        pk=pk,
        organization__in=organizations_for(request.user),
    )
    if exercise.organization_id not in set(
        _exercising_organizations(request).values_list("pk", flat=True)
    ):
        raise PermissionDenied(_("Your role does not allow running exercises."))
    return exercise


@require_http_methods(["GET", "POST"])
def exercises(request: HtmxHttpRequest) -> HttpResponse:
    organizations = _exercising_organizations(request)
    org = organizations.first()
    assert org is not None  # _exercising_organizations refuses an empty set
    form = ExerciseStartForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        organization=org,
        user=request.user,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            exercise = exercise_start(
                organization=org,
                actor=request.user,
                source=data["source"],
                channels=list(data["channels"]),
                speed=data["speed"],
                base_dir=data["base_dir"],
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("The exercise has started."))
            return redirect("exercise", pk=exercise.pk)
    listed = list(
        Exercise.objects.filter(organization__in=organizations).select_related("organization")[:50]
    )
    return render(
        request,
        "exercises/list.html",
        {"exercises": listed, "form": form, "org": org},
        status=400 if request.method == "POST" else 200,
    )


@require_GET
def exercise_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    exercise = _exercise_for(request, pk)
    # Each action with its scenario minute.
    actions = [(a, a.at_seconds / 60) for a in exercise.actions.order_by("number")]
    context = {
        "exercise": exercise,
        "injects": [(a, minute) for a, minute in actions if a.kind == "inject"],
        "actions": actions,
        "percent": round(100 * exercise.fired / exercise.total_actions)
        if exercise.total_actions
        else 100,
        "poll_seconds": PROGRESS_POLL_SECONDS,
        "report": exercise.report or None,
    }
    template = "exercises/detail.html#progress" if request.htmx else "exercises/detail.html"
    return render(request, template, context)


@require_POST
def exercise_stop_view(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    exercise = _exercise_for(request, pk)
    run_action(
        request,
        lambda: exercise_stop(exercise=exercise, actor=request.user),
        _("The exercise is stopped; the report scores what was done so far."),
    )
    return redirect("exercise", pk=exercise.pk)


@require_GET
def exercise_report_pdf(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """The after-action report of a finished or stopped exercise as a PDF document, printed
    the way the incident report is."""
    exercise = _exercise_for(request, pk)
    if not exercise.report:
        raise Http404(_("This exercise has no report yet."))
    return pdf_response(
        request,
        body="exercises/_report.html",
        title=_("After-action report: %(name)s") % {"name": exercise.name},
        context={
            "exercise": exercise,
            "report": exercise.report,
            "printed_at": org_time(timezone.now(), exercise.organization),
        },
    )
