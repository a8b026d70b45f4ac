"""Management commands for the exercise network."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from civicdesk.exnet.models import NetAccount, NetFault
from civicdesk.exnet.services import account_for_token, create_account

pytestmark = pytest.mark.django_db


def test_exnet_fault_injects_lists_and_clears() -> None:
    create_account(handle="transport_gov")
    call_command(
        "exnet_fault",
        "transport_gov",
        "rate_limit",
        "--operation",
        "create_post",
        "--count",
        "3",
        "--param",
        "retry_after=20",
        stdout=StringIO(),
    )
    fault = NetFault.objects.get()
    assert (fault.kind, fault.operation, fault.remaining, fault.params) == (
        "rate_limit",
        "create_post",
        3,
        {"retry_after": 20.0},
    )
    out = StringIO()
    call_command("exnet_fault", "--list", stdout=out)
    assert "rate_limit on create_post" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("exnet_fault", "transport_gov", "latency", "--param", "bogus=1")
    call_command("exnet_fault", "transport_gov", "--clear", stdout=StringIO())
    assert not NetFault.objects.exists()


def test_exnet_account_prints_a_working_token() -> None:
    out = StringIO()
    call_command("exnet_account", "ferries", "--name", "Ferries", stdout=out)
    token = out.getvalue().strip()
    assert account_for_token(token) == NetAccount.objects.get(handle="ferries")
