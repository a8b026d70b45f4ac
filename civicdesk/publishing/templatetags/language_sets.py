"""What the post page says when a post's languages did not go out together."""

from __future__ import annotations

from dataclasses import dataclass, field

from django import template

from civicdesk.publishing import sets
from civicdesk.publishing.models import Post, Publication
from civicdesk.publishing.models import PublicationState as S

register = template.Library()


@dataclass(frozen=True)
class SetNotice:
    broken: bool = False
    # Publications the platforms still show (removal under way included), and the withheld.
    live: list[Publication] = field(default_factory=list)
    withheld: list[Publication] = field(default_factory=list)


@register.simple_tag
def language_set_notice(post: Post) -> SetNotice:
    members = sets.members_of_posts([post.pk])
    broken = any(
        len(group) > 1 and (sets.is_broken(group) or any(m.state == S.WITHHELD for m in group))
        for group in sets.sets_of(members).values()
    )
    if not broken:
        return SetNotice()
    pubs = list(
        Publication.objects.filter(post=post)
        .select_related("variant", "channel")
        .order_by("channel__handle", "variant__language")
    )
    return SetNotice(
        broken=True,
        live=[p for p in pubs if p.state in (S.PUBLISHED, S.DELETING)],
        withheld=[p for p in pubs if p.state == S.WITHHELD],
    )
