"""Settings: an organization's routing rules, in order, each with the recent messages it
would catch."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from civicdesk.core.forms import field_of
from civicdesk.core.http import signed_in
from civicdesk.inbox import routing
from civicdesk.inbox.models import RoutingRule
from civicdesk.organizations.models import (
    Brand,
    BusinessArea,
    Channel,
    Membership,
    Organization,
    Platform,
)
from civicdesk.pages.forms import CATEGORY_CHOICES, URGENCY_CHOICES
from civicdesk.pages.inbox_selectors import tag_suggestions
from civicdesk.pages.views.common import HtmxHttpRequest, run_action
from civicdesk.pages.views.settings_common import administered

ANY = [("", gettext_lazy("Any"))]
MESSAGE_KINDS = [
    ("comment", gettext_lazy("Comment")),
    ("reply", gettext_lazy("Reply")),
    ("mention", gettext_lazy("Mention")),
    ("direct", gettext_lazy("Direct message")),
]


class RoutingRuleForm(forms.ModelForm):
    class Meta:
        model = RoutingRule
        fields = list(routing.RULE_FIELDS)
        widgets = {
            "phrases": forms.Textarea(attrs={"rows": 3}),
            "author_tag": forms.TextInput(attrs={"list": "author-tag-suggestions"}),
        }

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        f = self.fields
        field_of(self, "brand", forms.ModelChoiceField).queryset = Brand.objects.filter(
            organization=organization
        )
        field_of(self, "channel", forms.ModelChoiceField).queryset = Channel.objects.filter(
            brand__organization=organization
        )
        field_of(
            self, "route_to_area", forms.ModelChoiceField
        ).queryset = BusinessArea.objects.filter(organization=organization)
        people = Membership.objects.filter(organization=organization).values("user_id")
        field_of(
            self, "assign_to", forms.ModelChoiceField
        ).queryset = get_user_model().objects.filter(pk__in=people)
        f["platform"] = forms.ChoiceField(
            label=_("platform"), required=False, choices=[*ANY, *Platform.choices]
        )
        f["message_kind"] = forms.ChoiceField(
            label=_("message kind"), required=False, choices=[*ANY, *MESSAGE_KINDS]
        )
        f["category"] = forms.ChoiceField(
            label=_("kind"), required=False, choices=[*ANY, *CATEGORY_CHOICES]
        )
        f["urgency"] = forms.ChoiceField(
            label=_("urgency"), required=False, choices=[*ANY, *URGENCY_CHOICES]
        )
        f["during_incident"] = forms.NullBooleanField(
            label=_("during an incident"),
            required=False,
            widget=forms.Select(
                choices=[
                    ("unknown", _("Whether or not")),
                    ("true", _("Only during an incident")),
                    ("false", _("Only outside incidents")),
                ]
            ),
        )
        languages = [(code, code.upper()) for code in organization.official_languages]
        f["language"] = forms.ChoiceField(
            label=_("language"), required=False, choices=ANY + languages
        )


def _rules_page(
    request: HtmxHttpRequest, org: Organization, form: RoutingRuleForm, editing: int | None
) -> HttpResponse:
    caught, looked_at = routing.preview(organization=org)
    rules = list(
        RoutingRule.objects.filter(organization=org)
        .select_related("brand", "channel", "route_to_area", "assign_to")
        .order_by("position", "pk")
    )
    rows = [(rule, caught.get(rule.pk, [])) for rule in rules]
    return render(
        request,
        "pages/settings/routing.html",
        {
            "org": org,
            "form": form,
            "rows": rows,
            "looked_at": looked_at,
            "editing": editing,
            "tag_suggestions": tag_suggestions(organization=org),
        },
    )


@require_http_methods(["GET", "POST"])
def settings_routing(request: HtmxHttpRequest, org_pk: int, pk: int | None = None) -> HttpResponse:
    """The rules, and the form for a new rule (or the one being edited)."""
    org = administered(request, org_pk)
    rule = get_object_or_404(RoutingRule, organization=org, pk=pk) if pk else RoutingRule()
    form = RoutingRuleForm(request.POST or None, instance=rule, organization=org)
    if request.method == "POST" and form.is_valid():
        saved = form.save(commit=False)
        if run_action(
            request,
            lambda: routing.rule_save(organization=org, rule=saved, actor=signed_in(request)),
            _("Rule %(name)s saved.") % {"name": saved.name},
        ):
            return redirect("settings-routing", org_pk=org.pk)
    return _rules_page(request, org, form, pk)


@require_POST
def routing_rule_delete(request: HtmxHttpRequest, org_pk: int, pk: int) -> HttpResponse:
    org = administered(request, org_pk)
    rule = get_object_or_404(RoutingRule, organization=org, pk=pk)
    run_action(
        request,
        lambda: routing.rule_delete(rule=rule, actor=signed_in(request)),
        _("Rule %(name)s deleted.") % {"name": rule.name},
    )
    return redirect("settings-routing", org_pk=org.pk)


@require_POST
def routing_rule_move(request: HtmxHttpRequest, org_pk: int, pk: int) -> HttpResponse:
    org = administered(request, org_pk)
    rule = get_object_or_404(RoutingRule, organization=org, pk=pk)
    up = request.POST.get("direction") == "up"
    run_action(
        request,
        lambda: routing.rule_move(rule=rule, actor=signed_in(request), up=up),
        _("Order saved."),
    )
    return redirect("settings-routing", org_pk=org.pk)
