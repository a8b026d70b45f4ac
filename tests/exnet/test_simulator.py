"""The simulated public: activity at the chosen rate, the same activity for the same seed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from civicdesk.exnet.bank import default_bank
from civicdesk.exnet.models import NetAccount, NetDirectMessage, NetEvent, NetPost
from civicdesk.exnet.services import create_account, create_post
from civicdesk.exnet.simulator import simulate

pytestmark = pytest.mark.django_db


def _reset_public() -> None:
    NetAccount.objects.filter(is_simulated=True).delete()


def _stable(actions: list) -> list[tuple[str, str, str, str]]:
    # A reply's target is a post the run itself wrote, whose id differs between runs.
    return [(a.kind, a.author, a.text, "" if a.kind == "reply" else a.target) for a in actions]


def test_same_seed_same_activity() -> None:
    gov, _ = create_account(handle="transport_gov", display_name="Ministry of Transport")
    now = timezone.now()
    for n in range(3):
        create_post(account=gov, text=f"Update {n}", now=now - timedelta(minutes=10 - n))
    first = simulate(seconds=600, rate_per_minute=6, seed=42, now=now)
    _reset_public()
    second = simulate(seconds=600, rate_per_minute=6, seed=42, now=now)
    assert _stable(first.actions) == _stable(second.actions)
    assert 40 <= first.messages <= 80
    assert first.likes and first.impressions and first.new_accounts
    kinds = {a.kind for a in first.actions}
    assert {"comment", "mention", "direct", "like"} <= kinds
    assert NetEvent.objects.filter(recipient=gov).count() >= first.messages // 2
    assert NetDirectMessage.objects.filter(recipient=gov).exists()
    assert simulate(seconds=600, rate_per_minute=6, seed=43, now=now).actions != first.actions


def test_nothing_to_react_to_and_zero_rate() -> None:
    assert simulate(seconds=60, rate_per_minute=10, seed=1).note
    create_account(handle="transport_gov")
    report = simulate(seconds=60, rate_per_minute=0, seed=1)
    assert report.messages == 0 and not NetPost.objects.exists()


def test_scenarios_can_bring_their_own_messages() -> None:
    gov, _ = create_account(handle="transport_gov")
    create_post(account=gov, text="Flood warning")
    bank = default_bank().extended("en", "comment", ["Water is over the road at the mill"])
    only_comments = bank.__class__(
        texts={"en": {"comment": ("Water is over the road at the mill",)}},
        weights={"comment": 1},
        language_weights={"en": 1},
    )
    report = simulate(seconds=60, rate_per_minute=5, seed=3, bank=only_comments)
    assert report.messages == 5
    assert {a.text for a in report.actions if a.kind == "comment"} == {
        "Water is over the road at the mill"
    }
    assert "Water is over the road at the mill" in bank.pick("en", "comment")


def test_simulate_command_at_once() -> None:
    gov, _ = create_account(handle="transport_gov")
    create_post(account=gov, text="Ferry update")
    call_command("exnet_simulate", "--rate", "12", "--duration", "60", "--at-once", "--seed", "5")
    assert NetPost.objects.filter(account__is_simulated=True).exists()
