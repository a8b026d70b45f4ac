"""atproto OAuth pieces on their own: DPoP proofs, and the checks a real server never fails.

The local PDS (``test_oauth_network.py``) cannot be made to answer with another
issuer, a token for another account, a token that is not DPoP-bound or a refresh
without a new refresh token, nor to ask for a nonce at a chosen moment; a fake
authorization server over real HTTP (pytest-httpserver) answers like the documented
endpoints for those cases.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from civicdesk.connectors.base import AuthExpiredError, RejectedError
from civicdesk.connectors.bluesky import dpop, oauth
from civicdesk.connectors.bluesky.auth import BlueskyAuthFlow
from civicdesk.connectors.bluesky.connector import BlueskyConnector

from .conftest import FAKE_DID

REDIRECT = "http://127.0.0.1:8000/channels/connect/bluesky/callback/"
OTHER_DID = "did:plc:otherotherotherotherothe"


def b64d(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def parts(proof: str) -> tuple[dict[str, Any], dict[str, Any]]:
    head, claims, _ = proof.split(".")
    return json.loads(b64d(head)), json.loads(b64d(claims))


# DPoP proofs


def test_a_proof_names_the_request_and_binds_the_token() -> None:
    key = dpop.DpopKey.generate()
    proof = key.proof(
        "post", "https://pds.example/xrpc/x.y?z=1#f", access_token="tok-123", nonce="n-1"
    )
    header, claims = parts(proof)
    assert header["typ"] == "dpop+jwt" and header["alg"] == "ES256"
    assert header["jwk"] == key.public_jwk() and "d" not in header["jwk"]
    assert claims["htm"] == "POST" and claims["htu"] == "https://pds.example/xrpc/x.y"
    assert abs(claims["iat"] - time.time()) < 5 and len(claims["jti"]) >= 16
    expected_ath = base64.urlsafe_b64encode(hashlib.sha256(b"tok-123").digest()).rstrip(b"=")
    assert claims["ath"] == expected_ath.decode() and claims["nonce"] == "n-1"
    # No token, no nonce: no ath, no nonce claim; every proof has its own jti.
    _, bare = parts(key.proof("GET", "https://pds.example/"))
    assert "ath" not in bare and "nonce" not in bare and bare["jti"] != claims["jti"]


def test_the_signature_verifies_with_the_public_key_only() -> None:
    key = dpop.DpopKey.generate()
    proof = key.proof("GET", "https://pds.example/xrpc/a", access_token="t")
    head, claims, sig = proof.split(".")
    raw = b64d(sig)
    assert len(raw) == 64
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    jwk = parts(proof)[0]["jwk"]
    public = ec.EllipticCurvePublicNumbers(
        int.from_bytes(b64d(jwk["x"]), "big"),
        int.from_bytes(b64d(jwk["y"]), "big"),
        ec.SECP256R1(),
    ).public_key()
    public.verify(der, f"{head}.{claims}".encode(), ec.ECDSA(hashes.SHA256()))
    forged = json.loads(b64d(claims)) | {"htm": "DELETE"}
    forged_claims = base64.urlsafe_b64encode(json.dumps(forged).encode()).rstrip(b"=").decode()
    with pytest.raises(InvalidSignature):
        public.verify(der, f"{head}.{forged_claims}".encode(), ec.ECDSA(hashes.SHA256()))
    assert dpop.verify_proof(proof)["ath"] == dpop.token_hash("t")
    with pytest.raises(ValueError):
        dpop.verify_proof(f"{head}.{forged_claims}.{sig}")
    with pytest.raises(ValueError):
        dpop.verify_proof(proof, public_jwk=dpop.DpopKey.generate().public_jwk())


def test_the_key_survives_storage_and_nonces_follow_the_server() -> None:
    key = dpop.DpopKey.generate()
    again = dpop.DpopKey.from_pem(key.to_pem())
    assert again.thumbprint() == key.thumbprint() and again.public_jwk() == key.public_jwk()
    again.nonces["https://pds.example"] = "n-9"
    _, claims = parts(again.proof("GET", "https://pds.example/xrpc/a"))
    assert claims["nonce"] == "n-9"
    _, elsewhere = parts(again.proof("GET", "https://other.example/xrpc/a"))
    assert "nonce" not in elsewhere
    with pytest.raises(ValueError):
        dpop.DpopKey.from_pem("")


# A fake PDS that is its own authorization server


class FakeAuthServer:
    def __init__(self, server: HTTPServer) -> None:
        self.url = server.url_for("").rstrip("/")
        self.issuer = self.url
        self.nonce = "nonce-1"
        self.token_answer: dict[str, Any] = {}
        self.requests: list[tuple[str, dict[str, str], dict[str, list[str]]]] = []
        server.expect_request("/xrpc/com.atproto.identity.resolveHandle").respond_with_json(
            {"did": FAKE_DID}
        )
        server.expect_request(f"/{FAKE_DID}").respond_with_json(
            {
                "id": FAKE_DID,
                "alsoKnownAs": ["at://cityhall.example"],
                "service": [
                    {
                        "id": "#atproto_pds",
                        "type": "AtprotoPersonalDataServer",
                        "serviceEndpoint": self.url,
                    }
                ],
            }
        )
        server.expect_request("/.well-known/oauth-protected-resource").respond_with_json(
            {"resource": self.url, "authorization_servers": [self.url]}
        )
        server.expect_request("/.well-known/oauth-authorization-server").respond_with_handler(
            lambda _: Response(json.dumps(self.metadata()), content_type="application/json")
        )
        for path in ("/oauth/par", "/oauth/token", "/oauth/revoke", "/xrpc/x.y"):
            server.expect_request(path, method="POST").respond_with_handler(self.handle)

    def metadata(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "pushed_authorization_request_endpoint": f"{self.url}/oauth/par",
            "authorization_endpoint": f"{self.url}/oauth/authorize",
            "token_endpoint": f"{self.url}/oauth/token",
            "revocation_endpoint": f"{self.url}/oauth/revoke",
            "dpop_signing_alg_values_supported": ["ES256"],
        }

    def handle(self, request: Request) -> Response:
        proof = request.headers.get("DPoP", "")
        claims = dpop.verify_proof(proof)
        self.requests.append((request.path, claims, parse_qs(request.get_data(as_text=True))))
        headers = {"DPoP-Nonce": self.nonce}
        if claims.get("nonce") != self.nonce:
            if request.path.startswith("/xrpc/"):
                return Response(
                    "",
                    status=401,
                    headers=headers | {"WWW-Authenticate": 'DPoP error="use_dpop_nonce"'},
                )
            return Response(
                json.dumps({"error": "use_dpop_nonce"}),
                status=400,
                headers=headers,
                content_type="application/json",
            )
        if request.path == "/oauth/par":
            body = {"request_uri": "urn:ietf:params:oauth:request_uri:req-1", "expires_in": 299}
            return Response(
                json.dumps(body), status=201, headers=headers, content_type="application/json"
            )
        if request.path == "/oauth/token":
            return Response(
                json.dumps(self.token_answer), headers=headers, content_type="application/json"
            )
        return Response("{}", headers=headers, content_type="application/json")

    def paths(self) -> list[str]:
        return [path for path, _, _ in self.requests]


def tokens(sub: str = FAKE_DID, **extra: Any) -> dict[str, Any]:
    return {
        "access_token": "at-1",
        "token_type": "DPoP",
        "refresh_token": "rt-1",
        "expires_in": 3600,
        "scope": "atproto transition:generic",
        "sub": sub,
    } | extra


@pytest.fixture
def fake(httpserver: HTTPServer) -> FakeAuthServer:
    return FakeAuthServer(httpserver)


@pytest.fixture
def flow(fake: FakeAuthServer) -> BlueskyAuthFlow:
    return BlueskyAuthFlow(base_url=fake.url, app={"plc_url": fake.url})


def test_par_retries_once_with_the_servers_nonce(
    fake: FakeAuthServer, flow: BlueskyAuthFlow
) -> None:
    started = flow.start(redirect_uri=REDIRECT, state="s-1", identifier="cityhall.example")
    assert fake.paths() == ["/oauth/par", "/oauth/par"]
    (_, first, form), (_, second, _) = fake.requests
    assert "nonce" not in first and second["nonce"] == "nonce-1"
    assert form["login_hint"] == ["cityhall.example"] and form["state"] == ["s-1"]
    assert form["code_challenge_method"] == ["S256"] and form["scope"] == [oauth.SCOPE]
    verifier = started.pending["code_verifier"].encode()
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=")
    assert form["code_challenge"] == [challenge.decode()]
    assert started.pending["dpop_nonce"] == "nonce-1"
    assert parse_qs(urlsplit(started.url).query)["request_uri"] == [
        "urn:ietf:params:oauth:request_uri:req-1"
    ]


def test_finish_refuses_a_wrong_state_or_issuer(
    fake: FakeAuthServer, flow: BlueskyAuthFlow
) -> None:
    fake.token_answer = tokens()
    pending = flow.start(redirect_uri=REDIRECT, state="s-1", identifier="cityhall.example").pending
    good = {"state": "s-1", "iss": fake.issuer, "code": "c-1"}
    with pytest.raises(RejectedError, match="does not match"):
        flow.finish(redirect_uri=REDIRECT, params=good | {"state": "s-2"}, pending=pending)
    with pytest.raises(RejectedError, match="does not come from"):
        flow.finish(
            redirect_uri=REDIRECT, params=good | {"iss": "https://evil.example"}, pending=pending
        )
    with pytest.raises(RejectedError, match="does not come from"):
        flow.finish(redirect_uri=REDIRECT, params={"state": "s-1", "code": "c-1"}, pending=pending)
    assert "/oauth/token" not in fake.paths()  # no code was spent on a bad answer
    [account] = flow.finish(redirect_uri=REDIRECT, params=good, pending=pending)
    assert account.remote_id == FAKE_DID and account.handle == "cityhall.example"
    form = fake.requests[-1][2]
    assert form["code_verifier"] == [pending["code_verifier"]] and form["code"] == ["c-1"]


def test_finish_refuses_a_token_for_another_account(
    fake: FakeAuthServer, flow: BlueskyAuthFlow
) -> None:
    fake.token_answer = tokens(sub=OTHER_DID)
    pending = flow.start(redirect_uri=REDIRECT, state="s-1", identifier="cityhall.example").pending
    with pytest.raises(RejectedError, match="another account"):
        flow.finish(
            redirect_uri=REDIRECT,
            params={"state": "s-1", "iss": fake.issuer, "code": "c"},
            pending=pending,
        )
    assert fake.paths()[-1] == "/oauth/revoke"  # the stray token is given back


@pytest.mark.parametrize(
    "answer", [tokens(token_type="Bearer"), tokens(scope="openid"), tokens(sub="cityhall.example")]
)
def test_finish_refuses_tokens_unfit_for_atproto(
    fake: FakeAuthServer, flow: BlueskyAuthFlow, answer: dict[str, Any]
) -> None:
    fake.token_answer = answer
    pending = flow.start(redirect_uri=REDIRECT, state="s-1", identifier="cityhall.example").pending
    with pytest.raises(RejectedError):
        flow.finish(
            redirect_uri=REDIRECT,
            params={"state": "s-1", "iss": fake.issuer, "code": "c"},
            pending=pending,
        )


def test_an_issuer_that_is_not_the_one_asked_is_refused(
    fake: FakeAuthServer, flow: BlueskyAuthFlow
) -> None:
    fake.issuer = "https://elsewhere.example"
    with pytest.raises(RejectedError, match="another issuer"):
        flow.start(redirect_uri=REDIRECT, state="s", identifier="cityhall.example")


def test_refresh_keeps_the_stored_refresh_token_when_none_comes(
    fake: FakeAuthServer, flow: BlueskyAuthFlow
) -> None:
    fake.token_answer = tokens()
    pending = flow.start(redirect_uri=REDIRECT, state="s-1", identifier="cityhall.example").pending
    [account] = flow.finish(
        redirect_uri=REDIRECT,
        params={"state": "s-1", "iss": fake.issuer, "code": "c"},
        pending=pending,
    )
    fake.token_answer = tokens(access_token="at-2", refresh_token=None)
    fresh = flow.refresh(account.credentials)
    assert fresh["access_token"] == "at-2" and fresh["refresh_token"] == "rt-1"
    _, claims, form = fake.requests[-1]
    assert form["grant_type"] == ["refresh_token"] and form["refresh_token"] == ["rt-1"]
    assert form["client_id"] == [oauth.loopback_client_id(REDIRECT)] and "ath" not in claims
    fake.token_answer = tokens(sub=OTHER_DID)
    with pytest.raises(AuthExpiredError):
        flow.refresh(account.credentials)


def test_connector_nonce_retry_and_proof_claims(fake: FakeAuthServer) -> None:
    key = dpop.DpopKey.generate()
    creds = {
        "auth_mode": "oauth",
        "access_token": "at-1",
        "did": FAKE_DID,
        "dpop_private_key": key.to_pem(),
    }
    with BlueskyConnector(base_url=fake.url, credentials=creds) as api:
        api.xrpc("POST", "x.y", write=True, json={"a": 1})
        api.xrpc("POST", "x.y", write=True, json={"a": 2})
    assert fake.paths() == ["/xrpc/x.y"] * 3  # one refusal, then the nonce is known
    claims = [c for _, c, _ in fake.requests]
    assert "nonce" not in claims[0] and claims[1]["nonce"] == claims[2]["nonce"] == "nonce-1"
    assert all(c["ath"] == dpop.token_hash("at-1") and c["htm"] == "POST" for c in claims)
    assert claims[0]["htu"] == f"{fake.url}/xrpc/x.y" and claims[1]["jti"] != claims[2]["jti"]


def test_client_identity() -> None:
    assert oauth.client_id_for(REDIRECT).startswith("http://localhost?redirect_uri=")
    site = "https://desk.example.org"
    callback = f"{site}/channels/connect/bluesky/callback/"
    client_id = oauth.client_id_for(callback)
    assert client_id == f"{site}/oauth/bluesky/client-metadata.json"
    assert oauth.client_id_for(callback, {"client_id": "https://x.example/c.json"}) == (
        "https://x.example/c.json"
    )
    doc = oauth.client_metadata(site + "/", callback)
    assert doc["client_id"] == client_id and doc["redirect_uris"] == [callback]
    assert doc["scope"] == "atproto transition:generic" and doc["dpop_bound_access_tokens"]
    assert doc["grant_types"] == ["authorization_code", "refresh_token"]
    assert doc["token_endpoint_auth_method"] == "none" and doc["application_type"] == "web"
