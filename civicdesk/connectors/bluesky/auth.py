"""Connecting a Bluesky account: atproto OAuth by default, app passwords on request.

``BlueskyAuthFlow`` is a form, then OAuth: the person types their handle (and, for an
account whose handle cannot be looked up, its server). ``start`` resolves the handle to
its DID and PDS, finds the PDS's authorization server, pushes the authorization request
(PKCE S256, DPoP, ``login_hint``) and sends the person to the server's sign-in page.
``finish`` checks that the answer comes from that server (``iss``) for this sign-in
(``state``), exchanges the code with the same DPoP key, and checks that the token's
account (``sub``) is the one the handle named.

If the person fills the optional app password field instead, the same form connects
with an app password (``app_password.BlueskyAppPasswordFlow``): ``start`` opens the
session at once, and its "authorization URL" is the callback itself, which ``finish``
answers from what ``start`` kept. Refresh and revocation pick the way by the stored
credentials' ``auth_mode`` (``oauth``; app-password credentials have none).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar
from urllib.parse import urlencode

from civicdesk.connectors.auth import (
    AuthFlow,
    AuthStart,
    ConnectedAccount,
    FlowKind,
    FormField,
    credentials_expire_at,
    expires_at_from,
    merge_refreshed,
    pkce_pair,
)
from civicdesk.connectors.base import AuthExpiredError, ConnectorError, RejectedError
from civicdesk.connectors.bluesky import identity, oauth
from civicdesk.connectors.bluesky.app_password import SERVER, BlueskyAppPasswordFlow
from civicdesk.connectors.bluesky.dpop import DpopKey, origin
from civicdesk.connectors.bluesky.identity import DEFAULT_PLC, DEFAULT_SERVER

__all__ = ["OAUTH", "BlueskyAppPasswordFlow", "BlueskyAuthFlow"]

OAUTH = "oauth"  # the credentials' auth_mode
# How long an authorization server lets a public client's sign-in live (the reference PDS).
PUBLIC_CLIENT_SESSION = timedelta(days=14)
APP_PASSWORD_MODE = "app_password"

HANDLE = FormField(
    "identifier",
    "Handle",
    help="e.g. cityhall.bsky.social. You will confirm on your Bluesky server's own page.",
)
OPTIONAL_APP_PASSWORD = FormField(
    "app_password",
    "App password (optional)",
    secret=True,
    help="Leave empty to sign in on Bluesky's page (recommended). Only to connect with an "
    "app password instead: make one under Settings → Privacy and security → App passwords.",
)


class BlueskyAuthFlow(AuthFlow):
    platform: ClassVar[str] = "bluesky"
    kind: ClassVar[str] = FlowKind.FORM_THEN_OAUTH2
    form_fields: ClassVar[tuple[FormField, ...]] = (HANDLE, SERVER, OPTIONAL_APP_PASSWORD)
    scopes: ClassVar[tuple[str, ...]] = tuple(oauth.SCOPE.split())
    # Handles, servers and DID documents all name hosts the person chose.
    typed_address: ClassVar[bool] = True

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.plc_url = (self.app.get("plc_url") or DEFAULT_PLC).rstrip("/")
        self.app_passwords = BlueskyAppPasswordFlow(
            app=self.app, base_url=self.base_url, client=self.client
        )

    # Starting

    def start(
        self,
        *,
        redirect_uri: str,
        state: str,
        identifier: str = "",
        server: str = "",
        app_password: str = "",
        **_other: str,
    ) -> AuthStart:
        if app_password.strip():
            return self._start_with_app_password(
                redirect_uri, state, identifier, server, app_password
            )
        identifier = identifier.strip().lstrip("@")
        given_server = identity.server_url(server)
        expected_did, handle, pds = "", "", given_server
        if identifier and "@" not in identifier:
            expected_did = self._did_of(identifier, lookup=given_server)
            found = identity.identity_of(self.client, expected_did, plc_url=self.plc_url)
            if not found.pds:
                raise RejectedError(f"could not find the server of {identifier}")
            handle, pds = found.handle or identifier, found.pds
        elif not pds:
            # An email, or nothing: sign in at the default server, which asks who.
            pds = self.base_url or DEFAULT_SERVER
        issuer = self._issuer_for(pds, allow_self=not expected_did)
        server_meta = oauth.authorization_server(self.client, issuer)
        key = DpopKey.generate()
        verifier, challenge = pkce_pair()
        client_id = oauth.client_id_for(redirect_uri, self.app)
        form = {
            "client_id": client_id,
            "response_type": "code",
            "redirect_uri": redirect_uri,
            "scope": oauth.SCOPE,
            "state": state,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
        if identifier and "@" not in identifier:
            form["login_hint"] = identifier
        request_uri = oauth.push_authorization_request(self.client, key, server_meta, form)
        pending = {
            "mode": OAUTH,
            "state": state,
            "issuer": server_meta.issuer,
            "token_endpoint": server_meta.token_endpoint,
            "revocation_endpoint": server_meta.revocation_endpoint,
            "client_id": client_id,
            "code_verifier": verifier,
            "dpop_private_key": key.to_pem(),
            "dpop_nonce": key.nonces.get(origin(server_meta.token_endpoint), ""),
            "expected_did": expected_did,
            "expected_handle": handle,
            "pds": pds,
        }
        return AuthStart(
            url=oauth.authorization_url(server_meta, client_id, request_uri), pending=pending
        )

    def _did_of(self, identifier: str, *, lookup: str) -> str:
        if identifier.startswith("did:"):
            return identifier
        did = identity.resolve_handle(
            self.client, identifier, lookup=lookup or self.base_url or DEFAULT_SERVER
        )
        if not did:
            raise RejectedError(f"no Bluesky account has the handle {identifier}")
        return did

    def _issuer_for(self, pds: str, *, allow_self: bool) -> str:
        try:
            return oauth.authorization_server_of(self.client, pds)
        except RejectedError:
            if allow_self:  # the server given may be an authorization server itself
                return identity.require_secure(pds, "server")
            raise

    def _start_with_app_password(
        self, redirect_uri: str, state: str, identifier: str, server: str, password: str
    ) -> AuthStart:
        [account] = self.app_passwords.finish(
            redirect_uri="",
            pending={},
            params={"identifier": identifier, "app_password": password, "server": server},
        )
        packed = json.dumps(
            {
                "remote_id": account.remote_id,
                "handle": account.handle,
                "credentials": dict(account.credentials),
                "api_base_url": account.api_base_url,
            }
        )
        joiner = "&" if "?" in redirect_uri else "?"
        return AuthStart(
            url=f"{redirect_uri}{joiner}{urlencode({'state': state})}",
            pending={"mode": APP_PASSWORD_MODE, "state": state, "account": packed},
        )

    # Finishing

    def finish(
        self, *, redirect_uri: str, params: Mapping[str, str], pending: Mapping[str, str]
    ) -> list[ConnectedAccount]:
        if not pending.get("mode") and params.get("app_password"):
            # Called as a plain form (app password): no redirect happened.
            return self.app_passwords.finish(
                redirect_uri=redirect_uri, params=params, pending=pending
            )
        expected_state = pending.get("state", "")
        if not expected_state or not secrets.compare_digest(
            str(params.get("state", "")), expected_state
        ):
            raise RejectedError("that sign-in does not match the one started here")
        if pending.get("mode") == APP_PASSWORD_MODE:
            return [_unpack(pending["account"])]
        if pending.get("mode") != OAUTH:
            raise RejectedError("nothing was started for this sign-in")
        if params.get("error"):
            raise RejectedError(
                f"Bluesky did not give access: {params.get('error_description') or params['error']}"
            )
        if params.get("iss", "") != pending["issuer"]:
            raise RejectedError("the answer does not come from the server the sign-in went to")
        code = params.get("code", "")
        if not code:
            raise RejectedError("the answer carries no authorization code")
        key = _key_of(pending, pending["token_endpoint"])
        data = oauth.token_request(
            self.client,
            key,
            pending["token_endpoint"],
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                "code_verifier": pending["code_verifier"],
                "client_id": pending["client_id"],
            },
        )
        sub = str(data["sub"])
        expected = pending.get("expected_did", "")
        found = identity.identity_of(self.client, sub, plc_url=self.plc_url)
        if expected and sub != expected:
            self._revoke_quietly(key, pending, data)
            raise RejectedError("the sign-in was for another account than the handle given")
        if not expected and (
            not found.pds
            or oauth.authorization_server_of(self.client, found.pds)
            != pending["issuer"].rstrip("/")
        ):
            self._revoke_quietly(key, pending, data)
            raise RejectedError("that account's server does not trust this sign-in server")
        pds = found.pds or pending.get("pds", "")
        credentials = {
            "auth_mode": OAUTH,
            "did": sub,
            "handle": found.handle or pending.get("expected_handle") or sub,
            "pds": pds,
            "issuer": pending["issuer"],
            "token_endpoint": pending["token_endpoint"],
            "revocation_endpoint": pending.get("revocation_endpoint", ""),
            "client_id": pending["client_id"],
            "dpop_private_key": pending["dpop_private_key"],
            # A public client's sign-in ends after this, refreshes or not: the channel's
            # admins are warned ahead (connectors/tokens.py).
            "session_expires_at": (datetime.now(UTC) + PUBLIC_CLIENT_SESSION).isoformat(),
        } | _token_credentials(data)
        return [
            ConnectedAccount(
                remote_id=sub,
                handle=credentials["handle"],
                credentials=credentials,
                expires_at=credentials_expire_at(credentials),
                api_base_url=pds,
            )
        ]

    # Keeping the authorization

    def refresh(self, credentials: Mapping[str, str]) -> dict[str, str]:
        if credentials.get("auth_mode") != OAUTH:
            return self.app_passwords.refresh(credentials)
        token = credentials.get("refresh_token", "")
        if not token or not credentials.get("token_endpoint"):
            raise AuthExpiredError("no Bluesky refresh token is stored; reconnect")
        key = _key_of(credentials, credentials["token_endpoint"])
        data = oauth.token_request(
            self.client,
            key,
            credentials["token_endpoint"],
            {
                "grant_type": "refresh_token",
                "refresh_token": token,
                "client_id": credentials.get("client_id", ""),
            },
        )
        if data["sub"] != credentials.get("did"):
            raise AuthExpiredError("the refreshed token is for another account; reconnect")
        return merge_refreshed(credentials, _token_credentials(data))

    def revoke(self, credentials: Mapping[str, str]) -> None:
        if credentials.get("auth_mode") != OAUTH:
            self.app_passwords.revoke(credentials)
            return
        endpoint = credentials.get("revocation_endpoint", "")
        token = credentials.get("refresh_token") or credentials.get("access_token", "")
        if not endpoint or not token or not credentials.get("dpop_private_key"):
            return
        try:
            oauth.revoke_token(
                self.client,
                _key_of(credentials, endpoint),
                endpoint,
                token,
                credentials.get("client_id", ""),
            )
        except ConnectorError:
            pass  # best effort: the tokens expire on their own

    def _revoke_quietly(
        self, key: DpopKey, pending: Mapping[str, str], data: Mapping[str, Any]
    ) -> None:
        endpoint = pending.get("revocation_endpoint", "")
        token = str(data.get("refresh_token") or data.get("access_token") or "")
        if endpoint and token:
            try:
                oauth.revoke_token(self.client, key, endpoint, token, pending["client_id"])
            except ConnectorError:
                pass


def _key_of(stored: Mapping[str, str], url: str) -> DpopKey:
    try:
        key = DpopKey.from_pem(stored.get("dpop_private_key", ""))
    except ValueError:
        raise AuthExpiredError("the stored DPoP key is unreadable; reconnect") from None
    if stored.get("dpop_nonce"):
        key.nonces[origin(url)] = stored["dpop_nonce"]
    return key


def _token_credentials(data: Mapping[str, Any]) -> dict[str, str]:
    return {
        "access_token": str(data["access_token"]),
        "refresh_token": str(data.get("refresh_token") or ""),
        "expires_at": expires_at_from(data.get("expires_in")),
        "scope": str(data.get("scope", "")),
    }


def _unpack(raw: str) -> ConnectedAccount:
    data = json.loads(raw)
    credentials = {str(k): str(v) for k, v in data["credentials"].items()}
    return ConnectedAccount(
        remote_id=data["remote_id"],
        handle=data["handle"],
        credentials=credentials,
        expires_at=credentials_expire_at(credentials),
        api_base_url=data["api_base_url"],
    )
