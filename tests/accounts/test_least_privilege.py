"""Cancelling an approved post: its own author, or someone who controls publishing."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from civicdesk.organizations.models import Role
from civicdesk.publishing import services as publishing
from civicdesk.publishing.models import PostStatus
from tests.factories import World, approve_post, make_member, make_post

pytestmark = pytest.mark.django_db


def test_an_author_cannot_cancel_another_authors_approved_post(world: World) -> None:
    colleague = make_member(organization=world.org, role=Role.AUTHOR, brand=world.brand)
    post = make_post(brand=world.brand, author=world.author)
    approve_post(post=post, author=world.author, approver=world.approver)
    with pytest.raises(PermissionDenied):
        publishing.post_cancel(post=post, actor=colleague)
    post.refresh_from_db()
    assert post.status == PostStatus.APPROVED


def test_the_author_and_a_manager_can_cancel_an_approved_post(world: World) -> None:
    mine = make_post(brand=world.brand, author=world.author)
    approve_post(post=mine, author=world.author, approver=world.approver)
    assert publishing.post_cancel(post=mine, actor=world.author).status == PostStatus.CANCELLED
    theirs = make_post(brand=world.brand, author=world.author)
    approve_post(post=theirs, author=world.author, approver=world.approver)
    assert publishing.post_cancel(post=theirs, actor=world.manager).status == (PostStatus.CANCELLED)


def test_the_page_refuses_the_cancel_too(world: World, client) -> None:  # noqa: ANN001
    colleague = make_member(organization=world.org, role=Role.AUTHOR, brand=world.brand)
    post = make_post(brand=world.brand, author=world.author)
    approve_post(post=post, author=world.author, approver=world.approver)
    client.force_login(colleague)
    client.post(f"/posts/{post.pk}/cancel/")
    post.refresh_from_db()
    assert post.status == PostStatus.APPROVED
