"""Inbox counters, kept by the database in the same transaction as the change.

``Conversation.unread_count``, ``ChannelInbox.unread`` and ``ChannelDay.received`` follow
every insert, status change and delete of an ``InboundMessage``, whoever makes it (ingest,
the reply worker, moderation, closing a conversation, a bulk update, the demo seed), because
triggers make them: no writer can forget, and a bulk ``update()`` is counted like a ``save()``.
``MessageDay.received`` (analytics' counts by language, kind and urgency) follows every
insert and delete too, and every change of those three, of the channel or of the sent time:
understanding a message, a person's correction of its kind, a bulk rewrite.
``recount()`` rebuilds them from the messages (``civicdesk recount_inbox``), after a restore
or a bulk load made with the triggers off.

Lock order on PostgreSQL: the channel's row first, then the conversation's. A statement
touching several conversations of a channel therefore queues behind any other writer of
that channel instead of deadlocking with it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC

from django.db import connection, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce, TruncDate

from civicdesk.inbox.models import (
    ChannelDay,
    ChannelInbox,
    Conversation,
    InboundMessage,
    MessageDay,
)
from civicdesk.inbox.models import MessageStatus as M

NEW = M.NEW.value

_SQLITE_ADD = f"""
    INSERT INTO inbox_channelinbox (channel_id, unread) VALUES (NEW.channel_id, 0)
        ON CONFLICT (channel_id) DO NOTHING;
    UPDATE inbox_channelinbox SET unread = unread + 1
        WHERE channel_id = NEW.channel_id AND NEW.status = '{NEW}';
    UPDATE inbox_conversation SET unread_count = unread_count + 1
        WHERE id = NEW.conversation_id AND NEW.status = '{NEW}';
    INSERT INTO inbox_channelday (channel_id, day, received)
        VALUES (NEW.channel_id, date(NEW.sent_at), 1)
        ON CONFLICT (channel_id, day) DO UPDATE SET received = received + 1;
"""
_SQLITE_REMOVE = f"""
    UPDATE inbox_channelinbox SET unread = unread - 1
        WHERE channel_id = OLD.channel_id AND OLD.status = '{NEW}';
    UPDATE inbox_conversation SET unread_count = unread_count - 1
        WHERE id = OLD.conversation_id AND OLD.status = '{NEW}';
    UPDATE inbox_channelday SET received = received - 1
        WHERE channel_id = OLD.channel_id AND day = date(OLD.sent_at);
"""
_CHANGED = (
    "OLD.status IS NOT NEW.status OR OLD.conversation_id IS NOT NEW.conversation_id"
    " OR OLD.channel_id IS NOT NEW.channel_id OR OLD.sent_at IS NOT NEW.sent_at"
)

# Analytics' day counts: one row a channel, day, language, kind and urgency.
_DAY_KEY = "(channel_id, day, language, category, urgency)"
_SQLITE_DAY_ADD = f"""
    INSERT INTO inbox_messageday {_DAY_KEY[:-1]}, received)
        VALUES (NEW.channel_id, date(NEW.sent_at), NEW.language, NEW.category, NEW.urgency, 1)
        ON CONFLICT {_DAY_KEY} DO UPDATE SET received = received + 1;
"""
_SQLITE_DAY_REMOVE = """
    UPDATE inbox_messageday SET received = received - 1
        WHERE channel_id = OLD.channel_id AND day = date(OLD.sent_at)
        AND language = OLD.language AND category = OLD.category AND urgency = OLD.urgency;
"""
_DAY_CHANGED = (
    "OLD.channel_id IS NOT NEW.channel_id OR OLD.sent_at IS NOT NEW.sent_at"
    " OR OLD.language IS NOT NEW.language OR OLD.category IS NOT NEW.category"
    " OR OLD.urgency IS NOT NEW.urgency"
)

SQLITE_INSTALL = [
    f"CREATE TRIGGER inbox_message_counts_insert AFTER INSERT ON inbox_inboundmessage"
    f" BEGIN {_SQLITE_ADD} END",
    f"CREATE TRIGGER inbox_message_counts_update AFTER UPDATE OF status, conversation_id,"
    f" channel_id, sent_at ON inbox_inboundmessage WHEN {_CHANGED}"
    f" BEGIN {_SQLITE_REMOVE} {_SQLITE_ADD} END",
    f"CREATE TRIGGER inbox_message_counts_delete AFTER DELETE ON inbox_inboundmessage"
    f" BEGIN {_SQLITE_REMOVE} END",
]
SQLITE_REMOVE = [
    "DROP TRIGGER IF EXISTS inbox_message_counts_insert",
    "DROP TRIGGER IF EXISTS inbox_message_counts_update",
    "DROP TRIGGER IF EXISTS inbox_message_counts_delete",
]
SQLITE_DAYS_INSTALL = [
    f"CREATE TRIGGER inbox_message_days_insert AFTER INSERT ON inbox_inboundmessage"
    f" BEGIN {_SQLITE_DAY_ADD} END",
    f"CREATE TRIGGER inbox_message_days_update AFTER UPDATE OF channel_id, sent_at, language,"
    f" category, urgency ON inbox_inboundmessage WHEN {_DAY_CHANGED}"
    f" BEGIN {_SQLITE_DAY_REMOVE} {_SQLITE_DAY_ADD} END",
    f"CREATE TRIGGER inbox_message_days_delete AFTER DELETE ON inbox_inboundmessage"
    f" BEGIN {_SQLITE_DAY_REMOVE} END",
]
SQLITE_DAYS_REMOVE = [
    "DROP TRIGGER IF EXISTS inbox_message_days_insert",
    "DROP TRIGGER IF EXISTS inbox_message_days_update",
    "DROP TRIGGER IF EXISTS inbox_message_days_delete",
]

POSTGRES_INSTALL = [
    """
CREATE OR REPLACE FUNCTION inbox_message_counts() RETURNS trigger AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        IF OLD.status = '{new}' THEN
            UPDATE inbox_channelinbox SET unread = unread - 1 WHERE channel_id = OLD.channel_id;
            UPDATE inbox_conversation SET unread_count = unread_count - 1
                WHERE id = OLD.conversation_id;
        END IF;
        UPDATE inbox_channelday SET received = received - 1
            WHERE channel_id = OLD.channel_id AND day = (OLD.sent_at AT TIME ZONE 'UTC')::date;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        IF NEW.status = '{new}' THEN
            INSERT INTO inbox_channelinbox (channel_id, unread) VALUES (NEW.channel_id, 1)
                ON CONFLICT (channel_id) DO UPDATE SET unread = inbox_channelinbox.unread + 1;
            UPDATE inbox_conversation SET unread_count = unread_count + 1
                WHERE id = NEW.conversation_id;
        END IF;
        INSERT INTO inbox_channelday (channel_id, day, received)
            VALUES (NEW.channel_id, (NEW.sent_at AT TIME ZONE 'UTC')::date, 1)
            ON CONFLICT (channel_id, day) DO UPDATE SET received = inbox_channelday.received + 1;
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql
""".replace("{new}", NEW),
    "CREATE TRIGGER inbox_message_counts_insert_delete AFTER INSERT OR DELETE"
    " ON inbox_inboundmessage FOR EACH ROW EXECUTE FUNCTION inbox_message_counts()",
    "CREATE TRIGGER inbox_message_counts_update AFTER UPDATE OF status, conversation_id,"
    " channel_id, sent_at ON inbox_inboundmessage FOR EACH ROW WHEN ("
    + _CHANGED.replace("IS NOT", "IS DISTINCT FROM")
    + ") EXECUTE FUNCTION inbox_message_counts()",
]
POSTGRES_REMOVE = [
    "DROP TRIGGER IF EXISTS inbox_message_counts_insert_delete ON inbox_inboundmessage",
    "DROP TRIGGER IF EXISTS inbox_message_counts_update ON inbox_inboundmessage",
    "DROP FUNCTION IF EXISTS inbox_message_counts()",
]
# Fired after the counts' triggers (PostgreSQL fires a table's triggers by name), so a new
# message's channel day is locked first, as the lock order above asks; a change of kind,
# urgency or language alone (understanding, a correction) locks only its two count rows,
# the lower key first.
POSTGRES_DAYS_INSTALL = [
    f"""
CREATE OR REPLACE FUNCTION inbox_message_days() RETURNS trigger AS $$
DECLARE
    add_first boolean := TG_OP = 'INSERT';
BEGIN
    -- A move between two counts locks the lower key first, so two moves in opposite
    -- directions on the same counts wait for each other instead of deadlocking.
    IF TG_OP = 'UPDATE' THEN
        add_first := ROW(NEW.channel_id, (NEW.sent_at AT TIME ZONE 'UTC')::date, NEW.language,
                         NEW.category, NEW.urgency)
                   < ROW(OLD.channel_id, (OLD.sent_at AT TIME ZONE 'UTC')::date, OLD.language,
                         OLD.category, OLD.urgency);
    END IF;
    IF add_first THEN
        INSERT INTO inbox_messageday {_DAY_KEY[:-1]}, received)
            VALUES (NEW.channel_id, (NEW.sent_at AT TIME ZONE 'UTC')::date, NEW.language,
                    NEW.category, NEW.urgency, 1)
            ON CONFLICT {_DAY_KEY}
            DO UPDATE SET received = inbox_messageday.received + 1;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE inbox_messageday SET received = received - 1
            WHERE channel_id = OLD.channel_id AND day = (OLD.sent_at AT TIME ZONE 'UTC')::date
            AND language = OLD.language AND category = OLD.category AND urgency = OLD.urgency;
    END IF;
    IF TG_OP = 'UPDATE' AND NOT add_first THEN
        INSERT INTO inbox_messageday {_DAY_KEY[:-1]}, received)
            VALUES (NEW.channel_id, (NEW.sent_at AT TIME ZONE 'UTC')::date, NEW.language,
                    NEW.category, NEW.urgency, 1)
            ON CONFLICT {_DAY_KEY}
            DO UPDATE SET received = inbox_messageday.received + 1;
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql
""",
    "CREATE TRIGGER inbox_message_days_insert_delete AFTER INSERT OR DELETE"
    " ON inbox_inboundmessage FOR EACH ROW EXECUTE FUNCTION inbox_message_days()",
    "CREATE TRIGGER inbox_message_days_update AFTER UPDATE OF channel_id, sent_at, language,"
    " category, urgency ON inbox_inboundmessage FOR EACH ROW WHEN ("
    + _DAY_CHANGED.replace("IS NOT", "IS DISTINCT FROM")
    + ") EXECUTE FUNCTION inbox_message_days()",
]
POSTGRES_DAYS_REMOVE = [
    "DROP TRIGGER IF EXISTS inbox_message_days_insert_delete ON inbox_inboundmessage",
    "DROP TRIGGER IF EXISTS inbox_message_days_update ON inbox_inboundmessage",
    "DROP FUNCTION IF EXISTS inbox_message_days()",
]


_TRIGGERS = {
    # vendor: (install, remove) for the counts, then for analytics' day counts
    "sqlite": ((SQLITE_INSTALL, SQLITE_REMOVE), (SQLITE_DAYS_INSTALL, SQLITE_DAYS_REMOVE)),
    "postgresql": (
        (POSTGRES_INSTALL, POSTGRES_REMOVE),
        (POSTGRES_DAYS_INSTALL, POSTGRES_DAYS_REMOVE),
    ),
}


def _statements(vendor: str, *, install: bool, days: bool = True) -> list[str]:
    if vendor not in _TRIGGERS:
        raise NotImplementedError(f"inbox counters have no triggers for {vendor}")
    counts, day_counts = _TRIGGERS[vendor]
    chosen = [counts, day_counts] if days else [counts]
    return [sql for pair in chosen for sql in pair[0 if install else 1]]


def install_triggers(conn: BaseDatabaseWrapper = connection) -> None:
    """(Re)create the counting triggers. Analytics' day counts only once their table exists:
    the migrations before it (inbox 0014) put the triggers back around their own changes."""
    days = MessageDay._meta.db_table in conn.introspection.table_names()
    with conn.cursor() as cursor:
        for sql in _statements(conn.vendor, install=False, days=days) + _statements(
            conn.vendor, install=True, days=days
        ):
            cursor.execute(sql)


def remove_triggers(conn: BaseDatabaseWrapper = connection) -> None:
    with conn.cursor() as cursor:
        for sql in _statements(conn.vendor, install=False):
            cursor.execute(sql)


def remove_day_triggers(conn: BaseDatabaseWrapper = connection) -> None:
    """Drop analytics' day-count triggers only (unapplying their migration)."""
    if conn.vendor not in _TRIGGERS:
        raise NotImplementedError(f"inbox counters have no triggers for {conn.vendor}")
    with conn.cursor() as cursor:
        for sql in _TRIGGERS[conn.vendor][1][1]:
            cursor.execute(sql)


@transaction.atomic
def recount(*, channel_ids: Iterable[int] | None = None) -> None:
    """Rebuild the counters from the messages, for some channels or all of them."""
    messages = InboundMessage.objects.all()
    conversations = Conversation.objects.all()
    channel_inbox = ChannelInbox.objects.all()
    days = ChannelDay.objects.all()
    message_days = MessageDay.objects.all()
    if channel_ids is not None:
        ids = list(channel_ids)
        messages = messages.filter(channel_id__in=ids)
        conversations = conversations.filter(channel_id__in=ids)
        channel_inbox = channel_inbox.filter(channel_id__in=ids)
        days = days.filter(channel_id__in=ids)
        message_days = message_days.filter(channel_id__in=ids)
    unread = (
        InboundMessage.objects.filter(conversation_id=OuterRef("pk"), status=NEW)
        .order_by()
        .values("conversation_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    conversations.update(
        unread_count=Coalesce(Subquery(unread, output_field=IntegerField()), Value(0))
    )
    channel_inbox.delete()
    ChannelInbox.objects.bulk_create(
        ChannelInbox(channel_id=row["channel_id"], unread=row["n"])
        for row in messages.order_by()
        .values("channel_id")
        .annotate(n=Count("pk", filter=Q(status=NEW)))
    )
    days.delete()
    ChannelDay.objects.bulk_create(
        (
            ChannelDay(channel_id=row["channel_id"], day=row["day"], received=row["n"])
            for row in messages.order_by()
            .annotate(day=TruncDate("sent_at", tzinfo=UTC))
            .values("channel_id", "day")
            .annotate(n=Count("pk"))
        ),
        batch_size=2000,
    )
    message_days.delete()
    _count_message_days(None if channel_ids is None else ids)


def _count_message_days(channel_ids: list[int] | None) -> None:
    """Analytics' day counts from the messages, in one statement: there can be as many
    rows as a tenth of the messages, too many to build in Python."""
    if channel_ids == []:
        return
    day = "date(sent_at)" if connection.vendor == "sqlite" else "(sent_at AT TIME ZONE 'UTC')::date"
    where = ""
    if channel_ids is not None:
        where = f"WHERE channel_id IN ({', '.join(['%s'] * len(channel_ids))})"
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {MessageDay._meta.db_table} {_DAY_KEY[:-1]}, received)"
            f" SELECT channel_id, {day}, language, category, urgency, COUNT(*)"
            f" FROM {InboundMessage._meta.db_table} {where}"
            f" GROUP BY channel_id, {day}, language, category, urgency",
            channel_ids or [],
        )
