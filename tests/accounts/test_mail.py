"""Password reset end to end, with the mail going through a real SMTP server on loopback."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from civicdesk.accounts.models import SignInEvent
from civicdesk.organizations.models import AuditEvent
from tests.factories import PASSWORD, World
from tests.mail import Mailbox, body

pytestmark = pytest.mark.django_db


def test_password_reset_by_email_end_to_end(world: World, smtp: Mailbox) -> None:
    world.author.email = "author@city.example"
    world.author.save(update_fields=["email"])
    client = Client()
    answer = client.post("/accounts/password/reset/", {"email": "author@city.example"})
    assert answer.status_code == 302
    assert smtp.arrived.wait(10)
    message = smtp.messages[0]
    assert message["To"] == "author@city.example"
    link = re.search(r"http://testserver(/accounts/password/reset/key/\S+/)", body(message))
    assert link, body(message)

    smtp.arrived.clear()
    form = client.get(link.group(1), follow=True)
    assert form.status_code == 200
    new_password = "a-New-and-long-passphrase-42"
    done = client.post(
        form.redirect_chain[-1][0] if form.redirect_chain else link.group(1),
        {"password1": new_password, "password2": new_password},
    )
    assert done.status_code == 302
    assert smtp.arrived.wait(10)  # the notice that the password was reset
    assert "password" in smtp.messages[1]["Subject"].lower()

    assert SignInEvent.objects.filter(action="password.reset", user=world.author).exists()
    assert AuditEvent.objects.filter(organization=world.org, action="password.reset").exists()
    old = Client().post("/login/", {"login": world.author.get_username(), "password": PASSWORD})
    assert old.status_code == 200
    new = Client().post("/login/", {"login": "author@city.example", "password": new_password})
    assert new.status_code == 302


def test_a_reset_for_an_unknown_address_reveals_nothing(db: None, smtp: Mailbox) -> None:
    answer = Client().post("/accounts/password/reset/", {"email": "nobody@city.example"})
    assert answer.status_code == 302  # the same answer as for a known address
    assert smtp.arrived.wait(10)
    assert "nobody@city.example" == smtp.messages[0]["To"]
    assert "/accounts/password/reset/key/" not in body(smtp.messages[0])
