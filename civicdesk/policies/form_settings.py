"""The policy form's settings: the policy's name, its languages and its accessibility rules,
each rule with how much its findings matter (its severity).

``PolicySettingsForm.apply`` writes the settings into a policy and touches nothing else: the
severities of rules it does not show (links) keep what the YAML says.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from civicdesk.rules import Policy, language_name
from civicdesk.rules.report import POLICY_SEVERITIES

# Words and codes are separated by commas or spaces; a word list by lines (a term may hold spaces).
_LIST_SPLIT = re.compile(r"[,\s]+")
_LANGUAGE_CODE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")

_SHORT_LEVELS = {
    "blocking": _("blocking"),
    "warning": _("warning"),
    "advice": _("advice"),
}
SEVERITY_LABELS = {
    "blocking": _("Blocking: the post cannot go out"),
    "warning": _("Warning"),
    "advice": _("Advice"),
    "off": _("Off: not checked"),
}

# What each rule the form offers a severity for notices, in the officer's words. Rules of the
# policy not listed here (links) keep the severity the YAML gives them.
_RULE_LABELS = {
    "accessibility.alt_text_missing": _("An image without alt text"),
    "accessibility.alt_text_filename": _("Alt text that is only a file name"),
    "accessibility.hashtag_case": _("A hashtag not in CamelCase"),
    "accessibility.too_many_hashtags": _("Too many hashtags"),
    "accessibility.hashtag_not_at_end": _("Hashtags in the middle of the text"),
    "accessibility.long_sentence": _("A sentence too long"),
    "accessibility.too_many_emoji": _("Too many emoji"),
    "accessibility.emoji_only": _("A text made only of emoji"),
    "accessibility.emoji_as_word": _("An emoji in place of a word"),
    "accessibility.all_caps": _("A word in capitals"),
    "accessibility.readability": _("A text hard to read"),
    "languages.missing": _("An official language missing"),
    "languages.not_paired": _("Language versions not going out together"),
    "languages.duplicate": _("The same text in two languages"),
    "languages.empty_variant": _("An empty language version"),
    "languages.channel_empty": _("Nothing for an account's language"),
    "words.needs_approval": _("A word that needs an approver"),
    "words.forbidden": _("A forbidden word"),
}
RULE_LABELS = {code: label for code, label in _RULE_LABELS.items() if code in POLICY_SEVERITIES}


def severity_field_name(code: str) -> str:
    return "severity_" + code.replace(".", "__")


def _split_list(text: str) -> list[str]:
    return [item for item in _LIST_SPLIT.split(text.strip()) if item]


def split_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def language_label(code: str) -> str:
    return language_name(code, get_language())


def editor_languages(policy: Policy, official: Iterable[str] = ()) -> list[str]:
    """The languages the form offers a text in: those the policy names, then the organization's."""
    seen: dict[str, None] = {}
    for code in policy.languages.official:
        seen.setdefault(code, None)
    for code in official:
        seen.setdefault(code, None)
    for code in policy.accessibility.readability.thresholds:
        seen.setdefault(code, None)
    for rule in policy.forbidden:
        for code in rule.reason:
            seen.setdefault(code, None)
    for clause in policy.moderation:
        for code in [*clause.title, *clause.text]:
            seen.setdefault(code, None)
    return list(seen) or ["en"]


def _severity_field(code: str) -> forms.ChoiceField:
    usual = _SHORT_LEVELS[POLICY_SEVERITIES[code].value]
    return forms.ChoiceField(
        label=RULE_LABELS[code],
        required=False,
        choices=[("", _("As usual: %(level)s") % {"level": usual}), *SEVERITY_LABELS.items()],
    )


# The accessibility rules the form shows as plain fields, named as in the policy.
ACCESSIBILITY_FIELDS = (
    "require_alt_text",
    "max_hashtags",
    "hashtags_camel_case",
    "hashtags_at_end",
    "max_sentence_words",
    "max_emoji",
    "emoji_must_not_carry_message",
    "no_all_caps",
    "acronym_max_length",
)


@dataclass(frozen=True)
class Row:
    """One rule of a section: its settings and how much each of its findings matters."""

    title: str
    fields: list[forms.BoundField]
    severities: list[forms.BoundField]


class PolicySettingsForm(forms.Form):
    """The policy's name, languages and accessibility rules, with the severity of each."""

    # Settings and the rule codes they govern, in the order the page shows them.
    ACCESSIBILITY_ROWS: Sequence[tuple[Any, Sequence[str], Sequence[str]]] = (
        (
            _("Alt text"),
            ("require_alt_text",),
            ("accessibility.alt_text_missing", "accessibility.alt_text_filename"),
        ),
        (
            _("Hashtags"),
            ("max_hashtags", "hashtags_camel_case", "hashtags_at_end"),
            (
                "accessibility.too_many_hashtags",
                "accessibility.hashtag_case",
                "accessibility.hashtag_not_at_end",
            ),
        ),
        (_("Sentences"), ("max_sentence_words",), ("accessibility.long_sentence",)),
        (
            _("Emoji"),
            ("max_emoji", "emoji_must_not_carry_message"),
            (
                "accessibility.too_many_emoji",
                "accessibility.emoji_only",
                "accessibility.emoji_as_word",
            ),
        ),
        (
            _("Words in capitals"),
            ("no_all_caps", "acronym_max_length", "acronyms"),
            ("accessibility.all_caps",),
        ),
        (
            _("Plain language"),
            ("readability_enabled", "readability_minimum_words"),
            ("accessibility.readability",),
        ),
    )
    LANGUAGE_CODES = (
        "languages.missing",
        "languages.not_paired",
        "languages.duplicate",
        "languages.empty_variant",
        "languages.channel_empty",
    )
    WORD_CODES = ("words.needs_approval", "words.forbidden")

    base = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)
    name = forms.CharField(label=_("Name of the policy"), max_length=200)
    official = forms.CharField(
        label=_("Official languages"),
        required=False,
        help_text=_(
            "Language codes separated by commas, e.g. en, fr. Leave empty to use the "
            "organization's official languages."
        ),
    )
    require_all_official = forms.BooleanField(
        label=_("Every post is written in every official language"), required=False
    )
    require_paired = forms.BooleanField(
        label=_("The language versions of a post go out together"), required=False
    )
    require_alt_text = forms.BooleanField(label=_("Every image needs alt text"), required=False)
    max_hashtags = forms.IntegerField(label=_("Hashtags at most"), min_value=0)
    hashtags_camel_case = forms.BooleanField(
        label=_("Hashtags in CamelCase (#CityHall, not #cityhall)"), required=False
    )
    hashtags_at_end = forms.BooleanField(label=_("Hashtags at the end of the text"), required=False)
    max_sentence_words = forms.IntegerField(label=_("Words in a sentence at most"), min_value=0)
    max_emoji = forms.IntegerField(label=_("Emoji at most"), min_value=0)
    emoji_must_not_carry_message = forms.BooleanField(
        label=_("Emoji never stand in for words"), required=False
    )
    no_all_caps = forms.BooleanField(label=_("No words in capitals"), required=False)
    acronym_max_length = forms.IntegerField(
        label=_("Words in capitals up to this many letters are taken for acronyms"), min_value=0
    )
    acronyms = forms.CharField(
        label=_("Other acronyms allowed"),
        required=False,
        help_text=_("Separated by commas, e.g. NATO, UNESCO."),
    )
    readability_enabled = forms.BooleanField(
        label=_("Score how easy the text is to read"), required=False
    )
    readability_minimum_words = forms.IntegerField(
        label=_("Score texts from this many words"), min_value=0
    )
    approve_series_once = forms.BooleanField(
        label=_("A recurring post is approved once for all its occurrences"),
        required=False,
        help_text=_(
            "Unticked: each occurrence is approved on its own, as the brand's approval tiers "
            "require."
        ),
    )
    note = forms.CharField(
        label=_("What changed"),
        max_length=500,
        required=False,
        help_text=_("Shown in the history, e.g. Added the legal approval words."),
    )

    def __init__(self, *args: Any, languages: Sequence[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.languages = list(languages)
        for code in self.languages:
            self.fields[f"threshold_{code}"] = forms.FloatField(
                label=_("Lowest score in %(language)s") % {"language": language_label(code)},
                required=False,
                help_text=_("Empty: texts in this language are not scored."),
            )
        for code in RULE_LABELS:
            self.fields[severity_field_name(code)] = _severity_field(code)

    @classmethod
    def initial_for(cls, policy: Policy, *, base: int, languages: Sequence[str]) -> dict[str, Any]:
        access = policy.accessibility
        initial: dict[str, Any] = {
            "base": base,
            "name": policy.name,
            "official": ", ".join(policy.languages.official),
            "require_all_official": policy.languages.require_all_official,
            "require_paired": policy.languages.require_paired,
            "acronyms": ", ".join(access.acronyms),
            "readability_enabled": access.readability.enabled,
            "readability_minimum_words": access.readability.minimum_words,
            "approve_series_once": policy.recurring.approve_series_once,
        }
        for name in ACCESSIBILITY_FIELDS:
            initial[name] = getattr(access, name)
        for code in languages:
            initial[f"threshold_{code}"] = access.readability.thresholds.get(code)
        for code in RULE_LABELS:
            initial[severity_field_name(code)] = policy.severities.get(code, "")
        return initial

    def clean_official(self) -> list[str]:
        codes = _split_list(self.cleaned_data["official"])
        wrong = [code for code in codes if not _LANGUAGE_CODE.match(code)]
        if wrong:
            raise ValidationError(
                _("%(code)s is not a language code such as en or fr.") % {"code": wrong[0]},
                code="language",
            )
        if len(set(codes)) != len(codes):
            raise ValidationError(_("A language is listed twice."), code="duplicate")
        return codes

    def clean_acronyms(self) -> list[str]:
        return _split_list(self.cleaned_data["acronyms"])

    # Sections of the page, each a list of rows with their severities.
    def language_rows(self) -> list[Row]:
        return [
            Row(
                str(_("Languages")),
                [self["official"], self["require_all_official"], self["require_paired"]],
                self._severities(self.LANGUAGE_CODES),
            )
        ]

    def accessibility_rows(self) -> list[Row]:
        rows = []
        for title, names, codes in self.ACCESSIBILITY_ROWS:
            fields = [self[name] for name in names]
            if names[0] == "readability_enabled":
                fields += [self[f"threshold_{code}"] for code in self.languages]
            rows.append(Row(str(title), fields, self._severities(codes)))
        return rows

    def word_severities(self) -> list[forms.BoundField]:
        return self._severities(self.WORD_CODES)

    def _severities(self, codes: Iterable[str]) -> list[forms.BoundField]:
        return [self[severity_field_name(c)] for c in codes if c in RULE_LABELS]

    def apply(self, policy: Policy) -> None:
        """Write the cleaned settings into ``policy``."""
        data = self.cleaned_data
        policy.name = data["name"]
        policy.languages.official = data["official"]
        policy.languages.require_all_official = data["require_all_official"]
        policy.languages.require_paired = data["require_paired"]
        policy.recurring.approve_series_once = data["approve_series_once"]
        access = policy.accessibility
        for name in (*ACCESSIBILITY_FIELDS, "acronyms"):
            setattr(access, name, data[name])
        access.readability.enabled = data["readability_enabled"]
        access.readability.minimum_words = data["readability_minimum_words"]
        thresholds = dict(access.readability.thresholds)
        for code in self.languages:
            value = data[f"threshold_{code}"]
            if value is None:
                thresholds.pop(code, None)
            else:
                thresholds[code] = float(value)
        access.readability.thresholds = thresholds
        # Only the rules the form shows are touched: the others keep what the YAML says.
        for code in RULE_LABELS:
            chosen = data[severity_field_name(code)]
            if chosen:
                policy.severities[code] = chosen
            else:
                policy.severities.pop(code, None)
