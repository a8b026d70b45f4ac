"""Splitting a long text into a thread whose every part the platform accepts.

Cuts prefer the end of a sentence, then a space between words; they never fall inside a link,
a mention, a hashtag or a grapheme cluster, unless one of those alone is longer than a whole
part (then it is cut between grapheme clusters, and a single over-long cluster between code
points). Only the whitespace at a cut is dropped: the parts, without their "1/n" numbering,
rejoin into the original text. Every candidate part is measured with the platform's real
counting, so a part is never longer than the limit.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable

import regex

from . import text as tx
from .counting import fits, rules_for
from .entities import extract
from .platforms import THREAD_PLATFORMS, PlatformRules

_WHITESPACE = regex.compile(r"\s+")
_SENTENCE_END = regex.compile(r"[.!?…。！？]['\"’”»)\]]*$")
_CJK_FULL_STOP = regex.compile(r"[。！？]")

# Levels of a cut, best first; a cut of a level is also usable where a lower level is asked for.
SENTENCE, WORD, GRAPHEME, INSIDE_ENTITY, CODE_POINT = 4, 3, 2, 1, 0
_AFTER_ANY = 1 << 62  # sorts after every (offset, next_start) with the same offset


class _Cuts:
    """Candidate cuts of one text, as (end of this part, start of the next) by level."""

    def __init__(self, text: str, platform: str) -> None:
        self.text = text
        self.end = len(text.rstrip())
        urls, mentions, hashtags = extract(text, platform)
        self.entities = sorted((e.start, e.end) for e in (*urls, *mentions, *hashtags))
        self._levels: dict[int, list[tuple[int, int]]] = {}

    def _inside_entity(self, offset: int) -> bool:
        index = bisect_right(self.entities, (offset, len(self.text) + 1)) - 1
        return any(s < offset < e for s, e in self.entities[max(0, index - 1) : index + 1])

    def at_least(self, level: int) -> list[tuple[int, int]]:
        if level not in self._levels:
            self._levels[level] = self._build(level)
        return self._levels[level]

    def _build(self, level: int) -> list[tuple[int, int]]:
        text = self.text
        cuts: set[tuple[int, int]] = set()
        for match in _WHITESPACE.finditer(text):
            start, end = match.span()
            if start == 0 or end == len(text) or self._inside_entity(start):
                continue
            before = text[max(0, start - 4) : start]
            sentence = "\n" in match.group() or bool(_SENTENCE_END.search(before))
            if level <= WORD or sentence:
                cuts.add((start, end))
        for match in _CJK_FULL_STOP.finditer(text):
            end = match.end()
            if 0 < end < len(text) and not text[end].isspace() and not self._inside_entity(end):
                cuts.add((end, end))
        if level <= GRAPHEME:
            bounds = tx.grapheme_boundaries(text)[1:-1]
            cuts.update(
                (b, b) for b in bounds if level <= INSIDE_ENTITY or not self._inside_entity(b)
            )
        if level <= CODE_POINT:
            cuts.update((i, i) for i in range(1, len(text)))
        # The end of the text is a cut of every level: the last part ends there.
        cuts.add((self.end, len(text)))
        return sorted(c for c in cuts if c[0] <= self.end)


def _farthest(
    cuts: list[tuple[int, int]], start: int, ok: Callable[[int], bool], hint: int = 0
) -> tuple[int, int] | None:
    """The farthest cut after ``start`` whose part passes ``ok``, by galloping then bisecting.

    Part lengths grow (nearly) monotonically with the end offset; the answer is always a cut
    that was actually checked. ``hint`` (an end offset, e.g. where a part as long as the
    previous one would end) is tried first, which saves most of the galloping.
    """
    first = bisect_right(cuts, (start, _AFTER_ANY))
    if first >= len(cuts) or not ok(cuts[first][0]):
        return None
    good = first
    step = 1
    bad = len(cuts)
    guess = min(bisect_right(cuts, (hint, _AFTER_ANY)) - 1, len(cuts) - 1)
    if guess > first:
        if ok(cuts[guess][0]):
            good = guess
        else:
            bad = guess
    while good + step < bad:
        if ok(cuts[good + step][0]):
            good += step
            step *= 2
        else:
            bad = good + step
            break
    while bad - good > 1:
        middle = (good + bad) // 2
        if ok(cuts[middle][0]):
            good = middle
        else:
            bad = middle
    return cuts[good]


def split_thread(
    text: str, platform: str, *, numbering: bool = True, limit: int | None = None
) -> list[str]:
    """Split ``text`` into parts that each fit ``platform``.

    A text that already fits is one part, unchanged and unnumbered; a blank text is no part.
    With ``numbering`` each part ends with " i/n", counted in its length.
    """
    rules = rules_for(platform, limit)
    if rules.slug not in THREAD_PLATFORMS:
        raise ValueError(
            f"{rules.name} does not publish threads; choose one of: {', '.join(THREAD_PLATFORMS)}"
        )
    if not text.strip():
        return []
    if fits(text, rules):
        return [text]
    cuts = _Cuts(text, rules.slug)
    # The numbering's width depends on the number of parts: guess, and widen when wrong.
    total_guess = 9
    while True:
        bodies = _split_bodies(text, cuts, rules, numbering, total_guess)
        if not numbering or len(str(len(bodies))) <= len(str(total_guess)):
            break
        total_guess = 10 ** len(str(len(bodies))) - 1
    if not numbering:
        return bodies
    count = len(bodies)
    return [f"{body} {index}/{count}" for index, body in enumerate(bodies, start=1)]


def _split_bodies(
    text: str, cuts: _Cuts, rules: PlatformRules, numbering: bool, total: int
) -> list[str]:
    suffix = f" {total}/{total}" if numbering else ""
    bodies: list[str] = []
    start = len(text) - len(text.lstrip())
    length = 0  # of the previous part: the next one is probably about as long
    while start < cuts.end:

        def ok(end: int, start: int = start) -> bool:
            return fits(text[start:end] + suffix, rules)

        cut = _best_cut(cuts, start, ok, start + length)
        if cut is None:
            raise ValueError(f"The limit of {rules.max_length} is too small to split this text")
        bodies.append(text[start : cut[0]])
        length = cut[0] - start
        start = cut[1]
    return bodies


def _best_cut(
    cuts: _Cuts, start: int, ok: Callable[[int], bool], hint: int
) -> tuple[int, int] | None:
    word = _farthest(cuts.at_least(WORD), start, ok, hint)
    if word is not None and word[0] == cuts.end:
        return word
    if word is not None:
        sentence = _farthest(cuts.at_least(SENTENCE), start, ok, word[0])
        # A sentence end is worth a shorter part, but not a part under half the limit.
        if sentence is not None and (sentence[0] - start) * 2 >= (word[0] - start):
            return sentence
        return word
    for level in (GRAPHEME, INSIDE_ENTITY, CODE_POINT):
        cut = _farthest(cuts.at_least(level), start, ok, hint)
        if cut is not None:
            return cut
    return None
