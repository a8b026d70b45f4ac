"""An archived brand (and its channels) is offered nowhere a new post or reply is made."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from civicdesk.inbox.models import Reply
from civicdesk.inbox.services import reply_create
from civicdesk.organizations.services import brand_archive
from civicdesk.publishing.models import Post
from civicdesk.publishing.services import Draft, post_create
from tests.factories import World, make_message

pytestmark = pytest.mark.django_db


def options(page: str, select: str) -> set[str]:
    found = re.search(rf'<select[^>]*name="{select}"[^>]*>(.*?)</select>', page, re.S)
    assert found, select
    return set(re.findall(r'<option value="(\d+)"', found.group(1)))


@pytest.fixture
def archived(world: World) -> World:
    brand_archive(brand=world.other_brand, actor=world.admin)
    world.other_brand.refresh_from_db()
    return world


def test_the_composer_offers_only_active_brands(archived: World) -> None:
    world = archived
    client = Client()
    client.force_login(world.manager)
    page = client.get(reverse("post-new")).content.decode()
    assert world.brand.name in page and world.other_brand.name not in page
    named = client.get(reverse("post-new") + f"?brand={world.other_brand.pk}")
    assert named.status_code == 404
    sent = client.post(
        reverse("post-new") + f"?brand={world.other_brand.pk}",
        {"brand": world.other_brand.pk, "title": "Closed", "text_fr": "Bonjour"},
    )
    assert sent.status_code == 404
    assert not Post.objects.filter(brand=world.other_brand).exists()
    # The brand's own author has nothing left to write for.
    client.force_login(world.other_member)
    assert client.get(reverse("post-new")).status_code == 403


def test_the_action_refuses_a_post_for_an_archived_brand(archived: World) -> None:
    world = archived
    draft = Draft(title="Closed", texts={"fr": "Bonjour"}, channels=[world.other_channel])
    with pytest.raises(ValidationError, match="archived"):
        post_create(brand=world.other_brand, actor=world.manager, draft=draft)


def test_the_plan_filters_leave_archived_brands_and_their_channels_out(archived: World) -> None:
    world = archived
    client = Client()
    client.force_login(world.manager)
    page = client.get(reverse("posts")).content.decode()
    assert options(page, "brand") == {str(world.brand.pk)}
    assert options(page, "channel") == {str(world.channel.pk), str(world.channel2.pk)}


def test_no_reply_goes_out_on_an_archived_brands_channel(archived: World) -> None:
    world = archived
    message = make_message(channel=world.other_channel, text="Is the bridge open?")
    with pytest.raises(ValidationError, match="archived"):
        reply_create(message=message, actor=world.manager, text="Yes, since Monday.")
    assert not Reply.objects.filter(message=message).exists()
