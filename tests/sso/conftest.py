"""Fixtures of the single sign-on tests: a world whose people have addresses, an OIDC
provider registered for its organization, and a way through the sign-in dance."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from allauth.socialaccount.models import SocialApp
from django.core.cache import cache
from django.urls import reverse

from civicdesk.sso.models import IdentityProvider
from civicdesk.sso.services import SignOnRules, oidc_provider_save
from tests.factories import World, make_world
from tests.sso.forms import submit
from tests.sso.peers import oidc_provider

CLIENT_SECRET = "a-long-client-secret-for-the-tests"


@pytest.fixture(autouse=True)
def _clean_cache() -> Iterator[None]:
    cache.clear()  # lockout counters and SAML metadata
    yield
    cache.clear()


def with_addresses(world: World) -> World:
    for role in ("admin", "manager", "author", "approver", "viewer", "other_member", "outsider"):
        user = getattr(world, role)
        user.email = f"{user.get_username()}@city.example"
        user.save(update_fields=["email"])
    return world


@pytest.fixture
def world(transactional_db: None) -> World:
    return with_addresses(make_world())


@dataclass
class OidcSetup:
    issuer: str
    provider: IdentityProvider
    live: str


def rules(**overrides: Any) -> SignOnRules:
    values: dict[str, Any] = {
        "name": "City Entra ID",
        "email_domains": ["city.example"],
        "groups_claim": "groups",
        "role_mappings": [],
        "create_people": False,
    }
    values.update(overrides)
    return SignOnRules(**values)


@contextmanager
def oidc_setup(
    tmp: Path,
    world: World,
    live: str,
    users: dict[str, dict[str, Any]],
    **rule_overrides: Any,
) -> Iterator[OidcSetup]:
    """Register a provider for the organization, then start it knowing our redirect URI.

    The redirect URI names the provider's slug, made when it is saved, so the provider is
    saved first (its discovery document is checked then) against a provider started for
    the purpose, and the real one is started with the redirect URI.
    """
    # The slug is made at save time: save against a first provider, then start the one
    # the test uses, and point the app at it.
    with oidc_provider(tmp, clients=[], users={}) as first_issuer:
        provider = oidc_provider_save(
            organization=world.org,
            provider=None,
            rules=rules(**rule_overrides),
            issuer=first_issuer,
            client_id="civicdesk",
            client_secret=CLIENT_SECRET,
            scopes=["email", "profile", "groups"],
            actor=world.admin,
        )
    callback = live + reverse(
        "openid_connect_callback", kwargs={"provider_id": provider.social_app.provider_id}
    )
    client = {
        "client_id": "civicdesk",
        "client_secret": CLIENT_SECRET,
        "redirect_uris": [callback],
    }
    with oidc_provider(tmp, clients=[client], users=users) as issuer:
        app = SocialApp.objects.get(pk=provider.social_app_id)
        app.settings = {**app.settings, "server_url": issuer}
        app.save(update_fields=["settings"])
        provider.refresh_from_db()
        yield OidcSetup(issuer=issuer, provider=provider, live=live)


def sign_in_through(setup: OidcSetup, login: str) -> tuple[httpx.Client, httpx.Response]:
    """The whole dance over HTTP: our button, the provider's login form, back to us."""
    client = httpx.Client(follow_redirects=True, timeout=20)
    page = client.get(f"{setup.live}/login/")
    start = submit(client, page, action_contains=f"/oidc/{setup.provider.social_app.provider_id}/")
    answer = submit(client, start, action_contains="/interaction/", login=login, password="any")
    return client, answer
