"""Forms of the pages. They parse and validate input; the services do the writing."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import capfirst
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from civicdesk.connectors.base import Capability
from civicdesk.connectors.registry import channels_that, limitations_for
from civicdesk.core.forms import field_of
from civicdesk.inbox.models import ConversationStatus
from civicdesk.organizations.models import Brand, Channel
from civicdesk.pages.text import local_input_value, parse_local_time
from civicdesk.publishing.models import Campaign, Pillar, Post
from civicdesk.publishing.services import Draft
from civicdesk.rules import language_name
from civicdesk.understanding import KINDS, URGENCIES


def post_languages(brand: Brand) -> list[str]:
    return list(brand.organization.official_languages) or ["en"]


class ComposeForm(forms.Form):
    """A post for one brand: a text per official language, optional per-channel wording."""

    title = forms.CharField(max_length=200, help_text=_("For the team; it is not published."))
    channels = forms.ModelMultipleChoiceField(
        queryset=Channel.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    pillar = forms.ModelChoiceField(queryset=Pillar.objects.none(), required=False)
    campaign = forms.ModelChoiceField(queryset=Campaign.objects.none(), required=False)
    link = forms.URLField(required=False, assume_scheme="https")
    scheduled_at = forms.CharField(
        required=False,
        label=_("Scheduled time"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )

    def __init__(self, *args: Any, brand: Brand, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.brand = brand
        org = brand.organization
        active = brand.channels.filter(is_active=True)
        # Asked of each channel: an account's tier can narrow what its platform allows.
        self.channel_list = channels_that(Capability.PUBLISH, active)
        field_of(self, "channels", forms.ModelChoiceField).queryset = active.filter(
            pk__in=[c.pk for c in self.channel_list]
        )
        # Channels that take no posts (YouTube, a newsroom feed) are named, not offered.
        self.not_postable = [
            (channel, " ".join(limitations_for(channel)))
            for channel in active.exclude(pk__in=[c.pk for c in self.channel_list])
        ]
        field_of(self, "pillar", forms.ModelChoiceField).queryset = Pillar.objects.filter(
            organization=org
        )
        field_of(self, "campaign", forms.ModelChoiceField).queryset = Campaign.objects.filter(
            organization=org
        )
        self.fields["scheduled_at"].help_text = _("In %(zone)s time.") % {"zone": org.time_zone}
        self.languages = post_languages(brand)
        for lang in self.languages:
            self.fields[f"text_{lang}"] = forms.CharField(
                required=False,
                label=capfirst(language_name(lang, get_language())),
                widget=forms.Textarea(attrs={"rows": 5, "lang": lang}),
            )
            for channel in self.channel_list:
                self.fields[f"override_{lang}_{channel.pk}"] = forms.CharField(
                    required=False,
                    label=capfirst(
                        _("%(language)s on %(channel)s")
                        % {"language": language_name(lang, get_language()), "channel": channel}
                    ),
                    widget=forms.Textarea(attrs={"rows": 3, "lang": lang}),
                )

    @property
    def text_fields(self) -> list[forms.BoundField]:
        return [self[f"text_{lang}"] for lang in self.languages]

    @property
    def override_groups(self) -> list[tuple[Channel, list[forms.BoundField]]]:
        return [
            (channel, [self[f"override_{lang}_{channel.pk}"] for lang in self.languages])
            for channel in self.channel_list
        ]

    def clean_scheduled_at(self) -> Any:
        return parse_local_time(self.cleaned_data["scheduled_at"], self.brand.organization.tz)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not any((data.get(f"text_{lang}") or "").strip() for lang in self.languages):
            raise ValidationError(_("Write the post in at least one language."))
        return data

    def draft(self) -> Draft:
        data = self.cleaned_data
        overrides = {
            (lang, channel.pk): data.get(f"override_{lang}_{channel.pk}") or ""
            for lang in self.languages
            for channel in self.channel_list
            if (data.get(f"override_{lang}_{channel.pk}") or "").strip()
        }
        return Draft(
            title=data["title"],
            texts={lang: data.get(f"text_{lang}") or "" for lang in self.languages},
            channels=list(data["channels"]),
            scheduled_at=data.get("scheduled_at"),
            pillar=data.get("pillar"),
            campaign=data.get("campaign"),
            overrides=overrides,
            link=data.get("link") or "",
        )

    def add_service_errors(self, error: ValidationError) -> None:
        """Put a service's ValidationError on the matching fields, the rest on the form."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for name, errors in error.message_dict.items():
            self.add_error(name if name in self.fields else None, errors)

    @staticmethod
    def initial_for(post: Post) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "title": post.title,
            "channels": [c.pk for c in post.channels.all()],
            "pillar": post.pillar_id,
            "campaign": post.campaign_id,
            "scheduled_at": local_input_value(post.scheduled_at, post.brand.organization.tz),
        }
        for variant in post.variants.all():
            initial["link"] = variant.link
            if variant.channel_id is None:
                initial[f"text_{variant.language}"] = variant.text
            else:
                initial[f"override_{variant.language}_{variant.channel_id}"] = variant.text
        return initial


class PauseForm(forms.Form):
    paused = forms.BooleanField(required=False)
    reason = forms.CharField(max_length=300, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("paused") and not (data.get("reason") or "").strip():
            raise ValidationError(_("Say why all posts are stopped, for the rest of the team."))
        return data


class ReplyForm(forms.Form):
    message = forms.IntegerField(widget=forms.HiddenInput)
    text = forms.CharField(
        max_length=10_000, widget=forms.Textarea(attrs={"rows": 4}), label=_("Your reply")
    )


class CorrectionForm(forms.Form):
    field = forms.ChoiceField(choices=[("category", "Category"), ("urgency", "Urgency")])
    value = forms.ChoiceField(choices=[(v, v) for v in (*KINDS, *URGENCIES)])


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=ConversationStatus.choices)


# What people read for each kind and urgency the understanding gives a message.
KIND_LABELS = {
    "question": _("Question"),
    "complaint": _("Complaint"),
    "help_request": _("Request for help"),
    "emergency": _("Emergency report"),
    "rumour": _("Rumour or false claim"),
    "praise": _("Praise"),
    "suggestion": _("Suggestion"),
    "spam": _("Spam or abuse"),
    "other": _("Other"),
}
URGENCY_LABELS = {
    "critical": _("Critical"),
    "high": _("High"),
    "medium": _("Medium"),
    "low": _("Low"),
}
CATEGORY_CHOICES = [(k, KIND_LABELS.get(k, k)) for k in KINDS]
URGENCY_CHOICES = [(u, URGENCY_LABELS.get(u, u)) for u in URGENCIES]
