"""Checking a whole post: platform rules and policy on each language version, then the set.

This is the one entry point the composer, the approval flow and the publisher call; a post with
a blocking finding does not go out.
"""

from __future__ import annotations

from collections.abc import Sequence

from . import text as tx
from .accessibility import check_accessibility
from .content import check_language_set, check_links, check_words
from .counting import fits, measure_with
from .entities import extract
from .media import check_media_with
from .platforms import PLATFORMS, PlatformRules, UnknownPlatformError, platform_limits
from .policy import Policy
from .report import Reporter
from .threads import split_thread
from .types import ChannelDraft, Finding, VariantDraft


def overflow_start(text: str, rules: PlatformRules) -> int:
    """Offset from which ``text`` no longer fits: the longest fitting prefix ends there."""
    bounds = tx.grapheme_boundaries(text)
    low, high = 0, len(bounds) - 1  # bounds[low] fits, bounds[high] does not
    if fits(text, rules):
        return len(text)
    while high - low > 1:
        middle = (low + high) // 2
        if fits(text[: bounds[middle]], rules):
            low = middle
        else:
            high = middle
    return bounds[low]


def _platform_findings(variant: VariantDraft, rules: PlatformRules, report: Reporter) -> None:
    text = variant.text
    measurement = measure_with(text, rules)
    if rules.text_required and not text.strip():
        report.add("platform.empty")
    if measurement.length > rules.max_length and rules.splits_threads:
        # Platforms with threads take a long text as several posts, each answering the last.
        report.add(
            "platform.thread",
            overflow_start(text, rules),
            len(text),
            limit=rules.max_length,
            parts=len(split_thread(text, rules.slug, limit=rules.max_length)),
        )
    elif measurement.length > rules.max_length:
        report.add(
            "platform.too_long",
            overflow_start(text, rules),
            len(text),
            limit=rules.max_length,
            length=measurement.length,
        )
    elif measurement.byte_limit is not None and measurement.byte_length > measurement.byte_limit:
        report.add(
            "platform.too_many_bytes",
            overflow_start(text, rules),
            len(text),
            limit=measurement.byte_limit,
            length=measurement.byte_length,
        )
    elif measurement.raw_limit is not None and measurement.raw_length > measurement.raw_limit:
        report.add(
            "platform.too_long",
            measurement.raw_limit,
            len(text),
            limit=measurement.raw_limit,
            length=measurement.raw_length,
        )
    for start, end in measurement.invalid_ranges:
        report.add("platform.invalid_characters", start, end)
    if rules.max_hashtags is not None and len(measurement.hashtags) > rules.max_hashtags:
        extra = measurement.hashtags[rules.max_hashtags :]
        report.add(
            "platform.too_many_hashtags",
            extra[0].start,
            extra[-1].end,
            limit=rules.max_hashtags,
            count=len(measurement.hashtags),
        )
    if rules.max_mentions is not None and len(measurement.mentions) > rules.max_mentions:
        extra = measurement.mentions[rules.max_mentions :]
        report.add(
            "platform.too_many_mentions",
            extra[0].start,
            extra[-1].end,
            limit=rules.max_mentions,
            count=len(measurement.mentions),
        )
    report.findings += check_media_with(rules, variant.media, language=variant.language)


def check_variant(
    variant: VariantDraft, policy: Policy, *, message_language: str | None = None
) -> list[Finding]:
    """Findings for one language version on one platform (without the set-level checks).

    Messages are in ``message_language`` (the author's) where given, else the version's.
    """
    rules: PlatformRules | None = variant.rules
    if rules is None:
        try:
            rules = platform_limits(variant.platform)
        except UnknownPlatformError:
            rules = None
    name = rules.name if rules else variant.platform
    slug = rules.slug if rules else variant.platform
    report = Reporter(
        policy,
        variant.language,
        slug,
        name,
        message_language=message_language,
        channel=variant.channel,
    )
    if rules is None:
        report.add("platform.unknown", platform=variant.platform)
    else:
        _platform_findings(variant, rules, report)
    urls, mentions, hashtags = extract(variant.text, slug)
    check_accessibility(
        variant.text,
        variant.media,
        urls=urls,
        mentions=mentions,
        hashtags=hashtags,
        language=variant.language,
        rules=policy.accessibility,
        report=report,
        versions=variant.versions,
    )
    check_links(urls, policy.links, report)
    check_words(variant.text, policy, report)
    return report.findings


def check_post(
    variants: Sequence[VariantDraft],
    policy: Policy,
    *,
    official_languages: Sequence[str],
    message_language: str | None = None,
    channels: Sequence[ChannelDraft] | None = None,
    other_channels: Sequence[ChannelDraft] = (),
) -> list[Finding]:
    """Every finding for a post: each variant against its platform and the policy, then the
    set of variants over the post's accounts (every official language goes out on one of
    them, versions paired).

    ``official_languages`` falls back to the policy's own list when empty. ``channels`` are
    the post's accounts (variants name theirs in ``VariantDraft.channel``); without them each
    platform stands for one account publishing every language.
    """
    findings: list[Finding] = []
    for variant in variants:
        findings += check_variant(variant, policy, message_language=message_language)
    official = list(official_languages) or list(policy.languages.official)
    names = {slug: platform_limits(slug).name for slug in PLATFORMS}
    findings += check_language_set(
        variants,
        official,
        policy.languages,
        policy,
        names,
        message_language=message_language,
        channels=channels,
        other_channels=other_channels,
    )
    return findings
