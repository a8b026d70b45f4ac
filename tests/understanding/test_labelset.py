"""The labelled set: ids and labels only for data set rows, authored messages kept apart."""

from __future__ import annotations

import csv
from collections import Counter

import pytest

from civicdesk.understanding import datasets, labelset
from civicdesk.understanding.types import KINDS, URGENCIES


def _rows(name: str) -> list[dict[str, str]]:
    with (labelset.LABELS_DIR / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_data_set_rows_carry_no_text():
    rows = _rows("messages.csv")
    assert set(rows[0]) == {"source", "id", "kind", "urgency", "language", "group", "method"}
    assert {r["kind"] for r in rows} <= set(KINDS)
    assert {r["urgency"] for r in rows} <= set(URGENCIES)
    assert {r["source"] for r in rows} <= set(labelset.SOURCES) - {labelset.AUTHORED}


def test_authored_messages_cover_the_kinds_the_data_lacks():
    messages = labelset.authored()
    assert {m.source for m in messages} == {labelset.AUTHORED}
    per = Counter((m.kind, m.language) for m in messages)
    for kind in ("question", "praise", "suggestion", "help_request", "emergency"):
        for language in ("en", "fr", "es"):
            assert per[(kind, language)] >= 15, (kind, language)


def test_agreement_sample_was_labelled_twice():
    rows = _rows("agreement.csv")
    # 300 mapped rows against a blind reading, then 50 customer-service tweets and 50 TweetLID
    # tweets read twice
    assert len(rows) == 400
    assert all(r["first_kind"] in KINDS and r["second_kind"] in KINDS for r in rows)
    read_twice = {
        (r["source"], r["id"]) for r in _rows("messages.csv") if r["method"] == "read twice"
    }
    assert {(r["source"], r["id"]) for r in rows[300:]} <= read_twice


@pytest.mark.research_data
def test_every_row_resolves_against_the_data(shared_data):
    data = datasets.load(shared_data)
    loaded = labelset.load(data, include_authored=False)
    assert len(loaded) == len(_rows("messages.csv"))
    per = Counter(m.kind for m in loaded)
    for kind in ("complaint", "emergency", "spam", "rumour", "other"):
        assert per[kind] >= 150, per
    # CrisisLex's "donations and volunteering" rows were read: fewer, cleaner help requests
    assert per["help_request"] >= 90, per
    # each row is read from its own file: CONSTRAINT numbers every file's rows from 1
    texts = {(ex.group, ex.id): ex.text for ex in data[datasets.CONSTRAINT]}
    constraint = [m for m in loaded if m.source == datasets.CONSTRAINT]
    assert {m.group for m in constraint} == {"train", "valid"}
    assert all(m.text == texts[(m.group, m.id)] for m in constraint)
    # the TweetLID tweets were read in Spanish, Portuguese, Catalan and Galician
    tweetlid = [m for m in loaded if m.source == datasets.TWEETLID]
    assert len(tweetlid) == 400
    assert {m.language for m in tweetlid} == {"es", "pt", "ca", "gl"}


#: The columns of a reading file: the first labelling (the mapping) and the second (the reading).
READING_COLUMNS = {
    "source",
    "id",
    "group",
    "first_kind",
    "first_urgency",
    "second_kind",
    "second_urgency",
}


def test_emergency_reading_covers_the_mapped_emergencies_by_id_only():
    reading = _rows("emergency_reading.csv")
    assert set(reading[0]) == READING_COLUMNS
    assert {r["second_kind"] for r in reading} <= set(KINDS)
    assert {r["second_urgency"] for r in reading} <= set(URGENCIES)
    mapped = {
        (r["group"], r["id"])
        for r in _rows("messages.csv")
        if r["source"] == datasets.CRISIS and r["kind"] == "emergency" and r["method"] == "mapped"
    }
    assert {(r["group"], r["id"]) for r in reading} == mapped


def test_complaint_reading_covers_the_mapped_complaints_by_id_only():
    """The customer-service tweets once mapped to complaint were all read: the reading file names
    each of them by id (no text), keeps the mapping as its first labelling, and messages.csv
    carries the reading."""
    reading = _rows("complaint_reading.csv")
    assert set(reading[0]) == READING_COLUMNS
    assert len(reading) == 654
    assert {(r["source"], r["first_kind"], r["first_urgency"]) for r in reading} == {
        (datasets.COMPLAINTS, "complaint", "medium")
    }
    assert {r["second_kind"] for r in reading} <= set(KINDS)
    assert {r["second_urgency"] for r in reading} <= set(URGENCIES)
    complaints = {
        (r["group"], r["id"]): r
        for r in _rows("messages.csv")
        if r["source"] == datasets.COMPLAINTS
    }
    assert all(r["method"] != "mapped" for r in complaints.values())
    assert len({(r["group"], r["id"]) for r in reading}) == len(reading)
    for r in reading:
        row = complaints[(r["group"], r["id"])]
        assert (row["kind"], row["urgency"], row["method"]) == (
            r["second_kind"],
            r["second_urgency"],
            "read",
        )
