"""Connecting an X account: OAuth 2.0 Authorization Code with PKCE.

The person approves Civic Desk at x.com; the code comes back with our ``state`` and is
exchanged, with the PKCE verifier, for a two-hour access token and (with
``offline.access``) a refresh token. X rotates refresh tokens: each refresh answers with a
new one, which replaces the stored one; if an answer lacks it, the stored one is kept.
A confidential client (one with a secret) authenticates at the token endpoint with HTTP
Basic; a public client sends only its ``client_id``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, ClassVar
from urllib.parse import urlencode

import httpx

from civicdesk.connectors.auth import (
    AuthFlow,
    AuthStart,
    ConnectedAccount,
    FlowKind,
    credentials_expire_at,
    expires_at_from,
    merge_refreshed,
    pkce_pair,
)
from civicdesk.connectors.base import (
    AuthExpiredError,
    RejectedError,
    RetryableError,
    error_detail,
)

from .shapes import ShapeError, obj, text, x_id

logger = logging.getLogger(__name__)


class XAuthFlow(AuthFlow):
    platform: ClassVar[str] = "x"
    kind: ClassVar[str] = FlowKind.OAUTH2
    # tweet.moderate.write lets the inbox hide replies to our posts.
    scopes: ClassVar[tuple[str, ...]] = (
        "tweet.read",
        "tweet.write",
        "users.read",
        "offline.access",
        "dm.read",
        "dm.write",
        "media.write",
        "tweet.moderate.write",
    )
    default_auth_base_url: ClassVar[str] = "https://x.com/i"
    default_base_url: ClassVar[str] = "https://api.x.com"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.auth_base_url = self.auth_base_url or self.default_auth_base_url
        self.base_url = self.base_url or self.default_base_url

    @property
    def client_id(self) -> str:
        client_id = self.app.get("client_id", "")
        if not client_id:
            raise RejectedError("no X app is configured (CIVICDESK_X_CLIENT_ID is empty)")
        return client_id

    def start(self, *, redirect_uri: str, state: str) -> AuthStart:
        verifier, challenge = pkce_pair()
        query = urlencode(
            {
                "response_type": "code",
                "client_id": self.client_id,
                "redirect_uri": redirect_uri,
                "scope": " ".join(self.scopes),
                "state": state,
                "code_challenge": challenge,
                "code_challenge_method": "S256",
            }
        )
        return AuthStart(
            url=f"{self.auth_base_url}/oauth2/authorize?{query}",
            pending={"code_verifier": verifier, "state": state},
        )

    def finish(
        self, *, redirect_uri: str, params: Mapping[str, str], pending: Mapping[str, str]
    ) -> list[ConnectedAccount]:
        if params.get("error"):
            reason = params.get("error_description") or params["error"]
            raise RejectedError(f"X did not authorize Civic Desk: {reason}")
        if not pending.get("state") or params.get("state") != pending.get("state"):
            raise RejectedError("the answer from X does not match the request (state)")
        code = params.get("code", "")
        if not code or not pending.get("code_verifier"):
            raise RejectedError("X sent no authorization code")
        tokens = self._token(
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                "code_verifier": pending["code_verifier"],
            }
        )
        user = self._me(tokens["access_token"])
        credentials = tokens | {"user_id": user["id"]}
        if self.app.get("tier"):
            credentials["tier"] = self.app["tier"]
        return [
            ConnectedAccount(
                remote_id=user["id"],
                handle=user["username"],
                display_name=user["name"],
                credentials=credentials,
                expires_at=credentials_expire_at(credentials),
            )
        ]

    def refresh(self, credentials: Mapping[str, str]) -> dict[str, str]:
        refresh_token = credentials.get("refresh_token", "")
        if not refresh_token:
            raise AuthExpiredError("this X authorization has no refresh token; reconnect")
        tokens = self._token({"grant_type": "refresh_token", "refresh_token": refresh_token})
        return merge_refreshed(credentials, tokens)

    def revoke(self, credentials: Mapping[str, str]) -> None:
        for hint in ("access_token", "refresh_token"):
            token = credentials.get(hint, "")
            if not token:
                continue
            try:
                response = self.client.post(
                    f"{self.base_url}/2/oauth2/revoke",
                    auth=self._basic(),
                    data={"token": token, "token_type_hint": hint} | self._public_id(),
                )
                if response.status_code >= 400:
                    logger.info("X refused to revoke a %s: HTTP %s", hint, response.status_code)
            except httpx.HTTPError as exc:
                logger.info("could not reach X to revoke a %s: %s", hint, exc)

    # The token endpoint

    def _basic(self) -> httpx.Auth:
        secret = self.app.get("client_secret", "")
        # httpx.Auth itself sends the request as it is: a public client has no secret.
        return httpx.BasicAuth(self.client_id, secret) if secret else httpx.Auth()

    def _public_id(self) -> dict[str, str]:
        # Public clients name themselves in the form; confidential ones in the header.
        return {} if self.app.get("client_secret") else {"client_id": self.client_id}

    def _token(self, form: dict[str, str]) -> dict[str, str]:
        try:
            response = self.client.post(
                f"{self.base_url}/2/oauth2/token",
                auth=self._basic(),
                data=form | self._public_id(),
                headers={"Accept": "application/json"},
            )
        except httpx.HTTPError as exc:
            raise RetryableError(f"could not reach X's token endpoint: {exc}") from exc
        if response.status_code in (400, 401, 403):
            # invalid_grant: the code or refresh token is spent, expired or revoked.
            raise AuthExpiredError(
                f"X refused the token request: {error_detail(response)}",
                status=response.status_code,
            )
        if response.status_code != 200:
            raise RetryableError(
                f"X's token endpoint failed: {error_detail(response)}", status=response.status_code
            )
        try:
            body = obj(response.json(), "the token answer")
            access_token = text(body.get("access_token"), "access_token")
            if not access_token:
                raise ShapeError("access_token is empty")
            refresh_token = text(body.get("refresh_token"), "refresh_token", optional=True)
            scope = text(body.get("scope"), "scope", optional=True)
        except (ValueError, ShapeError) as exc:
            raise RetryableError(
                f"unexpected answer from X's token endpoint: {exc}", status=response.status_code
            ) from None
        return {
            "access_token": access_token,
            "refresh_token": refresh_token,
            "expires_at": expires_at_from(body.get("expires_in")),
            "scope": scope,
        }

    def _me(self, access_token: str) -> dict[str, str]:
        try:
            response = self.client.get(
                f"{self.base_url}/2/users/me", headers={"Authorization": f"Bearer {access_token}"}
            )
        except httpx.HTTPError as exc:
            raise RetryableError(f"could not reach X to read the account: {exc}") from exc
        if response.status_code == 401:
            raise AuthExpiredError("X refused the new token", status=401)
        if response.status_code != 200:
            raise RetryableError(
                f"X did not say which account this is: {error_detail(response)}",
                status=response.status_code,
            )
        try:
            user = obj(obj(response.json(), "the answer").get("data"), "data")
            return {
                "id": x_id(user.get("id"), "user id"),
                "username": text(user.get("username"), "username"),
                "name": text(user.get("name"), "name", optional=True),
            }
        except (ValueError, ShapeError) as exc:
            raise RetryableError(f"unexpected /2/users/me answer: {exc}") from None
