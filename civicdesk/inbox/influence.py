"""Who carries weight in the organization's conversations: authors ranked by reach (their
followers, where the platform reports them) and by engagement (what they sent, the threads
they started, the replies they drew from others and the mentions others made of them), and
who replies to and mentions whom.

Everything is read from the messages of a date range on the channels a person may see, in
two statements however many messages there are: one GROUP BY over the range (each message
with the author of the public message it answers, found through the ``(channel, remote_id)``
unique index), and one pass over the texts that hold an ``@``, parsed with each platform's
own mention rules (``rules.entities``). Mentions are matched to the authors who wrote in the
range and to the organization's own accounts; an account mentioned by nobody who wrote there
is not ranked, so a person never learns of authors outside their channels.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery

from civicdesk.inbox.models import AuthorTag, InboundMessage
from civicdesk.organizations.access import Perm, User, channels_for
from civicdesk.organizations.models import Channel
from civicdesk.rules.entities import extract

Order = Literal["engagement", "reach"]
# Kinds of message that answer in public; a direct message is nobody's reply.
PUBLIC_ANSWERS = ("comment", "reply")
MENTION_KIND = "mention"


@dataclass(frozen=True)
class InfluenceFilters:
    start: datetime
    end: datetime
    brand: int | None = None
    channel: int | None = None
    platform: str | None = None
    tag: str | None = None
    category: str | None = None  # the understood kind (question, complaint…)
    # Only these messages (a query of message ids, e.g. a listening topic's), if given.
    messages_in: QuerySet[Any] | None = None


@dataclass
class AuthorInfluence:
    author_id: int
    handle: str
    display_name: str
    platform: str
    followers: int | None  # None: the platform does not report it
    messages: int = 0
    threads_started: int = 0
    replies_received: int = 0
    mentions_received: int = 0
    tags: list[str] = field(default_factory=list)

    @property
    def engagement(self) -> int:
        """What the author sent plus the answers and mentions they drew from others."""
        return self.messages + self.replies_received + self.mentions_received


@dataclass(frozen=True)
class Node:
    """An author or one of the organization's accounts in the interaction graph."""

    key: str  # "a<author id>" or "c<channel id>"
    label: str
    platform: str
    followers: int | None
    author_id: int | None = None  # None: the organization's own account

    @property
    def is_account(self) -> bool:
        return self.author_id is None


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    replies: int
    mentions: int

    @property
    def total(self) -> int:
        return self.replies + self.mentions


@dataclass
class Influence:
    authors: list[AuthorInfluence]  # ranked, the first ``limit``
    total_authors: int
    messages: int
    nodes: list[Node]
    edges: list[Edge]


def normalize_handle(handle: str) -> str:
    """A handle as mentions are matched: without its leading @, case-insensitive."""
    return handle.strip().lstrip("@＠").casefold()


def _ranking_key(order: Order) -> Any:
    if order == "reach":
        return lambda a: (
            a.followers is None,
            -(a.followers or 0),
            -a.engagement,
            a.handle.casefold(),
            a.author_id,
        )
    return lambda a: (
        -a.engagement,
        a.followers is None,
        -(a.followers or 0),
        a.handle.casefold(),
        a.author_id,
    )


def _window(channel_ids: list[int], filters: InfluenceFilters) -> QuerySet[InboundMessage]:
    messages = InboundMessage.objects.filter(
        channel_id__in=channel_ids, sent_at__gte=filters.start, sent_at__lt=filters.end
    )
    if filters.category:
        messages = messages.filter(category=filters.category)
    if filters.tag:
        messages = messages.filter(
            Exists(
                AuthorTag.objects.filter(author_id=OuterRef("author_id"), tag__iexact=filters.tag)
            )
        )
    if filters.messages_in is not None:
        messages = messages.filter(pk__in=filters.messages_in)
    return messages.order_by()


def visible_channels(*, user: User, filters: InfluenceFilters) -> list[Channel]:
    """The person's channels that the brand, channel and platform filters keep."""
    channels = channels_for(user, Perm.VIEW)
    if filters.brand:
        channels = channels.filter(brand_id=filters.brand)
    if filters.channel:
        channels = channels.filter(pk=filters.channel)
    if filters.platform:
        channels = channels.filter(platform=filters.platform)
    return list(channels.order_by("brand__name", "handle", "pk"))


def influence_for(
    *,
    user: User,
    filters: InfluenceFilters,
    order: Order = "engagement",
    limit: int = 50,
    graph_size: int = 25,
) -> Influence:
    """The authors of the range on the person's channels, ranked, and the graph of who
    replies to and mentions whom among the first ``graph_size`` and the organization's
    accounts."""
    channels = {c.pk: c for c in visible_channels(user=user, filters=filters)}
    if not channels:
        return Influence(authors=[], total_authors=0, messages=0, nodes=[], edges=[])
    window = _window(list(channels), filters)
    # One row of the (channel, remote_id) unique index: no ordering to sort by.
    parent = (
        InboundMessage.objects.filter(
            channel_id=OuterRef("channel_id"), remote_id=OuterRef("in_reply_to_remote_id")
        )
        .order_by()
        .values("author_id")[:1]
    )
    groups = (
        window.annotate(parent_author=Subquery(parent))
        .values(
            "author_id",
            "author__handle",
            "author__display_name",
            "author__platform",
            "author__followers",
            "channel_id",
            "kind",
            "parent_author",
        )
        .annotate(n=Count("id"))
    )
    authors: dict[int, AuthorInfluence] = {}
    replies: Counter[tuple[str, str]] = Counter()
    mentions: Counter[tuple[str, str]] = Counter()
    total = 0
    for row in groups:
        author_id, n, answered = row["author_id"], row["n"], row["parent_author"]
        total += n
        person = authors.get(author_id)
        if person is None:
            person = authors[author_id] = AuthorInfluence(
                author_id=author_id,
                handle=row["author__handle"],
                display_name=row["author__display_name"],
                platform=row["author__platform"],
                followers=row["author__followers"],
            )
        person.messages += n
        if answered is None:
            person.threads_started += n
            # Nothing of the public's answered: it answers or names our own account.
            if row["kind"] in PUBLIC_ANSWERS:
                replies[(f"a{author_id}", f"c{row['channel_id']}")] += n
        elif answered != author_id:
            replies[(f"a{author_id}", f"a{answered}")] += n
    # The answered may have written only before the range: they are not ranked then.
    for (_source, target), n in replies.items():
        if target.startswith("a") and int(target[1:]) in authors:
            authors[int(target[1:])].replies_received += n
    _count_mentions(window, channels, authors, mentions)
    ranked = sorted(authors.values(), key=_ranking_key(order))
    shown = ranked[: max(limit, graph_size)]
    tags = _tags_of([a.author_id for a in shown])
    for person in shown:
        person.tags = tags.get(person.author_id, [])
    nodes, edges = _graph(ranked[:graph_size], channels, replies, mentions)
    return Influence(
        authors=ranked[:limit],
        total_authors=len(ranked),
        messages=total,
        nodes=nodes,
        edges=edges,
    )


def _count_mentions(
    window: QuerySet[InboundMessage],
    channels: dict[int, Channel],
    authors: dict[int, AuthorInfluence],
    mentions: Counter[tuple[str, str]],
) -> None:
    """Parse the range's texts that hold an @ with each platform's rules; count each person
    or account named once a message, never a self-mention."""
    by_handle: dict[tuple[str, str], str] = {}
    for person in authors.values():
        by_handle.setdefault(
            (person.platform, normalize_handle(person.handle)), f"a{person.author_id}"
        )
    for channel in channels.values():
        # An account of ours is named as itself, over an author who took the same handle.
        by_handle[(channel.platform, normalize_handle(channel.handle))] = f"c{channel.pk}"
    texts: Iterable[tuple[int, int, str, str]] = (
        # A mention the platform reported counts even where its text shows no @.
        window.filter(Q(text__contains="@") | Q(kind=MENTION_KIND))
        .values_list("author_id", "channel_id", "kind", "text")
        .iterator(chunk_size=2000)
    )
    for author_id, channel_id, kind, text in texts:
        platform = channels[channel_id].platform
        source = f"a{author_id}"
        named = {
            by_handle.get((platform, normalize_handle(m.text))) for m in extract(text, platform)[1]
        }
        if kind == MENTION_KIND:
            # The platform reported it as a mention of this account, whatever the text shows.
            named.add(f"c{channel_id}")
        for target in named:
            if target is None or target == source:
                continue
            mentions[(source, target)] += 1
            if target.startswith("a"):
                authors[int(target[1:])].mentions_received += 1


def _tags_of(author_ids: list[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = defaultdict(list)
    for author_id, tag in (
        AuthorTag.objects.filter(author_id__in=author_ids)
        .order_by("tag", "pk")
        .values_list("author_id", "tag")
    ):
        found[author_id].append(tag)
    return found


def _graph(
    top: list[AuthorInfluence],
    channels: dict[int, Channel],
    replies: Counter[tuple[str, str]],
    mentions: Counter[tuple[str, str]],
) -> tuple[list[Node], list[Edge]]:
    """The top authors, the accounts of ours they reach, and the edges among them."""
    keys = {f"a{a.author_id}" for a in top}
    pairs = {
        pair
        for pair in (*replies, *mentions)
        if pair[0] in keys and (pair[1] in keys or pair[1].startswith("c"))
    }
    accounts = sorted({int(t[1:]) for _s, t in pairs if t.startswith("c")})
    nodes = [
        Node(
            key=f"a{a.author_id}",
            label=a.handle,
            platform=a.platform,
            followers=a.followers,
            author_id=a.author_id,
        )
        for a in top
    ] + [
        Node(
            key=f"c{pk}", label=channels[pk].handle, platform=channels[pk].platform, followers=None
        )
        for pk in accounts
    ]
    order = {node.key: i for i, node in enumerate(nodes)}
    edges = [
        Edge(source=s, target=t, replies=replies.get((s, t), 0), mentions=mentions.get((s, t), 0))
        for s, t in sorted(pairs, key=lambda p: (order[p[0]], order[p[1]]))
    ]
    return nodes, edges
