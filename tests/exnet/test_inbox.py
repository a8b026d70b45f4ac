"""Inbox events: kinds, per-recipient sequence numbers, and cursor paging over HTTP."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from civicdesk.connectors.base import MessageKind, ReplyTarget
from civicdesk.exnet.models import NetAccount, NetEvent
from civicdesk.exnet.services import create_post, send_direct_message

from .conftest import AccountFactory, ConnectorFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_event_kinds_and_fields(make_account: AccountFactory, connect: ConnectorFactory) -> None:
    gov, token = make_account("transport_gov", "Ministry of Transport")
    marie, _ = make_account("marie_t", "Marie Tremblay")
    paul, _ = make_account("paul_b")
    post = create_post(account=gov, text="The ferry runs hourly.").obj
    comment = create_post(account=marie, text="Even on Sunday?", in_reply_to=post.pk).obj
    reply = create_post(account=paul, text="@marie_t yes it does", in_reply_to=comment.pk).obj
    mention = create_post(account=paul, text="Ask @Transport_Gov about the bridge").obj
    dm = send_direct_message(sender=marie, recipient=gov, text="My car is stuck").obj

    page = connect(token).fetch_inbound(None)
    assert [(m.kind, m.remote_id) for m in page.messages] == [
        (MessageKind.COMMENT, str(comment.pk)),
        (MessageKind.REPLY, str(reply.pk)),
        (MessageKind.MENTION, str(mention.pk)),
        (MessageKind.DIRECT, f"dm-{dm.pk}"),
    ]
    first, second, third, fourth = page.messages
    assert first.author.handle == "marie_t" and first.author.display_name == "Marie Tremblay"
    assert first.in_reply_to_remote_id == str(post.pk)
    assert first.root_post_remote_id == str(post.pk)
    assert first.conversation_remote_id == str(post.pk)
    assert first.url.endswith(f"/exnet/@marie_t/posts/{comment.pk}/")
    assert second.in_reply_to_remote_id == str(comment.pk)
    assert second.root_post_remote_id == str(post.pk)
    assert third.root_post_remote_id == "" and third.conversation_remote_id == str(mention.pk)
    assert fourth.conversation_remote_id == f"dm:{min(gov.pk, marie.pk)}:{max(gov.pk, marie.pk)}"
    assert page.next_cursor == "4" and page.has_more is False
    # Marie hears of Paul's answer to her comment once (a reply that also mentions her).
    assert list(NetEvent.objects.filter(recipient=marie).values_list("kind", flat=True)) == [
        "reply"
    ]
    # Nothing new: the cursor stays put.
    assert connect(token).fetch_inbound("4").next_cursor is None


def test_cursor_paging_returns_every_event_once(
    make_account: AccountFactory, connect: ConnectorFactory
) -> None:
    gov, token = make_account("transport_gov")
    fan, _ = make_account("fan")
    post = create_post(account=gov, text="Roadworks on the A1").obj
    for n in range(23):
        create_post(account=fan, text=f"question {n}", in_reply_to=post.pk)
    connector = connect(token)
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        page = connector.fetch_inbound(cursor, limit=10)
        pages += 1
        seen += [m.text for m in page.messages]
        cursor = page.next_cursor or cursor
        if not page.has_more:
            break
    assert pages == 3
    assert seen == [f"question {n}" for n in range(23)]
    assert cursor == "23"


def test_replies_to_dms_and_posts_go_through_the_connector(
    make_account: AccountFactory, connect: ConnectorFactory
) -> None:
    gov, token = make_account("transport_gov")
    marie, _ = make_account("marie_t")
    post = create_post(account=gov, text="Ask us anything").obj
    create_post(account=marie, text="When does the bridge reopen?", in_reply_to=post.pk)
    send_direct_message(sender=marie, recipient=gov, text="Private question")
    connector = connect(token)
    comment, dm = connector.fetch_inbound(None).messages
    answer = connector.reply(
        ReplyTarget(remote_id=comment.remote_id, kind=comment.kind),
        "Monday.",
        idempotency_key="r-1",
    )
    assert answer.url.endswith(f"/posts/{answer.remote_id}/")
    dm_answer = connector.reply(
        ReplyTarget(
            remote_id=dm.remote_id,
            kind=dm.kind,
            author_remote_id=dm.author.remote_id,
            conversation_remote_id=dm.conversation_remote_id,
        ),
        "We will call you.",
        idempotency_key="r-2",
    )
    assert dm_answer.remote_id.startswith("dm-")
    # Without the author's id, the conversation id is enough.
    again = connector.reply(
        ReplyTarget(
            remote_id=dm.remote_id, kind=dm.kind, conversation_remote_id=dm.conversation_remote_id
        ),
        "We will call you.",
        idempotency_key="r-2",
    )
    assert again.remote_id == dm_answer.remote_id
    marie_events = NetEvent.objects.filter(recipient=marie).order_by("seq")
    assert [e.kind for e in marie_events] == ["reply", "direct"]


def test_concurrent_writers_get_gapless_sequence_numbers(make_account: AccountFactory) -> None:
    gov, _ = make_account("transport_gov")
    post = create_post(account=gov, text="Storm warning").obj
    writers = [make_account(f"writer{n}")[0] for n in range(6)]
    errors: list[BaseException] = []

    def write(author: NetAccount) -> None:
        try:
            for n in range(5):
                create_post(account=author, text=f"@transport_gov {n}", in_reply_to=post.pk)
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(w,)) for w in writers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    seqs = list(
        NetEvent.objects.filter(recipient=gov).order_by("seq").values_list("seq", flat=True)
    )
    assert seqs == list(range(1, 31))
    gov.refresh_from_db()
    assert gov.last_event_seq == 30
