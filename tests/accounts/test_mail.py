"""Password reset end to end, with the mail going through a real SMTP server on loopback."""

from __future__ import annotations

import email
import re
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message

import pytest
from aiosmtpd.controller import Controller
from django.test import Client

from civicdesk.accounts.models import SignInEvent
from civicdesk.organizations.models import AuditEvent
from tests.factories import PASSWORD, World

pytestmark = pytest.mark.django_db


@dataclass
class Mailbox:
    """What the SMTP server received; ``arrived`` is set by each message."""

    messages: list[Message] = field(default_factory=list)
    arrived: threading.Event = field(default_factory=threading.Event)

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: ANN001, N802
        self.messages.append(email.message_from_bytes(envelope.original_content))
        self.arrived.set()
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp(settings) -> Iterator[Mailbox]:  # noqa: ANN001
    mailbox = Mailbox()
    with socket.socket() as probe:  # a free port on loopback (aiosmtpd cannot take port 0)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": controller.port, "timeout": 10},
        }
    }
    try:
        yield mailbox
    finally:
        controller.stop()


def body(message: Message) -> str:
    part = next(p for p in message.walk() if p.get_content_type() == "text/plain")
    return part.get_payload(decode=True).decode()


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
