"""The atproto OAuth protocol, as a client: discovery, PAR, tokens, revocation.

atproto OAuth is OAuth 2.1 with PKCE (S256), pushed authorization requests and
DPoP-bound tokens. The account's PDS names its authorization server in
``/.well-known/oauth-protected-resource``; that server describes itself in
``/.well-known/oauth-authorization-server``. Every call to it carries a DPoP proof
(see ``dpop``).

Client identity: the ``client_id`` is the URL of a client metadata document the
authorization server fetches (``client_metadata`` builds Civic Desk's). On this machine
the loopback client stands in (``http://localhost?redirect_uri=…&scope=…``), which
servers accept without fetching anything; it is used whenever the redirect goes to a
loopback address (development and tests).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx

from civicdesk.connectors.base import (
    AuthExpiredError,
    RejectedError,
    RetryableError,
)
from civicdesk.connectors.bluesky import dpop
from civicdesk.connectors.bluesky.identity import is_loopback, require_secure

SCOPE = "atproto transition:generic"
# Where a deployment serves its client metadata, relative to the site's root.
CLIENT_METADATA_PATH = "oauth/bluesky/client-metadata.json"
CLIENT_NAME = "Civic Desk"
# An OAuth error code (RFC 6749 5.2: a short token), the only part of an error answer kept.
_OAUTH_CODE = re.compile(r"[a-z][a-z0-9_]{0,63}")


@dataclass(frozen=True)
class AuthServer:
    issuer: str
    par_endpoint: str
    authorization_endpoint: str
    token_endpoint: str
    revocation_endpoint: str = ""


# Client identity


def loopback_client_id(redirect_uri: str, scope: str = SCOPE) -> str:
    """The development client: no metadata document, the redirect and scope in its id."""
    return "http://localhost?" + urlencode({"redirect_uri": redirect_uri, "scope": scope})


def client_id_for(redirect_uri: str, app: Mapping[str, str] | None = None) -> str:
    """Civic Desk's client id for this redirect.

    A loopback redirect (``http://127.0.0.1:8000/…``) makes the loopback client. Otherwise
    the configured ``client_id`` (``CIVICDESK_BLUESKY_CLIENT_ID``) if any, else the
    metadata document's URL on the site the redirect goes back to.
    """
    if is_loopback(redirect_uri):
        return loopback_client_id(redirect_uri)
    configured = (app or {}).get("client_id", "")
    if configured:
        return configured
    parts = urlsplit(redirect_uri)
    return f"{parts.scheme}://{parts.netloc}/{CLIENT_METADATA_PATH}"


def client_metadata(site_url: str, redirect_uri: str) -> dict[str, Any]:
    """Civic Desk's client metadata document, served at ``<site>/<CLIENT_METADATA_PATH>``.

    A public web client (no client secret: ``token_endpoint_auth_method`` "none") whose
    tokens are DPoP-bound. ``site_url`` is the site's public HTTPS root and
    ``redirect_uri`` the connect callback on it.
    """
    site = site_url.rstrip("/")
    return {
        "client_id": f"{site}/{CLIENT_METADATA_PATH}",
        "client_name": CLIENT_NAME,
        "client_uri": site,
        "application_type": "web",
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        "redirect_uris": [redirect_uri],
        "scope": SCOPE,
        "token_endpoint_auth_method": "none",
        "dpop_bound_access_tokens": True,
    }


def client_metadata_view(request: Any) -> Any:
    """A Django view serving ``client_metadata`` for the site the request came to."""
    from django.http import JsonResponse
    from django.urls import reverse

    callback = request.build_absolute_uri(reverse("channel-connect-callback", args=["bluesky"]))
    response = JsonResponse(client_metadata(request.build_absolute_uri("/"), callback))
    response["Cache-Control"] = "public, max-age=300"
    return response


# Discovery


def authorization_server_of(client: httpx.Client, pds: str) -> str:
    """The issuer the PDS trusts, from its protected-resource metadata."""
    data = _get_json(client, f"{pds}/.well-known/oauth-protected-resource", "the PDS")
    servers = data.get("authorization_servers")
    if not isinstance(servers, list) or not servers or not isinstance(servers[0], str):
        raise RejectedError("the account's server does not offer OAuth sign-in")
    return require_secure(servers[0].rstrip("/"), "authorization server")


def authorization_server(client: httpx.Client, issuer: str) -> AuthServer:
    data = _get_json(
        client, f"{issuer}/.well-known/oauth-authorization-server", "the authorization server"
    )
    if str(data.get("issuer", "")).rstrip("/") != issuer.rstrip("/"):
        raise RejectedError("the authorization server's metadata names another issuer")
    endpoints = {}
    for name in (
        "pushed_authorization_request_endpoint",
        "authorization_endpoint",
        "token_endpoint",
    ):
        value = data.get(name)
        if not isinstance(value, str) or not value:
            raise RejectedError(f"the authorization server has no {name}")
        endpoints[name] = require_secure(value, "authorization server")
    if "ES256" not in (data.get("dpop_signing_alg_values_supported") or ["ES256"]):
        raise RejectedError("the authorization server does not take ES256 DPoP proofs")
    revocation = data.get("revocation_endpoint")
    return AuthServer(
        issuer=str(data["issuer"]),
        par_endpoint=endpoints["pushed_authorization_request_endpoint"],
        authorization_endpoint=endpoints["authorization_endpoint"],
        token_endpoint=endpoints["token_endpoint"],
        revocation_endpoint=revocation if isinstance(revocation, str) else "",
    )


# Calls to the authorization server


def push_authorization_request(
    client: httpx.Client, key: dpop.DpopKey, server: AuthServer, form: Mapping[str, str]
) -> str:
    """PAR: the request's parameters go to the server first; returns its ``request_uri``."""
    data = _post(client, key, server.par_endpoint, form, "the authorization request")
    request_uri = data.get("request_uri")
    if not isinstance(request_uri, str) or not request_uri:
        raise RetryableError("the authorization server gave no request_uri")
    return request_uri


def authorization_url(server: AuthServer, client_id: str, request_uri: str) -> str:
    query = urlencode({"client_id": client_id, "request_uri": request_uri})
    joiner = "&" if "?" in server.authorization_endpoint else "?"
    return f"{server.authorization_endpoint}{joiner}{query}"


def token_request(
    client: httpx.Client, key: dpop.DpopKey, token_endpoint: str, form: Mapping[str, str]
) -> dict[str, Any]:
    """A token call (code exchange or refresh), with the answer checked for atproto."""
    data = _post(client, key, token_endpoint, form, "the token request")
    if str(data.get("token_type", "")).lower() != "dpop":
        raise RejectedError("the authorization server did not bind the token to our key")
    if not isinstance(data.get("access_token"), str) or not data["access_token"]:
        raise RetryableError("the authorization server gave no access token")
    if not str(data.get("sub", "")).startswith("did:"):
        raise RejectedError("the token names no account (sub is not a DID)")
    if "atproto" not in str(data.get("scope", "")).split():
        raise RejectedError("the token does not carry the atproto scope")
    return data


def revoke_token(
    client: httpx.Client, key: dpop.DpopKey, endpoint: str, token: str, client_id: str
) -> None:
    """RFC 7009 revocation; best effort (the caller decides what a failure means)."""
    _post(
        client,
        key,
        endpoint,
        {"token": token, "client_id": client_id},
        "the revocation",
        expect_json=False,
    )


def _post(
    client: httpx.Client,
    key: dpop.DpopKey,
    url: str,
    form: Mapping[str, str],
    what: str,
    *,
    expect_json: bool = True,
) -> dict[str, Any]:
    try:
        response = dpop.send(
            client, key, "POST", url, data=dict(form), headers={"Accept": "application/json"}
        )
    except httpx.TimeoutException as exc:
        raise RetryableError(f"{what} timed out") from exc
    except httpx.HTTPError as exc:
        raise RetryableError(f"{what} failed: {exc}") from exc
    if response.status_code in (200, 201):
        if not expect_json:
            return {}
        try:
            data = response.json()
        except ValueError:
            raise RetryableError(f"malformed answer to {what}") from None
        if not isinstance(data, dict):
            raise RetryableError(f"malformed answer to {what}")
        return data
    raise oauth_error(response, what)


def oauth_error(response: httpx.Response, what: str) -> Exception:
    """An OAuth error answer as a ConnectorError: invalid_grant means sign in again.

    The server may be one the person named: the message keeps the status and the OAuth
    error code (when it is one), never the server's own text.
    """
    try:
        code = str(response.json().get("error", ""))
    except (ValueError, AttributeError):
        code = ""
    code = code if _OAUTH_CODE.fullmatch(code) else ""
    status = response.status_code
    if status == 429 or status >= 500:
        return RetryableError(f"{what} failed", status=status, platform_code=code or None)
    if code == "invalid_grant" or status == 401:
        return AuthExpiredError(f"{what} was refused", status=status, platform_code=code or None)
    return RejectedError(f"{what} was refused", status=status, platform_code=code or None)


def _get_json(client: httpx.Client, url: str, what: str) -> dict[str, Any]:
    try:
        response = client.get(url, headers={"Accept": "application/json"})
    except httpx.HTTPError as exc:
        raise RetryableError(f"could not reach {what}: {exc}") from exc
    if response.status_code == 404:
        raise RejectedError(f"{what} does not offer OAuth sign-in", status=404)
    if response.status_code != 200:
        raise RetryableError(
            f"{what} answered HTTP {response.status_code}", status=response.status_code
        )
    try:
        data = response.json()
    except ValueError:
        raise RetryableError(f"malformed metadata from {what}") from None
    if not isinstance(data, dict):
        raise RetryableError(f"malformed metadata from {what}")
    return data
