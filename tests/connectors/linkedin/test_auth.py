"""Connecting LinkedIn organization pages: authorization code, organizations, refresh."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest

from civicdesk.connectors.auth import credentials_expire_at
from civicdesk.connectors.base import AuthExpiredError, RejectedError
from civicdesk.connectors.linkedin.auth import LinkedInAuthFlow

from .conftest import Peer
from .fake import ORG, OTHER_ORG

REDIRECT = "https://desk.example.org/channels/connect/linkedin/callback"


@pytest.fixture
def flow(linkedin: Peer) -> Iterator[LinkedInAuthFlow]:
    flow = LinkedInAuthFlow(
        app={"client_id": "li-app", "client_secret": "li-secret"},
        base_url=linkedin.api,
        auth_base_url=linkedin.url,
    )
    yield flow
    flow.close()


def test_start_url() -> None:
    flow = LinkedInAuthFlow(app={"client_id": "li-app"})
    start = flow.start(redirect_uri=REDIRECT, state="st4te")
    url = urlsplit(start.url)
    assert (url.netloc, url.path) == ("www.linkedin.com", "/oauth/v2/authorization")
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert query == {
        "response_type": "code",
        "client_id": "li-app",
        "redirect_uri": REDIRECT,
        "state": "st4te",
        "scope": "w_organization_social r_organization_social rw_organization_admin",
    }
    flow.close()


def test_finish_gives_one_account_per_organization(linkedin: Peer, flow: LinkedInAuthFlow) -> None:
    linkedin.fake.codes.add("c1")
    accounts = flow.finish(redirect_uri=REDIRECT, params={"code": "c1", "state": "s"}, pending={})
    assert [a.remote_id for a in accounts] == [ORG, OTHER_ORG]
    roads = accounts[0]
    assert roads.handle == "ministry-of-roads" and roads.display_name == "Ministry of Roads"
    assert roads.credentials["organization_urn"] == ORG
    assert roads.credentials["access_token"] == "li-at"
    assert roads.credentials["refresh_token"] == ""  # not an approved refresh partner
    assert roads.expires_at == credentials_expire_at(roads.credentials) is not None
    acl_call = [raw for name, raw in linkedin.fake.calls if name == "acls"][0]
    assert "q=roleAssignee" in acl_call and "role=ADMINISTRATOR" in acl_call


def test_finish_refuses_a_bad_code_or_a_denial(flow: LinkedInAuthFlow) -> None:
    with pytest.raises(AuthExpiredError):
        flow.finish(redirect_uri=REDIRECT, params={"code": "unknown"}, pending={})
    with pytest.raises(RejectedError) as caught:
        flow.finish(
            redirect_uri=REDIRECT,
            params={
                "error": "user_cancelled_authorize",
                "error_description": "The user cancelled the authorization",
            },
            pending={},
        )
    assert "cancelled" in str(caught.value)


def test_refresh_when_linkedin_gave_a_refresh_token(linkedin: Peer, flow: LinkedInAuthFlow) -> None:
    linkedin.fake.refresh_tokens = True
    linkedin.fake.codes.add("c1")
    account = flow.finish(redirect_uri=REDIRECT, params={"code": "c1"}, pending={})[0]
    stored = dict(account.credentials) | {
        "access_token": "old",
        "expires_at": "2026-01-01T00:00:00+00:00",
    }
    assert stored["refresh_token"] == "li-rt" and stored["refresh_expires_at"]
    fresh = flow.refresh(stored)
    assert fresh["access_token"] == "li-at"
    assert fresh["refresh_token"] == "li-rt"  # the answer had none: ours is kept
    assert fresh["organization_urn"] == ORG
    assert fresh["expires_at"] > stored["expires_at"]
    with pytest.raises(AuthExpiredError):
        flow.refresh(stored | {"refresh_token": "revoked"})


def test_without_refresh_token_the_person_must_reconnect(flow: LinkedInAuthFlow) -> None:
    with pytest.raises(AuthExpiredError) as caught:
        flow.refresh({"access_token": "li-at", "refresh_token": ""})
    assert "reconnect" in str(caught.value)


def test_revoke_is_best_effort(flow: LinkedInAuthFlow) -> None:
    flow.revoke({"access_token": "li-at"})
    flow.revoke({})
