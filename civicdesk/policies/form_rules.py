"""The policy form's lists: words that need an approver, forbidden words, moderation clauses.

Each list is a formset of rules. A rule keeps its short name (``id``), which findings and
moderation actions cite; a new rule without one gets one made from its first words. Texts in
languages the form does not show are kept as they were.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms.formsets import BaseFormSet, formset_factory
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from civicdesk.policies.form_settings import language_label, split_lines
from civicdesk.rules import ApprovalRule, ForbiddenRule, ModerationClause

MODERATION_ACTIONS = [
    ("hide", pgettext_lazy("moderation action", "Hide")),
    ("delete", pgettext_lazy("moderation action", "Delete")),
    ("block", pgettext_lazy("moderation action", "Block the author")),
]


class _RuleForm(forms.Form):
    """One approval rule, forbidden rule or moderation clause of a list."""

    id = forms.CharField(
        label=_("Short name"),
        max_length=100,
        required=False,
        help_text=_("Cited in reports; made from the first words when left empty."),
    )

    def __init__(self, *args: Any, languages: Sequence[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.languages = list(languages)

    def id_seed(self) -> str:
        raise NotImplementedError

    def _terms(self) -> list[str]:
        terms = split_lines(self.cleaned_data["terms"])
        if not any(term.strip("*").strip() for term in terms):
            raise ValidationError(_("Write at least one word."), code="required")
        return terms

    def language_fields(self) -> list[forms.BoundField]:
        return []

    def summary(self) -> str:
        """What the rule is called in a folded list."""
        return str(self.initial.get("id", ""))

    def main_fields(self) -> list[forms.BoundField]:
        """The rule's own fields; texts per language, the short name and Remove come after."""
        later = {"id", "DELETE", *(bound.name for bound in self.language_fields())}
        return [bound for bound in self.visible_fields() if bound.name not in later]


class ApprovalForm(_RuleForm):
    topic = forms.CharField(label=_("Topic"), max_length=200, required=False)
    approver = forms.CharField(
        label=_("Approved by"),
        max_length=200,
        help_text=_("A person or a business area, e.g. legal counsel."),
    )
    terms = forms.CharField(
        label=_("Words (one per line)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("End a word with * to match every word it begins, e.g. litig*."),
    )

    field_order = ["topic", "approver", "terms", "id"]

    @staticmethod
    def initial_for(rule: ApprovalRule) -> dict[str, Any]:
        return {
            "id": rule.id,
            "topic": rule.topic,
            "approver": rule.approver,
            "terms": "\n".join(rule.terms),
        }

    def clean_terms(self) -> list[str]:
        return self._terms()

    def id_seed(self) -> str:
        return self.cleaned_data.get("topic") or self.cleaned_data["terms"][0]

    def rule(self, rule_id: str) -> ApprovalRule:
        data = self.cleaned_data
        return ApprovalRule(
            id=rule_id, topic=data["topic"], approver=data["approver"], terms=data["terms"]
        )


class ForbiddenForm(_RuleForm):
    terms = forms.CharField(
        label=_("Words (one per line)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("End a word with * to match every word it begins."),
    )

    field_order = ["terms", "id"]

    def __init__(self, *args: Any, languages: Sequence[str], **kwargs: Any) -> None:
        super().__init__(*args, languages=languages, **kwargs)
        for code in self.languages:
            self.fields[f"reason_{code}"] = forms.CharField(
                label=_("Why, in %(language)s") % {"language": language_label(code)},
                max_length=500,
                required=False,
                help_text=_("Shown to the author of a post that uses one of the words."),
            )

    @staticmethod
    def initial_for(rule: ForbiddenRule) -> dict[str, Any]:
        initial: dict[str, Any] = {"id": rule.id, "terms": "\n".join(rule.terms)}
        for code, reason in rule.reason.items():
            initial[f"reason_{code}"] = reason
        return initial

    def clean_terms(self) -> list[str]:
        return self._terms()

    def language_fields(self) -> list[forms.BoundField]:
        return [self[f"reason_{code}"] for code in self.languages]

    def id_seed(self) -> str:
        return self.cleaned_data["terms"][0]

    def rule(self, rule_id: str, before: ForbiddenRule | None) -> ForbiddenRule:
        reason = _texts(
            self.cleaned_data, "reason", self.languages, before.reason if before else None
        )
        return ForbiddenRule(id=rule_id, terms=self.cleaned_data["terms"], reason=reason)


class ClauseForm(_RuleForm):
    actions = forms.MultipleChoiceField(
        label=_("What a moderator may do under this clause"),
        choices=MODERATION_ACTIONS,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args: Any, languages: Sequence[str], **kwargs: Any) -> None:
        super().__init__(*args, languages=languages, **kwargs)
        self.fields["id"].help_text = _(
            "Moderation actions cite it: keep it when you reword the clause."
        )
        # Actions the policy names that the form does not know are kept, not dropped.
        known = {value for value, _label in MODERATION_ACTIONS}
        extra = [a for a in self.initial.get("actions", []) if a not in known]
        self._offered = [*(value for value, _label in MODERATION_ACTIONS), *extra]
        actions = self.fields["actions"]
        assert isinstance(actions, forms.MultipleChoiceField)
        actions.choices = [*MODERATION_ACTIONS, *((a, a) for a in extra)]
        for code in self.languages:
            name = language_label(code)
            self.fields[f"title_{code}"] = forms.CharField(
                label=_("Title in %(language)s") % {"language": name},
                max_length=300,
                required=False,
            )
            self.fields[f"text_{code}"] = forms.CharField(
                label=_("Text in %(language)s") % {"language": name},
                widget=forms.Textarea(attrs={"rows": 3}),
                required=False,
            )

    @staticmethod
    def initial_for(clause: ModerationClause) -> dict[str, Any]:
        initial: dict[str, Any] = {"id": clause.id, "actions": list(clause.actions)}
        for code, title in clause.title.items():
            initial[f"title_{code}"] = title
        for code, text in clause.text.items():
            initial[f"text_{code}"] = text
        return initial

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if not any(data.get(f"title_{code}") for code in self.languages):
            self.add_error(
                f"title_{self.languages[0]}",
                ValidationError(_("Give the clause a title."), code="required"),
            )
        # The order the policy wrote them in is kept; actions ticked anew follow.
        chosen = data.get("actions") or []
        before = [a for a in self.initial.get("actions", []) if a in chosen]
        data["actions"] = before + [a for a in self._offered if a in chosen and a not in before]
        return data

    def language_fields(self) -> list[forms.BoundField]:
        return [self[f"{kind}_{code}"] for code in self.languages for kind in ("title", "text")]

    def summary(self) -> str:
        titles = [self.initial.get(f"title_{code}") for code in self.languages]
        title = next((t for t in titles if t), "")
        return f"{title} ({self.initial['id']})" if title else super().summary()

    def id_seed(self) -> str:
        titles = [self.cleaned_data.get(f"title_{code}") for code in self.languages]
        return next(t for t in titles if t)

    def rule(self, rule_id: str, before: ModerationClause | None) -> ModerationClause:
        data = self.cleaned_data
        return ModerationClause(
            id=rule_id,
            title=_texts(data, "title", self.languages, before.title if before else None),
            text=_texts(data, "text", self.languages, before.text if before else None),
            actions=data["actions"],
        )


def _texts(
    data: dict[str, Any], prefix: str, languages: Sequence[str], before: dict[str, str] | None
) -> dict[str, str]:
    """A text per language; languages the form does not show keep their text."""
    texts = {code: text for code, text in (before or {}).items() if code not in languages}
    for code in languages:
        if data.get(f"{prefix}_{code}"):
            texts[code] = data[f"{prefix}_{code}"]
    ordered = [code for code in (before or {}) if code in texts]
    return {code: texts[code] for code in [*ordered, *(c for c in texts if c not in ordered)]}


class RuleFormSet(BaseFormSet):
    """A list of rules: short names are unique, and made up for rules that have none."""

    def kept_forms(self) -> list[_RuleForm]:
        """The rules to save, in the page's order: not removed, not left blank."""
        return [
            form
            for form in self.forms
            if form.has_changed() or form.initial
            if not (self.can_delete and form.cleaned_data.get("DELETE", False))
        ]

    def clean(self) -> None:
        if any(self.errors):
            return
        kept = self.kept_forms()
        seen: dict[str, _RuleForm] = {}
        for form in kept:
            rule_id = form.cleaned_data.get("id", "").strip()
            if rule_id in seen:
                form.add_error(
                    "id",
                    ValidationError(
                        _("%(id)s is already the short name of another rule.") % {"id": rule_id},
                        code="duplicate",
                    ),
                )
            elif rule_id:
                seen[rule_id] = form
        for form in kept:
            if not form.cleaned_data.get("id", "").strip():
                seed = slugify(form.id_seed())[:90] or "rule"
                rule_id, n = seed, 2
                while rule_id in seen:
                    rule_id, n = f"{seed}-{n}", n + 1
                form.cleaned_data["id"] = rule_id
                seen[rule_id] = form


ApprovalFormSet = formset_factory(ApprovalForm, formset=RuleFormSet, extra=1, can_delete=True)
ForbiddenFormSet = formset_factory(ForbiddenForm, formset=RuleFormSet, extra=1, can_delete=True)
ClauseFormSet = formset_factory(ClauseForm, formset=RuleFormSet, extra=1, can_delete=True)
