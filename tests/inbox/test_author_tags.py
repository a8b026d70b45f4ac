"""Authors tagged by the team (journalist, elected official…): who may tag, audited, shown
escaped on the author's page and in the conversation, and read by routing rules."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from civicdesk.inbox import authors, routing
from civicdesk.inbox.models import AuthorTag, Conversation, RoutingDecision, RoutingRule
from civicdesk.organizations.models import AuditEvent, BusinessArea
from tests.factories import World, make_message

pytestmark = pytest.mark.django_db


def test_people_who_answer_tag_authors_and_each_change_is_audited(world: World) -> None:
    message = make_message(channel=world.channel, text="Question from the press")
    author = message.author
    tag = authors.author_tag_add(author=author, tag="  elected   official ", actor=world.responder)
    assert tag.tag == "elected official" and tag.added_by == world.responder
    with pytest.raises(ValidationError, match="already tagged"):
        authors.author_tag_add(author=author, tag="Elected Official", actor=world.manager)
    with pytest.raises(ValidationError):
        authors.author_tag_add(author=author, tag="   ", actor=world.responder)
    with pytest.raises(ValidationError):
        authors.author_tag_add(author=author, tag="x" * 41, actor=world.responder)
    # Neither writing posts nor watching lets one tag the public.
    for person in (world.author, world.viewer, world.outsider):
        with pytest.raises(PermissionDenied):
            authors.author_tag_add(author=author, tag="journalist", actor=person)
    authors.author_tag_remove(tag=tag, actor=world.manager)
    assert not AuthorTag.objects.exists()
    events = AuditEvent.objects.filter(action__startswith="author.tag").order_by("pk")
    assert [(e.action, e.data["tag"]) for e in events] == [
        ("author.tag_add", "elected official"),
        ("author.tag_remove", "elected official"),
    ]


def test_a_rule_on_the_author_tag_routes_the_tagged_authors_messages(world: World) -> None:
    press = BusinessArea.objects.create(organization=world.org, name="Press office")
    routing.rule_save(
        organization=world.org,
        rule=RoutingRule(name="Journalists", author_tag=" Journalist ", route_to_area=press),
        actor=world.admin,
    )
    assert RoutingRule.objects.get().author_tag == "Journalist"
    reporter = make_message(channel=world.channel, text="Any comment?", author_handle="reporter")
    citizen = make_message(channel=world.channel, text="Any comment?", author_handle="citizen")
    # Untagged: no rule catches either.
    assert routing.route_messages([reporter.pk, citizen.pk]) == 0
    authors.author_tag_add(author=reporter.author, tag="journalist", actor=world.responder)
    later = make_message(channel=world.channel, text="And now?", author_handle="reporter")
    other = make_message(channel=world.channel, text="And now?", author_handle="citizen")
    assert routing.route_messages([later.pk, other.pk]) == 1  # tags compare without case
    assert Conversation.objects.get(pk=later.conversation_id).business_area == "Press office"
    assert Conversation.objects.get(pk=other.conversation_id).business_area == ""
    assert RoutingDecision.objects.get(message=later).rule_name == "Journalists"
    caught, _looked_at = routing.preview(organization=world.org)
    [rule] = RoutingRule.objects.all()
    assert {m.pk for m in caught[rule.pk]} == {reporter.pk, later.pk}


def test_the_author_page_tags_and_the_conversation_shows_them_escaped(
    client: Client, world: World
) -> None:
    message = make_message(channel=world.channel, text="Hello", author_handle="mayor")
    url = f"/inbox/authors/{message.author_id}/"
    client.force_login(world.responder)
    page = client.get(url).content.decode()
    assert 'id="author-tag"' in page and "elected official" in page  # offered
    hostile = "<script>alert(1)</script>"
    answer = client.post(f"{url}tags/", {"tag": hostile}, follow=True)
    assert answer.status_code == 200
    assert AuthorTag.objects.get().tag == hostile
    page = answer.content.decode()
    assert hostile not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    conversation = client.get(f"/inbox/c/{message.conversation_id}/").content.decode()
    assert 'class="badge tag author-tag">&lt;script&gt;' in conversation
    # A refused tag keeps what was typed in the field, and says why.
    answer = client.post(f"{url}tags/", {"tag": hostile.upper()}, follow=True)
    page = answer.content.decode()
    assert "already tagged" in page and 'value="&lt;SCRIPT&gt;' in page
    tag = AuthorTag.objects.get()
    assert client.post(f"{url}tags/{tag.pk}/delete/").status_code == 302
    assert not AuthorTag.objects.exists()
    # An author (no answering) sees the page without the form and cannot tag.
    client.force_login(world.author)
    page = client.get(url).content.decode()
    assert 'id="author-tag"' not in page
    client.post(f"{url}tags/", {"tag": "journalist"})
    assert not AuthorTag.objects.exists()
    # Someone who sees none of the author's messages does not see the author.
    client.force_login(world.other_member)
    assert client.get(url).status_code == 404
    assert client.post(f"{url}tags/", {"tag": "journalist"}).status_code == 404


def test_the_rules_screen_sets_and_shows_the_author_tag(client: Client, world: World) -> None:
    area = BusinessArea.objects.create(organization=world.org, name="Press office")
    client.force_login(world.admin)
    answer = client.post(
        f"/settings/{world.org.pk}/routing/",
        {
            "name": "Journalists",
            "is_active": "on",
            "author_tag": "journalist",
            "during_incident": "unknown",
            "route_to_area": area.pk,
        },
        follow=True,
    )
    assert answer.status_code == 200
    assert RoutingRule.objects.get().author_tag == "journalist"
    page = answer.content.decode()
    assert "author tag" in page and "“journalist”" in page
    assert 'list="author-tag-suggestions"' in page
