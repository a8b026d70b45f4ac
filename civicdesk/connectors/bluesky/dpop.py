"""DPoP (RFC 9449): proving that whoever uses a token holds the key it was bound to.

atproto OAuth binds every token to an ES256 key pair the client makes for the session.
Each request carries a fresh proof: a JWT signed with that key whose header holds the
public key and whose claims name the request (``htm``, ``htu``), a unique ``jti``, the
time (``iat``), the access token's hash (``ath``) when one is sent, and the latest
``nonce`` the server handed out. Servers rotate nonces: an answer carrying a new
``DPoP-Nonce`` header replaces the one we hold, and a refusal with ``use_dpop_nonce``
is retried once with it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

NONCE_ERROR = "use_dpop_nonce"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def token_hash(access_token: str) -> str:
    """The ``ath`` claim: base64url of the SHA-256 of the access token."""
    return b64url(hashlib.sha256(access_token.encode()).digest())


def htu(url: str) -> str:
    """The request's URL as DPoP names it: no query, no fragment."""
    parts = urlsplit(str(url))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


class DpopKey:
    """An ES256 (P-256) key pair that signs DPoP proofs, and the nonces servers gave us."""

    def __init__(self, private_key: ec.EllipticCurvePrivateKey) -> None:
        if not isinstance(private_key.curve, ec.SECP256R1):
            raise ValueError("DPoP keys are ES256: P-256 only")
        self.private_key = private_key
        self.nonces: dict[str, str] = {}  # origin → latest nonce

    @classmethod
    def generate(cls) -> DpopKey:
        return cls(ec.generate_private_key(ec.SECP256R1()))

    @classmethod
    def from_pem(cls, pem: str) -> DpopKey:
        key = serialization.load_pem_private_key(pem.encode(), password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise ValueError("the stored DPoP key is not an EC key")
        return cls(key)

    def to_pem(self) -> str:
        return self.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()

    def public_jwk(self) -> dict[str, str]:
        numbers = self.private_key.public_key().public_numbers()
        return {
            "kty": "EC",
            "crv": "P-256",
            "x": b64url(numbers.x.to_bytes(32, "big")),
            "y": b64url(numbers.y.to_bytes(32, "big")),
        }

    def thumbprint(self) -> str:
        """The JWK thumbprint (RFC 7638) the server records as the token's ``jkt``."""
        jwk = self.public_jwk()
        canonical = json.dumps({k: jwk[k] for k in ("crv", "kty", "x", "y")}, separators=(",", ":"))
        return b64url(hashlib.sha256(canonical.encode()).digest())

    def proof(
        self,
        method: str,
        url: str,
        *,
        access_token: str = "",
        nonce: str | None = None,
        now: float | None = None,
    ) -> str:
        """A DPoP proof JWT for one request. The nonce defaults to the URL origin's latest."""
        header = {"typ": "dpop+jwt", "alg": "ES256", "jwk": self.public_jwk()}
        claims: dict[str, Any] = {
            "jti": secrets.token_urlsafe(16),
            "htm": method.upper(),
            "htu": htu(url),
            "iat": int(time.time() if now is None else now),
        }
        if nonce is None:
            nonce = self.nonces.get(origin(url))
        if nonce:
            claims["nonce"] = nonce
        if access_token:
            claims["ath"] = token_hash(access_token)
        signing_input = f"{b64url(_json(header))}.{b64url(_json(claims))}".encode()
        der = self.private_key.sign(signing_input, ec.ECDSA(hashes.SHA256()))
        r, s = decode_dss_signature(der)
        signature = r.to_bytes(32, "big") + s.to_bytes(32, "big")
        return f"{signing_input.decode()}.{b64url(signature)}"

    def remember_nonce(self, response: httpx.Response) -> bool:
        """Keep the server's new nonce, if it sent one; True when it changed."""
        nonce = response.headers.get("dpop-nonce")
        key = origin(str(response.request.url)) if _has_request(response) else ""
        if not nonce or not key or self.nonces.get(key) == nonce:
            return False
        self.nonces[key] = nonce
        return True


def asks_for_nonce(response: httpx.Response) -> bool:
    """True when the server refused the proof only because it lacked its current nonce.

    Authorization servers answer 400 with ``{"error": "use_dpop_nonce"}``; resource
    servers answer 401 with ``WWW-Authenticate: DPoP error="use_dpop_nonce"``.
    """
    if response.status_code not in (400, 401) or "dpop-nonce" not in response.headers:
        return False
    if NONCE_ERROR in response.headers.get("www-authenticate", ""):
        return True
    try:
        body = response.json()
    except ValueError:
        return False
    return isinstance(body, dict) and body.get("error") == NONCE_ERROR


def send(
    client: httpx.Client,
    key: DpopKey,
    method: str,
    url: str,
    *,
    access_token: str = "",
    headers: dict[str, str] | None = None,
    **kwargs: Any,
) -> httpx.Response:
    """Send a request with a DPoP proof, retrying once when the server wants a new nonce."""
    response: httpx.Response | None = None
    for _attempt in range(2):
        proof = key.proof(method, url, access_token=access_token)
        response = client.request(method, url, headers=(headers or {}) | {"DPoP": proof}, **kwargs)
        changed = key.remember_nonce(response)
        if not (changed and asks_for_nonce(response)):
            break
    assert response is not None
    return response


def verify_proof(proof: str, *, public_jwk: dict[str, str] | None = None) -> dict[str, Any]:
    """Check a proof's signature against the key in its header (or the given one).

    Returns the claims; raises ValueError when the proof is malformed or forged. Used by
    the tests and handy when debugging what a server will see.
    """
    try:
        head_b64, claims_b64, sig_b64 = proof.split(".")
        header = json.loads(b64url_decode(head_b64))
        claims = json.loads(b64url_decode(claims_b64))
        signature = b64url_decode(sig_b64)
    except (ValueError, json.JSONDecodeError) as exc:
        raise ValueError(f"malformed DPoP proof: {exc}") from None
    if header.get("typ") != "dpop+jwt" or header.get("alg") != "ES256":
        raise ValueError("not an ES256 DPoP proof")
    jwk = public_jwk or header.get("jwk") or {}
    if jwk != header.get("jwk"):
        raise ValueError("the proof was signed with another key")
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    public = ec.EllipticCurvePublicNumbers(
        int.from_bytes(b64url_decode(jwk["x"]), "big"),
        int.from_bytes(b64url_decode(jwk["y"]), "big"),
        ec.SECP256R1(),
    ).public_key()
    if len(signature) != 64:
        raise ValueError("an ES256 signature is 64 bytes")
    der = encode_dss_signature(
        int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    )
    try:
        public.verify(der, f"{head_b64}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise ValueError("the DPoP proof's signature does not verify") from None
    return dict(claims)


def origin(url: str) -> str:
    parts = urlsplit(str(url))
    return f"{parts.scheme}://{parts.netloc}".lower()


def _json(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def _has_request(response: httpx.Response) -> bool:
    try:
        response.request  # noqa: B018 - raises when the response was built by hand
    except RuntimeError:
        return False
    return True
