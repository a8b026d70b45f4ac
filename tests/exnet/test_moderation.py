"""Moderation on the exercise network, through the connector over real HTTP: a thread's owner
hides or deletes a reply in it and blocks its author; nobody else can."""

from __future__ import annotations

import pytest

from civicdesk.connectors.base import (
    AuthExpiredError,
    Capability,
    OutcomeUnknownError,
    RejectedError,
    RemoteAuthor,
    RetryableError,
)
from civicdesk.connectors.exnet.connector import ExnetConnector
from civicdesk.exnet import selectors
from civicdesk.exnet.models import NetAccount, NetBlock, NetPost
from civicdesk.exnet.services import NetError, create_post, send_direct_message

from .conftest import AccountFactory, ConnectorFactory

pytestmark = pytest.mark.django_db(transaction=True)

Account = tuple[NetAccount, str]


@pytest.fixture
def thread(ministry: Account, citizen: Account) -> tuple[NetPost, NetPost]:
    post = create_post(account=ministry[0], text="Bridge closed tonight.").obj
    reply = create_post(account=citizen[0], text="You are all useless", in_reply_to=post.pk).obj
    return post, reply


def _author(account: NetAccount) -> RemoteAuthor:
    return RemoteAuthor(remote_id=str(account.pk), handle=account.handle)


def test_the_connector_says_what_it_can_moderate() -> None:
    for capability in (Capability.HIDE, Capability.DELETE_COMMENT, Capability.BLOCK):
        assert capability in ExnetConnector.capabilities


def test_the_thread_owner_hides_a_reply_and_shows_it_again(
    connect: ConnectorFactory, ministry: Account, thread: tuple[NetPost, NetPost]
) -> None:
    post, reply = thread
    connector = connect(ministry[1])
    connector.hide(str(reply.pk), hidden=True)
    reply.refresh_from_db()
    assert reply.hidden_at is not None
    assert selectors.thread_replies(post) == []
    connector.hide(str(reply.pk), hidden=True)  # twice is harmless
    connector.hide(str(reply.pk), hidden=False)
    reply.refresh_from_db()
    assert reply.hidden_at is None and selectors.thread_replies(post) == [reply]


def test_the_thread_owner_deletes_a_reply_once_and_twice(
    connect: ConnectorFactory, ministry: Account, thread: tuple[NetPost, NetPost]
) -> None:
    _, reply = thread
    connector = connect(ministry[1])
    connector.delete_comment(str(reply.pk))
    reply.refresh_from_db()
    assert reply.deleted_at is not None and reply.deleted_by_id == ministry[0].pk
    connector.delete_comment(str(reply.pk))  # already gone: what was asked
    # Its author reads it as deleted too.
    assert connector.fetch_message(str(reply.pk)).deleted


def test_nobody_else_may_hide_or_delete_a_reply(
    connect: ConnectorFactory,
    make_account: AccountFactory,
    citizen: Account,
    thread: tuple[NetPost, NetPost],
) -> None:
    _, reply = thread
    stranger = connect(make_account("stranger")[1])
    with pytest.raises(RejectedError) as refused:
        stranger.delete_comment(str(reply.pk))
    assert refused.value.status == 403
    with pytest.raises(RejectedError) as refused:
        stranger.hide(str(reply.pk))
    assert refused.value.status == 403
    # Its author cannot hide their own reply either: hiding is the thread owner's.
    with pytest.raises(RejectedError):
        connect(citizen[1]).hide(str(reply.pk))
    reply.refresh_from_db()
    assert reply.deleted_at is None and reply.hidden_at is None


def test_a_blocked_author_can_no_longer_answer_or_write(
    connect: ConnectorFactory,
    ministry: Account,
    citizen: Account,
    thread: tuple[NetPost, NetPost],
) -> None:
    post, reply = thread
    connector = connect(ministry[1])
    connector.block(_author(citizen[0]))
    connector.block(_author(citizen[0]))  # twice is harmless
    assert NetBlock.objects.filter(blocker=ministry[0], blocked=citizen[0]).count() == 1
    # Neither under the post nor deeper in its thread, nor by direct message.
    for parent in (post, reply):
        with pytest.raises(NetError) as refused:
            create_post(account=citizen[0], text="Let me in", in_reply_to=parent.pk)
        assert refused.value.code == "blocked"
    with pytest.raises(NetError):
        send_direct_message(sender=citizen[0], recipient=ministry[0], text="Hello?")
    # Over HTTP too, as the citizen's own client would see it.
    with pytest.raises(RejectedError) as refused_here:
        connect(citizen[1]).request(
            "POST", "/posts", write=True, json={"text": "Again", "in_reply_to": str(post.pk)}
        )
    assert refused_here.value.status == 403
    blocked = connector.json_of(connector.request("GET", "/blocks"))
    assert [a["handle"] for a in blocked["accounts"]] == ["marie_t"]


def test_block_refuses_what_it_cannot_name(connect: ConnectorFactory, ministry: Account) -> None:
    connector = connect(ministry[1])
    with pytest.raises(RejectedError):
        connector.block(RemoteAuthor(remote_id="dm-3", handle="x"))
    with pytest.raises(RejectedError) as refused:
        connector.block(RemoteAuthor(remote_id="999999", handle="nobody"))
    assert refused.value.status == 404
    with pytest.raises(RejectedError):
        connector.block(_author(ministry[0]))  # oneself


def test_faults_on_moderation_are_classified(
    connect: ConnectorFactory,
    ministry: Account,
    citizen: Account,
    thread: tuple[NetPost, NetPost],
) -> None:
    _, reply = thread
    with pytest.raises(OutcomeUnknownError):
        connect(ministry[1], fault="server_error").block(_author(citizen[0]))
    with pytest.raises(OutcomeUnknownError):
        connect(ministry[1], fault="malformed").hide(str(reply.pk))
    with pytest.raises(RetryableError) as limited:
        connect(ministry[1], fault="rate_limit;retry_after=7").delete_comment(str(reply.pk))
    assert limited.value.retry_after == 7
    with pytest.raises(AuthExpiredError):
        connect("not-a-token").block(_author(citizen[0]))
