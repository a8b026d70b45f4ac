"""SSO only on the password form, the settings screen's permissions and its audit trail."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from allauth.socialaccount.models import SocialApp
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from civicdesk.organizations.models import AuditEvent
from civicdesk.sso.models import IdentityProvider, Protocol, SignOnPolicy
from civicdesk.sso.services import sign_on_policy_update
from tests.factories import PASSWORD, World, make_user, make_world
from tests.sso.conftest import with_addresses
from tests.sso.peers import key_and_certificate

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db: None) -> World:  # noqa: F811 - plain database, no live server here
    return with_addresses(make_world())


def _provider(world: World) -> IdentityProvider:
    app = SocialApp.objects.create(
        provider="openid_connect",
        provider_id=f"{world.org.slug}-abc123",
        name="City Entra ID",
        client_id="civicdesk",
        settings={"server_url": "http://127.0.0.1:9/"},
    )
    return IdentityProvider.objects.create(
        organization=world.org, protocol=Protocol.OIDC, social_app=app, name="City Entra ID"
    )


def _password_sign_in(client: Client, login: str) -> str:
    response = client.post(reverse("login"), {"login": login, "password": PASSWORD})
    return response.content.decode() if response.status_code == 200 else ""


def test_sso_only_refuses_the_password_and_points_to_the_button(world: World) -> None:
    _provider(world)
    client = Client()
    # Before: the password works.
    assert (
        client.post(
            reverse("login"), {"login": world.author.username, "password": PASSWORD}
        ).status_code
        == 302
    )
    client.logout()
    bare = make_world()  # an organization without a provider cannot be SSO only
    with pytest.raises(ValidationError):
        sign_on_policy_update(
            organization=bare.org, sso_only=True, sso_counts_as_mfa=False, actor=bare.admin
        )
    sign_on_policy_update(
        organization=world.org, sso_only=True, sso_counts_as_mfa=False, actor=world.admin
    )
    page = _password_sign_in(Client(), world.author.username)
    assert "signs in through its identity provider" in page
    assert "Sign in with City Entra ID" in page
    assert "_auth_user_id" not in Client().session
    # A wrong password tells nothing about SSO.
    wrong = Client().post(reverse("login"), {"login": world.author.username, "password": "nope"})
    assert "identity provider" not in wrong.content.decode()
    # The installation operator keeps their password.
    operator = make_user(username="operator")
    operator.is_superuser = operator.is_staff = True
    operator.save()
    assert (
        Client().post(reverse("login"), {"login": "operator", "password": PASSWORD}).status_code
        == 302
    )
    assert AuditEvent.objects.filter(
        organization=world.org, action="signin.refused.sso_only"
    ).exists()
    assert AuditEvent.objects.filter(organization=world.org, action="sso.policy.changed").exists()


def test_the_settings_screen_is_for_admins_only(world: World) -> None:
    _provider(world)
    url = reverse("settings-sso", args=[world.org.pk])
    add = reverse("settings-sso-provider-add", args=[world.org.pk, "oidc"])
    for person, expected in (
        (world.admin, 200),
        (world.manager, 403),
        (world.author, 403),
        (world.viewer, 403),
        (world.outsider, 404),
    ):
        client = Client()
        client.force_login(person)
        assert client.get(url).status_code == expected, person
        assert client.get(add).status_code == expected, person
        if person != world.admin:
            assert client.post(url, {"sso_only": "on"}).status_code == expected
    assert not SignOnPolicy.objects.filter(organization=world.org, sso_only=True).exists()
    admin = Client()
    admin.force_login(world.admin)
    page = admin.get(url).content.decode()
    assert "/accounts/oidc/" in page and "/login/callback/" in page  # the redirect URI
    admin.post(url, {"sso_only": "on", "sso_counts_as_mfa": "on"})
    policy = SignOnPolicy.objects.get(organization=world.org)
    assert policy.sso_only and policy.sso_counts_as_mfa
    event = AuditEvent.objects.get(organization=world.org, action="sso.policy.changed")
    assert event.actor_id == world.admin.pk


def test_a_saml_provider_added_on_the_screen_shows_its_metadata(world: World) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        _key, cert = key_and_certificate(Path(tmp), "idp")
        pem = cert.read_text()
    admin = Client()
    admin.force_login(world.admin)
    add = reverse("settings-sso-provider-add", args=[world.org.pk, "saml"])
    bad = admin.post(
        add,
        {
            "name": "County IdP",
            "entity_id": "https://idp.example/",
            "sso_url": "https://idp.example/sso",
            "x509cert": "not a certificate",
            "email_attribute": "email",
            "role_mappings": "comms = manager",
        },
        follow=True,
    )
    assert "not a valid X.509 certificate" in bad.content.decode()
    answer = admin.post(
        add,
        {
            "name": "County IdP",
            "entity_id": "https://idp.example/",
            "sso_url": "https://idp.example/sso",
            "x509cert": pem,
            "email_attribute": "email",
            "groups_claim": "groups",
            "role_mappings": f"comms = manager @ {world.brand.slug}",
        },
    )
    assert answer.status_code == 302
    provider = IdentityProvider.objects.get(organization=world.org, protocol=Protocol.SAML)
    assert provider.role_mappings == [
        {"group": "comms", "role": "manager", "brand": world.brand.slug}
    ]
    metadata_url = reverse("saml_metadata", args=[provider.social_app.client_id])
    assert metadata_url in admin.get(reverse("settings-sso", args=[world.org.pk])).content.decode()
    metadata = Client().get(metadata_url)
    assert metadata.status_code == 200 and b"AssertionConsumerService" in metadata.content
    assert AuditEvent.objects.filter(organization=world.org, action="sso.provider.added").exists()
