"""The analytics screens' forms: what a dashboard covers, the monthly report's text and its
recipients, a peer's benchmark file."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicdesk.analytics.definitions import Period
from civicdesk.organizations.models import Brand, Channel, Organization
from civicdesk.publishing.models import Campaign, Pillar
from civicdesk.rules import language_name

DIMENSION_LABELS = {
    "brand": _("Brand"),
    "channel": _("Channel"),
    "platform": _("Platform"),
    "pillar": _("Content pillar"),
    "campaign": _("Campaign"),
    "language": _("Language"),
}
# The longest period a dashboard covers: two years and a day.
MAX_DAYS = 732


class ScopeForm(forms.Form):
    """A dashboard's organization, filters and dates (a GET form: every view is a link)."""

    organization = forms.ModelChoiceField(
        label=_("Organization"), queryset=Organization.objects.none(), required=False
    )
    brand = forms.ModelChoiceField(
        label=_("Brand"), queryset=Brand.objects.none(), required=False, empty_label=_("All")
    )
    channel = forms.ModelChoiceField(
        label=_("Channel"), queryset=Channel.objects.none(), required=False, empty_label=_("All")
    )
    pillar = forms.ModelChoiceField(
        label=_("Content pillar"),
        queryset=Pillar.objects.none(),
        required=False,
        empty_label=_("All"),
    )
    campaign = forms.ModelChoiceField(
        label=_("Campaign"),
        queryset=Campaign.objects.none(),
        required=False,
        empty_label=_("All"),
    )
    language = forms.ChoiceField(label=_("Language"), required=False)
    start = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    by = forms.ChoiceField(
        label=_("Break down by"), required=False, choices=list(DIMENSION_LABELS.items())
    )

    def __init__(
        self,
        *args: Any,
        organizations: list[Organization],
        organization: Organization,
        channels: list[Channel],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        fields: Any = self.fields
        fields["organization"].queryset = Organization.objects.filter(
            pk__in=[o.pk for o in organizations]
        ).order_by("name")
        fields["organization"].empty_label = None
        fields["brand"].queryset = Brand.objects.filter(
            pk__in={c.brand_id for c in channels}
        ).order_by("name")
        fields["channel"].queryset = Channel.objects.filter(
            pk__in=[c.pk for c in channels]
        ).order_by("brand__name", "platform", "handle")
        fields["pillar"].queryset = Pillar.objects.filter(organization=organization).order_by(
            "name"
        )
        fields["campaign"].queryset = Campaign.objects.filter(organization=organization).order_by(
            "name"
        )
        fields["language"].choices = [("", _("All"))] + [
            (code, language_name(code, code)) for code in organization.official_languages
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            raise ValidationError(_("The period must end on or after the day it starts."))
        if start and end and (end - start).days >= MAX_DAYS:
            raise ValidationError(_("A dashboard covers two years at most."))
        return data

    def period(self, today: date) -> Period:
        """The chosen days; by default the 30 days up to today."""
        data = self.cleaned_data if self.is_valid() else {}
        end = data.get("end") or today
        start = data.get("start") or end - timedelta(days=29)
        return Period(start, end)


def local_today(organization: Organization) -> date:
    return timezone.localtime(timezone.now(), organization.tz).date()


class MonthlyTextForm(forms.Form):
    """The manager's words in each official language, and who receives the report."""

    recipients = forms.CharField(
        label=_("Send to"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Email addresses, separated by commas or new lines."),
    )

    def __init__(self, *args: Any, languages: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.languages = languages
        for code in languages:
            self.fields[f"text_{code}"] = forms.CharField(
                label=_("The manager's words (%(language)s)")
                % {"language": language_name(code, code)},
                required=False,
                max_length=4000,
                widget=forms.Textarea(attrs={"rows": 4, "lang": code, "dir": "auto"}),
            )

    def clean_recipients(self) -> list[str]:
        raw = self.cleaned_data.get("recipients") or ""
        addresses = [a.strip() for a in raw.replace("\n", ",").split(",") if a.strip()]
        field = forms.EmailField()
        bad = []
        for address in addresses:
            try:
                field.clean(address)
            except ValidationError:
                bad.append(address)
        if bad:
            raise ValidationError(
                _("Not an email address: %(addresses)s") % {"addresses": ", ".join(bad)}
            )
        if len(addresses) > 50:
            raise ValidationError(_("Fifty recipients at most."))
        return addresses

    def texts(self) -> dict[str, str]:
        return {code: self.cleaned_data.get(f"text_{code}", "") for code in self.languages}


class BenchmarkUploadForm(forms.Form):
    file = forms.FileField(
        label=_("A peer's benchmark file (JSON)"),
        help_text=_("The file another organization exported from its own analytics."),
    )

    def clean_file(self) -> bytes:
        upload = self.cleaned_data["file"]
        if upload.size > 2 * 1024 * 1024:
            raise ValidationError(_("A benchmark file is 2 MB at most."))
        data: bytes = upload.read()
        return data


class BenchmarkExportForm(forms.Form):
    institution_kind = forms.ChoiceField(label=_("Kind of institution"))

    def __init__(self, *args: Any, kinds: list[tuple[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["institution_kind"].choices = kinds  # type: ignore[attr-defined]
