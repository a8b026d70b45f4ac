"""Idle and absolute session limits, and signing out one's other sessions."""

from __future__ import annotations

import time

import pytest
from allauth.usersessions.models import UserSession
from django.test import Client

from civicdesk.accounts.models import SignInEvent
from civicdesk.accounts.sessions import SEEN_AT, SIGNED_IN_AT
from tests.factories import PASSWORD, World

pytestmark = pytest.mark.django_db


def signed_in(world: World) -> Client:
    client = Client()
    answer = client.post("/login/", {"login": world.author.get_username(), "password": PASSWORD})
    assert answer.status_code == 302
    return client


def age_session(client: Client, **seconds_ago: int) -> None:
    """Move the session's clocks back, as if that much time had passed."""
    session = client.session
    now = int(time.time())
    for key, ago in seconds_ago.items():
        session[{"seen": SEEN_AT, "signed_in": SIGNED_IN_AT}[key]] = now - ago
    session.save()


def test_an_idle_session_is_signed_out(world: World, settings) -> None:  # noqa: ANN001
    settings.SESSION_IDLE_SECONDS = 30 * 60
    client = signed_in(world)
    age_session(client, seen=30 * 60 + 5)
    answer = client.get("/posts/")
    assert answer.status_code == 302 and answer.url.startswith("/login/?next=/posts/")
    assert "_auth_user_id" not in client.session
    event = SignInEvent.objects.get(action="signout.expired", user=world.author)
    assert event.data == {"reason": "idle"}
    assert "without activity" in client.get(answer.url).content.decode()


def test_activity_keeps_a_session_alive(world: World, settings) -> None:  # noqa: ANN001
    settings.SESSION_IDLE_SECONDS = 30 * 60
    client = signed_in(world)
    age_session(client, seen=29 * 60)
    assert client.get("/posts/").status_code == 200  # seen now: the idle clock restarts
    assert int(time.time()) - client.session[SEEN_AT] < 60
    age_session(client, seen=20 * 60)
    assert client.get("/posts/").status_code == 200


def test_a_session_ends_after_its_absolute_lifetime_however_busy(
    world: World,
    settings,  # noqa: ANN001
) -> None:
    settings.SESSION_ABSOLUTE_SECONDS = 12 * 3600
    client = signed_in(world)
    age_session(client, signed_in=12 * 3600 + 1, seen=1)
    answer = client.get("/")
    assert answer.status_code == 302 and answer.url.startswith("/login/")
    assert SignInEvent.objects.get(action="signout.expired").data == {"reason": "absolute"}


def test_a_session_without_clocks_starts_them(world: World) -> None:
    client = Client()
    client.force_login(world.author)
    assert client.get("/").status_code == 200
    assert SIGNED_IN_AT in client.session and SEEN_AT in client.session


def test_signing_out_the_other_sessions(world: World) -> None:
    laptop, phone = signed_in(world), signed_in(world)
    assert UserSession.objects.filter(user=world.author).count() == 2
    page = laptop.get("/accounts/sessions/").content.decode()
    assert "civicdesk/desk.css" in page  # the desk's layout around allauth's list
    answer = laptop.post("/accounts/sessions/", {})
    assert answer.status_code == 302
    assert laptop.get("/").status_code == 200
    assert phone.get("/").status_code == 302  # the phone is signed out
    assert UserSession.objects.filter(user=world.author).count() == 1
    assert SignInEvent.objects.get(action="sessions.ended").data == {"sessions": 1}
