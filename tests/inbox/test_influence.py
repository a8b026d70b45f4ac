"""Influencers: rankings and the reply and mention graph against counts worked out by hand,
authors whose platform reports no followers, what each person may see, the filters, the
screen (escaped, in French) and a query count that does not grow with the messages."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from civicdesk.inbox.influence import InfluenceFilters, influence_for
from civicdesk.inbox.models import Author, AuthorTag, InboundMessage
from civicdesk.listening.models import MessageSource, Topic, TopicEntry
from civicdesk.pages.influence_graph import draw
from tests.factories import World, make_message

pytestmark = pytest.mark.django_db


@dataclass
class Thread:
    """A comment on our post and what followed (``m1``..``m8`` as below)."""

    world: World
    alice: Author
    bob: Author
    carol: Author
    messages: dict[str, InboundMessage]


def _answer(world: World, to: InboundMessage, text: str, handle: str, **kw: Any) -> InboundMessage:
    message = make_message(
        channel=to.channel,
        text=text,
        author_handle=handle,
        conversation=to.conversation,
        kind="reply",
        **kw,
    )
    InboundMessage.objects.filter(pk=message.pk).update(in_reply_to_remote_id=to.remote_id)
    message.in_reply_to_remote_id = to.remote_id
    return message


@pytest.fixture
def thread(world: World) -> Thread:
    now = timezone.now()
    ours = world.channel.handle
    m1 = make_message(
        channel=world.channel,
        text="Main St closed? @bob saw it",
        author_handle="alice",
        sent_at=now - timedelta(hours=5),
    )
    # A comment on our own post: it answers a post, not a message of the public.
    InboundMessage.objects.filter(pk=m1.pk).update(in_reply_to_remote_id="post-1")
    m2 = _answer(world, m1, "@alice yes since 8am, mail bob@example.org", "bob")
    m3 = _answer(world, m1, f"@alice @ALICE thanks, and @{ours}", "carol")
    m4 = _answer(world, m2, "@bob thanks", "alice")
    m5 = _answer(world, m1, "@alice correction: Main St only", "alice")  # herself
    m6 = make_message(
        channel=world.channel2,
        text=f"Hello @{world.channel2.handle}",
        author_handle="bob",
        kind="mention",
        category="complaint",
    )
    m7 = make_message(
        channel=world.channel,
        text="@alice old news",
        author_handle="dave",
        sent_at=now - timedelta(days=40),
    )
    # On the other brand's channel, which the brand's people do not see.
    m8 = make_message(channel=world.other_channel, text="@alice hi", author_handle="erin")
    InboundMessage.objects.filter(pk=m8.pk).update(in_reply_to_remote_id="post-2")
    alice, bob, carol = (Author.objects.get(handle=h) for h in ("alice", "bob", "carol"))
    Author.objects.filter(pk=alice.pk).update(followers=5000)
    Author.objects.filter(pk=bob.pk).update(followers=200)
    # Carol's platform does not report followers: None, never 0.
    messages = {"m1": m1, "m2": m2, "m3": m3, "m4": m4, "m5": m5, "m6": m6, "m7": m7, "m8": m8}
    return Thread(world=world, alice=alice, bob=bob, carol=carol, messages=messages)


def _last_30_days(**kw: Any) -> InfluenceFilters:
    now = timezone.now()
    return InfluenceFilters(start=now - timedelta(days=30), end=now + timedelta(minutes=1), **kw)


def _row(found: Any, handle: str) -> tuple[int, int, int, int, int | None]:
    a = next(a for a in found.authors if a.handle == handle)
    return (a.messages, a.threads_started, a.replies_received, a.mentions_received, a.followers)


def test_rankings_and_edges_match_the_counts_worked_out_by_hand(thread: Thread) -> None:
    w = thread.world
    found = influence_for(user=w.viewer, filters=_last_30_days())
    # Dave wrote before the range; Erin on a channel the viewer does not see.
    assert [a.handle for a in found.authors] == ["alice", "bob", "carol"]
    assert (found.total_authors, found.messages) == (3, 6)
    # (messages, threads started, replies from others, mentions by others, followers)
    assert _row(found, "alice") == (3, 1, 2, 2, 5000)  # answered by m2, m3; named in m2, m3
    assert _row(found, "bob") == (2, 1, 1, 2, 200)  # answered by m4; named in m1, m4
    assert _row(found, "carol") == (1, 0, 0, 0, None)
    assert [a.engagement for a in found.authors] == [7, 5, 1]
    a, b, c = (f"a{p.pk}" for p in (thread.alice, thread.bob, thread.carol))
    ch, ch2 = f"c{w.channel.pk}", f"c{w.channel2.pk}"
    edges = {(e.source, e.target): (e.replies, e.mentions) for e in found.edges}
    assert edges == {
        (a, ch): (1, 0),  # m1, a comment on our post
        (a, b): (1, 2),  # m4 answers m2; m1 and m4 name bob
        (b, a): (1, 1),  # m2 (bob@example.org is an address, not a mention)
        (b, ch2): (0, 1),  # m6, a mention of our account
        (c, a): (1, 1),  # m3 names alice twice: once a message
        (c, ch): (0, 1),
    }
    assert [n.key for n in found.nodes] == [a, b, c, ch, ch2]
    assert {n.key for n in found.nodes if n.is_account} == {ch, ch2}


def test_reach_puts_unreported_followers_last_and_whole_organization_sees_more(
    thread: Thread,
) -> None:
    w = thread.world
    # Carol's one message outweighs nothing, but give her the most engagement: still last
    # by reach, as her platform reports no followers.
    for i in range(8):
        make_message(channel=w.channel, text=f"again {i}", author_handle="carol")
    by_reach = influence_for(user=w.viewer, filters=_last_30_days(), order="reach")
    assert [a.handle for a in by_reach.authors] == ["alice", "bob", "carol"]
    by_engagement = influence_for(user=w.viewer, filters=_last_30_days())
    assert by_engagement.authors[0].handle == "carol"
    # The manager sees every brand: Erin, her answer to our other account, her mention.
    found = influence_for(user=w.manager, filters=_last_30_days(), order="reach")
    assert "erin" in [a.handle for a in found.authors]
    assert _row(found, "alice")[3] == 3
    # Someone of the other brand sees Erin only; an outsider nobody.
    other = influence_for(user=w.other_member, filters=_last_30_days())
    assert [a.handle for a in other.authors] == ["erin"]
    assert _row(other, "erin") == (1, 1, 0, 0, None)
    assert influence_for(user=w.outsider, filters=_last_30_days()).authors == []


def test_filters_keep_their_messages_only(thread: Thread) -> None:
    w = thread.world
    AuthorTag.objects.create(author=thread.alice, tag="journalist", added_by=w.manager)
    tagged = influence_for(user=w.viewer, filters=_last_30_days(tag="Journalist"))
    assert [(a.handle, a.tags) for a in tagged.authors] == [("alice", ["journalist"])]
    assert _row(tagged, "alice") == (3, 1, 0, 0, 5000)
    complaints = influence_for(user=w.viewer, filters=_last_30_days(category="complaint"))
    assert [_row(complaints, "bob")] == [(1, 1, 0, 0, 200)]
    second = influence_for(user=w.viewer, filters=_last_30_days(channel=w.channel2.pk))
    assert [a.handle for a in second.authors] == ["bob"]
    assert influence_for(user=w.viewer, filters=_last_30_days(platform="mastodon")).authors == []
    assert influence_for(user=w.viewer, filters=_last_30_days(brand=w.other_brand.pk)).authors == []
    first_two = InboundMessage.objects.filter(
        pk__in=[thread.messages["m1"].pk, thread.messages["m2"].pk]
    ).values("pk")
    topic = influence_for(user=w.viewer, filters=_last_30_days(messages_in=first_two))
    assert [_row(topic, "alice"), _row(topic, "bob")] == [
        (1, 1, 1, 1, 5000),
        (1, 0, 0, 1, 200),
    ]
    whole = _last_30_days()
    wider = replace(whole, start=whole.start - timedelta(days=30))
    assert "dave" in [a.handle for a in influence_for(user=w.viewer, filters=wider).authors]


def test_queries_do_not_grow_with_the_messages(thread: Thread) -> None:
    w = thread.world

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            influence_for(user=w.viewer, filters=_last_30_days())
        return len(captured)

    before = queries()
    for i in range(30):
        _answer(w, thread.messages["m1"], f"@alice @bob {i}", f"new{i}")
    assert queries() == before


def test_the_graph_is_drawn_the_same_each_time_inside_its_frame(thread: Thread) -> None:
    found = influence_for(user=thread.world.viewer, filters=_last_30_days())
    first, again = draw(found.nodes, found.edges), draw(found.nodes, found.edges)
    assert first == again
    for n in first.nodes:
        assert n.r <= n.x <= first.size - n.r and n.r <= n.y <= first.size - n.r
    alice = next(n for n in first.nodes if n.node.label == "alice")
    carol = next(n for n in first.nodes if n.node.label == "carol")
    assert alice.r > carol.r  # 5000 followers against none reported
    widths = {(e.edge.source, e.edge.target): e.width for e in first.edges}
    assert max(widths.values()) == widths[(f"a{thread.alice.pk}", f"a{thread.bob.pk}")]


def test_the_screen_lists_escapes_and_speaks_french(client: Client, thread: Thread) -> None:
    w = thread.world
    Author.objects.filter(pk=thread.carol.pk).update(handle="car<script>alert(1)</script>")
    AuthorTag.objects.create(author=thread.bob, tag="<b>agency</b>", added_by=w.manager)
    client.force_login(w.viewer)
    body = client.get("/inbox/influencers/").content.decode()
    assert "<script>alert" not in body and "car&lt;script&gt;" in body
    assert "&lt;b&gt;agency&lt;/b&gt;" in body
    assert f'href="/inbox/authors/{thread.alice.pk}/"' in body
    assert "not available" in body  # Carol's followers
    assert "<svg" in body and 'id="interactions"' in body
    # The tag chip filters by its tag.
    tagged = client.get("/inbox/influencers/", {"tag": "<b>agency</b>"}).content.decode()
    assert 'id="influencers"' in tagged and f"/inbox/authors/{thread.bob.pk}/" in tagged
    assert f"/inbox/authors/{thread.alice.pk}/" not in tagged
    # Bad dates are said and replaced; nothing breaks.
    bad = client.get("/inbox/influencers/", {"since": "yesterday", "until": "2026-02-30"})
    assert bad.status_code == 200 and b'role="alert"' in bad.content
    # The outsider gets the page, empty.
    client.force_login(w.outsider)
    assert b"No messages from the public" in client.get("/inbox/influencers/").content
    client.force_login(w.viewer)
    client.cookies["django_language"] = "fr"
    french = client.get("/inbox/influencers/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Influenceurs" in french and "not available" not in french
    # The drawing's numbers keep their dot in French: "12,5" would break the SVG.
    paths = re.findall(r'<path d="([^"]*)" fill="none"', french)
    assert paths and all(re.fullmatch(r"M[\d. -]+Q[\d. -]+", d) for d in paths), paths


def test_a_topic_narrows_the_screen(client: Client, thread: Thread) -> None:
    w = thread.world
    now = timezone.now()
    topic = Topic.objects.create(
        organization=w.org, centroid=b"", size=2, label="Main St", first_seen=now, last_seen=now
    )
    for key in ("m1", "m2"):
        m = thread.messages[key]
        TopicEntry.objects.create(
            organization=w.org,
            topic=topic,
            source=MessageSource.INBOX,
            message=m,
            sent_at=m.sent_at,
            author=m.author.handle,
        )
    client.force_login(w.viewer)
    body = client.get("/inbox/influencers/", {"topic": topic.pk}).content.decode()
    assert f"/inbox/authors/{thread.bob.pk}/" in body
    assert f"/inbox/authors/{thread.carol.pk}/" not in body


def test_the_screen_costs_the_same_queries_however_many_authors(
    client: Client, thread: Thread
) -> None:
    client.force_login(thread.world.viewer)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/inbox/influencers/").status_code == 200
        return len(captured)

    client.get("/inbox/influencers/")  # sessions and caches settle
    before = queries()
    for i in range(20):
        _answer(thread.world, thread.messages["m2"], f"@bob @alice {i}", f"more{i}")
    AuthorTag.objects.create(author=thread.carol, tag="agency", added_by=thread.world.manager)
    assert queries() == before
