"""The policy editor's forms and the moderation form."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class PolicyEditorForm(forms.Form):
    document = forms.CharField(
        label=_("Policy document (YAML)"),
        strip=False,
        widget=forms.Textarea(
            attrs={
                "rows": 30,
                "spellcheck": "false",
                "class": "code",
                "autocapitalize": "off",
                "autocomplete": "off",
            }
        ),
    )
    note = forms.CharField(label=_("What changed"), max_length=500, required=False)
    base = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)


class PolicyUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Policy file (.yaml or .yml, 256 kB at most)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".yaml,.yml"}),
    )
    note = forms.CharField(label=_("What changed"), max_length=500, required=False)


class ModerateForm(forms.Form):
    action = forms.ChoiceField(
        choices=[
            ("hide", "Hide"),
            ("unhide", "Show again"),
            ("delete", "Delete"),
            ("block", "Block the author"),
        ]
    )
    clause = forms.CharField(max_length=100, required=False)
