"""The organization's content rules: where links go, which words need an approver or are barred,
and whether every official language goes out, on the post's accounts taken together.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from functools import lru_cache
from urllib.parse import parse_qsl, urlsplit

import regex

from . import text as tx
from .messages import base_language, language_list, language_name
from .policy import LanguageRules, LinkRules, Policy
from .report import Reporter
from .types import ChannelDraft, Entity, Finding, VariantDraft

SHORTENERS = frozenset(
    "bit.ly tinyurl.com ow.ly goo.gl is.gd buff.ly rebrand.ly cutt.ly shorturl.at tiny.cc "
    "lnkd.in t.ly rb.gy s.id".split()
)


def _host(url: str) -> tuple[str, str, str]:
    """(scheme, host, query) of a link as found in a post (with or without a scheme)."""
    candidate = url if "://" in url else "https://" + url
    try:
        parts = urlsplit(candidate)
        host = (parts.hostname or "").rstrip(".").lower()
    except ValueError:
        return "", "", ""
    scheme = parts.scheme.lower() if "://" in url else ""
    return scheme, host, parts.query


def _within(host: str, domains: Sequence[str]) -> bool:
    for domain in domains:
        domain = domain.strip().lower().lstrip(".")
        if domain and (host == domain or host.endswith("." + domain)):
            return True
    return False


def check_links(urls: Sequence[Entity], rules: LinkRules, report: Reporter) -> None:
    for url in urls:
        scheme, host, query = _host(url.text)
        if not host:
            continue
        own = _within(host, rules.own_domains)
        if rules.allowed_domains and not own and not _within(host, rules.allowed_domains):
            report.add("links.domain_not_allowed", url.start, url.end, domain=host)
        if own and rules.tracking_parameters:
            present = {key for key, _value in parse_qsl(query, keep_blank_values=True)}
            missing = [p for p in rules.tracking_parameters if p not in present]
            if missing:
                report.add(
                    "links.missing_tracking",
                    url.start,
                    url.end,
                    domain=host,
                    parameters=", ".join(missing),
                )
        if rules.require_https and scheme == "http":
            report.add("links.insecure", url.start, url.end, domain=host)
        if rules.flag_shorteners and host in SHORTENERS:
            report.add("links.shortener", url.start, url.end, domain=host)


@lru_cache(maxsize=512)
def term_pattern(term: str) -> regex.Pattern[str] | None:
    """A pattern for ``term`` on folded text: whole words, any case, any accents.

    A trailing ``*`` matches any ending ("vaccin*" finds "vaccine" and "vaccination").
    """
    folded, _origin = tx.fold(term.strip())
    stem = folded.rstrip("*")
    if not stem.strip():
        return None
    body = r"\s+".join(regex.escape(part) for part in stem.split())
    if folded.endswith("*"):
        body += r"[\p{L}\p{N}]*"
    return regex.compile(rf"(?<![\p{{L}}\p{{N}}_]){body}(?![\p{{L}}\p{{N}}_])")


def find_terms(text: str, terms: Sequence[str]) -> list[tuple[int, int, str]]:
    """(start, end, term) of each whole-word, case- and accent-insensitive hit in ``text``."""
    folded, origin = tx.fold(text)
    hits = []
    for term in terms:
        pattern = term_pattern(term)
        if pattern is None:
            continue
        for match in pattern.finditer(folded):
            start = origin[match.start()]
            end = origin[match.end() - 1] + 1
            hits.append((start, end, term))
    return sorted(hits)


def check_words(text: str, policy: Policy, report: Reporter) -> None:
    for rule in policy.forbidden:
        for start, end, _term in find_terms(text, rule.terms):
            report.add(
                "words.forbidden",
                start,
                end,
                term=text[start:end],
                reason=rule.reason_in(report.reader_language),
                rule=rule.id,
            )
    for approval in policy.approvals:
        for start, end, _term in find_terms(text, approval.terms):
            report.add(
                "words.needs_approval",
                start,
                end,
                term=text[start:end],
                topic=approval.topic,
                approver=approval.approver,
                rule=approval.id,
            )


def _same_language(a: str, b: str) -> bool:
    a_norm, b_norm = a.replace("_", "-").lower(), b.replace("_", "-").lower()
    return a_norm == b_norm or base_language(a_norm) == base_language(b_norm)


def _publishes(channel: ChannelDraft, language: str) -> bool:
    return not channel.languages or any(_same_language(language, c) for c in channel.languages)


def _carries(variant: VariantDraft, language: str) -> bool:
    """Whether the version carries ``language`` (a bilingual post carries several)."""
    return any(_same_language(language, own) for own in variant.languages)


def _channel_key(variant: VariantDraft) -> str:
    return variant.channel or variant.platform


def check_language_set(
    variants: Sequence[VariantDraft],
    official: Sequence[str],
    rules: LanguageRules,
    policy: Policy,
    platform_names: dict[str, str],
    message_language: str | None = None,
    *,
    channels: Sequence[ChannelDraft] | None = None,
    other_channels: Sequence[ChannelDraft] = (),
) -> list[Finding]:
    """Set-level checks over the post's accounts as a whole.

    Each account gets the versions in its languages; every official language must go out on
    at least one of the post's accounts (an English-only and a French-only account together
    publish both). Versions on one account are paired in time and not duplicated.

    Without ``channels`` each platform stands for one account that publishes every language.
    ``other_channels`` are the brand's accounts not chosen, offered as the fix for a language
    none of the chosen accounts publishes.
    """
    if channels is None:
        channels = [
            ChannelDraft(
                key=platform, platform=platform, name=platform_names.get(platform, platform)
            )
            for platform in dict.fromkeys(v.platform for v in variants)
        ]
    by_channel: dict[str, list[VariantDraft]] = defaultdict(list)
    for variant in variants:
        by_channel[_channel_key(variant)].append(variant)
    known = {channel.key for channel in channels}
    # A version on an account the caller did not describe still counts as one of the post's.
    channels = [
        *channels,
        *(
            ChannelDraft(
                key=key,
                platform=group[0].platform,
                name=platform_names.get(group[0].platform, group[0].platform),
            )
            for key, group in by_channel.items()
            if key not in known
        ),
    ]

    def present(language: str) -> bool:
        return any(_carries(v, language) for v in variants)

    findings: list[Finding] = []
    whole = Reporter(policy, None, None, "", message_language=message_language)
    reader = whole.reader_language
    missing_overall: list[str] = []
    if rules.require_all_official:
        for language in official:
            if present(language):
                continue
            missing_overall.append(language)
            name = language_name(language, reader)
            if any(_publishes(c, language) for c in channels):
                whole.add("languages.missing", missing=language, missing_name=name)
                continue
            offered = [c.name for c in other_channels if c.languages and _publishes(c, language)]
            offered += [c.name for c in other_channels if not c.languages]
            if offered:
                whole.add(
                    "languages.missing",
                    wording="languages.missing_account",
                    missing=language,
                    missing_name=name,
                    accounts=", ".join(offered),
                )
            else:
                whole.add(
                    "languages.missing",
                    wording="languages.missing_no_account",
                    missing=language,
                    missing_name=name,
                )
    findings += whole.findings

    for channel in channels:
        group = by_channel.get(channel.key, [])
        report = Reporter(
            policy,
            None,
            channel.platform,
            channel.name,
            message_language=message_language,
            channel=channel.key,
        )
        if not group:
            if channel.languages and not any(
                _publishes(channel, language) for language in missing_overall
            ):
                report.add(
                    "languages.channel_empty",
                    languages=",".join(channel.languages),
                    languages_names=language_list(channel.languages, reader),
                )
            findings += report.findings
            continue
        seen: list[str] = []
        for variant in group:
            for carried in variant.languages:
                if any(_same_language(carried, other) for other in seen):
                    report.add(
                        "languages.duplicate",
                        language=carried,
                        language_name=language_name(carried, reader),
                    )
                seen.append(carried)
        if rules.require_all_official:
            # A language the post has elsewhere but not on an account that publishes it.
            for language in official:
                if (
                    present(language)
                    and _publishes(channel, language)
                    and not any(_carries(v, language) for v in group)
                ):
                    report.add(
                        "languages.missing",
                        wording="languages.missing_on_channel",
                        missing=language,
                        missing_name=language_name(language, reader),
                    )
        if any(v.text.strip() or v.media for v in group):
            for variant in group:
                if not variant.text.strip() and not variant.media:
                    report.add(
                        "languages.empty_variant",
                        language=variant.language,
                        language_name=language_name(variant.language, reader),
                    )
        if rules.require_paired and len({v.scheduled_at for v in group}) > 1:
            report.add("languages.not_paired")
        findings += report.findings
    return findings
