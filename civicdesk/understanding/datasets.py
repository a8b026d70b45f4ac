"""Readers for the labelled research data sets, recognised by folder name and columns.

Each reader yields :class:`Example` rows: an identifier, the text, the label and a group (the
event, video, file or domain the row belongs to), which is what honest splits are made on.
"""

from __future__ import annotations

import csv
import sys
from dataclasses import dataclass
from pathlib import Path

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))

COMPLAINTS = "complaints"
CONSTRAINT = "constraint"
INFODEMIC = "infodemic"
CRISIS = "crisislex_t26"
TWEETLID = "tweetlid"
SPAM = "youtube_spam"
ALL = (CONSTRAINT, CRISIS, COMPLAINTS, SPAM, TWEETLID, INFODEMIC)

SERVICE_DOMAINS = frozenset(
    {
        "apparel",
        "cars",
        "electronics",
        "food",
        "other",
        "retail",
        "services",
        "software",
        "transport",
    }
)
CRISIS_TYPE_MAP = {
    "affected individuals": "affected_individuals",
    "infrastructure and utilities": "infrastructure_utilities",
    "donations and volunteering": "donations_volunteering",
    "caution and advice": "caution_advice",
    "sympathy and support": "sympathy_support",
    "sympathy and emotional support": "sympathy_support",
    "other useful information": "other_useful",
    "not applicable": "not_related",
}


class DatasetError(Exception):
    """A data set folder or file could not be read."""


@dataclass(frozen=True)
class Example:
    id: str
    text: str
    label: str
    group: str
    extra: str = ""
    author: str = ""  # CrisisLex: the information source (eyewitness, media, government, ...)


def _rows(path: Path, delimiter: str) -> list[list[str]]:
    """Rows of a CSV (quoted) or TSV file; TSV files are read unquoted unless they quote."""
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            if delimiter == ",":
                return list(csv.reader(handle, delimiter=delimiter))
            rows = list(csv.reader(handle, delimiter=delimiter, quoting=csv.QUOTE_NONE))
        if rows and {"tweet_id", "lang", "text"} <= {c.strip().lower() for c in rows[0]}:
            with path.open(newline="", encoding="utf-8") as handle:
                rows = list(csv.reader(handle, delimiter=delimiter))
        return rows
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise DatasetError(f"cannot read {path}: {exc}") from exc


def _header(rows: list[list[str]]) -> list[str]:
    return [c.strip().lower() for c in rows[0]] if rows else []


def _kind_of_file(path: Path, rows: list[list[str]]) -> str | None:
    head = _header(rows)
    folder = str(path.parent).lower()
    if {"tweet", "label"} <= set(head) and "id" in head:
        return CONSTRAINT
    if "q7_label" in head:
        return INFODEMIC
    if "information type" in head and "informativeness" in head:
        return CRISIS
    if {"tweet_id", "lang", "text"} <= set(head):
        return TWEETLID
    if {"content", "class"} <= set(head):
        return SPAM
    if rows and len(rows[0]) == 4 and rows[0][2].strip() in {"0", "1"}:
        return COMPLAINTS
    if "complaint" in folder and rows and len(rows[0]) == 4:
        return COMPLAINTS
    return None


def _parse(kind: str, path: Path, rows: list[list[str]]) -> list[Example]:
    out: list[Example] = []
    if kind == COMPLAINTS:
        for row in rows:
            if len(row) != 4 or row[2].strip() not in {"0", "1"}:
                raise DatasetError(
                    f"{path}: expected tweet_id,text,label,domain rows, got {row[:4]!r}"
                )
            out.append(
                Example(
                    row[0], row[1], "complaint" if row[2].strip() == "1" else "not", row[3].strip()
                )
            )
        return out
    head = _header(rows)
    index = {name: i for i, name in enumerate(head)}
    body = rows[1:]

    def col(row: list[str], name: str) -> str:
        i = index[name]
        return row[i] if i < len(row) else ""

    if kind == CONSTRAINT:
        for row in body:
            out.append(
                Example(
                    col(row, "id"), col(row, "tweet"), col(row, "label").strip().lower(), path.stem
                )
            )
    elif kind == INFODEMIC:
        for row in body:
            out.append(
                Example(
                    col(row, "tweet_id"),
                    col(row, "text"),
                    col(row, "q7_label").strip(),
                    path.stem,
                    col(row, "q6_label").strip() if "q6_label" in index else "",
                )
            )
    elif kind == CRISIS:
        event = path.parent.name
        for row in body:
            itype = CRISIS_TYPE_MAP.get(col(row, "information type").strip().lower(), "")
            info = col(row, "informativeness").strip().lower()
            author = (
                col(row, "information source").strip().lower()
                if "information source" in index
                else ""
            )
            out.append(
                Example(col(row, "tweet id"), col(row, "tweet text"), itype, event, info, author)
            )
    elif kind == TWEETLID:
        for row in body:
            out.append(
                Example(col(row, "tweet_id"), col(row, "text"), col(row, "lang").strip(), path.stem)
            )
    elif kind == SPAM:
        for row in body:
            label = col(row, "class").strip()
            if label not in {"0", "1"}:
                raise DatasetError(f"{path}: CLASS must be 0 or 1, got {label!r}")
            out.append(
                Example(
                    col(row, "comment_id"),
                    col(row, "content"),
                    "spam" if label == "1" else "ham",
                    path.stem,
                )
            )
    return out


def load(data_dir: Path | str) -> dict[str, list[Example]]:
    """Every recognised data set below ``data_dir``; raises DatasetError on unreadable files."""
    root = Path(data_dir)
    if not root.is_dir():
        raise DatasetError(f"{root} is not a folder")
    found: dict[str, list[Example]] = {}
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path.suffix.lower() not in {".csv", ".tsv"}:
            continue
        if "crisislext6" in str(path).lower() or "tweetids" in path.name.lower():
            continue
        rows = _rows(path, "\t" if path.suffix.lower() == ".tsv" else ",")
        kind = _kind_of_file(path, rows)
        if kind is None:
            if any(
                key in str(path.relative_to(root)).lower()
                for key in ("complaint", "constraint", "infodemic", "crisislex", "tweetlid", "spam")
            ):
                raise DatasetError(
                    f"{path}: columns {_header(rows)[:6]} are not those of a known data set"
                )
            continue
        found.setdefault(kind, []).extend(_parse(kind, path, rows))
    return found
