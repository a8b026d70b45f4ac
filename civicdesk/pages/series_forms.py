"""The recurring post form: its content, and its rule either built from plain choices (every
weekday, every week on some days, ...) or written as an RFC 5545 RRULE."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext_lazy as _

from civicdesk.connectors.base import Capability
from civicdesk.connectors.registry import channels_that
from civicdesk.core.forms import field_of
from civicdesk.organizations.models import Brand, Channel
from civicdesk.pages.forms import post_languages
from civicdesk.publishing.checks import reader_language
from civicdesk.publishing.models import Campaign, Pillar, PostSeries
from civicdesk.publishing.recurrence import SeriesDraft
from civicdesk.rules import language_name

DAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
FREQUENCIES = [
    ("weekdays", _("Every weekday (Monday to Friday)")),
    ("daily", _("Every day")),
    ("weekly", _("Every week, on the days ticked")),
    ("monthly", _("Every month, on the first day's date")),
    ("rule", _("As written in the rule below")),
]
ENDS = [
    ("never", _("Never (until it is ended)")),
    ("until", _("On a date")),
    ("count", _("After a number of posts")),
]


class SeriesForm(forms.Form):
    title = forms.CharField(
        label=_("Title"), max_length=200, help_text=_("For the team; it is not published.")
    )
    channels = forms.ModelMultipleChoiceField(
        label=_("Channels"), queryset=Channel.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    pillar = forms.ModelChoiceField(
        label=_("Content pillar"), queryset=Pillar.objects.none(), required=False
    )
    campaign = forms.ModelChoiceField(
        label=_("Campaign"), queryset=Campaign.objects.none(), required=False
    )
    link = forms.URLField(label=_("Link"), required=False, assume_scheme="https")
    starts_on = forms.DateField(
        label=_("First day"), widget=forms.DateInput(attrs={"type": "date"})
    )
    local_time = forms.TimeField(
        label=_("Time of day"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    frequency = forms.ChoiceField(label=_("Repeats"), choices=FREQUENCIES, initial="weekdays")
    days = forms.MultipleChoiceField(
        label=_("Days"),
        required=False,
        choices=[(code, WEEKDAYS[i]) for i, code in enumerate(DAY_CODES)],
        widget=forms.CheckboxSelectMultiple,
    )
    interval = forms.IntegerField(
        label=_("Every how many (days, weeks or months)"), min_value=1, max_value=52, initial=1
    )
    ends = forms.ChoiceField(label=_("Ends"), choices=ENDS, initial="never")
    until = forms.DateField(
        label=_("Last day"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    count = forms.IntegerField(
        label=_("Number of posts"), required=False, min_value=1, max_value=1000
    )
    rule = forms.CharField(
        label=_("Recurrence rule (RFC 5545 RRULE)"),
        required=False,
        max_length=500,
        help_text=_("For example FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;COUNT=40."),
    )
    exdates = forms.CharField(
        label=_("Days skipped"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One date a line (YYYY-MM-DD): no post on those days, e.g. public holidays."),
    )

    def __init__(self, *args: Any, brand: Brand, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.brand = brand
        org = brand.organization
        active = brand.channels.filter(is_active=True)
        postable = channels_that(Capability.PUBLISH, active)
        field_of(self, "channels", forms.ModelChoiceField).queryset = active.filter(
            pk__in=[c.pk for c in postable]
        )
        field_of(self, "pillar", forms.ModelChoiceField).queryset = Pillar.objects.filter(
            organization=org
        )
        field_of(self, "campaign", forms.ModelChoiceField).queryset = Campaign.objects.filter(
            organization=org
        )
        self.fields["local_time"].help_text = _("In %(zone)s time, all year round.") % {
            "zone": org.time_zone
        }
        self.languages = post_languages(brand)
        reader = reader_language()
        for lang in self.languages:
            self.fields[f"text_{lang}"] = forms.CharField(
                required=False,
                label=language_name(lang, reader),
                max_length=100_000,
                widget=forms.Textarea(attrs={"rows": 4, "lang": lang}),
            )

    @property
    def text_fields(self) -> list[forms.BoundField]:
        return [self[f"text_{lang}"] for lang in self.languages]

    @property
    def rule_fields(self) -> list[forms.BoundField]:
        names = ("frequency", "days", "interval", "ends", "until", "count", "rule", "exdates")
        return [self[name] for name in names]

    def clean_exdates(self) -> list[date]:
        days = []
        for line in (self.cleaned_data.get("exdates") or "").splitlines():
            if not line.strip():
                continue
            try:
                days.append(date.fromisoformat(line.strip()))
            except ValueError:
                raise ValidationError(
                    _("%(line)s is not a date written YYYY-MM-DD.") % {"line": line.strip()[:40]}
                ) from None
        return days

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not any((data.get(f"text_{lang}") or "").strip() for lang in self.languages):
            raise ValidationError(_("Write the post in at least one language."))
        frequency = data.get("frequency")
        if frequency == "rule":
            if not (data.get("rule") or "").strip():
                self.add_error("rule", _("Write the rule, or choose how often it repeats."))
            return data
        if data.get("ends") == "until" and not data.get("until"):
            self.add_error("until", _("Give the last day."))
        if data.get("ends") == "count" and not data.get("count"):
            self.add_error("count", _("Give the number of posts."))
        return data

    def built_rule(self) -> str:
        data = self.cleaned_data
        frequency = data["frequency"]
        if frequency == "rule":
            return str(data["rule"])
        interval = data.get("interval") or 1
        parts = []
        if frequency == "weekdays":
            parts = ["FREQ=WEEKLY", "BYDAY=MO,TU,WE,TH,FR"]
        elif frequency == "daily":
            parts = ["FREQ=DAILY"]
        elif frequency == "weekly":
            days = [d for d in DAY_CODES if d in (data.get("days") or [])]
            days = days or [DAY_CODES[data["starts_on"].weekday()]]
            parts = ["FREQ=WEEKLY", f"BYDAY={','.join(days)}"]
        else:
            parts = ["FREQ=MONTHLY"]
        if interval > 1 and frequency != "weekdays":
            parts.append(f"INTERVAL={interval}")
        if data.get("ends") == "until" and data.get("until"):
            parts.append(f"UNTIL={data['until']:%Y%m%d}T235959")
        elif data.get("ends") == "count" and data.get("count"):
            parts.append(f"COUNT={data['count']}")
        return ";".join(parts)

    def draft(self) -> SeriesDraft:
        data = self.cleaned_data
        at: time = data["local_time"]
        return SeriesDraft(
            title=data["title"],
            texts={lang: data.get(f"text_{lang}") or "" for lang in self.languages},
            channels=list(data["channels"]),
            starts_on=data["starts_on"],
            local_time=at,
            rule=self.built_rule(),
            exdates=[datetime.combine(day, at) for day in data["exdates"]],
            pillar=data.get("pillar"),
            campaign=data.get("campaign"),
            link=data.get("link") or "",
        )

    def add_service_errors(self, error: ValidationError) -> None:
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for name, errors in error.message_dict.items():
            self.add_error(name if name in self.fields else None, errors)

    @staticmethod
    def initial_for(series: PostSeries) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "title": series.title,
            "channels": [c.pk for c in series.channels.all()],
            "pillar": series.pillar_id,
            "campaign": series.campaign_id,
            "link": series.link,
            "starts_on": series.starts_on,
            "local_time": series.local_time,
            "frequency": "rule",
            "rule": series.rule,
            "exdates": "\n".join(value[:10] for value in series.exdates),
        }
        for lang, text in series.texts.items():
            initial[f"text_{lang}"] = text
        return initial
