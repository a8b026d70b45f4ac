"""Single sign-on in real Chromium: the sign-in page's button, the OpenID Connect
provider's own login page, and back to the desk signed in."""

from __future__ import annotations

from pathlib import Path

import pytest

from civicdesk.organizations.models import AuditEvent
from tests.factories import make_world
from tests.sso.conftest import oidc_setup, with_addresses

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_sign_in_with_the_organizations_provider(
    tmp_path: Path,
    live_server,  # noqa: ANN001
    page,  # noqa: ANN001
    shot,  # noqa: ANN001
) -> None:
    world = with_addresses(make_world())
    users = {"amy": {"email": world.author.email, "email_verified": True, "groups": []}}
    with oidc_setup(tmp_path, world, live_server.url, users) as setup:
        page.goto(f"{live_server.url}/login/")
        button = page.get_by_role("button", name="Sign in with City Entra ID")
        shot("sso-signin-page")
        button.click()
        page.wait_for_url(f"{setup.issuer}/interaction/**")
        page.fill("input[name=login]", "amy")
        page.fill("input[name=password]", "any")
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")
        shot("sso-signed-in")
        assert world.author.get_username() in page.content()
    assert AuditEvent.objects.filter(
        organization=world.org, action="sso.signin", actor=world.author
    ).exists()
