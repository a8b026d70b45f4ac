"""The policy saved in the editor is the one approval, the publisher and the composer apply."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from civicdesk.publishing.checks import last_check
from civicdesk.publishing.services import post_approve, post_submit
from tests.factories import World, make_post
from tests.policies.conftest import with_forbidden

pytestmark = pytest.mark.django_db

TEXTS = {
    "en": "The new bridge is guaranteed to open on Monday.",
    "fr": "Le nouveau pont ouvrira lundi.",
}


def _forbid_in_editor(client: Client, world: World, word: str) -> None:
    client.force_login(world.admin)
    response = client.post(
        f"/policy/{world.org.pk}/save/",
        {"document": with_forbidden(word), "note": "No promises", "base": 0},
    )
    assert response.status_code == 302


def test_a_forbidden_word_added_in_the_editor_blocks_approval(client: Client, world: World) -> None:
    post = make_post(brand=world.brand, author=world.author, texts=TEXTS)
    post_submit(post=post, actor=world.author)
    _forbid_in_editor(client, world, "guaranteed")
    with pytest.raises(ValidationError) as caught:
        post_approve(post=post, actor=world.approver)
    assert "public bodies do not promise outcomes" in " ".join(caught.value.messages)
    # And the publisher's last check would refuse it too.
    assert last_check(
        post.publications.select_related("channel__brand__organization", "variant").first()
    )


def test_without_the_word_in_the_policy_the_same_post_is_approved(
    client: Client, world: World
) -> None:
    post = make_post(brand=world.brand, author=world.author, texts=TEXTS)
    post_submit(post=post, actor=world.author)
    _forbid_in_editor(client, world, "certainly")
    assert post_approve(post=post, actor=world.approver).status == "approved"


def test_a_forbidden_word_added_in_the_editor_shows_as_blocking_in_the_composer(
    client: Client, world: World
) -> None:
    data = {"channels": [world.channel.pk], "text_en": TEXTS["en"], "text_fr": TEXTS["fr"]}
    client.force_login(world.author)
    before = client.post(f"/posts/preview/?brand={world.brand.pk}", data).content.decode()
    assert "do not promise outcomes" not in before
    _forbid_in_editor(client, world, "guaranteed")
    client.force_login(world.author)
    body = client.post(f"/posts/preview/?brand={world.brand.pk}", data).content.decode()
    assert 'class="finding finding-blocking"' in body
    assert "public bodies do not promise outcomes." in body
