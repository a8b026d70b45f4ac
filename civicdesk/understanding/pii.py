"""Personal data spans: phone numbers, e-mail addresses, card numbers (Luhn-checked),
ID-like numbers and street addresses (English, French and Spanish patterns)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from .types import PiiSpan

EMAIL = re.compile(
    r"(?<![\w.+-])[\w.+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,8}\.[A-Za-z]{2,24}(?!\w)"
)
CARD = re.compile(r"(?<![\d-])(?:\d[ -]?){12,18}\d(?![\d-])")
PHONE = re.compile(
    r"(?<![\w+])(?:"
    # international
    r"(?:\+|00)[1-9]\d{0,2}[ .-]?(?:\(\d{1,4}\)[ .-]?)?\d{1,4}(?:[ .-]?\d{2,4}){1,4}"
    r"|\(\d{3}\)[ .-]?\d{3}[ .-]?\d{4}"  # (555) 123-4567
    r"|\d{3}[.-]\d{3}[.-]\d{4}"  # 555-123-4567
    r"|0\d(?:[ .-]?\d{2}){4}"  # 06 12 34 56 78 (FR)
    r"|[6-9]\d{2}[ ]?\d{2,3}[ ]?\d{2,3}[ ]?\d{0,2}"  # 612 345 678 (ES)
    r"|0\d{2,4}[ -]?\d{3,4}[ -]?\d{3,4}"  # 020 7946 0958 (UK and others)
    r")(?![\w])"
)
ID_NUMBER = re.compile(
    r"(?<![\w-])(?:"
    r"\d{3}-\d{2}-\d{4}"  # US SSN
    r"|\d{8}[ -]?[A-HJ-NP-TV-Z]"  # ES DNI
    r"|[XYZ][ -]?\d{7}[ -]?[A-HJ-NP-TV-Z]"  # ES NIE
    r"|[12][ ]?\d{2}[ ]?\d{2}[ ]?\d{2}[ ]?\d{3}[ ]?\d{3}[ ]?\d{2}"  # FR NIR
    r"|[A-Z]{1,2}\d{6,9}"  # passport-like
    r")(?![\w-])"
)
_STREET_EN = (
    r"(?:Street|St\.?|Avenue|Ave\.?|Road|Rd\.?|Boulevard|Blvd\.?|Lane|Ln\.?|Drive|Dr\.?|Way"
    r"|Court|Ct\.?|Place|Pl\.?|Terrace|Crescent|Close|Square|Highway|Hwy)"
)
ADDRESS = re.compile(
    r"(?<!\w)(?:"
    rf"\d{{1,5}}[A-Za-z]?\s+(?:[A-Z][\w'.-]*\s+){{1,4}}{_STREET_EN}(?!\w)"
    r"|\d{1,4}(?:\s?(?:bis|ter))?,?\s+(?:rue|avenue|av\.|boulevard|bd|place|chemin|allée|impasse|quai|route|cours)"
    r"\s+(?:(?:de|du|des|la|le|l'|d')\s*){0,2}[\w'-]+(?:\s+[A-ZÉ][\w'-]+){0,3}"
    r"|(?:calle|c/|avenida|avda\.?|av\.|plaza|pza\.?|paseo|carretera|camino|rua|travessa|praça)\s+"
    r"(?:(?:de|del|la|las|los|da|do|dos)\s+){0,2}[\w'-]+(?:\s+[\w'-]+){0,3}?,?\s*(?:n[ºo°.]\s*)?\d{1,4}"
    r")",
    re.IGNORECASE,
)


_DIGIT = re.compile(r"\d")


def luhn_ok(digits: str) -> bool:
    total, double = 0, False
    for ch in reversed(digits):
        d = ord(ch) - 48
        if double:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
        double = not double
    return total % 10 == 0


def find_pii(text: str) -> tuple[PiiSpan, ...]:
    """Non-overlapping PII spans in ``text``, by position; earlier, more specific kinds win."""
    if not isinstance(text, str) or not text:
        return ()
    found: list[PiiSpan] = []
    taken: list[tuple[int, int]] = []

    def add(start: int, end: int, kind: str) -> None:
        if any(start < e and s < end for s, e in taken):
            return
        taken.append((start, end))
        found.append(PiiSpan(start, end, kind))

    if "@" in text:
        for m in EMAIL.finditer(text):
            add(m.start(), m.end(), "email")
    if not _DIGIT.search(text):  # every form of the other kinds has a digit
        return tuple(sorted(found, key=lambda s: s.start))
    for m in CARD.finditer(text):
        digits = re.sub(r"\D", "", m.group(0))
        if 13 <= len(digits) <= 19 and luhn_ok(digits) and len(set(digits)) > 1:
            add(m.start(), m.end(), "card")
    for m in ID_NUMBER.finditer(text):
        add(m.start(), m.end(), "id_number")
    for m in PHONE.finditer(text):
        if sum(ch.isdigit() for ch in m.group(0)) >= 8:
            add(m.start(), m.end(), "phone")
    for m in ADDRESS.finditer(text):
        add(m.start(), m.end(), "address")
    return tuple(sorted(found, key=lambda s: s.start))


def mask_pii(text: str, spans: Iterable[PiiSpan]) -> str:
    """``text`` with every span replaced by a placeholder such as ``[phone]``."""
    if not isinstance(text, str):
        return ""
    out, pos = [], 0
    for span in sorted(spans, key=lambda s: (s.start, s.end)):
        start, end = max(span.start, pos), min(span.end, len(text))
        if end <= start:
            continue
        out.append(text[pos:start])
        out.append(f"[{span.kind}]")
        pos = end
    out.append(text[pos:])
    return "".join(out)
