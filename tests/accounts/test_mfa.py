"""Second factors: an organization's requirement, TOTP enrolment and sign-in with a code."""

from __future__ import annotations

import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    SECRET_SESSION_KEY,
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
)
from django.test import Client

from civicdesk.accounts.models import SignInEvent
from civicdesk.organizations.models import AuditEvent, Role
from tests.factories import PASSWORD, World

pytestmark = pytest.mark.django_db

ENROL = "/accounts/2fa/totp/activate/"


def totp_code(secret: str, *, steps_ahead: int = 0) -> str:
    """The code an authenticator app would show (a step ahead: the next one)."""
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30 + steps_ahead))


def signed_in(user, password: str = PASSWORD) -> Client:  # noqa: ANN001
    client = Client()
    answer = client.post("/login/", {"login": user.get_username(), "password": password})
    assert answer.status_code == 302
    return client


def reauthenticate(client: Client) -> None:
    """Changing one's second factors asks for the password again (allauth's rule)."""
    answer = client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    assert answer.status_code == 302


def require_mfa(world: World, *, roles: list[str] | None = None) -> None:
    world.org.mfa_required_for_all = roles is None
    world.org.mfa_required_roles = roles or []
    world.org.save(update_fields=["mfa_required_for_all", "mfa_required_roles"])


def test_a_member_without_a_second_factor_is_sent_to_enrol_first(world: World) -> None:
    require_mfa(world)
    client = signed_in(world.author)
    for url in ("/", "/posts/", "/inbox/"):
        answer = client.get(url)
        assert answer.status_code == 302 and answer.url == ENROL, url
    assert client.get(ENROL).url.startswith("/accounts/reauthenticate/")
    reauthenticate(client)
    assert client.get(ENROL).status_code == 200
    assert client.get("/accounts/sessions/").status_code == 200  # may still look around
    htmx = client.get("/posts/", headers={"HX-Request": "true"})
    assert htmx["HX-Redirect"] == ENROL
    assert client.post("/logout/").status_code == 302


def test_the_requirement_can_name_roles(world: World) -> None:
    require_mfa(world, roles=[Role.APPROVER])
    assert signed_in(world.approver).get("/").url == ENROL
    assert signed_in(world.author).get("/").status_code == 200


def test_no_requirement_no_detour(world: World) -> None:
    assert signed_in(world.author).get("/").status_code == 200


def test_enrolling_totp_opens_the_desk_and_is_audited(
    world: World,
    django_capture_on_commit_callbacks,  # noqa: ANN001
) -> None:
    require_mfa(world)
    client = signed_in(world.author)
    reauthenticate(client)
    assert "data:image/svg+xml" in client.get(ENROL).content.decode()  # the QR code to scan
    secret = client.session[SECRET_SESSION_KEY]
    with django_capture_on_commit_callbacks(execute=True):  # allauth notifies after commit
        answer = client.post(ENROL, {"code": totp_code(secret)})
    assert answer.status_code == 302
    assert Authenticator.objects.filter(user=world.author, type="totp").exists()
    assert client.get("/").status_code == 200
    assert SignInEvent.objects.filter(action="mfa.totp.added", user=world.author).exists()
    assert AuditEvent.objects.filter(organization=world.org, action="mfa.totp.added").exists()


def test_signing_in_with_totp_asks_for_the_code(world: World) -> None:
    secret = generate_totp_secret()
    TOTP.activate(world.author, secret)
    client = Client()
    first = client.post("/login/", {"login": world.author.get_username(), "password": PASSWORD})
    assert first.status_code == 302 and first.url == "/accounts/2fa/authenticate/"
    assert client.get("/").status_code == 302  # not signed in yet
    wrong = client.post(first.url, {"code": "000000" if totp_code(secret) != "000000" else "1"})
    assert wrong.status_code == 200
    done = client.post(first.url, {"code": totp_code(secret)})
    assert done.status_code == 302 and done.url == "/"
    assert client.get("/").status_code == 200
    assert SignInEvent.objects.filter(action="signin", user=world.author).count() == 1


def test_removing_the_second_factor_is_audited(world: World) -> None:
    client = signed_in(world.author)
    secret = generate_totp_secret()
    TOTP.activate(world.author, secret)
    reauthenticate(client)
    answer = client.post("/accounts/2fa/totp/deactivate/", {})
    assert answer.status_code == 302
    assert not Authenticator.objects.filter(user=world.author, type="totp").exists()
    assert SignInEvent.objects.filter(action="mfa.totp.removed", user=world.author).exists()
