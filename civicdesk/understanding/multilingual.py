"""How many languages the language detector recognises without an organisation's prior.

The label set is read out of the fastText model itself (by asking it for every label), and the
test sentences are the translated message catalogues that ship inside Django
(``django/**/locale/<locale>/LC_MESSAGES/django.po``): real sentences written by translators in
about a hundred languages, present wherever Django is installed. Nothing is downloaded.
"""

from __future__ import annotations

import importlib.util
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from . import language

#: Probe texts in several scripts: asking fastText for all labels of each gives its label set.
_PROBES = (
    "hello world",
    "привет мир",
    "مرحبا بالعالم",
    "你好世界",
    "नमस्ते दुनिया",
    "γεια σου",
    "12 3",
)
#: Django locale folder names whose language code differs from fastText's.
_LOCALE_ALIASES = {"nb": "no", "nn": "no", "zh_Hans": "zh", "zh_Hant": "zh", "sr_Latn": "sr"}
_PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[sdifr%]|\{[^}]*\}|<[^>]*>")
_MSGSTR = re.compile(r'^msgstr(?:\[\d+\])? "(.*)"$')
_CONT = re.compile(r'^"(.*)"$')
PASS = 0.8
#: Languages with fewer sentences than this in the catalogues are not scored.
MIN_SENTENCES = 10


def fasttext_labels() -> tuple[str, ...]:
    """Every label of the installed fastText model, as codes (aliases folded)."""
    model = language.model()
    found: set[str] = set()
    for probe in _PROBES:
        labels, _ = model.predict(probe, k=-1, threshold=0.0)
        found.update(label.replace("__label__", "") for label in labels)
    return tuple(sorted(found))


def detectable_codes() -> tuple[str, ...]:
    """The codes ``detect_batch`` can return (fastText labels after alias folding, 2 letters)."""
    codes = {language._ALIASES.get(code, code) for code in fasttext_labels()}
    return tuple(sorted(c for c in codes if len(c) == 2))


def django_locale_root() -> Path | None:
    spec = importlib.util.find_spec("django")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0])


def _unquote(s: str) -> str:
    return s.replace('\\"', '"').replace("\\n", " ").replace("\\t", " ").replace("\\\\", "\\")


def _msgstrs(path: Path) -> list[str]:
    out: list[str] = []
    current: list[str] | None = None
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        line = line.strip()
        if m := _MSGSTR.match(line):
            if current:
                out.append("".join(current))
            current = [_unquote(m.group(1))]
        elif current is not None and (m := _CONT.match(line)):
            current.append(_unquote(m.group(1)))
        else:
            if current:
                out.append("".join(current))
            current = None
    if current:
        out.append("".join(current))
    return out


def locale_sentences(min_chars: int = 25, per_language: int = 40) -> dict[str, list[str]]:
    """Translated sentences per language code from Django's message catalogues.

    Only languages fastText has a label for are kept; placeholders and markup are removed, and
    only strings with at least ``min_chars`` characters and several words are used.
    """
    root = django_locale_root()
    if root is None:
        return {}
    supported = set(detectable_codes())
    by_lang: dict[str, list[str]] = defaultdict(list)
    for po in sorted(root.rglob("locale/*/LC_MESSAGES/django.po")):
        folder = po.parent.parent.name
        code = _LOCALE_ALIASES.get(folder, folder.split("_")[0])
        code = language._ALIASES.get(code, code)
        if code not in supported or code == "en":  # English catalogues hold no translations
            continue
        for text in _msgstrs(po):
            if "Project-Id-Version" in text or "Content-Type:" in text:  # the catalogue header
                continue
            text = " ".join(_PLACEHOLDER.sub(" ", text).split())
            if len(text) >= min_chars and len(text.split()) >= 3 and text not in by_lang[code]:
                by_lang[code].append(text)
    return {code: rows[:per_language] for code, rows in sorted(by_lang.items()) if rows}


@dataclass(frozen=True)
class LanguageReport:
    labels: int  # labels in the fastText model
    codes: int  # of which ISO 639-1 codes the detector can return
    accuracy: dict[str, tuple[float, int]]  # code -> (accuracy, sentences)

    @property
    def passing(self) -> list[str]:
        return [code for code, (acc, _) in self.accuracy.items() if acc >= PASS]


def evaluate_without_prior(per_language: int = 40) -> LanguageReport:
    """Accuracy per language on Django's translated catalogues, with no prior at all."""
    samples = locale_sentences(per_language=per_language)
    accuracy: dict[str, tuple[float, int]] = {}
    for code, texts in samples.items():
        if len(texts) < MIN_SENTENCES:
            continue
        predicted = language.detect_batch(texts)
        hits = sum(1 for got, _ in predicted if got == code)
        accuracy[code] = (hits / len(texts), len(texts))
    return LanguageReport(len(fasttext_labels()), len(detectable_codes()), accuracy)


def format_report(report: LanguageReport) -> str:
    lines = [
        "== language without a prior: Django's translated message catalogues",
        f"   fastText labels {report.labels}; ISO 639-1 codes the detector returns {report.codes}",
        f"   languages tested (>= {MIN_SENTENCES} sentences each) {len(report.accuracy)}; "
        f"at accuracy >= {PASS} "
        f"{len(report.passing)}",
    ]
    row = []
    for code, (acc, n) in report.accuracy.items():
        row.append(f"{code} {acc:.2f}/{n}")
        if len(row) == 8:
            lines.append("   " + "  ".join(row))
            row = []
    if row:
        lines.append("   " + "  ".join(row))
    return "\n".join(lines)


# --------------------------------------------------------------- cross-lingual sentence sets

_MSGID = re.compile(r'^msgid "(.*)"$')
#: Languages of the cross-lingual embedding check (Django locale folder names).
PARALLEL_LOCALES = ("fr", "es", "pt", "de", "it", "nl", "pl", "ru", "ar", "tr", "ja", "zh_Hans")


def _pairs(path: Path) -> dict[str, str]:
    """msgid -> msgstr of one catalogue (singular entries with a translation only)."""
    out: dict[str, str] = {}
    key: list[str] | None = None
    val: list[str] | None = None
    state = ""

    def flush() -> None:
        if key is not None and val is not None:
            k, v = "".join(key), "".join(val)
            if k and v:
                out[k] = v

    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        line = line.strip()
        if m := _MSGID.match(line):
            flush()
            key, val, state = [_unquote(m.group(1))], None, "id"
        elif line.startswith("msgid_plural") or line.startswith("msgstr["):
            key, val, state = None, None, ""
        elif m := re.match(r'^msgstr "(.*)"$', line):
            val, state = ([_unquote(m.group(1))] if key is not None else None), "str"
        elif m := _CONT.match(line):
            if state == "id" and key is not None:
                key.append(_unquote(m.group(1)))
            elif state == "str" and val is not None:
                val.append(_unquote(m.group(1)))
        else:
            if line.startswith("#") or not line:
                flush()
                key, val, state = None, None, ""
    flush()
    return out


def parallel_sentences(
    locales: tuple[str, ...] = PARALLEL_LOCALES, min_chars: int = 30, limit: int = 120
) -> list[dict[str, str]]:
    """Sentences of Django's catalogues translated into every one of ``locales``.

    Each item maps "en" (the msgid) and each locale to one translation of the same sentence;
    only msgids with at least ``min_chars`` characters and four words, placeholders and markup
    removed, are kept, in catalogue order (at most ``limit``).
    """
    root = django_locale_root()
    if root is None:
        return []
    rows: dict[str, dict[str, str]] = {}
    for locale in locales:
        for po in sorted(root.rglob(f"locale/{locale}/LC_MESSAGES/django.po")):
            for msgid, msgstr in _pairs(po).items():
                rows.setdefault(msgid, {})[locale] = msgstr
    out: list[dict[str, str]] = []
    seen: set[str] = set()
    for msgid, translations in rows.items():
        en = " ".join(_PLACEHOLDER.sub(" ", msgid).split())
        if len(en) < min_chars or len(en.split()) < 4 or en.lower() in seen:
            continue
        if set(translations) != set(locales):
            continue
        item = {"en": en}
        for locale, text in translations.items():
            item[locale] = " ".join(_PLACEHOLDER.sub(" ", text).split())
        if len(set(item.values())) < len(item):  # an untranslated copy of the English
            continue
        seen.add(en.lower())
        out.append(item)
        if len(out) >= limit:
            break
    return out
