"""Headers that keep public text from ever running in a staff member's browser."""

from __future__ import annotations

from typing import Any

from django.test import Client

from tests.factories import make_world


def test_pages_forbid_inline_scripts(client: Client, db: Any) -> None:
    world = make_world()
    client.force_login(world.manager)
    response = client.get("/")
    policy = response["Content-Security-Policy"]
    assert (
        "script-src 'self'" in policy
        and "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    )
    assert "frame-ancestors 'none'" in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    # No inline script or inline event handler anywhere on the page.
    body = response.content.decode()
    assert "<script>" not in body and " onsubmit=" not in body and " onclick=" not in body


def test_login_page_has_the_policy_too(client: Client, db: Any) -> None:
    assert "script-src 'self'" in client.get("/login/")["Content-Security-Policy"]


def test_bluesky_client_metadata_is_public(client: Client, db: Any) -> None:
    response = client.get("/oauth/bluesky/client-metadata.json")
    assert response.status_code == 200
    document = response.json()
    assert document["client_id"].endswith("/oauth/bluesky/client-metadata.json")
    assert document["dpop_bound_access_tokens"] is True
    assert any(
        uri.endswith("/channels/connect/bluesky/callback/") for uri in document["redirect_uris"]
    )
