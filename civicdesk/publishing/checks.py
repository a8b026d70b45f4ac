"""The platform rules and the organization's policy, applied to a post's publications.

Used by approval (a post with a blocking finding cannot be approved) and by the
publisher (one last check of each variant before it is sent).
"""

from __future__ import annotations

from collections import defaultdict

from civicdesk.organizations.models import Organization
from civicdesk.publishing.models import Post, Publication
from civicdesk.rules import (
    Finding,
    MediaSpec,
    Policy,
    VariantDraft,
    check_post,
    check_variant,
)


def policy_for(organization: Organization) -> Policy:
    """The policy in force for an organization: its newest saved version, else the defaults."""
    from civicdesk.policies.selectors import policy_current

    return policy_current(organization)


def media_specs(post: Post, language: str) -> list[MediaSpec]:
    return [
        MediaSpec(
            content_type=m.content_type,
            size_bytes=m.size,
            width=m.width,
            height=m.height,
            alt_text=m.alt_text(language),
        )
        for m in post.media.all()
    ]


def _draft(publication: Publication) -> VariantDraft:
    language = publication.variant.language
    return VariantDraft(
        platform=publication.channel.platform,
        language=language,
        text=publication.variant.text,
        media=media_specs(publication.post, language),
    )


def post_findings(post: Post) -> list[Finding]:
    """Every finding on every channel's versions of the post."""
    org = post.brand.organization
    policy = policy_for(org)
    by_channel: dict[int, list[Publication]] = defaultdict(list)
    for publication in post.publications.select_related(
        "channel", "variant", "post"
    ).prefetch_related("post__media"):
        by_channel[publication.channel_id].append(publication)
    findings: list[Finding] = []
    for publications in by_channel.values():
        for publication in publications:
            findings += check_variant(_draft(publication), policy)
    # The languages are the post's as a whole: a channel may carry only some of them.
    one_per_language = {p.variant.language: _draft(p) for ps in by_channel.values() for p in ps}
    findings += check_post(
        list(one_per_language.values()), policy, official_languages=org.official_languages
    )
    return list(dict.fromkeys(findings))


def blocking_reasons(post: Post) -> list[str]:
    seen: list[str] = []
    for finding in post_findings(post):
        if finding.blocking and finding.message not in seen:
            seen.append(finding.message)
    return seen


def last_check(publication: Publication) -> list[str]:
    """Blocking findings on one variant, just before it is sent."""
    policy = policy_for(publication.channel.brand.organization)
    return [f.message for f in check_variant(_draft(publication), policy) if f.blocking]
