"""Accessibility checks from public-sector guidance on accessible social media.

Alt text on every image; hashtags in CamelCase, few, and at the end; short sentences; few
emoji and never emoji alone or in place of words; no shouting in capitals; plain language.
"""

from __future__ import annotations

from collections.abc import Sequence

import regex

from . import prose
from . import text as tx
from .bilingual import version_spans
from .policy import AccessibilityRules
from .report import Reporter
from .types import Entity, MediaSpec

_FILE_NAME = regex.compile(
    r"^\s*(?:(?:img|dsc|pxl|screenshot)[\w\-]*|(?:image|photo|picture)\s*\d*"
    r"|[\w\-]+\.(?:jpe?g|png|gif|webp|heic))\s*$",
    regex.IGNORECASE,
)
_CAPS_WORD = regex.compile(r"\p{L}[\p{L}\p{M}]*")
_PROSE_CHAR = regex.compile(r"[\p{L}\p{N}]")
_LAST_WORD = regex.compile(r"([\p{L}']+)[ \u00a0]*$")
# Words after which a noun or verb must come (English, French, Spanish).
_SLOT_WORDS = frozenset(
    """
    i we they he she a an the my our your their his her its to of for in on at by with and
    or is are was be will can i'm we're je j' nous ils elles le la les l' un une des du de au
    aux mon ma mes notre nos votre vos leur leurs et ou est sont pour avec dans sur yo
    nosotros ellos el los las una unos unas mi mis nuestro nuestra su sus para por con en y
    o es son
    """.split()
)


def check_alt_text(media: Sequence[MediaSpec], report: Reporter) -> None:
    for number, item in enumerate(media, start=1):
        if item.kind != "image":
            continue
        alt = item.alt_text.strip()
        if not alt:
            report.add("accessibility.alt_text_missing", number=number)
        elif _FILE_NAME.match(alt):
            report.add("accessibility.alt_text_filename", number=number)


def _is_acronym(word: str, rules: AccessibilityRules) -> bool:
    letters = regex.sub(r"[^\p{L}]", "", word)
    return len(letters) <= rules.acronym_max_length or word.upper() in {
        a.upper() for a in rules.acronyms
    }


def check_hashtags(
    hashtags: Sequence[Entity],
    prose_spans: Sequence[tuple[int, int]],
    rules: AccessibilityRules,
    report: Reporter,
) -> None:
    if rules.hashtags_camel_case:
        for tag in hashtags:
            body = tag.text[1:]
            cased = [c for c in body if c.isupper() or c.islower()]
            if not cased:
                continue  # scripts without case (Arabic, Chinese, ...)
            all_caps = all(c.isupper() for c in cased)
            if cased[0].islower() or (all_caps and not _is_acronym(body, rules)):
                report.add("accessibility.hashtag_case", tag.start, tag.end, hashtag=tag.text)
    if len(hashtags) > rules.max_hashtags:
        extra = hashtags[rules.max_hashtags :]
        report.add(
            "accessibility.too_many_hashtags",
            extra[0].start,
            extra[-1].end,
            limit=rules.max_hashtags,
            count=len(hashtags),
        )
    if rules.hashtags_at_end and prose_spans:
        last_prose = max(end for _start, end in prose_spans)
        for tag in hashtags:
            if tag.end <= last_prose:
                report.add("accessibility.hashtag_not_at_end", tag.start, tag.end, hashtag=tag.text)


def check_sentences(masked: str, rules: AccessibilityRules, report: Reporter) -> None:
    for start, end in prose.sentences(masked):
        count = len(prose.words(masked[start:end]))
        if count > rules.max_sentence_words:
            report.add(
                "accessibility.long_sentence",
                start,
                end,
                count=count,
                limit=rules.max_sentence_words,
            )


def check_emoji(text: str, masked: str, rules: AccessibilityRules, report: Reporter) -> None:
    spans = tx.emoji_spans(text)
    if not spans:
        return
    if len(spans) > rules.max_emoji:
        report.add(
            "accessibility.too_many_emoji",
            spans[rules.max_emoji][0],
            spans[-1][1],
            limit=rules.max_emoji,
            count=len(spans),
        )
    if not rules.emoji_must_not_carry_message:
        return
    without_emoji = prose.mask(masked, spans, " ")
    if not _PROSE_CHAR.search(without_emoji):
        report.add("accessibility.emoji_only", spans[0][0], spans[-1][1])
        return
    for start, end in spans:
        before = _LAST_WORD.search(without_emoji[max(0, start - 40) : start])
        after = without_emoji[end:].lstrip(" ")
        # After an article, pronoun or preposition the emoji fills the place of a word
        # ("I ❤️ Paris", "take the 🚆"); after a word it only decorates it.
        if (
            before
            and before.group(1).lower() in _SLOT_WORDS
            and after
            and (after[0].isalnum() or after[0] in ".!?,;:")
        ):
            report.add("accessibility.emoji_as_word", start, end, emoji=text[start:end])


def check_capitals(blanked: str, rules: AccessibilityRules, report: Reporter) -> None:
    """Words in capitals: flagged alone when longer than an acronym, or three in a row."""
    acronyms = {a.upper() for a in rules.acronyms}
    runs: list[list[tuple[int, int]]] = []
    for match in _CAPS_WORD.finditer(blanked):
        word = match.group()
        cased = [c for c in word if c.isupper() or c.islower()]
        if len(cased) < 2 or not all(c.isupper() for c in cased) or word.upper() in acronyms:
            runs.append([])
            continue
        if runs and runs[-1] and not blanked[runs[-1][-1][1] : match.start()].strip(" ,-'’"):
            runs[-1].append(match.span())
        else:
            runs.append([match.span()])
    for run in runs:
        if not run:
            continue
        shouting = len(run) >= 3 or any(
            not _is_acronym(blanked[start:end], rules) for start, end in run
        )
        if shouting:
            start, end = run[0][0], run[-1][1]
            report.add("accessibility.all_caps", start, end, word=blanked[start:end])


def check_readability(
    masked: str, language: str, rules: AccessibilityRules, report: Reporter
) -> None:
    settings = rules.readability
    if not settings.enabled:
        return
    base = language.replace("_", "-").split("-")[0].lower()
    threshold = settings.thresholds.get(language, settings.thresholds.get(base))
    if threshold is None:
        return
    score = prose.readability(masked, language)
    if score is None or score.words < settings.minimum_words:
        return
    if score.score < threshold:
        report.add(
            "accessibility.readability",
            score=f"{score.score:.0f}",
            formula=score.formula,
            threshold=f"{threshold:g}",
        )


def check_accessibility(
    text: str,
    media: Sequence[MediaSpec],
    *,
    urls: Sequence[Entity],
    mentions: Sequence[Entity],
    hashtags: Sequence[Entity],
    language: str,
    rules: AccessibilityRules,
    report: Reporter,
    versions: Sequence[tuple[str, str]] = (),
) -> None:
    """Every accessibility check on one variant; findings go to ``report``.

    ``versions``: a bilingual post's (language, text) parts, each scored for readability
    in its own language rather than the joined text in the first one's.
    """
    if rules.require_alt_text:
        check_alt_text(media, report)
    entity_spans = [(e.start, e.end) for e in (*urls, *mentions, *hashtags)]
    # Links, mentions and tags are one opaque word each for sentence length, and no prose at
    # all for the other checks.
    as_words = prose.mask(text, entity_spans)
    blanked = prose.mask(text, entity_spans, " ")
    prose_only = prose.mask(blanked, tx.emoji_spans(blanked), " ")
    prose_spans = [m.span() for m in _PROSE_CHAR.finditer(prose_only)]
    check_hashtags(hashtags, prose_spans, rules, report)
    check_sentences(as_words, rules, report)
    check_emoji(text, blanked, rules, report)
    if rules.no_all_caps:
        check_capitals(blanked, rules, report)
    if not versions:
        check_readability(blanked, language, rules, report)
    for part_language, start, end in version_spans(versions):
        check_readability(blanked[start:end], part_language, rules, report)
