"""Reads for the inbox pages: conversations, a thread, an author's history."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User as Person
from django.db.models import Exists, F, Max, OuterRef, Q, QuerySet, Subquery, Sum
from django.utils import timezone

from civicdesk.inbox.authors import SUGGESTED_TAGS
from civicdesk.inbox.experts import areas_of, routed_to
from civicdesk.inbox.models import (
    Author,
    AuthorTag,
    ChannelInbox,
    Conversation,
    ConversationLabel,
    InboundMessage,
    Note,
    Notification,
    Reply,
    ReplyState,
)
from civicdesk.organizations.access import ROLE_PERMS, Perm, User, channels_for
from civicdesk.organizations.models import Brand, Membership, Organization

TIME_LEFT = ("hour", "late")


@dataclass(frozen=True)
class InboxFilters:
    brand: int | None = None
    channel: int | None = None
    status: str | None = None
    category: str | None = None
    urgency: str | None = None
    # "me", "nobody", or a person's id; both walk the (assignee, activity) index.
    assignee: str | None = None
    area: str | None = None  # a business area's name: the (area, activity) index
    label: str | None = None  # the (label, conversation) index of ConversationLabel
    # "hour": due within the hour; "late": its target passed. The partial "due" index.
    time_left: str | None = None


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICRO = timedelta(microseconds=1)


@dataclass(frozen=True)
class Cursor:
    """A place in a list ordered newest first: the (time, id) of a row, as in a link.

    Written ``<microseconds since 1970>,<id>``: exact, and plain in a query string.
    """

    at: datetime
    pk: int

    def __str__(self) -> str:
        return f"{(self.at - _EPOCH) // _MICRO},{self.pk}"

    @classmethod
    def parse(cls, value: str | None) -> Cursor | None:
        """The cursor written in ``value``, or None for anything else (a hand-edited link)."""
        if not value:
            return None
        micros, _, pk = value.partition(",")
        try:
            at = _EPOCH + int(micros) * _MICRO
            number = int(pk)
        except (ValueError, OverflowError):
            return None
        return cls(at=at, pk=number) if number > 0 else None


@dataclass
class InboxPage:
    """One page of conversations and where the "Newer" and "Older" links lead."""

    conversations: list[Conversation]
    newer: Cursor | None = None
    older: Cursor | None = None
    # An older page that came out empty (its rows were deleted) leads back to the top.
    newer_is_top: bool = False


def conversations_for(*, user: User, filters: InboxFilters) -> QuerySet[Conversation]:
    """Conversations on the user's channels, newest activity first, with their unread count.

    The permission filter stays in the query (channel in the user's channels), so a page
    never holds what the user may not see, and ordering by (last_message_at, id) walks an
    index from the top: a page costs the same with a thousand or a million conversations.
    """
    latest = InboundMessage.objects.filter(conversation_id=OuterRef("pk")).order_by(
        "-sent_at", "-pk"
    )
    channels = channels_for(user, Perm.VIEW)
    if filters.brand:
        # Inside the permission subquery, not as a join on the channel: the list then
        # still walks the activity index instead of sorting all of a brand's conversations.
        channels = channels.filter(brand_id=filters.brand)
    visible = Q(channel__in=channels.values("pk"))
    # An area's experts also see what is routed to their areas (and, without a role on
    # the brand, only that). The filter is added only for them: the list of everyone else
    # keeps walking the activity index.
    routed = routed_to(areas_of(user))
    if routed is not None:
        if filters.brand:
            routed &= Q(channel__brand_id=filters.brand)
        visible |= routed
    conversations = (
        Conversation.objects.filter(visible)
        # Fetched for the page's rows afterwards, not joined: with the joins SQLite's planner
        # starts from the organization and sorts every conversation it has (0.1-0.7 s at
        # 200,000) instead of walking the activity index and stopping at the page's end.
        .prefetch_related("channel__brand__organization", "assigned_to")
        .annotate(
            # Kept by the database as messages arrive and change (inbox/counters.py).
            unread=F("unread_count"),
            latest_message_id=Subquery(latest.values("pk")[:1]),
        )
        .order_by("-last_message_at", "-pk")
    )
    if filters.channel:
        conversations = conversations.filter(channel_id=filters.channel)
    if filters.status:
        conversations = conversations.filter(status=filters.status)
    if filters.assignee == "nobody":
        conversations = conversations.filter(assigned_to__isnull=True)
    elif filters.assignee == "me":
        conversations = conversations.filter(assigned_to_id=user.pk)
    elif filters.assignee and filters.assignee.isdigit():
        conversations = conversations.filter(assigned_to_id=int(filters.assignee))
    if filters.area:
        conversations = conversations.filter(business_area=filters.area)
    if filters.label:
        conversations = conversations.filter(
            pk__in=ConversationLabel.objects.filter(label=filters.label).values("conversation_id")
        )
    if filters.time_left in TIME_LEFT:
        now = timezone.now()
        waiting = conversations.filter(due_at__isnull=False, first_response_at__isnull=True)
        if filters.time_left == "late":
            conversations = waiting.filter(due_at__lte=now)
        else:
            conversations = waiting.filter(due_at__gt=now, due_at__lte=now + timedelta(hours=1))
    if filters.category:
        conversations = conversations.filter(
            Exists(
                InboundMessage.objects.filter(
                    conversation_id=OuterRef("pk"), category=filters.category
                )
            )
        )
    if filters.urgency:
        conversations = conversations.filter(
            Exists(
                InboundMessage.objects.filter(
                    conversation_id=OuterRef("pk"), urgency=filters.urgency
                )
            )
        )
    return conversations


def inbox_page(
    *,
    user: User,
    filters: InboxFilters,
    before: Cursor | None = None,
    after: Cursor | None = None,
    size: int = 50,
) -> InboxPage:
    """A page of the inbox: the first, the one older than ``before`` or newer than ``after``.

    Keyset pagination: no OFFSET and no COUNT, so page 50 costs what page 1 costs.
    """
    conversations = conversations_for(user=user, filters=filters)
    if after is not None:
        rows = list(
            conversations.filter(last_message_at__gte=after.at)
            .exclude(last_message_at=after.at, pk__lte=after.pk)
            .order_by("last_message_at", "pk")[: size + 1]
        )
        more_newer = len(rows) > size
        rows = rows[:size][::-1]
        page = InboxPage(conversations=rows)
        if rows:
            page.older = _cursor(rows[-1])
            page.newer = _cursor(rows[0]) if more_newer else None
        else:
            page.older = after
        return page
    if before is not None:
        conversations = conversations.filter(last_message_at__lte=before.at).exclude(
            last_message_at=before.at, pk__gte=before.pk
        )
    rows = list(conversations[: size + 1])
    page = InboxPage(conversations=rows[:size])
    if len(rows) > size:
        page.older = _cursor(rows[size - 1])
    if before is not None:
        page.newer = _cursor(rows[0]) if rows else None
        page.newer_is_top = not rows
    return page


def _cursor(conversation: Conversation) -> Cursor:
    return Cursor(at=conversation.last_message_at, pk=conversation.pk)


def inbox_by_time_left(*, user: User, filters: InboxFilters, size: int = 50) -> InboxPage:
    """The conversations still waiting for a first answer, the least time left first (the
    partial "due" index); one page: what is most pressing is at its top."""
    rows = list(
        conversations_for(user=user, filters=filters)
        .filter(due_at__isnull=False, first_response_at__isnull=True)
        .order_by("due_at", "pk")[:size]
    )
    return InboxPage(conversations=rows)


def attach_latest_messages(conversations: list[Conversation]) -> None:
    """Set ``latest`` on each conversation, in one query."""
    # conversations_for annotates each row with the id of its newest message.
    latest_ids = {c.pk: getattr(c, "latest_message_id", None) for c in conversations}
    by_id = InboundMessage.objects.select_related("author").in_bulk(
        [i for i in latest_ids.values() if i]
    )
    for conversation in conversations:
        conversation.latest = by_id.get(latest_ids[conversation.pk] or 0)


def visible_conversation(*, user: User, pk: int) -> Conversation | None:
    """The conversation, if it is on the user's channels or routed to one of their areas."""
    visible = Q(channel__in=channels_for(user, Perm.VIEW))
    routed = routed_to(areas_of(user))
    if routed is not None:
        visible |= routed
    return (
        Conversation.objects.filter(visible, pk=pk)
        .select_related("channel__brand__organization", "assigned_to")
        .first()
    )


def conversation_notes(*, conversation: Conversation) -> list[Note]:
    return list(
        Note.objects.filter(conversation=conversation)
        .select_related("author")
        .order_by("created_at", "pk")
    )


def unread_notifications(*, user: Person, limit: int = 20) -> list[Notification]:
    """What the app has to tell the person, newest first (read from a partial index)."""
    return list(
        Notification.objects.filter(user_id=user.pk, read_at__isnull=True)
        .select_related("conversation")
        .order_by("-created_at", "-pk")[:limit]
    )


def newest_reply_id(*, conversation: Conversation) -> int:
    """The newest reply of the conversation (0 for none): what the reply box has seen."""
    return Reply.objects.filter(conversation=conversation).aggregate(n=Max("pk"))["n"] or 0


def responders_for(*, brand: Brand) -> list[Person]:
    """The people who may answer on ``brand`` (whom a conversation can be assigned to)."""
    roles = [role for role, perms in ROLE_PERMS.items() if Perm.REPLY in perms]
    members = Membership.objects.filter(
        Q(brand=brand) | Q(brand__isnull=True),
        organization_id=brand.organization_id,
        role__in=roles,
    )
    model = get_user_model()
    return list(
        model.objects.filter(pk__in=members.values("user_id"), is_active=True).order_by(
            model.USERNAME_FIELD
        )
    )


@dataclass(frozen=True)
class ReplyAttempt:
    """One of our replies, and whether it may be edited and sent again."""

    reply: Reply
    can_retry: bool
    # Refused, then edited and sent again as a newer attempt.
    retried: bool = False


@dataclass(frozen=True)
class ThreadEntry:
    """A message of the public, with our replies to it (every attempt) beneath it."""

    message: InboundMessage
    replies: list[ReplyAttempt] = field(default_factory=list)


# Messages a conversation page shows at once; a post's thread can hold thousands.
THREAD_PAGE = 100


def conversation_thread(
    *, conversation: Conversation, before: Cursor | None = None, limit: int = THREAD_PAGE
) -> tuple[list[ThreadEntry], Cursor | None]:
    """The public's newest ``limit`` messages (or those before ``before``) in time order,
    each with the replies that answer it (every attempt), and the cursor of the earlier
    messages if there are any. Two queries, however long the thread."""
    messages = InboundMessage.objects.filter(conversation=conversation).select_related("author")
    if before is not None:
        messages = messages.filter(sent_at__lte=before.at).exclude(
            sent_at=before.at, pk__gte=before.pk
        )
    newest = list(messages.order_by("-sent_at", "-pk")[: limit + 1])
    earlier = (
        Cursor(at=newest[limit - 1].sent_at, pk=newest[limit - 1].pk)
        if len(newest) > limit
        else None
    )
    shown = newest[:limit][::-1]
    replies = list(
        Reply.objects.filter(
            conversation=conversation, message_id__in=[m.pk for m in shown]
        ).select_related("author")
    )
    retried = {r.retry_of_id for r in replies if r.retry_of_id}
    entries = {m.pk: ThreadEntry(message=m) for m in shown}
    for reply in replies:
        entry = entries.get(reply.message_id)
        if entry is not None:
            can_retry = reply.state == ReplyState.FAILED and reply.pk not in retried
            entry.replies.append(
                ReplyAttempt(reply=reply, can_retry=can_retry, retried=reply.pk in retried)
            )
    return list(entries.values()), earlier


def author_messages(*, user: User, author: Author, limit: int = 200) -> list[InboundMessage]:
    """What this author sent on the channels the user can see, newest first (the newest
    ``limit``, read from the (author, sent_at) index however long the history)."""
    return list(
        InboundMessage.objects.filter(
            author=author, channel__in=channels_for(user, Perm.VIEW).values("pk")
        )
        .select_related("channel__brand__organization", "conversation")
        .order_by("-sent_at", "-pk")[:limit]
    )


def new_message_count(*, user: User) -> int:
    """Messages still new on the user's channels: a sum of per-channel counters."""
    total = ChannelInbox.objects.filter(
        channel__in=channels_for(user, Perm.VIEW).values("pk")
    ).aggregate(n=Sum("unread"))["n"]
    return total or 0


def colleagues_for_bulk(*, user: User) -> list[Person]:
    """Whom the user may hand conversations to from the list: people who may answer in the
    organizations where the user does (each conversation is checked again on its brand)."""
    if user.pk is None:  # signed out: nobody to hand anything to
        return []
    roles = [role for role, perms in ROLE_PERMS.items() if Perm.REPLY in perms]
    organizations = Membership.objects.filter(user_id=user.pk, role__in=roles).values(
        "organization_id"
    )
    members = Membership.objects.filter(organization_id__in=organizations, role__in=roles)
    model = get_user_model()
    return list(
        model.objects.filter(pk__in=members.values("user_id"), is_active=True).order_by(
            model.USERNAME_FIELD
        )
    )


def visible_conversation_ids(*, user: User, ids: list[int]) -> list[int]:
    """Which of these conversations the user sees (as ``visible_conversation``), in one query."""
    visible = Q(channel__in=channels_for(user, Perm.VIEW))
    routed = routed_to(areas_of(user))
    if routed is not None:
        visible |= routed
    return list(Conversation.objects.filter(visible, pk__in=ids).values_list("pk", flat=True))


def author_tags(*, author_ids: list[int]) -> dict[int, list[AuthorTag]]:
    """The tags the team gave these authors, in one query."""
    found: dict[int, list[AuthorTag]] = {author_id: [] for author_id in author_ids}
    for tag in AuthorTag.objects.filter(author_id__in=author_ids).order_by("tag", "pk"):
        found[tag.author_id].append(tag)
    return found


def tag_suggestions(*, organization: Organization) -> list[str]:
    """Tags to offer when tagging an author or writing a rule: the organization's own first
    (as written), then the usual ones in the reader's language."""
    used = list(
        AuthorTag.objects.filter(author__organization=organization)
        .values_list("tag", flat=True)
        .distinct()
        .order_by("tag")
    )
    seen = {tag.casefold() for tag in used}
    return used + [str(tag) for tag in SUGGESTED_TAGS if str(tag).casefold() not in seen]
