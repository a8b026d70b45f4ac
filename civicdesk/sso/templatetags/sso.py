"""``{% sso_buttons %}``: the organizations' sign-in buttons on the sign-in page."""

from __future__ import annotations

from typing import Any

from django import template

from civicdesk.sso.selectors import sign_in_buttons

register = template.Library()


@register.inclusion_tag("sso/_buttons.html", takes_context=True)
def sso_buttons(context: Any) -> dict[str, Any]:
    return {
        "providers": sign_in_buttons(),
        "csrf_token": context.get("csrf_token"),
        "redirect_field": context.get("redirect_field"),
    }
