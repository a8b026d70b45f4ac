"""The labelled set of public messages for the nine kinds and four urgencies.

Rows of the research data sets are referred to by data set and id only (``labels/*.csv``); their
text is read from the data folder at training time and never committed. Messages written by this
project ("authored", ``labels/authored.csv``) are ours and carry their text. How each data set's
own annotation maps to a kind and an urgency is written in docs/understanding-guidelines.md and
coded once here (:func:`map_example`).
"""

from __future__ import annotations

import csv
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from . import datasets as ds

LABELS_DIR = Path(__file__).resolve().parent / "labels"
AUTHORED = "authored"
#: Sources as written in the labels files (the data set readers' names, plus "authored").
SOURCES = (ds.COMPLAINTS, ds.SPAM, ds.CONSTRAINT, ds.INFODEMIC, ds.CRISIS, ds.TWEETLID, AUTHORED)


@dataclass(frozen=True)
class LabelledMessage:
    source: str
    id: str
    text: str
    kind: str
    urgency: str
    language: str
    group: str  # what grouped cross-validation holds out together (event, video, data set)
    method: str  # "mapped" (from the data set's annotation), "read" (labelled by reading)


def map_example(source: str, ex: ds.Example) -> tuple[str, str] | None:
    """(kind, urgency) that the guidelines give a data set row from its own annotation, or None
    where the annotation does not settle the kind (those rows are labelled by reading or left out).
    """
    if source == ds.COMPLAINTS:
        if ex.group in ds.SERVICE_DOMAINS and ex.label == "complaint":
            return "complaint", "medium"
        return None
    if source == ds.SPAM:
        # ham comments talk about the song, not to an institution: not mapped
        return ("spam", "low") if ex.label == "spam" else None
    if source == ds.CONSTRAINT:
        return ("rumour", "medium") if ex.label == "fake" else ("other", "low")
    if source == ds.INFODEMIC:
        harm, action = ex.extra, ex.label
        if harm == "yes_rumor_conspiracy":
            return "rumour", "medium"
        if action == "yes_blame_authorities":
            return "complaint", "medium"
        if action == "yes_calls_for_action":
            return "suggestion", "low"
        if action == "yes_asks_question":
            return "question", "medium"
        if harm == "no_not_harmful" and action == "no_not_interesting":
            return "other", "low"
        return None
    if source == ds.CRISIS:
        who, what = ex.author, ex.label
        if who == "eyewitness" and what == "affected_individuals":
            return "emergency", "critical"
        if who == "eyewitness" and what == "infrastructure_utilities":
            return "emergency", "high"
        if who == "eyewitness" and what == "donations_volunteering":
            return "help_request", "high"
        if what in ("not_related", "sympathy_support"):
            return "other", "low"
        if who in ("media", "government") and what in ("caution_advice", "other_useful"):
            return "other", "low"
        return None
    return None


def _read_csv(path: Path) -> list[dict[str, str]]:
    if not path.is_file():
        return []
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def authored() -> list[LabelledMessage]:
    """The messages this project wrote (text included)."""
    return [
        LabelledMessage(
            AUTHORED,
            row["id"],
            row["text"],
            row["kind"],
            row["urgency"],
            row["language"],
            AUTHORED,
            "authored",
        )
        for row in _read_csv(LABELS_DIR / "authored.csv")
    ]


def key(source: str, group: str, identifier: str) -> tuple[str, str, str]:
    """What names a data set row: its source, its group and its id. The group is needed:
    CONSTRAINT numbers the rows of each file from 1, so "constraint 36" is a row of the train
    file and another of the valid file."""
    return source, group, identifier.strip().strip("'")


def _index(data: dict[str, list[ds.Example]]) -> dict[tuple[str, str, str], ds.Example]:
    out: dict[tuple[str, str, str], ds.Example] = {}
    for source, rows in data.items():
        for ex in rows:
            out.setdefault(key(source, ex.group, ex.id), ex)
    return out


def load(
    data: dict[str, list[ds.Example]] | None, *, include_authored: bool = True
) -> list[LabelledMessage]:
    """The labelled set: rows of ``labels/messages.csv`` found in ``data`` (their text read from
    it) and, unless told otherwise, the authored messages."""
    found = _index(data or {})
    out: list[LabelledMessage] = []
    for row in _read_csv(LABELS_DIR / "messages.csv"):
        ex = found.get(key(row["source"], row["group"], row["id"]))
        if ex is None:
            continue
        out.append(
            LabelledMessage(
                row["source"],
                row["id"],
                ex.text,
                row["kind"],
                row["urgency"],
                row["language"],
                row["group"],
                row["method"],
            )
        )
    if include_authored:
        out.extend(authored())
    return out


def held_out(message: LabelledMessage) -> bool:
    """The fixed evaluation part of the labelled set: whole groups where a source has groups that
    mean something (crisis events, videos), else one message in four by a hash of its id."""
    if message.source == ds.CRISIS:
        from .training import HELD_OUT_EVENTS

        return message.group in HELD_OUT_EVENTS
    if message.source == ds.SPAM:
        from .training import HELD_OUT_VIDEOS

        return message.group in HELD_OUT_VIDEOS
    if message.source == ds.CONSTRAINT:
        return message.group != "train"
    if message.source == ds.COMPLAINTS:
        from .training import id_held_out

        return id_held_out(message.id, 3)
    return zlib.crc32(f"{message.source}:{message.id}".encode()) % 4 == 0


def write_rows(path: Path, rows: Iterable[dict[str, str]], fields: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
