"""A Mastodon instance's own limits, read from its /api/v2/instance and kept a while: the
composer shows them and the publisher measures by them, so both count a text alike."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from pytest_httpserver import HTTPServer

from civicdesk.connectors.limits import channel_rules, forget_rules
from civicdesk.publishing import checks, publisher
from civicdesk.publishing.models import Publication

from .conftest import ACCOUNT_ID, TOKEN, Desk, approved_post, recorded_json

TEXT = "Highway 1 reopens at Exit 12 after the night's repairs. " * 13  # 728 characters


@pytest.fixture
def mastodon(desk: Desk, httpserver: HTTPServer) -> Desk:
    desk.channel.platform = "mastodon"
    desk.channel.api_base_url = httpserver.url_for("").rstrip("/")
    desk.channel.set_credentials({"access_token": TOKEN, "account_id": ACCOUNT_ID})
    desk.channel.save()
    forget_rules(desk.channel)
    return desk


def instance(max_characters: int) -> dict[str, Any]:
    """A real instance's recorded answer, with its own character limit."""
    body = recorded_json("test_instance.yaml", "GET", "/api/v2/instance/")
    body["configuration"]["statuses"]["max_characters"] = max_characters
    return body


def asked(httpserver: HTTPServer) -> int:
    return sum(1 for request, _ in httpserver.log if request.path == "/api/v2/instance")


def preview(client: Client, desk: Desk, text: str) -> str:
    client.force_login(desk.author)
    response = client.post(
        f"/posts/preview/?brand={desk.brand.pk}",
        {"channels": [desk.channel.pk], "text_en": text},
    )
    assert response.status_code == 200
    return response.content.decode()


def test_the_composer_and_the_publisher_use_the_instances_limit(
    client: Client, mastodon: Desk, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/api/v2/instance").respond_with_json(instance(1000))
    page = preview(client, mastodon, TEXT)
    assert re.search(r"728 / 1,?000 characters", page), page
    assert f"(the limit 127.0.0.1:{httpserver.port} announces)" in page
    assert "a thread of" not in page
    # The same text, approved and sent: one status, not a thread, no blocking finding.
    post = approved_post(mastodon, texts={"en": TEXT})
    publication = Publication.objects.select_related("variant", "channel", "post").get(post=post)
    assert publisher.outbound_for(publication).thread == ()
    assert checks.last_check(publication) == []
    # Asked once: every later measure came from the cache.
    assert asked(httpserver) == 1


def test_a_smaller_instance_makes_the_same_text_a_thread_everywhere(
    client: Client, mastodon: Desk, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/api/v2/instance").respond_with_json(instance(300))
    page = preview(client, mastodon, TEXT)
    assert re.search(r"728 / 300 characters", page) and "a thread of 3 posts" in page
    rules = channel_rules(mastodon.channel)
    assert rules is not None and rules.max_length == 300
    assert rules.media.max_video_bytes == 103809024  # the recorded instance's media limits
    post = approved_post(mastodon, texts={"en": TEXT})
    publication = Publication.objects.select_related("variant", "channel", "post").get(post=post)
    outbound = publisher.outbound_for(publication)
    assert len(outbound.thread) == 2


def test_an_instance_that_does_not_answer_leaves_mastodons_defaults_for_a_while(
    client: Client, mastodon: Desk, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/api/v2/instance").respond_with_data("down", status=503)
    page = preview(client, mastodon, "Short.")
    assert re.search(r"6 / 500 characters", page) and "announces" not in page
    preview(client, mastodon, "Short again.")
    assert asked(httpserver) == 1  # not asked again on every keystroke
