"""The policy's form editor: its common settings as plain fields, for people who do not write YAML.

The forms never hold the whole policy. ``PolicyFormEditor.policy`` applies them over the policy
in force, so what they do not show (links, the document's edition number, severities of other
rules) stays as it was. Loading a policy into the forms and applying them unchanged gives back
an equal policy: that round trip lets the form and the YAML editor share one history.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError

from civicdesk.policies.form_rules import (
    ApprovalForm,
    ApprovalFormSet,
    ClauseForm,
    ClauseFormSet,
    ForbiddenForm,
    ForbiddenFormSet,
    RuleFormSet,
)
from civicdesk.policies.form_settings import (
    PolicySettingsForm,
    editor_languages,
    severity_field_name,
)
from civicdesk.rules import Policy

# Where the policy's own check names a rule of a list: "approvals[0].terms".
_INDEXED_PATH = re.compile(r"^(approvals|forbidden|moderation)\[(\d+)\]\.(\w+)")


class PolicyFormEditor:
    """The settings form and the three lists, bound or not, built from the policy in force."""

    def __init__(
        self,
        *,
        policy: Policy,
        base: int,
        official_languages: Iterable[str] = (),
        data: Any = None,
    ) -> None:
        self.base_policy = policy
        self.languages = editor_languages(policy, official_languages)
        kwargs = {"languages": self.languages}
        self.settings = PolicySettingsForm(
            data,
            languages=self.languages,
            initial=PolicySettingsForm.initial_for(policy, base=base, languages=self.languages),
        )
        self.approvals: RuleFormSet = ApprovalFormSet(  # type: ignore[assignment]
            data,
            prefix="approvals",
            initial=[ApprovalForm.initial_for(r) for r in policy.approvals],
            form_kwargs=kwargs,
        )
        self.forbidden: RuleFormSet = ForbiddenFormSet(  # type: ignore[assignment]
            data,
            prefix="forbidden",
            initial=[ForbiddenForm.initial_for(r) for r in policy.forbidden],
            form_kwargs=kwargs,
        )
        self.moderation: RuleFormSet = ClauseFormSet(  # type: ignore[assignment]
            data,
            prefix="moderation",
            initial=[ClauseForm.initial_for(c) for c in policy.moderation],
            form_kwargs=kwargs,
        )
        self.problems: list[str] = []

    @property
    def formsets(self) -> dict[str, RuleFormSet]:
        return {
            "approvals": self.approvals,
            "forbidden": self.forbidden,
            "moderation": self.moderation,
        }

    def is_valid(self) -> bool:
        results = [self.settings.is_valid(), *(fs.is_valid() for fs in self.formsets.values())]
        return all(results)

    def policy(self) -> Policy:
        """The policy in force with the forms' values written over it (call after is_valid)."""
        policy = copy.deepcopy(self.base_policy)
        self.settings.apply(policy)
        by_id_forbidden = {r.id: r for r in self.base_policy.forbidden}
        by_id_clause = {c.id: c for c in self.base_policy.moderation}
        policy.approvals = [
            form.rule(form.cleaned_data["id"])  # type: ignore[attr-defined]
            for form in self.approvals.kept_forms()
        ]
        policy.forbidden = [
            form.rule(  # type: ignore[attr-defined]
                form.cleaned_data["id"], by_id_forbidden.get(form.initial.get("id", ""))
            )
            for form in self.forbidden.kept_forms()
        ]
        policy.moderation = [
            form.rule(  # type: ignore[attr-defined]
                form.cleaned_data["id"], by_id_clause.get(form.initial.get("id", ""))
            )
            for form in self.moderation.kept_forms()
        ]
        return policy

    def add_problem(self, error: ValidationError) -> None:
        """Put a refusal from the service beside the field it names, or above the form."""
        params = getattr(error, "params", None) or {}
        path = str(params.get("path", ""))
        problem = str(params.get("problem", ""))
        if path and problem and self._place(path, problem):
            return
        self.problems.extend(error.messages)

    def _place(self, path: str, problem: str) -> bool:
        match = _INDEXED_PATH.match(path)
        if match:
            kept = self.formsets[match[1]].kept_forms()
            index, name = int(match[2]), match[3]
            if index < len(kept) and name in kept[index].fields:
                kept[index].add_error(name, problem)
                return True
            return False
        name = path.rsplit(".", 1)[-1]
        if path.startswith("severities."):
            name = severity_field_name(path.removeprefix("severities."))
        if name in self.settings.fields:
            self.settings.add_error(name, problem)
            return True
        return False
