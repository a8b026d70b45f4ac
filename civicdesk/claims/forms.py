"""The claim form: the working fields, and the public entry in each official language."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.models import User as Person
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

from civicdesk.claims.models import Claim, ClaimStatus, ClaimVersion
from civicdesk.claims.services import TEXT_FIELDS, parse_links
from civicdesk.organizations.models import Organization

FIELD_LABELS = {
    "title": _("Title on the public page (%(language)s)"),
    "facts": _("The facts (%(language)s)"),
    "correction": _("Correction offered to responders (%(language)s)"),
}


def _links_text(links: list[dict[str, str]]) -> str:
    return "\n".join(f"{link['label']} {link['url']}" for link in links)


class ClaimForm(forms.Form):
    statement = forms.CharField(
        label=_("The claim, as people say it"),
        widget=forms.Textarea(attrs={"rows": 2, "dir": "auto"}),
        max_length=1000,
        help_text=_("Messages that repeat it, in any language, are matched to the claim."),
    )
    topic = forms.CharField(label=_("Topic"), max_length=80, required=False)
    status = forms.ChoiceField(label=_("Status"), choices=ClaimStatus.choices)
    owner = forms.ModelChoiceField(
        label=_("Owner"),
        queryset=Person.objects.none(),
        required=False,
        empty_label=_("Nobody"),
    )
    sources = forms.CharField(
        label=_("Sources"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("One a line: a label, then the address (https://…)."),
    )
    help_links = forms.CharField(
        label=_("Where to get help"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=_("One a line: a label, then the address (https://…)."),
    )

    def __init__(
        self,
        *args: Any,
        organization: Organization,
        people: Any,
        claim: Claim | None = None,
        version: ClaimVersion | None = None,
        **kwargs: Any,
    ) -> None:
        bound = bool(args and args[0] is not None) or kwargs.get("data") is not None
        if claim is not None and not bound and not kwargs.get("initial"):
            kwargs["initial"] = {
                "statement": claim.statement,
                "topic": claim.topic,
                "status": claim.status,
                "owner": claim.owner_id,
            }
            if version is not None:
                kwargs["initial"]["sources"] = _links_text(version.sources)
                kwargs["initial"]["help_links"] = _links_text(version.help_links)
                for code, row in version.texts.items():
                    for field in TEXT_FIELDS:
                        kwargs["initial"][f"{field}_{code}"] = row.get(field, "")
        super().__init__(*args, **kwargs)
        self.organization = organization
        owner = self.fields["owner"]
        assert isinstance(owner, forms.ModelChoiceField)
        owner.queryset = people
        self.languages = list(organization.official_languages)
        for code in self.languages:
            name = get_language_info(code)["name_translated"] if code else code
            for field in TEXT_FIELDS:
                widget = (
                    forms.TextInput(attrs={"lang": code, "dir": "auto"})
                    if field == "title"
                    else forms.Textarea(attrs={"rows": 3, "lang": code, "dir": "auto"})
                )
                self.fields[f"{field}_{code}"] = forms.CharField(
                    label=FIELD_LABELS[field] % {"language": name},
                    required=False,
                    max_length=200 if field == "title" else 5000,
                    widget=widget,
                )

    def clean_sources(self) -> list[dict[str, str]]:
        return parse_links(self.cleaned_data.get("sources") or "")

    def clean_help_links(self) -> list[dict[str, str]]:
        return parse_links(self.cleaned_data.get("help_links") or "")

    def texts(self) -> dict[str, dict[str, str]]:
        return {
            code: {f: self.cleaned_data.get(f"{f}_{code}") or "" for f in TEXT_FIELDS}
            for code in self.languages
        }

    def language_groups(self) -> list[tuple[str, list[forms.BoundField]]]:
        """The per-language fields, grouped for the template."""
        return [(code, [self[f"{f}_{code}"] for f in TEXT_FIELDS]) for code in self.languages]
