"""The shipped artifact's kind model on the demo inbox's messages and on authored examples."""

from __future__ import annotations

import pytest

from civicdesk.exnet import bank
from civicdesk.understanding import kinds, models, understand, understand_batch

#: Messages the demo's exercise network posts (civicdesk.exnet.bank), with the place filled in.
TRAFFIC_LIGHTS = "@cityroads the traffic lights at Pont Champlain are out, somebody will get hurt."
HOSPITAL = "Ma mère doit aller à l'hôpital, la voie de contournement est-elle praticable ?"


def test_the_shipped_artifact_holds_a_kind_model():
    heads = models.load()
    km = kinds.from_heads(heads)
    assert km is not None, "rebuild with: civicdesk train-understanding --data DATA_DIR"
    assert km.embedding == heads.meta["kind_model"]["embedding"]
    assert set(km.thresholds) == {"emergency", "help_request"}
    assert heads.path.stat().st_size < 5_000_000  # weights only, int8


def test_demo_messages_are_the_bank_s():
    demo = bank.default_bank()
    assert any("traffic lights at {place} are out" in t for t in demo.pick("en", "mention"))
    assert HOSPITAL in demo.pick("fr", "comment")


def test_demo_emergency_report_is_an_emergency():
    u = understand(TRAFFIC_LIGHTS, languages=("en", "fr"))
    assert u.kind == "emergency", u.kind_scores
    assert u.urgency in ("critical", "high"), u.urgency_reasons


def test_demo_help_request_is_a_help_request():
    u = understand(HOSPITAL, languages=("en", "fr"))
    assert u.kind == "help_request", u.kind_scores
    assert u.urgency in ("critical", "high", "medium")


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Fire on Main Street, two people injured!", "emergency"),
        ("Spam spam: earn $500 a day from home!!! Click bit.ly/xxxx", "spam"),
        ("Thanks for the update, very helpful.", "praise"),
    ],
)
def test_clear_messages_get_their_kind(text, kind):
    assert understand_batch([text])[0].kind == kind
