"""atproto OAuth against the real local PDS: PAR, sign-in and consent, tokens, DPoP calls.

The PDS of ``@atproto/dev-env`` runs the reference OAuth provider. Civic Desk signs in
as the loopback client (``client_id`` ``http://localhost?…``), which the provider
accepts without fetching a metadata document; the redirect goes to a loopback address
that nothing needs to answer: the provider's 303 to it carries the code.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from civicdesk.connectors.auth import AuthStart, ConnectedAccount
from civicdesk.connectors.base import AuthExpiredError, OutboundPost, RejectedError
from civicdesk.connectors.bluesky import dpop, oauth
from civicdesk.connectors.bluesky.auth import BlueskyAuthFlow
from civicdesk.connectors.bluesky.connector import BlueskyConnector
from tests.connectors.peers import free_port

from .conftest import Account, Network, new_account
from .oauth_consent import approve, reject
from .test_network import get_record

SCOPE = "atproto transition:generic"


@pytest.fixture(scope="module")
def redirect_uri() -> str:
    return f"http://127.0.0.1:{free_port()}/channels/connect/bluesky/callback/"


@pytest.fixture
def flow(bsky_network: Network) -> Iterator[BlueskyAuthFlow]:
    made = BlueskyAuthFlow(base_url=bsky_network.pds, app={"plc_url": bsky_network.plc})
    yield made
    made.close()


@pytest.fixture(scope="module")
def officer(bsky_network: Network) -> Account:
    return new_account(bsky_network, "officer")


def begin(flow: BlueskyAuthFlow, account: Account, redirect_uri: str) -> tuple[str, AuthStart]:
    state = secrets.token_urlsafe(16)
    return state, flow.start(redirect_uri=redirect_uri, state=state, identifier=account.handle)


@pytest.fixture(scope="module")
def connected(bsky_network: Network, officer: Account, redirect_uri: str) -> ConnectedAccount:
    flow = BlueskyAuthFlow(base_url=bsky_network.pds, app={"plc_url": bsky_network.plc})
    try:
        state, started = begin(flow, officer, redirect_uri)
        params = approve(started.url, officer.handle, officer.password)
        [account] = flow.finish(redirect_uri=redirect_uri, params=params, pending=started.pending)
    finally:
        flow.close()
    return account


def test_start_pushes_the_request_and_names_it_in_the_url(
    flow: BlueskyAuthFlow, officer: Account, redirect_uri: str
) -> None:
    state, started = begin(flow, officer, redirect_uri)
    url = urlsplit(started.url)
    query = parse_qs(url.query)
    assert url.path == "/oauth/authorize"
    assert query["request_uri"][0].startswith("urn:ietf:params:oauth:request_uri:")
    assert query["client_id"] == [oauth.loopback_client_id(redirect_uri)]
    client_id = parse_qs(urlsplit(query["client_id"][0]).query)
    assert client_id == {"redirect_uri": [redirect_uri], "scope": [SCOPE]}
    # Nothing else travels in the URL: the parameters were pushed (PAR).
    assert set(query) == {"client_id", "request_uri"}
    pending = started.pending
    assert pending["state"] == state and pending["expected_did"] == officer.did
    assert pending["code_verifier"] and "BEGIN PRIVATE KEY" in pending["dpop_private_key"]
    assert pending["token_endpoint"].endswith("/oauth/token")
    assert pending["issuer"].rstrip("/") == f"{url.scheme}://{url.netloc}"


def test_full_authorization_gives_dpop_bound_tokens(
    bsky_network: Network, officer: Account, connected: ConnectedAccount
) -> None:
    creds = connected.credentials
    assert connected.remote_id == officer.did and connected.handle == officer.handle
    assert creds["auth_mode"] == "oauth" and creds["did"] == officer.did
    assert creds["access_token"] and creds["refresh_token"] and creds["expires_at"]
    assert connected.expires_at is not None
    assert "atproto" in creds["scope"].split()
    assert creds["token_endpoint"].endswith("/oauth/token")
    assert "BEGIN PRIVATE KEY" in creds["dpop_private_key"]
    assert connected.api_base_url == creds["pds"]
    assert creds["pds"].rsplit(":", 1)[-1] == bsky_network.pds.rsplit(":", 1)[-1]
    # The token is bound to the key: as a bearer token the PDS refuses it.
    refused = httpx.get(
        f"{creds['pds']}/xrpc/com.atproto.server.getSession",
        headers={"Authorization": f"Bearer {creds['access_token']}"},
    )
    assert refused.status_code in (400, 401)


def test_connector_publishes_and_deletes_with_dpop(
    connected: ConnectedAccount, bsky_network: Network
) -> None:
    creds = connected.credentials
    with BlueskyConnector(
        base_url=connected.api_base_url, credentials=creds, handle=connected.handle, timeout=20
    ) as api:
        assert api.uses_dpop
        assert api.check_health().ok
        result = api.publish(
            OutboundPost(
                text="Library hours extended (OAuth).",
                idempotency_key=f"pub-{secrets.token_hex(6)}",
            )
        )
        assert result.remote_id.startswith(f"at://{connected.remote_id}/app.bsky.feed.post/")
        assert get_record(bsky_network, result.remote_id) is not None
        api.delete(result.remote_id)
        assert get_record(bsky_network, result.remote_id) is None


def test_connector_retries_once_with_the_pds_nonce(connected: ConnectedAccount) -> None:
    seen: list[httpx.Response] = []

    def note(response: httpx.Response) -> None:
        seen.append(response)

    client = httpx.Client(timeout=20, event_hooks={"response": [note]})
    api = BlueskyConnector(
        base_url=connected.api_base_url,
        credentials=connected.credentials,
        handle=connected.handle,
        client=client,
    )
    try:
        # A stale nonce, as after the server rotated it.
        api.dpop_key.nonces[dpop.origin(connected.api_base_url)] = "stale-nonce"
        assert api.check_health().ok
    finally:
        client.close()
    assert [r.status_code for r in seen] == [401, 200]
    assert "use_dpop_nonce" in seen[0].headers.get("www-authenticate", "")
    assert seen[0].headers["dpop-nonce"] != "stale-nonce"
    retried = dpop.verify_proof(seen[1].request.headers["dpop"])
    assert retried["nonce"] == seen[0].headers["dpop-nonce"]


def test_refresh_rotates_the_tokens(
    bsky_network: Network, officer: Account, redirect_uri: str, flow: BlueskyAuthFlow
) -> None:
    _, started = begin(flow, officer, redirect_uri)
    params = approve(started.url, officer.handle, officer.password)
    [account] = flow.finish(redirect_uri=redirect_uri, params=params, pending=started.pending)
    old = dict(account.credentials)
    fresh = flow.refresh(old)
    assert fresh["access_token"] != old["access_token"]
    assert fresh["refresh_token"] and fresh["refresh_token"] != old["refresh_token"]
    assert fresh["did"] == officer.did and fresh["dpop_private_key"] == old["dpop_private_key"]
    with BlueskyConnector(base_url=account.api_base_url, credentials=fresh) as api:
        assert api.check_health().ok
    # The spent refresh token is refused: the sweep marks the channel for reconnecting.
    with pytest.raises(AuthExpiredError):
        flow.refresh(old)


def test_revoke_ends_the_session(
    bsky_network: Network, officer: Account, redirect_uri: str, flow: BlueskyAuthFlow
) -> None:
    _, started = begin(flow, officer, redirect_uri)
    params = approve(started.url, officer.handle, officer.password)
    [account] = flow.finish(redirect_uri=redirect_uri, params=params, pending=started.pending)
    flow.revoke(account.credentials)
    with pytest.raises(AuthExpiredError):
        flow.refresh(account.credentials)
    with BlueskyConnector(base_url=account.api_base_url, credentials=account.credentials) as api:
        assert not api.check_health().ok


def test_another_account_signing_in_is_refused(
    bsky_network: Network, officer: Account, redirect_uri: str, flow: BlueskyAuthFlow
) -> None:
    intruder = new_account(bsky_network, "intruder")
    _, started = begin(flow, officer, redirect_uri)
    params = approve(started.url, intruder.handle, intruder.password)
    with pytest.raises(RejectedError, match="another account"):
        flow.finish(redirect_uri=redirect_uri, params=params, pending=started.pending)


def test_a_refusal_on_the_consent_page_connects_nothing(
    officer: Account, redirect_uri: str, flow: BlueskyAuthFlow
) -> None:
    state, started = begin(flow, officer, redirect_uri)
    params = reject(started.url, officer.handle, officer.password)
    assert params["error"] == "access_denied" and params["state"] == state
    with pytest.raises(RejectedError, match="did not give access"):
        flow.finish(redirect_uri=redirect_uri, params=params, pending=started.pending)


def test_a_code_is_good_once(officer: Account, redirect_uri: str, flow: BlueskyAuthFlow) -> None:
    _, started = begin(flow, officer, redirect_uri)
    params = approve(started.url, officer.handle, officer.password)
    flow.finish(redirect_uri=redirect_uri, params=params, pending=started.pending)
    with pytest.raises((AuthExpiredError, RejectedError)):
        flow.finish(redirect_uri=redirect_uri, params=params, pending=started.pending)


def test_the_same_form_connects_with_an_app_password(
    bsky_network: Network, officer: Account, redirect_uri: str, flow: BlueskyAuthFlow
) -> None:
    from .conftest import app_password

    state = secrets.token_urlsafe(16)
    started = flow.start(
        redirect_uri=redirect_uri,
        state=state,
        identifier=officer.handle,
        app_password=app_password(bsky_network, officer),
    )
    # No trip to the PDS's page: the "authorization URL" is our own callback.
    assert started.url == f"{redirect_uri}?state={state}"
    assert "app_password" not in started.pending
    params = dict(parse_qs(urlsplit(started.url).query, keep_blank_values=True))
    [account] = flow.finish(
        redirect_uri=redirect_uri,
        params={k: v[0] for k, v in params.items()},
        pending=started.pending,
    )
    assert account.remote_id == officer.did and "auth_mode" not in account.credentials
    with BlueskyConnector(base_url=account.api_base_url, credentials=account.credentials) as api:
        assert not api.uses_dpop and api.check_health().ok
    with pytest.raises(RejectedError, match="does not match"):
        flow.finish(redirect_uri=redirect_uri, params={"state": "other"}, pending=started.pending)
