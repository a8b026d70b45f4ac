"""Template context shared by every page: the navigation, the pause banner, inbox counts."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from civicdesk.organizations.access import Perm, brands_for
from civicdesk.organizations.models import Organization
from civicdesk.pages.inbox_selectors import new_message_count


def desk(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    brands = list(brands_for(user, Perm.VIEW).order_by("organization__name", "name"))
    organizations: dict[int, Organization] = {}
    for brand in brands:
        organizations.setdefault(brand.organization_id, brand.organization)
    return {
        "nav_brands": brands,
        "nav_organizations": list(organizations.values()),
        "paused_organizations": [o for o in organizations.values() if o.publishing_paused],
        "new_messages": new_message_count(user=user),
    }
