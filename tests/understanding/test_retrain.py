"""Learning from the team: per-organisation retraining with corrections (needs the data)."""

from __future__ import annotations

import importlib

import pytest
from django.core.management import CommandError, call_command

from civicdesk.inbox.models import Correction, InboundMessage
from civicdesk.inbox.understanding import corrections_for, understand_messages
from civicdesk.understanding import kind_training, models, retrain, understand_batch
from civicdesk.understanding.organizations import installed_models_dir, models_dir
from civicdesk.understanding.training import Table
from tests.conftest import RESEARCH_DATA
from tests.factories import make_brand, make_channel, make_message, make_organization, make_user

from .test_training import small_copy

retrain_module = importlib.import_module("civicdesk.understanding.retrain")
mcnemar_p = retrain_module.mcnemar_p
worse_tasks = retrain_module.worse_tasks
PHRASE = "the zorblax quux office"
TEXTS = [f"{PHRASE} {tail}" for tail in ("again", "today", "this week", "on monday", "now")]

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def small_data(tmp_path_factory):
    """The data sets behind the heads that corrections of the category train (complaint, spam,
    false claim); the crisis and language heads are left out to keep retraining quick."""
    # Only tests marked research_data ask for it: they are skipped at collection without it.
    return small_copy(
        RESEARCH_DATA, tmp_path_factory.mktemp("data"), ("spam", "constraint", "complaints")
    )


@pytest.fixture(autouse=True)
def quick_kind_model(monkeypatch):
    """Retraining fits the kind model too: the cheap configuration keeps these tests quick
    (the shipped settings are exercised by train-understanding and test_shipped_kinds)."""
    monkeypatch.setattr(kind_training, "SETTINGS", kind_training.QUICK)


@pytest.fixture
def org_world(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "var"
    org = make_organization()
    channel = make_channel(brand=make_brand(organization=org))
    user = make_user()
    messages = [make_message(channel=channel, text=t, category="other") for t in TEXTS]
    for message in messages:
        Correction.objects.create(
            message=message,
            field="category",
            old_value="other",
            new_value="complaint",
            corrected_by=user,
        )
    Correction.objects.create(
        message=messages[0], field="urgency", old_value="low", new_value="high", corrected_by=user
    )
    return org, channel


def test_corrections_are_gathered_per_organisation(org_world):
    org, _ = org_world
    rows = corrections_for(org.slug)
    assert sorted(rows) == sorted((t, "category", "complaint") for t in TEXTS)
    other = make_organization()
    assert corrections_for(other.slug) == []
    assert installed_models_dir(org) is None  # the shipped model until a retrain


@pytest.mark.research_data
def test_retrain_uses_corrections_installs_and_the_inbox_follows(
    org_world, small_data, capsys, monkeypatch
):
    org, channel = org_world
    # On this small copy (200 CONSTRAINT validation rows, a kind model in the cheap
    # configuration) a refit moves held-out figures by one or two rows whatever the rows: with
    # the heads reading the sentence embedding, five corrections moved false claim by 0.010 and
    # urgency macro-F1 by 0.022 (with n-gram heads, urgency by 0.007), over the 0.005 the guard
    # allows on the full data. The guard's refusal is tested below; here the flow is.
    monkeypatch.setattr(retrain_module, "TOLERANCE", 0.03)
    probe = [f"{PHRASE} yesterday"]
    # the organisation's current model: the same small data without its corrections
    retrain(
        data_dir=small_data, corrections=[], out_dir=models_dir(org), current_dir=models_dir(org)
    )
    own = installed_models_dir(org)
    assert own == models_dir(org)
    before = understand_batch(probe, models_dir=own)[0].kind_scores["complaint"]

    call_command("retrain_understanding", "--organization", org.slug, "--data", str(small_data))
    out = capsys.readouterr().out
    assert "corrections used: 5" in out  # the urgency correction is not a training row
    assert "installed in" in out  # (b) not worse than the organisation's current model

    # (a) the corrections moved the organisation's model
    after = understand_batch(probe, models_dir=own)[0].kind_scores["complaint"]
    assert after > before

    # (c) the inbox now understands this organisation's messages with its own model
    message = make_message(channel=channel, text=probe[0])
    InboundMessage.objects.filter(pk=message.pk).update(understood_at=None)
    assert understand_messages([message.pk]) == 1
    message.refresh_from_db()
    assert message.category_scores["complaint"] == pytest.approx(after, abs=1e-3)


@pytest.mark.research_data
def test_model_is_replaced_only_when_not_worse(small_data, tmp_path, monkeypatch):
    current = tmp_path / "current"
    first = retrain(
        data_dir=small_data,
        corrections=[(t, "category", "complaint") for t in TEXTS],
        out_dir=current,
        current_dir=current,
    )
    assert first.replaced and first.reason == "no current model"
    assert first.corrections_used == 5
    installed = (current / models.ARTIFACT).read_bytes()
    probe = understand_batch([f"{PHRASE} yesterday"], models_dir=current)[0]
    shipped = understand_batch([f"{PHRASE} yesterday"])[0]
    # (a) the corrections were learned: five rows among hundreds lift the kind model's
    # complaint probability above the shipped model's, which never saw the phrase (about 0.10;
    # the same data without the corrections is compared in the test above)
    assert probe.kind_scores["complaint"] > shipped.kind_scores["complaint"]

    # a candidate that must beat the current model by a whole point, whatever the rows, can
    # never be installed
    monkeypatch.setattr(retrain_module, "TOLERANCE", -1.0)
    monkeypatch.setattr(retrain_module, "SIGNIFICANCE", 1.0)
    second = retrain(data_dir=small_data, corrections=[], out_dir=current, current_dir=current)
    assert not second.replaced and "worse" in second.reason
    assert (current / models.ARTIFACT).read_bytes() == installed


def test_retrain_command_errors_clearly(tmp_path, org_world):
    org, _ = org_world
    with pytest.raises(CommandError, match="does not exist"):
        call_command(
            "retrain_understanding", "--organization", org.slug, "--data", str(tmp_path / "absent")
        )
    with pytest.raises(CommandError, match="no organisation"):
        call_command("retrain_understanding", "--organization", "nobody", "--data", str(tmp_path))


def _table(task: str, macro_f1: float, correct: list[bool], gold: list[str] | None = None):
    """An evaluation table whose rows are predicted right where ``correct`` says."""
    gold = gold or ["row"] * len(correct)
    pred = [g if ok else "wrong" for g, ok in zip(gold, correct, strict=True)]
    return Table(
        "data",
        task,
        [],
        macro_f1,
        macro_f1,
        sum(correct) / len(correct),
        len(correct),
        1.0,
        "",
        tuple(gold),
        tuple(pred),
    )


def test_a_drop_within_refit_noise_is_not_worse():
    """A lower macro-F1 refuses a retrain only when the candidate is wrong on significantly more
    of the same held-out rows: one or two rows moving each way is the noise of any refit."""
    base = [True] * 80 + [False] * 20
    noisy = base.copy()
    noisy[0:3] = [False] * 3  # three rows lost
    noisy[80:83] = [True] * 3  # three gained
    current = [_table("kind", 0.70, base)]
    assert worse_tasks(current, [_table("kind", 0.68, noisy)]) == []

    lost = base.copy()
    for i in range(15):  # fifteen rows lost, none gained
        lost[i] = False
    assert worse_tasks(current, [_table("kind", 0.60, lost)]) == ["data: kind"]
    assert mcnemar_p(base, lost) < 0.001 and mcnemar_p(base, base) == 1.0


def test_a_small_kind_given_up_for_a_large_one_is_worse():
    """Twelve of twenty help requests lost, fifteen other rows gained: over all the rows the
    candidate is better, but it gave up most of a small kind."""
    gold = ["help_request"] * 20 + ["other"] * 180
    before = [True] * 20 + [True] * 150 + [False] * 30
    after = [False] * 12 + [True] * 8 + [True] * 165 + [False] * 15
    current = _table("kind", 0.70, before, gold)
    candidate = _table("kind", 0.60, after, gold)
    assert mcnemar_p(before, after) > 0.05
    assert worse_tasks([current], [candidate]) == ["data: kind"]
    # the same outcomes on rows whose labels do not match the current table's: only the
    # whole-task test applies, which the gain passes
    blind = [_table("kind", 0.60, after)]
    assert worse_tasks([current], blind) == []


def test_without_row_outcomes_the_tolerance_alone_decides():
    current = [Table("data", "spam", [], 0.95, 0.95, 0.95, 10, 1.0, "")]
    assert worse_tasks(current, [Table("data", "spam", [], 0.94, 0.94, 0.94, 10, 1.0, "")]) == [
        "data: spam"
    ]
    assert worse_tasks(current, [Table("data", "spam", [], 0.947, 0.95, 0.95, 10, 1.0, "")]) == []
    assert worse_tasks(current, [Table("data", "new task", [], 0.1, 0.1, 0.1, 10, 1.0, "")]) == []
