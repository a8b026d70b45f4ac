"""The form that starts an exercise from the screens: a shipped scenario or an upload, the
channels (exercise network ones only) and the speed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from civicdesk.exercises.scenario import ScenarioError, load_scenario
from civicdesk.exercises.services import EXERCISE_PLATFORM
from civicdesk.organizations.access import Perm, User, brands_for
from civicdesk.organizations.models import Channel, Organization

SCENARIOS_DIR = Path(__file__).resolve().parent / "scenarios"
MAX_UPLOAD_BYTES = 512 * 1024


def shipped_scenarios() -> list[tuple[str, str]]:
    """The example scenarios shipped with Civic Desk: (file name, scenario name)."""
    found = []
    for path in sorted(SCENARIOS_DIR.glob("*.yaml")):
        try:
            name = load_scenario(path.read_text(encoding="utf-8"), base_dir=SCENARIOS_DIR).name
        except ScenarioError:
            continue  # a broken example is caught by the tests, not shown to people
        found.append((path.name, name))
    return found


class ExerciseStartForm(forms.Form):
    scenario = forms.ChoiceField(label=_("A shipped scenario"), required=False)
    upload = forms.FileField(label=_("Or your own scenario file (YAML)"), required=False)
    channels: Any = forms.ModelMultipleChoiceField(
        label=_("Channels (exercise network only)"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
    )
    speed = forms.FloatField(
        label=_("Speed (scenario minutes a real minute)"),
        min_value=0.1,
        max_value=10000,
        initial=1.0,
    )

    def __init__(self, *args: Any, organization: Organization, user: User, **kwargs: Any):
        super().__init__(*args, **kwargs)
        brands = brands_for(user, Perm.PUBLISH_CONTROL).filter(
            organization=organization, archived_at__isnull=True
        )
        # Only exercise network channels are offered; the service refuses any other anyway.
        self.fields["channels"].queryset = (  # type: ignore[attr-defined]
            Channel.objects.filter(brand__in=brands, is_active=True, platform=EXERCISE_PLATFORM)
            .select_related("brand")
            .order_by("brand__name", "handle")
        )
        self.fields["scenario"].choices = [  # type: ignore[attr-defined]
            ("", _("— upload a file instead —")),
            *shipped_scenarios(),
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        shipped, upload = data.get("scenario"), data.get("upload")
        if bool(shipped) == bool(upload):
            raise forms.ValidationError(
                _("Choose a shipped scenario or upload a file: one of the two.")
            )
        if upload is not None:
            if upload.size > MAX_UPLOAD_BYTES:
                raise forms.ValidationError(_("The scenario file is too large."))
            try:
                data["source"] = upload.read().decode("utf-8")
            except UnicodeDecodeError:
                raise forms.ValidationError(_("The scenario file is not UTF-8 text.")) from None
            data["base_dir"] = None
        else:
            data["source"] = (SCENARIOS_DIR / str(shipped)).read_text(encoding="utf-8")
            data["base_dir"] = SCENARIOS_DIR
        return data
