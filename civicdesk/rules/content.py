"""The organization's content rules: where links go, which words need an approver or are barred,
and whether every official language is there and goes out together.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from functools import lru_cache
from urllib.parse import parse_qsl, urlsplit

import regex

from . import text as tx
from .messages import base_language
from .policy import LanguageRules, LinkRules, Policy
from .report import Reporter
from .types import Entity, Finding, VariantDraft

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


def check_language_set(
    variants: Sequence[VariantDraft],
    official: Sequence[str],
    rules: LanguageRules,
    policy: Policy,
    platform_names: dict[str, str],
    message_language: str | None = None,
) -> list[Finding]:
    """Set-level checks: every official language on every platform, versions paired."""
    by_platform: dict[str, list[VariantDraft]] = defaultdict(list)
    for variant in variants:
        by_platform[variant.platform].append(variant)
    findings: list[Finding] = []
    for platform, group in by_platform.items():
        # Set-level messages speak the language of the first version on the platform.
        report = Reporter(policy, group[0].language, platform, platform_names.get(platform),
                          message_language=message_language)
        seen: list[str] = []
        for variant in group:
            if any(_same_language(variant.language, other) for other in seen):
                report.add("languages.duplicate", language=variant.language)
            seen.append(variant.language)
        if rules.require_all_official:
            for language in official:
                if not any(_same_language(language, v.language) for v in group):
                    report.add("languages.missing", missing=language)
        if any(v.text.strip() or v.media for v in group):
            for variant in group:
                if not variant.text.strip() and not variant.media:
                    report.add("languages.empty_variant", language=variant.language)
        if rules.require_paired and len({v.scheduled_at for v in group}) > 1:
            report.add("languages.not_paired")
        findings += report.findings
    return findings
