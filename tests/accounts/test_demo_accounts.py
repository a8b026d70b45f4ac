"""The demo's accounts: one per role, and the installation's operator apart from them."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from civicdesk.organizations.models import Membership, Role
from civicdesk.runtime import demo
from tests.core.test_demo_seed import network  # noqa: F401  (the exercise network fixture)

README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_operator_is_not_the_ministrys_admin(network: Any) -> None:  # noqa: F811
    info = demo.seed_demo(days=2)
    users = get_user_model().objects
    admin = users.get(username="admin")
    assert not admin.is_superuser and not admin.is_staff
    assert Membership.objects.filter(
        user=admin, organization=info.organization, role=Role.ADMIN
    ).exists()
    operator = users.get(username=demo.OPERATOR)
    assert operator.is_superuser and operator.is_staff
    assert not Membership.objects.filter(user=operator).exists()
    assert [u for u in users.all() if u.is_superuser] == [operator]

    # Every documented login works, and only the operator reaches the Django admin.
    readme = README.read_text()
    for username, password, _role in info.logins:
        assert re.search(rf"`{username}`", readme), username
        client = Client()
        answer = client.post("/login/", {"login": username, "password": password})
        assert answer.status_code == 302, username
        admin_site = client.get("/admin/")
        if username == demo.OPERATOR:
            assert admin_site.status_code == 200
        else:
            assert admin_site.status_code == 302, username  # to the sign-in page
    # The ministry's admin runs its settings; the operator has no organization to run.
    client = Client()
    client.force_login(admin)
    settings_page = reverse("settings-organization", args=[info.organization.pk])
    assert client.get(settings_page).status_code == 200
