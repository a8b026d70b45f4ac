"""Sign-in by username or email, the audit trail of sign-in, lockout, the admin's door."""

from __future__ import annotations

import pytest
from django.test import Client

from civicdesk.accounts.models import SignInEvent
from civicdesk.organizations.audit import verify_chain
from civicdesk.organizations.models import AuditEvent
from tests.factories import PASSWORD, World, make_user

pytestmark = pytest.mark.django_db

LOCKED = "Too many failed login attempts"


def sign_in(client: Client, login: str, password: str = PASSWORD, **extra: str):  # noqa: ANN201
    return client.post("/login/", {"login": login, "password": password}, **extra)


def org_actions(world: World) -> list[str]:
    return list(AuditEvent.objects.filter(organization=world.org).values_list("action", flat=True))


def test_sign_in_by_username_and_by_email_is_logged(world: World) -> None:
    world.author.email = "author@city.example"
    world.author.save(update_fields=["email"])
    for login in (world.author.get_username(), "Author@City.example"):
        client = Client()
        answer = sign_in(client, login)
        assert answer.status_code == 302 and answer.url == "/", login
        assert client.get("/").status_code == 200
    events = SignInEvent.objects.filter(user=world.author, action="signin")
    assert events.count() == 2 and events.first().ip_address == "127.0.0.1"
    assert org_actions(world).count("signin") == 2
    assert verify_chain(world.org).ok


def test_the_login_page_keeps_the_desk_style_and_offers_no_sign_up(client: Client) -> None:
    page = client.get("/login/").content.decode()
    assert "civicdesk/desk.css" in page and 'name="login"' in page and 'name="password"' in page
    assert "sign up" not in page.lower()
    assert "/accounts/password/reset/" in page
    closed = client.get("/accounts/signup/").content.decode()
    assert 'name="password1"' not in closed


def test_failed_sign_ins_are_logged_for_known_and_unknown_names(world: World) -> None:
    client = Client()
    assert sign_in(client, world.author.get_username(), "wrong").status_code == 200
    assert sign_in(client, "nobody-here", "wrong").status_code == 200
    known = SignInEvent.objects.get(action="signin.failed", user=world.author)
    assert known.identifier == ""  # the person is named by the link, not the typed text
    unknown = SignInEvent.objects.get(action="signin.failed", user=None)
    assert unknown.identifier == "nobody-here"
    assert "signin.failed" in org_actions(world)
    assert not AuditEvent.objects.filter(data__password__isnull=False).exists()


def test_an_account_is_locked_after_five_failures_even_for_the_right_password(
    world: World,
) -> None:
    client = Client()
    name = world.author.get_username()
    for _ in range(5):
        assert LOCKED not in sign_in(client, name, "wrong").content.decode()
    refused = sign_in(client, name)  # the right password, too late
    assert refused.status_code == 200 and LOCKED in refused.content.decode()
    assert "_auth_user_id" not in client.session
    assert SignInEvent.objects.filter(action="signin.locked", user=world.author).exists()
    assert "signin.locked" in org_actions(world)
    # Another person from the same address is not locked out by it.
    assert sign_in(Client(), world.manager.get_username()).status_code == 302


def test_an_address_is_locked_after_twenty_failures_across_accounts(db: None) -> None:
    people = [make_user() for _ in range(5)]
    client = Client()
    for i in range(20):
        sign_in(client, people[i % 5].get_username(), "wrong")
    fresh = make_user()
    refused = sign_in(client, fresh.get_username())
    assert LOCKED in refused.content.decode()
    # From another address the same person signs in.
    assert sign_in(Client(), fresh.get_username(), REMOTE_ADDR="10.1.2.3").status_code == 302


def test_the_admin_sign_in_goes_through_ours(world: World) -> None:
    world.admin.is_staff = world.admin.is_superuser = True
    world.admin.save(update_fields=["is_staff", "is_superuser"])
    client = Client()
    answer = client.get("/admin/login/?next=/admin/")
    assert answer.status_code == 302 and answer.url.startswith("/login/")
    # Its form posts land on our lockout as well.
    for _ in range(5):
        client.post(
            "/admin/login/?next=/admin/",
            {"username": world.admin.get_username(), "password": "wrong"},
        )
    assert "_auth_user_id" not in client.session
    for _ in range(5):
        sign_in(client, world.admin.get_username(), "wrong")
    assert LOCKED in sign_in(client, world.admin.get_username()).content.decode()
    ok = Client()
    assert sign_in(ok, world.manager.get_username()).status_code == 302
    assert ok.get("/admin/").status_code in (302, 403)  # not staff: no admin


def test_sign_out_is_logged_and_needs_a_post(world: World) -> None:
    client = Client()
    sign_in(client, world.author.get_username())
    assert client.get("/logout/").status_code == 200  # a confirmation page, not a sign-out
    assert "_auth_user_id" in client.session
    answer = client.post("/logout/")
    assert answer.status_code == 302 and answer.url == "/login/"
    assert "_auth_user_id" not in client.session
    assert SignInEvent.objects.filter(action="signout", user=world.author).exists()
    assert "signout" in org_actions(world)


def test_the_installation_sign_in_log_is_read_only_in_the_admin(world: World) -> None:
    sign_in(Client(), "nobody-here", "wrong")
    world.admin.is_staff = world.admin.is_superuser = True
    world.admin.save(update_fields=["is_staff", "is_superuser"])
    client = Client()
    client.force_login(world.admin)
    listing = client.get("/admin/accounts/signinevent/")
    assert listing.status_code == 200 and "nobody-here" in listing.content.decode()
    event = SignInEvent.objects.get(identifier="nobody-here")
    assert client.post(f"/admin/accounts/signinevent/{event.pk}/delete/").status_code == 403
    assert SignInEvent.objects.filter(pk=event.pk).exists()


def test_another_name_for_the_server_brings_no_fresh_guesses(world: World) -> None:
    client = Client()
    name = world.author.get_username()
    for host in ("localhost", "localhost", "127.0.0.1", "127.0.0.1", "[::1]"):
        sign_in(client, name, "wrong", SERVER_NAME=host)
    for host in ("localhost", "testserver"):
        refused = sign_in(client, name, SERVER_NAME=host)
        assert refused.status_code == 200 and LOCKED in refused.content.decode(), host
