"""The organization's second-factor rule, set on its settings screen and enforced at once;
wrong second-factor codes are logged with the address and throttled; every change to a
person's second factors is audited."""

from __future__ import annotations

from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY, TOTP, generate_totp_secret
from django.test import Client
from django.urls import reverse

from civicdesk.accounts.models import SignInEvent
from civicdesk.organizations.audit import verify_chain
from civicdesk.organizations.models import AuditEvent, Organization, Role
from tests.accounts.test_mfa import ENROL, reauthenticate, signed_in, totp_code
from tests.factories import PASSWORD, World

pytestmark = pytest.mark.django_db

AUTHENTICATE = "/accounts/2fa/authenticate/"
LOCKED = "Too many failed login attempts"


def set_rule(client: Client, org: Organization, *, for_all: bool = False, roles: Any = ()):  # noqa: ANN201
    data: dict[str, Any] = {"form": "second-factor", "mfa-roles": list(roles)}
    if for_all:
        data["mfa-for_all"] = "on"
    return client.post(reverse("settings-organization", args=[org.pk]), data)


def test_the_admin_sets_the_rule_on_the_screen_and_it_is_enforced(world: World) -> None:
    admin = signed_in(world.admin)
    page = admin.get(reverse("settings-organization", args=[world.org.pk])).content.decode()
    assert 'name="mfa-for_all"' in page and 'value="approver"' in page

    answer = set_rule(admin, world.org, roles=[Role.APPROVER])
    assert answer.status_code == 302
    world.org.refresh_from_db()
    assert (world.org.mfa_required_for_all, world.org.mfa_required_roles) == (False, ["approver"])
    event = AuditEvent.objects.get(organization=world.org, action="organization.second_factor_rule")
    assert event.actor_id == world.admin.pk
    assert event.data["before"] == {"for_all": False, "roles": []}
    assert event.data["roles"] == ["approver"]
    # The approver is sent to enrol before anything else; the author is not.
    assert signed_in(world.approver).get("/").url == ENROL
    assert signed_in(world.author).get("/").status_code == 200
    assert admin.get("/").status_code == 200  # admins are not in the chosen roles

    assert set_rule(admin, world.org, for_all=True, roles=[Role.APPROVER]).status_code == 302
    world.org.refresh_from_db()
    assert (world.org.mfa_required_for_all, world.org.mfa_required_roles) == (True, [])
    assert signed_in(world.author).get("/posts/").url == ENROL
    assert signed_in(world.admin).get("/").url == ENROL  # the admin too
    assert verify_chain(world.org).ok


def test_a_person_with_a_second_factor_goes_straight_on(world: World) -> None:
    admin = Client()
    admin.force_login(world.admin)
    set_rule(admin, world.org, for_all=True)
    secret = generate_totp_secret()
    TOTP.activate(world.author, secret)
    client = Client()
    first = client.post("/login/", {"login": world.author.get_username(), "password": PASSWORD})
    assert first.url == AUTHENTICATE
    assert client.post(AUTHENTICATE, {"code": totp_code(secret)}).url == "/"
    assert client.get("/").status_code == 200


def test_only_the_organizations_admin_changes_the_rule(world: World) -> None:
    for who, status in [(world.manager, 403), (world.outsider, 404)]:
        client = Client()
        client.force_login(who)
        assert set_rule(client, world.org, for_all=True).status_code == status
    world.org.refresh_from_db()
    assert world.org.mfa_required_for_all is False
    assert not AuditEvent.objects.filter(action="organization.second_factor_rule").exists()


def test_an_unknown_role_is_refused(world: World) -> None:
    admin = Client()
    admin.force_login(world.admin)
    answer = set_rule(admin, world.org, roles=["emperor"])
    assert answer.status_code == 200 and "emperor" in answer.content.decode()
    world.org.refresh_from_db()
    assert world.org.mfa_required_roles == []


def test_the_organization_form_beside_it_still_saves(world: World) -> None:
    admin = Client()
    admin.force_login(world.admin)
    url = reverse("settings-organization", args=[world.org.pk])
    answer = admin.post(
        url, {"name": "Ville de Lyon", "time_zone": "Europe/Paris", "official_languages": "fr"}
    )
    assert answer.status_code == 302
    world.org.refresh_from_db()
    assert world.org.name == "Ville de Lyon" and world.org.mfa_required_for_all is False


def _wrong(secret: str) -> str:
    return "000000" if totp_code(secret) != "000000" else "111111"


def _at_second_step(user: Any) -> Client:
    client = Client()
    answer = client.post("/login/", {"login": user.get_username(), "password": PASSWORD})
    assert answer.url == AUTHENTICATE
    return client


def test_wrong_codes_are_logged_with_the_address(world: World) -> None:
    secret = generate_totp_secret()
    TOTP.activate(world.author, secret)
    codes = RecoveryCodes.activate(world.author).get_unused_codes()
    client = _at_second_step(world.author)
    client.post(AUTHENTICATE, {"code": _wrong(secret)}, REMOTE_ADDR="198.51.100.7")
    client.post(AUTHENTICATE, {"code": "12345678"}, REMOTE_ADDR="198.51.100.7")  # recovery
    failed = SignInEvent.objects.filter(action="mfa.code.failed", user=world.author)
    assert failed.count() == 2
    assert {e.ip_address for e in failed} == {"198.51.100.7"}
    org_events = AuditEvent.objects.filter(organization=world.org, action="mfa.code.failed")
    assert org_events.count() == 2 and org_events.first().data["ip"] == "198.51.100.7"
    # A right recovery code still lets the person in.
    assert client.post(AUTHENTICATE, {"code": codes[0]}).url == "/"
    assert verify_chain(world.org).ok


def test_repeated_wrong_codes_are_throttled_even_before_the_right_one(world: World) -> None:
    secret = generate_totp_secret()
    TOTP.activate(world.author, secret)
    client = _at_second_step(world.author)
    for _ in range(5):
        answer = client.post(AUTHENTICATE, {"code": _wrong(secret)})
        assert answer.status_code == 200 and LOCKED not in answer.content.decode()
    refused = client.post(AUTHENTICATE, {"code": totp_code(secret)})
    assert refused.status_code == 200 and LOCKED in refused.content.decode()
    assert "_auth_user_id" not in client.session
    # A fresh sign-in does not start the count again: the counter is the person's.
    again = _at_second_step(world.author)
    assert LOCKED in again.post(AUTHENTICATE, {"code": totp_code(secret)}).content.decode()


def test_every_change_to_second_factors_is_audited(
    world: World,
    django_capture_on_commit_callbacks: Any,
) -> None:
    client = signed_in(world.author)
    reauthenticate(client)
    client.get(ENROL)
    secret = client.session[SECRET_SESSION_KEY]
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(ENROL, {"code": totp_code(secret)}).status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post("/accounts/2fa/recovery-codes/generate/", {})
    assert answer.status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/accounts/2fa/totp/deactivate/", {}).status_code == 302
    assert not Authenticator.objects.filter(user=world.author).exists()
    actions = list(
        SignInEvent.objects.filter(user=world.author, action__startswith="mfa.")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == [
        "mfa.totp.added",
        "mfa.recovery_codes.generated",  # with the app, allauth makes the first set
        "mfa.recovery_codes.generated",  # asked for again
        "mfa.totp.removed",
        "mfa.recovery_codes.removed",  # codes without an app are removed with it
    ]
    org_actions = AuditEvent.objects.filter(
        organization=world.org, action__startswith="mfa."
    ).values_list("action", flat=True)
    assert sorted(org_actions) == sorted(actions)
