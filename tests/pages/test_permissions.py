"""Every view, as every kind of visitor: allowed member, member of another brand, outsider,
member whose role lacks the permission, and anonymous."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.test import Client

from civicdesk.publishing.models import Publication, PublicationState
from tests.factories import World, approve_post, make_message, make_post


@dataclass(frozen=True)
class Case:
    view: str
    method: str
    url: str
    data: dict


@pytest.fixture
def setup(world: World) -> dict:
    post = make_post(brand=world.brand, author=world.author)
    in_review = make_post(brand=world.brand, author=world.author, title="In review")
    from civicdesk.publishing.services import post_submit

    post_submit(post=in_review, actor=world.author)
    approved = make_post(brand=world.brand, author=world.author, title="Approved")
    approve_post(post=approved, author=world.author, approver=world.approver)
    failed = approved.publications.first()
    Publication.objects.filter(pk=failed.pk).update(state=PublicationState.FAILED)
    message = make_message(channel=world.channel, text="Is the pool open?")
    return {
        "post": post,
        "in_review": in_review,
        "approved": approved,
        "failed": failed,
        "message": message,
    }


def cases(world: World, s: dict) -> dict[str, Case]:
    post, msg = s["post"], s["message"]
    convo = msg.conversation_id
    b = world.brand.pk
    return {
        c.view: c
        for c in [
            Case("post-new", "get", f"/posts/new/?brand={b}", {}),
            Case(
                "post-preview",
                "post",
                f"/posts/preview/?brand={b}",
                {"channels": [world.channel.pk], "text_en": "Hello"},
            ),
            Case("post-detail", "get", f"/posts/{post.pk}/", {}),
            Case("post-edit", "get", f"/posts/{post.pk}/edit/", {}),
            Case("post-submit", "post", f"/posts/{post.pk}/submit/", {}),
            Case("post-approve", "post", f"/posts/{s['in_review'].pk}/approve/", {}),
            Case(
                "post-send-back",
                "post",
                f"/posts/{s['in_review'].pk}/send-back/",
                {"comment": "Shorter please"},
            ),
            Case("post-cancel", "post", f"/posts/{post.pk}/cancel/", {}),
            Case(
                "publication-retry",
                "post",
                f"/posts/{s['approved'].pk}/publications/{s['failed'].pk}/retry/",
                {},
            ),
            Case(
                "publishing-switch",
                "post",
                f"/publishing/{world.org.pk}/switch/",
                {"paused": "on", "reason": "Storm"},
            ),
            Case("conversation", "get", f"/inbox/c/{convo}/", {}),
            Case(
                "conversation-reply",
                "post",
                f"/inbox/c/{convo}/reply/",
                {"message": msg.pk, "text": "Yes, from 9am."},
            ),
            Case("conversation-status", "post", f"/inbox/c/{convo}/status/", {"status": "closed"}),
            Case(
                "message-correct",
                "post",
                f"/inbox/m/{msg.pk}/correct/",
                {"field": "urgency", "value": "high"},
            ),
            Case("author", "get", f"/inbox/authors/{msg.author_id}/", {}),
            Case("audit", "get", "/audit/", {}),
            # Lists scoped to the visitor: checked for leaks in test_lists_show_only_own_brands.
            Case("dashboard", "get", "/", {}),
            Case("posts", "get", "/posts/", {}),
            Case("inbox", "get", "/inbox/", {}),
            Case("channels", "get", "/channels/", {}),
        ]
    }


# view -> (the allowed member, a member whose role lacks the permission or None)
ROLES = {
    "post-new": ("author", "viewer"),
    "post-preview": ("author", "viewer"),
    "post-detail": ("viewer", None),
    "post-edit": ("author", "approver"),
    "post-submit": ("author", "viewer"),
    "post-approve": ("approver", "viewer"),
    "post-send-back": ("approver", "author"),
    "post-cancel": ("author", "responder"),
    "publication-retry": ("manager", "author"),
    "publishing-switch": ("manager", "author"),
    "conversation": ("viewer", None),
    "conversation-reply": ("responder", "viewer"),
    "conversation-status": ("responder", "viewer"),
    "message-correct": ("responder", "viewer"),
    "author": ("viewer", None),
    "audit": ("admin", "author"),
}
SCOPED = {"publishing-switch", "audit"}  # not about one brand: an outsider gets 404


def call(client: Client, case: Case):  # noqa: ANN201
    return getattr(client, case.method)(case.url, case.data)


@pytest.mark.django_db
@pytest.mark.parametrize("view", sorted(ROLES))
def test_allowed_member(client: Client, world: World, setup: dict, view: str) -> None:
    case = cases(world, setup)[view]
    client.force_login(getattr(world, ROLES[view][0]))
    response = call(client, case)
    assert response.status_code in (200, 302), response.content[:500]
    if response.status_code == 302:
        assert "/login/" not in response["Location"]
        follow = client.get(response["Location"])
        assert follow.status_code == 200
        errors = [m for m in follow.context["messages"] if m.level_tag == "error"]
        assert not errors, [str(m) for m in errors]


@pytest.mark.django_db
@pytest.mark.parametrize("view", sorted(v for v in ROLES if v not in SCOPED))
def test_member_of_another_brand_gets_404(
    client: Client, world: World, setup: dict, view: str
) -> None:
    client.force_login(world.other_member)
    assert call(client, cases(world, setup)[view]).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("view", sorted(ROLES))
def test_outsider_gets_404(client: Client, world: World, setup: dict, view: str) -> None:
    client.force_login(world.outsider)
    assert call(client, cases(world, setup)[view]).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("view", sorted(v for v, (_, lacking) in ROLES.items() if lacking))
def test_member_without_the_permission_gets_403(
    client: Client, world: World, setup: dict, view: str
) -> None:
    client.force_login(getattr(world, ROLES[view][1]))
    assert call(client, cases(world, setup)[view]).status_code == 403


@pytest.mark.django_db
def test_anonymous_is_sent_to_login_everywhere(client: Client, world: World, setup: dict) -> None:
    for case in cases(world, setup).values():
        response = call(client, case)
        assert response.status_code == 302, case.view
        assert response["Location"].startswith("/login/"), case.view


@pytest.mark.django_db
def test_lists_show_only_own_brands(client: Client, world: World, setup: dict) -> None:
    """The dashboard, plan, inbox and channels of a member of another brand or an outsider
    show nothing of the brand."""
    for user in (world.other_member, world.outsider):
        client.force_login(user)
        for url in ("/", "/posts/", "/inbox/", "/channels/"):
            response = client.get(url)
            assert response.status_code == 200
            body = response.content.decode()
            assert world.channel.handle not in body, (user, url)
            assert "Is the pool open?" not in body, (user, url)
            assert setup["post"].title not in body, (user, url)
    client.force_login(world.viewer)
    body = client.get("/posts/").content.decode()
    assert setup["post"].title in body


@pytest.mark.django_db
def test_author_cannot_approve_own_post_and_sees_why(
    client: Client, world: World, setup: dict
) -> None:
    client.force_login(world.author)
    page = client.get(f"/posts/{setup['in_review'].pk}/").content.decode()
    assert "No one approves their own post" in page
    assert f'action="/posts/{setup["in_review"].pk}/approve/"' not in page

    from civicdesk.organizations.models import Membership

    # Even with a role that may approve, the author may not approve their own post.
    Membership.objects.filter(user=world.author, brand=world.brand).update(role="manager")
    response = client.post(f"/posts/{setup['in_review'].pk}/approve/", follow=True)
    assert response.status_code == 200
    assert "No one approves their own post." in response.content.decode()
    setup["in_review"].refresh_from_db()
    assert setup["in_review"].status == "in_review"
