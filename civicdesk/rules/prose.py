"""Reading a post as prose: sentences, words, syllables and plain-language scores.

Scores use the formula made for each language: Flesch reading ease for English, Kandel and
Moles' adaptation for French, Fernández Huerta's for Spanish (in its corrected form, with
words per sentence). Syllables are counted with spelling rules, good enough for a score.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import regex

from .messages import base_language

_SENTENCE_END = regex.compile(r"[.!?…。！？]+['\"’”»)\]]*(?=\s|$)|\n\s*")
_WORD = regex.compile(r"[\p{L}\p{N}][\p{L}\p{M}\p{N}'’\-]*")
_LETTER_WORD = regex.compile(r"\p{L}[\p{L}\p{M}'’\-]*")
# A period after these is not the end of a sentence.
_ABBREVIATIONS = frozenset(
    "e.g i.e etc dr mr mrs ms st no nos vs art p pp ex mme mlle m cf approx fig ca av".split()
)


def mask(text: str, spans: Sequence[tuple[int, int]], filler: str = "X") -> str:
    """``text`` with each span replaced by ``filler`` repeated (offsets are kept)."""
    if not spans:
        return text
    chars = list(text)
    for start, end in spans:
        chars[start:end] = filler * (end - start)
    return "".join(chars)


def sentences(text: str) -> list[tuple[int, int]]:
    """Spans of the sentences of ``text`` (links and tags should be masked first)."""
    spans = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        if match.group().startswith(".") and not match.group().startswith(".."):
            before = regex.search(r"[\p{L}.]+$", text[max(0, match.start() - 12) : match.start()])
            word = before.group().lower() if before else ""
            if word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha()):
                continue
        end = match.end()
        if text[start:end].strip():
            spans.append((start, end))
        start = end
    if text[start:].strip():
        spans.append((start, len(text)))
    # Trim the whitespace around each sentence.
    trimmed = []
    for start, end in spans:
        piece = text[start:end]
        left = len(piece) - len(piece.lstrip())
        right = len(piece.rstrip())
        trimmed.append((start + left, start + right))
    return trimmed


def words(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in _WORD.finditer(text)]


# Syllables, one spelling system a language.

_EN_VOWELS = regex.compile(r"[aeiouy]+")


def syllables_en(word: str) -> int:
    w = regex.sub(r"[^a-z]", "", word.lower())
    if not w:
        return 0
    if len(w) <= 3:
        return 1
    count = len(_EN_VOWELS.findall(w))
    # Silent endings: "made", "hoped", "boxes" keep their vowel, "table" and "wanted" do not.
    if w.endswith("e") and not w.endswith(("le", "ee", "ye")) and count > 1:
        count -= 1
    elif w.endswith("ed") and not w.endswith(("ted", "ded")) and count > 1:
        count -= 1
    elif w.endswith("es") and not w.endswith(("ses", "xes", "zes", "ces", "ges", "ches", "shes")):
        count -= 1 if count > 1 else 0
    # Vowel pairs said as two syllables: "create", "radio", "science".
    count += len(regex.findall(r"(?:ia|io|eo|ua|uo)(?!u)", w)) - len(
        regex.findall(r"tio|sio|cia|tia", w)
    )
    return max(1, count)


_FR_VOWELS = regex.compile(r"[aeiouyàâäéèêëîïôöûùüÿœæ]+")


def syllables_fr(word: str) -> int:
    w = word.lower().replace("’", "'").split("'")[-1]
    w = regex.sub(r"[^a-zàâäéèêëîïôöûùüÿœæç]", "", w)
    if not w:
        return 0
    count = len(_FR_VOWELS.findall(w))
    # A final mute e ("table", "tables") is not said.
    if count > 1 and regex.search(r"[^aeiouyàâäéèêëîïôöûùüÿ](?:e|es)$", w):
        count -= 1
    return max(1, count)


_ES_VOWEL = "aeiouáéíóúü"
_ES_STRONG = set("aeoáéóíú")  # accented i and u break a diphthong like strong vowels


def syllables_es(word: str) -> int:
    w = regex.sub(r"[^a-zñáéíóúü]", "", word.lower())
    if not w:
        return 0
    count = 0
    previous = ""
    for char in w:
        if char not in _ES_VOWEL:
            previous = ""
            continue
        # A new nucleus unless this vowel forms a diphthong with the one before it.
        if not previous or (previous in _ES_STRONG and char in _ES_STRONG):
            count += 1
        previous = char
    return max(1, count)


@dataclass(frozen=True, slots=True)
class Formula:
    name: str
    syllables: Callable[[str], int]
    score: Callable[[float, float], float]  # (words per sentence, syllables per word)


FORMULAS: dict[str, Formula] = {
    "en": Formula("Flesch", syllables_en, lambda wps, spw: 206.835 - 1.015 * wps - 84.6 * spw),
    "fr": Formula("Kandel–Moles", syllables_fr, lambda wps, spw: 207.0 - 1.015 * wps - 73.6 * spw),
    "es": Formula(
        "Fernández Huerta", syllables_es, lambda wps, spw: 206.84 - 1.02 * wps - 60.0 * spw
    ),
}


@dataclass(frozen=True, slots=True)
class Readability:
    formula: str
    score: float
    words: int
    sentences: int
    syllables: int


def readability(text: str, language: str) -> Readability | None:
    """The plain-language score of ``text`` in ``language``, or None without a formula."""
    formula = FORMULAS.get(base_language(language))
    if formula is None:
        return None
    spans = sentences(text)
    word_list = [m.group() for m in _LETTER_WORD.finditer(text)]
    if not word_list:
        return None
    syllables = sum(formula.syllables(w) for w in word_list)
    wps = len(word_list) / max(1, len(spans))
    spw = syllables / len(word_list)
    return Readability(
        formula.name,
        round(formula.score(wps, spw), 1),
        len(word_list),
        max(1, len(spans)),
        syllables,
    )
