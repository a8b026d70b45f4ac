"""Single sign-on through a real OpenID Connect provider (npm oidc-provider) over HTTP."""

from __future__ import annotations

from pathlib import Path

import pytest
from allauth.socialaccount.models import SocialAccount, SocialApp

from civicdesk.accounts.models import SignInEvent
from civicdesk.organizations.models import AuditEvent, Membership, Role
from civicdesk.sso.services import decrypted_secret
from tests.factories import World
from tests.sso.conftest import CLIENT_SECRET, oidc_setup, sign_in_through

pytestmark = pytest.mark.slow


def _signed_in_as(client, live: str) -> str:  # noqa: ANN001
    page = client.get(f"{live}/")
    assert page.url.path == "/", page.url
    return page.text


def test_a_member_is_matched_by_verified_email(
    tmp_path: Path,
    world: World,
    live_server,  # noqa: ANN001
) -> None:
    user = world.author
    users = {"amy": {"email": user.email, "email_verified": True, "groups": [], "name": "Amy"}}
    with oidc_setup(tmp_path, world, live_server.url, users) as setup:
        client, answer = sign_in_through(setup, "amy")
        assert answer.url.path == "/", answer.text[:2000]
        _signed_in_as(client, setup.live)
    account = SocialAccount.objects.get(user=user)
    assert account.uid == "amy"
    actions = list(
        AuditEvent.objects.filter(organization=world.org).values_list("action", flat=True)
    )
    assert "sso.signin" in actions and "signin" in actions
    # The secret is stored encrypted and given to allauth decrypted.
    app = SocialApp.objects.get(pk=setup.provider.social_app_id)
    assert CLIENT_SECRET not in app.secret
    assert decrypted_secret(app) == CLIENT_SECRET


def test_an_unverified_email_is_refused(
    tmp_path: Path,
    world: World,
    live_server,  # noqa: ANN001
) -> None:
    users = {"eve": {"email": world.author.email, "email_verified": False, "groups": []}}
    with oidc_setup(tmp_path, world, live_server.url, users) as setup:
        client, answer = sign_in_through(setup, "eve")
        assert answer.url.path == "/login/"
        assert "has not verified your email address" in answer.text
        assert client.get(f"{setup.live}/").url.path == "/login/"
    assert not SocialAccount.objects.exists()
    refusal = AuditEvent.objects.get(organization=world.org, action="sso.refused")
    assert refusal.data["reason"] == "email_unverified"
    assert SignInEvent.objects.filter(action="sso.refused").count() == 1


def test_an_unknown_person_is_refused_unless_a_mapped_group_creates_them(
    tmp_path: Path,
    world: World,
    live_server,  # noqa: ANN001
) -> None:
    users = {
        "new": {"email": "newcomer@city.example", "email_verified": True, "groups": ["press"]},
        "stranger": {"email": "stranger@city.example", "email_verified": True, "groups": []},
    }
    mappings = [
        {"group": "press", "role": Role.RESPONDER, "brand": world.brand.slug},
        {"group": "press", "role": Role.VIEWER, "brand": ""},
    ]
    with oidc_setup(
        tmp_path, world, live_server.url, users, role_mappings=mappings, create_people=True
    ) as setup:
        client, answer = sign_in_through(setup, "stranger")
        assert answer.url.path == "/login/"
        assert "Nobody with this email address belongs" in answer.text
        client, answer = sign_in_through(setup, "new")
        assert answer.url.path == "/", answer.text[:2000]
    roles = dict(
        Membership.objects.filter(user__email="newcomer@city.example").values_list(
            "brand__slug", "role"
        )
    )
    assert roles == {world.brand.slug: Role.RESPONDER, None: Role.VIEWER}
    actions = set(
        AuditEvent.objects.filter(organization=world.org).values_list("action", flat=True)
    )
    assert {"sso.refused", "sso.person.created", "sso.membership.mapped", "sso.signin"} <= actions


def test_groups_set_a_members_role_and_another_organizations_person_is_refused(
    tmp_path: Path,
    world: World,
    live_server,  # noqa: ANN001
) -> None:
    from tests.factories import make_organization, make_user

    other_org = make_organization()
    elsewhere = make_user()
    elsewhere.email = "someone@city.example"
    elsewhere.save(update_fields=["email"])
    Membership.objects.create(user=elsewhere, organization=other_org, role=Role.ADMIN)
    users = {
        "viewer": {"email": world.viewer.email, "email_verified": True, "groups": ["comms"]},
        "someone": {"email": elsewhere.email, "email_verified": True, "groups": ["comms"]},
    }
    mappings = [{"group": "comms", "role": Role.MANAGER, "brand": world.brand.slug}]
    with oidc_setup(
        tmp_path, world, live_server.url, users, role_mappings=mappings, create_people=True
    ) as setup:
        client, answer = sign_in_through(setup, "viewer")
        assert answer.url.path == "/"
        client, answer = sign_in_through(setup, "someone")
        assert answer.url.path == "/login/"
    assert Membership.objects.get(user=world.viewer, brand=world.brand).role == Role.MANAGER
    assert not Membership.objects.filter(user=elsewhere, organization=world.org).exists()
