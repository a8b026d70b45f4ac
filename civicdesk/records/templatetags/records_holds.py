"""``{% holds_on "post" post.pk org_id as names %}``: the legal holds that cover a post or a
conversation, so every held item says so where the team sees it. One query when the
organization has no hold in force (the usual case), three when it has."""

from __future__ import annotations

from django import template

from civicdesk.records.selectors import holds_on_thread

register = template.Library()


@register.simple_tag
def holds_on(kind: str, pk: int, organization_id: int) -> list[str]:
    return holds_on_thread(organization_id=organization_id, thread=f"{kind}:{pk}")
