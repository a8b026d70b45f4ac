"""A history simulated into a batch writes what simulating it interval by interval writes."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction

from civicdesk.exnet import services
from civicdesk.exnet.models import (
    NetAccount,
    NetDirectMessage,
    NetEvent,
    NetFollow,
    NetLike,
    NetMention,
    NetPost,
    NetRepost,
)
from civicdesk.exnet.simulator import SimulationBatch, simulate

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 2, 15, 0, tzinfo=ZoneInfo("America/Vancouver"))


def _history() -> list[datetime]:
    """Two team accounts posting on four days, and some of the public already there."""
    gov, _ = services.create_account(handle="transport_gov", display_name="Transport")
    roads, _ = services.create_account(handle="roads_fr", display_name="Routes")
    days = [START + timedelta(days=n, hours=n) for n in range(4)]
    for n, day in enumerate(days):
        for account in (gov, roads):
            services.create_post(
                account=account, text=f"Update {n} from @{account.handle}", now=day
            )
    # Someone who already answered, liked and followed: the batch must read them.
    marie, _ = services.create_account(handle="marie_t", simulated=True)
    first = NetPost.objects.filter(account=gov).earliest("created_at")
    services.create_post(account=marie, text="Merci @roads_fr", in_reply_to=first.pk, now=days[0])
    services.like_post(account=marie, post=first, now=days[0])
    services.follow_account(follower=marie, followee=gov, now=days[0])
    return days


def _windows(days: list[datetime]) -> list[dict[str, Any]]:
    # Busy days, so that answers to answers (to rows the batch has not written) happen.
    return [
        {
            "seconds": 8 * 3600.0,
            "rate_per_minute": 0.15,
            "seed": 100 + n,
            "now": day + timedelta(hours=8),
        }
        for n, day in enumerate(days)
    ]


def _snapshot() -> dict[str, Any]:
    """Everything the network holds, rows named by content and rank rather than by id."""
    rank = {
        pk: n for n, pk in enumerate(NetPost.objects.order_by("pk").values_list("pk", flat=True))
    }
    handle = dict(NetAccount.objects.values_list("pk", "handle"))
    dm_rank = {
        pk: n
        for n, pk in enumerate(NetDirectMessage.objects.order_by("pk").values_list("pk", flat=True))
    }
    return {
        "accounts": sorted(
            NetAccount.objects.values_list(
                "handle", "display_name", "bio", "is_simulated", "last_event_seq"
            )
        ),
        "posts": [
            (
                handle[p.account_id],
                p.text,
                p.created_at,
                rank.get(p.in_reply_to_id),
                rank.get(p.root_id),
                p.impressions,
            )
            for p in NetPost.objects.order_by("pk")
        ],
        "direct": [
            (handle[m.sender_id], handle[m.recipient_id], m.text, m.created_at)
            for m in NetDirectMessage.objects.order_by("pk")
        ],
        "events": [
            (
                handle[e.recipient_id],
                e.seq,
                e.kind,
                rank.get(e.post_id),
                dm_rank.get(e.direct_message_id),
                e.created_at,
            )
            for e in NetEvent.objects.order_by("recipient__handle", "seq")
        ],
        "mentions": sorted(
            (rank[m.post_id], handle[m.account_id]) for m in NetMention.objects.all()
        ),
        "likes": sorted(
            (handle[x.account_id], rank[x.post_id], x.created_at) for x in NetLike.objects.all()
        ),
        "reposts": sorted(
            (handle[x.account_id], rank[x.post_id], x.created_at) for x in NetRepost.objects.all()
        ),
        "follows": sorted(
            (handle[x.follower_id], handle[x.followee_id], x.created_at)
            for x in NetFollow.objects.all()
        ),
    }


def _stable(reports: list[Any]) -> list[tuple[str, str, str]]:
    # A reply's target is a post id, which a batch does not know before it writes.
    return [(a.kind, a.author, a.text) for r in reports for a in r.actions]


def test_a_batch_writes_what_interval_by_interval_writes() -> None:
    windows = _windows(_history())

    with transaction.atomic():
        one_by_one = [simulate(**window) for window in windows]
        expected = _snapshot()
        transaction.set_rollback(True)

    batch = SimulationBatch()
    batched = [simulate(**window, batch=batch) for window in windows]
    assert NetPost.objects.filter(account__is_simulated=True).count() == 1  # nothing yet
    batch.write()
    got = _snapshot()

    assert _stable(batched) == _stable(one_by_one)
    # The comparison means something: the days drew answers to answers, messages,
    # mentions and every kind of reaction.
    answers = [p for p in expected["posts"] if p[3] is not None and p[3] != p[4]]
    assert answers and expected["direct"] and expected["follows"] and expected["reposts"]
    assert len(expected["events"]) > 40 and len(expected["mentions"]) > 10
    for table in expected:
        assert got[table] == expected[table], table


def test_a_batch_can_go_on_after_writing() -> None:
    windows = _windows(_history())

    with transaction.atomic():
        for window in windows:
            simulate(**window)
        expected = _snapshot()
        transaction.set_rollback(True)

    batch = SimulationBatch()
    for n, window in enumerate(windows):
        simulate(**window, batch=batch)
        if n == 1:
            batch.write()  # the accounts it wrote are now known by their ids
    batch.write()
    assert _snapshot() == expected


def test_a_batch_refuses_a_taken_handle_and_writes_nothing() -> None:
    gov, _ = services.create_account(handle="transport_gov")
    services.create_post(account=gov, text="Ferry update", now=START)
    writes = services.BulkWrites(
        accounts=[services.simulated_account(handle="Transport_Gov")],
    )
    writes.messages.append(
        NetPost(account=writes.accounts[0], text="hello @transport_gov", created_at=START)
    )
    with pytest.raises(services.NetError) as refused:
        services.bulk_write(writes)
    assert refused.value.status == 409
    assert NetPost.objects.count() == 1 and NetAccount.objects.count() == 1
    assert not NetEvent.objects.exists()


def test_a_batch_checks_texts_as_the_actions_do() -> None:
    gov, _ = services.create_account(handle="transport_gov")
    fan = services.simulated_account(handle="fan")
    too_long = "x" * (services.MAX_WEIGHTED_CHARS + 1)
    writes = services.BulkWrites(accounts=[fan])
    writes.messages.append(NetPost(account=fan, text="fine", created_at=START))
    writes.messages.append(NetPost(account=fan, text=too_long, created_at=START))
    with pytest.raises(services.NetError, match="longer than"):
        services.bulk_write(writes)
    assert not NetPost.objects.exists() and NetAccount.objects.count() == 1
