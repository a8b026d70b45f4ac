"""The hash-chained audit log."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from civicdesk.organizations.audit import audit, verify_chain
from civicdesk.organizations.models import AuditEvent

from .conftest import Desk


def test_chain_verifies(desk: Desk) -> None:
    for n in range(5):
        audit(organization=desk.org, actor=desk.author, action="test.event", data={"n": n})
    report = verify_chain(desk.org)
    assert report.ok and report.events >= 5
    out = StringIO()
    call_command("verify_audit", stdout=out)
    assert "chain intact" in out.getvalue()


def test_changed_event_is_named(desk: Desk) -> None:
    events = [audit(organization=desk.org, actor=None, action="a", data={"n": n}) for n in range(4)]
    AuditEvent.objects.filter(pk=events[1].pk).update(data={"n": 99})
    report = verify_chain(desk.org)
    assert report.first_broken == events[1].sequence
    assert "changed" in report.reason
    with pytest.raises(CommandError):
        call_command("verify_audit", stdout=StringIO())


def test_removed_event_is_named(desk: Desk) -> None:
    events = [audit(organization=desk.org, actor=None, action="a") for _ in range(3)]
    AuditEvent.objects.filter(pk=events[1].pk).delete()
    report = verify_chain(desk.org)
    assert report.first_broken == events[1].sequence


def test_rehashed_event_breaks_the_next_link(desk: Desk) -> None:
    from civicdesk.organizations.audit import _digest

    events = [audit(organization=desk.org, actor=None, action="a") for _ in range(3)]
    forged = AuditEvent.objects.get(pk=events[0].pk)
    forged.action = "forged"
    forged.hash = _digest(forged)
    forged.save()
    assert verify_chain(desk.org).first_broken == events[1].sequence
