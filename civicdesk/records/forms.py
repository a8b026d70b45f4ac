"""The Records screens' forms: the archive search, a legal hold, a retention rule."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from civicdesk.organizations.models import Channel, Organization
from civicdesk.records.holds import split_list
from civicdesk.records.models import RecordClass, RetentionAction
from civicdesk.records.retention import ALLOWED
from civicdesk.records.search import ArchiveQuery

DATE = forms.DateInput(attrs={"type": "date"})


def _channels(organization: Organization) -> Any:
    return Channel.objects.filter(brand__organization=organization).select_related("brand")


class SearchForm(forms.Form):
    date_from = forms.DateField(label=_("From"), required=False, widget=DATE)
    date_to = forms.DateField(label=_("To"), required=False, widget=DATE)
    words = forms.CharField(label=_("Words"), required=False, max_length=200)
    channel = forms.ModelChoiceField(
        label=_("Channel"), queryset=Channel.objects.none(), required=False
    )
    author = forms.CharField(
        label=_("Author"), required=False, max_length=200, help_text=_("A handle or a username.")
    )
    redact = forms.BooleanField(
        label=_("Redact third parties' personal data in the export"), required=False
    )

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        channel = self.fields["channel"]
        assert isinstance(channel, forms.ModelChoiceField)
        channel.queryset = _channels(organization)
        channel.empty_label = _("Every channel")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            self.add_error("date_to", _("The end date is before the start date."))
        return data

    def query(self) -> ArchiveQuery:
        data = self.cleaned_data
        channel = data.get("channel")
        author = (data.get("author") or "").strip()
        return ArchiveQuery(
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            words=data.get("words") or "",
            channel_ids=(channel.pk,) if channel else (),
            authors=(author,) if author else (),
        )


class HoldForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))
    starts_on = forms.DateField(label=_("From"), required=False, widget=DATE)
    ends_on = forms.DateField(label=_("To"), required=False, widget=DATE)
    channels = forms.ModelMultipleChoiceField(
        label=_("Channels"),
        queryset=Channel.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None chosen: every channel."),
    )
    authors = forms.CharField(
        label=_("Authors"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Handles or usernames, one a line or separated by commas; empty: anyone."),
    )
    words = forms.CharField(
        label=_("Words"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Records containing any of these; empty: any words."),
    )

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        channels = self.fields["channels"]
        assert isinstance(channels, forms.ModelMultipleChoiceField)
        channels.queryset = _channels(organization)

    def authors_list(self) -> list[str]:
        return split_list(self.cleaned_data.get("authors") or "")

    def words_list(self) -> list[str]:
        return split_list(self.cleaned_data.get("words") or "")


class RuleForm(forms.Form):
    days = forms.IntegerField(label=_("Keep for (days)"), min_value=1, max_value=36500)
    action = forms.ChoiceField(label=_("Then"), choices=RetentionAction.choices)

    def __init__(self, *args: Any, record_class: str, **kwargs: Any) -> None:
        kwargs["prefix"] = record_class
        super().__init__(*args, **kwargs)
        self.record_class = record_class
        self.label = RecordClass(record_class).label
        action = self.fields["action"]
        assert isinstance(action, forms.ChoiceField)
        action.choices = [
            (value, label)
            for value, label in RetentionAction.choices
            if value in ALLOWED[record_class]
        ]
