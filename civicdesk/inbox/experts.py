"""Business areas' experts: who sees which conversation because it was routed to their area,
and who may write the team's internal notes.

An expert is a member of a business area (``BusinessArea.members``). Whatever their role on
the brands, they see the conversations routed to their areas (``Conversation.business_area``
holds the area's name, unique in its organization), write notes and hand them back; only
those who may answer on the brand answer the public.
"""

from __future__ import annotations

from django.db.models import Q

from civicdesk.inbox.models import Conversation
from civicdesk.organizations.access import Perm, User, has_perm
from civicdesk.organizations.models import BusinessArea


def areas_of(user: User) -> list[tuple[int, str]]:
    """The (organization id, area name) of every area the person belongs to."""
    if not user.is_authenticated:
        return []
    return list(BusinessArea.objects.filter(members=user.pk).values_list("organization_id", "name"))


def routed_to(areas: list[tuple[int, str]]) -> Q | None:
    """The conversations routed to these areas, as a filter (None when there are none)."""
    if not areas:
        return None
    q = Q()
    for organization_id, name in areas:
        q |= Q(business_area=name, channel__brand__organization_id=organization_id)
    return q


def is_expert_on(user: User, conversation: Conversation) -> bool:
    if not conversation.business_area:
        return False
    return BusinessArea.objects.filter(
        organization_id=conversation.channel.brand.organization_id,
        name=conversation.business_area,
        members=user.pk,
    ).exists()


def may_note(user: User, conversation: Conversation) -> bool:
    """Those who answer on the brand, and the experts of the conversation's area."""
    return has_perm(user, conversation.channel.brand, Perm.REPLY) or is_expert_on(
        user, conversation
    )
