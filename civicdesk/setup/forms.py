"""Forms of the settings screens. They parse and validate input; the actions write."""

from __future__ import annotations

import zoneinfo
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from civicdesk.core.forms import field_of
from civicdesk.organizations.models import Brand, Organization, Role
from civicdesk.publishing.models import Pillar

# A logo is shown small; a large file would only slow every page that shows it.
MAX_LOGO_BYTES = 2 * 1024 * 1024
ALL_ROLES = [(role.value, role.label) for role in Role]


def _time_zones() -> list[tuple[str, str]]:
    return [(zone, zone) for zone in sorted(zoneinfo.available_timezones())]


def _language_codes(value: str) -> list[str]:
    codes = [code.strip().lower() for code in value.replace(" ", ",").split(",") if code.strip()]
    if not codes or not all(2 <= len(c) <= 3 and c.isalpha() for c in codes):
        raise ValidationError(_("Give language codes such as en, fr."))
    return list(dict.fromkeys(codes))


class OrganizationForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    time_zone = forms.ChoiceField(
        label=_("Time zone"), choices=_time_zones, initial=settings.TIME_ZONE
    )
    official_languages = forms.CharField(
        label=_("Official languages"),
        initial="en",
        help_text=_("Language codes, separated by commas: en, fr."),
    )
    logo = forms.ImageField(
        label=_("Logo"), required=False, help_text=_("A PNG or JPEG image, shown on the desk.")
    )

    def clean_official_languages(self) -> list[str]:
        return _language_codes(self.cleaned_data["official_languages"])

    def clean_logo(self) -> Any:
        logo = self.cleaned_data.get("logo")
        if logo and logo.size > MAX_LOGO_BYTES:
            raise ValidationError(_("The logo is too large: at most 2 MB."))
        return logo


class SecondFactorRuleForm(forms.Form):
    """Who in the organization must sign in with a second factor."""

    for_all = forms.BooleanField(
        label=_("Require a second factor of everyone"),
        required=False,
        help_text=_("An authenticator app or a passkey. Recovery codes alone do not count."),
    )
    roles = forms.MultipleChoiceField(
        label=_("Or of these roles only"),
        choices=ALL_ROLES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "People without a second factor are sent to set one up before anything else, you too."
        ),
    )


class BrandForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    purpose = forms.CharField(
        label=_("Purpose"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What this brand is for, in a sentence or two."),
    )


class TiersForm(forms.Form):
    approval_tiers = forms.IntegerField(
        label=_("Approvals needed"),
        min_value=1,
        max_value=5,
        help_text=_("How many people, one after another, approve a post before it goes out."),
    )


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("Email"))
    role = forms.ChoiceField(label=_("Role"), choices=ALL_ROLES, initial=Role.AUTHOR)
    brand = forms.ModelChoiceField(
        label=_("Brand"),
        queryset=Brand.objects.none(),
        required=False,
        empty_label=_("Every brand"),
    )

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field_of(self, "brand", forms.ModelChoiceField).queryset = organization.brands.filter(
            archived_at__isnull=True
        )


class RoleForm(forms.Form):
    brand = forms.ModelChoiceField(
        label=_("Brand"),
        queryset=Brand.objects.none(),
        required=False,
        empty_label=_("Every brand"),
    )
    role = forms.ChoiceField(
        label=_("Role"), required=False, choices=[("", _("No role"))] + ALL_ROLES
    )

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field_of(self, "brand", forms.ModelChoiceField).queryset = organization.brands.all()


class AcceptForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    password = forms.CharField(
        label=_("Password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password_again = forms.CharField(
        label=_("Password again"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password") and data.get("password") != data.get("password_again"):
            raise ValidationError(_("The two passwords differ."))
        return data


class PillarForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    description = forms.CharField(label=_("Description"), max_length=300, required=False)
    target_percent = forms.IntegerField(
        label=_("Target, in percent of the month's posts"),
        min_value=0,
        max_value=100,
        required=False,
        help_text=_("Empty: no target."),
    )


class CampaignForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    starts_on = forms.DateField(
        label=_("Starts on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    ends_on = forms.DateField(
        label=_("Ends on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    pillar = forms.ModelChoiceField(
        label=_("Content pillar"), queryset=Pillar.objects.none(), required=False
    )
    goal = forms.CharField(
        label=_("Goal"),
        max_length=300,
        required=False,
        help_text=_("What it should achieve, e.g. 1,000 sign-ups by June."),
    )

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field_of(self, "pillar", forms.ModelChoiceField).queryset = Pillar.objects.filter(
            organization=organization
        )


class BusinessAreaForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    languages = forms.MultipleChoiceField(
        label=_("Answers in"), required=False, widget=forms.CheckboxSelectMultiple
    )
    members = forms.ModelMultipleChoiceField(
        label=_("Members"),
        required=False,
        queryset=get_user_model().objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field_of(self, "languages", forms.ChoiceField).choices = [
            (c, c) for c in organization.official_languages
        ]
        field_of(self, "members", forms.ModelChoiceField).queryset = (
            get_user_model()
            .objects.filter(memberships__organization=organization)
            .distinct()
            .order_by("username")
        )
