"""Forms of the incident screens: declare, publish an update, close."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from civicdesk.incidents.models import Incident, IncidentKind, IncidentTemplate, Severity
from civicdesk.organizations.access import Perm, User, brands_for
from civicdesk.organizations.models import Channel, Organization


class DeclareForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=IncidentKind.choices)
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices)
    area = forms.CharField(label=_("Area"), max_length=200, required=False)
    brands: Any = forms.ModelMultipleChoiceField(label=_("Brands in scope"), queryset=None)
    channels: Any = forms.ModelMultipleChoiceField(
        label=_("Channels in scope (none chosen: all of the brands')"),
        queryset=None,
        required=False,
    )
    languages = forms.MultipleChoiceField(label=_("Languages"), choices=(), required=False)
    duty_approver: Any = forms.ModelChoiceField(
        label=_("Duty approver"), queryset=None, required=False
    )
    on_duty: Any = forms.ModelMultipleChoiceField(label=_("On duty"), queryset=None, required=False)
    cadence_minutes = forms.IntegerField(
        label=_("An update every (minutes)"), min_value=5, max_value=24 * 60, initial=60
    )

    def __init__(self, *args: Any, organization: Organization, user: User, **kwargs: Any):
        super().__init__(*args, **kwargs)
        brands = brands_for(user, Perm.PUBLISH_CONTROL).filter(
            organization=organization, archived_at__isnull=True
        )
        people = (
            get_user_model()
            .objects.filter(memberships__organization=organization, is_active=True)
            .distinct()
        )
        self.fields["brands"].queryset = brands  # type: ignore[attr-defined]
        self.fields["channels"].queryset = Channel.objects.filter(  # type: ignore[attr-defined]
            brand__in=brands, is_active=True
        ).select_related("brand")
        self.fields["languages"].choices = [  # type: ignore[attr-defined]
            (code, code) for code in organization.official_languages
        ]
        self.fields["duty_approver"].queryset = people  # type: ignore[attr-defined]
        self.fields["on_duty"].queryset = people  # type: ignore[attr-defined]


class UpdateForm(forms.Form):
    channels: Any = forms.ModelMultipleChoiceField(label=_("Channels"), queryset=None)
    template: Any = forms.ModelChoiceField(
        label=_("Pre-approved template"), queryset=None, required=False
    )
    road = forms.CharField(label=_("{road}"), max_length=200, required=False)
    time = forms.CharField(label=_("{time}"), max_length=50, required=False)
    link = forms.CharField(label=_("{link}"), max_length=500, required=False)
    continue_thread = forms.BooleanField(
        label=_("Continue the first update's thread where the platform allows replies"),
        required=False,
    )

    def __init__(self, *args: Any, incident: Incident, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.languages = list(incident.languages)
        self.fields["channels"].queryset = incident.channels.select_related(  # type: ignore[attr-defined]
            "brand"
        )
        self.fields["channels"].initial = list(incident.channels.values_list("pk", flat=True))
        self.fields["template"].queryset = IncidentTemplate.objects.filter(  # type: ignore[attr-defined]
            organization_id=incident.organization_id
        )
        for lang in self.languages:
            self.fields[f"text_{lang}"] = forms.CharField(
                label=_("Text (%(language)s), when not from a template") % {"language": lang},
                widget=forms.Textarea(attrs={"rows": 3}),
                required=False,
            )

    def values(self) -> dict[str, str]:
        return {
            name: self.cleaned_data[name]
            for name in ("road", "time", "link")
            if self.cleaned_data.get(name)
        }

    def texts(self) -> dict[str, str]:
        return {lang: self.cleaned_data.get(f"text_{lang}", "") for lang in self.languages}


class TemplateForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=IncidentKind.choices)
    name = forms.CharField(label=_("Name"), max_length=200)

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.languages = list(organization.official_languages)
        for lang in self.languages:
            self.fields[f"text_{lang}"] = forms.CharField(
                label=_("Text (%(language)s)") % {"language": lang},
                widget=forms.Textarea(attrs={"rows": 3}),
            )

    def texts(self) -> dict[str, str]:
        return {lang: self.cleaned_data.get(f"text_{lang}", "") for lang in self.languages}
