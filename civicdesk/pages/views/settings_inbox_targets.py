"""Settings: response-time targets, the organization's business hours and its public holidays,
on one screen (the three things the inbox's countdown is counted from)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from civicdesk.inbox import targets
from civicdesk.inbox.models import Holiday, ResponseTarget
from civicdesk.organizations.models import Brand, Organization
from civicdesk.pages.forms import CATEGORY_CHOICES
from civicdesk.pages.views.common import HtmxHttpRequest, run_action
from civicdesk.pages.views.settings_common import administered


class ResponseTargetForm(forms.ModelForm):
    class Meta:
        model = ResponseTarget
        fields = ["brand", "category", "minutes", "resolution_minutes", "business_hours"]
        help_texts = {
            "minutes": gettext_lazy("For example 15 for an emergency, 240 for four hours."),
            "resolution_minutes": gettext_lazy(
                "From the first message to closing the conversation, for example 2400 for "
                "five working days; empty: no resolution target."
            ),
            "business_hours": gettext_lazy(
                "Unticked, the clock runs around the clock (for emergencies)."
            ),
        }

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["brand"].queryset = Brand.objects.filter(organization=organization)
        self.fields["brand"].empty_label = _("All brands")
        self.fields["category"] = forms.ChoiceField(
            label=_("kind"),
            required=False,
            choices=[("", _("Any kind"))] + CATEGORY_CHOICES,
        )


class BusinessHoursForm(forms.Form):
    """One line a weekday: its open intervals, or nothing for closed."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for day in range(7):
            self.fields[f"day{day}"] = forms.CharField(
                label=WEEKDAYS[day],
                required=False,
                max_length=200,
                widget=forms.TextInput(attrs={"placeholder": "09:00-12:00, 13:30-17:00"}),
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        week: dict[int, list[targets.Interval]] = {}
        for day in range(7):
            try:
                week[day] = targets.parse_intervals(data.get(f"day{day}") or "")
            except ValidationError as error:
                self.add_error(f"day{day}", error)
        data["week"] = week
        return data


class HolidayForm(forms.Form):
    day = forms.DateField(label=gettext_lazy("day"), widget=forms.DateInput(attrs={"type": "date"}))
    name = forms.CharField(label=gettext_lazy("name"), max_length=100)


def _page(
    request: HtmxHttpRequest,
    org: Organization,
    *,
    target_form: ResponseTargetForm | None = None,
    hours_form: BusinessHoursForm | None = None,
    holiday_form: HolidayForm | None = None,
    editing: int | None = None,
) -> HttpResponse:
    week = targets.hours_of(org)
    hours_form = hours_form or BusinessHoursForm(
        initial={f"day{day}": targets.format_intervals(week[day]) for day in range(7)}
    )
    return render(
        request,
        "pages/settings/targets.html",
        {
            "org": org,
            "targets": ResponseTarget.objects.filter(organization=org)
            .select_related("brand")
            .order_by("brand__name", "category", "pk"),
            "target_form": target_form or ResponseTargetForm(organization=org),
            "hours_form": hours_form,
            "holidays": Holiday.objects.filter(organization=org).order_by("day"),
            "holiday_form": holiday_form or HolidayForm(),
            "editing": editing,
            "has_hours": any(week.values()),
        },
    )


@require_http_methods(["GET", "POST"])
def settings_targets(request: HtmxHttpRequest, org_pk: int, pk: int | None = None) -> HttpResponse:
    """The targets, hours and holidays; the form adds a target (or changes the one named)."""
    org = administered(request, org_pk)
    target = get_object_or_404(ResponseTarget, organization=org, pk=pk) if pk else ResponseTarget()
    form = ResponseTargetForm(request.POST or None, instance=target, organization=org)
    if request.method == "POST" and form.is_valid():
        saved = form.save(commit=False)
        if run_action(
            request,
            lambda: targets.target_save(organization=org, target=saved, actor=request.user),
            _("Target saved."),
        ):
            return redirect("settings-targets", org_pk=org.pk)
    return _page(request, org, target_form=form, editing=pk)


@require_POST
def target_delete(request: HtmxHttpRequest, org_pk: int, pk: int) -> HttpResponse:
    org = administered(request, org_pk)
    target = get_object_or_404(ResponseTarget, organization=org, pk=pk)
    run_action(
        request, lambda: targets.target_delete(target=target, actor=request.user), _("Deleted.")
    )
    return redirect("settings-targets", org_pk=org.pk)


@require_POST
def business_hours(request: HtmxHttpRequest, org_pk: int) -> HttpResponse:
    org = administered(request, org_pk)
    form = BusinessHoursForm(request.POST)
    if form.is_valid():
        week = form.cleaned_data["week"]
        if run_action(
            request,
            lambda: targets.hours_set(organization=org, week=week, actor=request.user),
            _("Business hours saved."),
        ):
            return redirect("settings-targets", org_pk=org.pk)
    return _page(request, org, hours_form=form)


@require_POST
def holiday_add(request: HtmxHttpRequest, org_pk: int) -> HttpResponse:
    org = administered(request, org_pk)
    form = HolidayForm(request.POST)
    if form.is_valid():
        day, name = form.cleaned_data["day"], form.cleaned_data["name"]
        if run_action(
            request,
            lambda: targets.holiday_add(organization=org, day=day, name=name, actor=request.user),
            _("Holiday added."),
        ):
            return redirect("settings-targets", org_pk=org.pk)
    return _page(request, org, holiday_form=form)


@require_POST
def holiday_delete(request: HtmxHttpRequest, org_pk: int, pk: int) -> HttpResponse:
    org = administered(request, org_pk)
    holiday = get_object_or_404(Holiday, organization=org, pk=pk)
    run_action(
        request,
        lambda: targets.holiday_remove(holiday=holiday, actor=request.user),
        _("Holiday removed."),
    )
    return redirect("settings-targets", org_pk=org.pk)
