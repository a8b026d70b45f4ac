"""Connecting YouTube channels: Google OAuth 2 with PKCE and offline access.

``access_type=offline&prompt=consent`` makes Google issue a refresh token on every
consent. Google does not rotate refresh tokens: a refresh answers with a new access token
only, and the stored refresh token is kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar
from urllib.parse import urlencode

import httpx

from civicdesk.connectors.auth import (
    AuthFlow,
    AuthStart,
    ConnectedAccount,
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
from civicdesk.connectors.youtube.connector import API, YouTubeConnector

AUTHORIZE_URL = "https://accounts.google.com/o/oauth2/v2/auth"
TOKEN_URL = "https://oauth2.googleapis.com/token"
REVOKE_URL = "https://oauth2.googleapis.com/revoke"


class YouTubeAuthFlow(AuthFlow):
    platform: ClassVar[str] = "youtube"
    scopes: ClassVar[tuple[str, ...]] = ("https://www.googleapis.com/auth/youtube.force-ssl",)

    def _url(self, default: str, path: str) -> str:
        # One injectable root serves all three Google addresses (tests, proxies).
        return f"{self.auth_base_url}{path}" if self.auth_base_url else default

    def start(self, *, redirect_uri: str, state: str) -> AuthStart:
        verifier, challenge = pkce_pair()
        query = urlencode(
            {
                "client_id": self.app.get("client_id", ""),
                "redirect_uri": redirect_uri,
                "response_type": "code",
                "scope": " ".join(self.scopes),
                "state": state,
                "code_challenge": challenge,
                "code_challenge_method": "S256",
                "access_type": "offline",
                "prompt": "consent",
                "include_granted_scopes": "true",
            }
        )
        return AuthStart(
            url=f"{self._url(AUTHORIZE_URL, '/o/oauth2/v2/auth')}?{query}",
            pending={"code_verifier": verifier},
        )

    def finish(
        self, *, redirect_uri: str, params: Mapping[str, str], pending: Mapping[str, str]
    ) -> list[ConnectedAccount]:
        if params.get("error"):
            raise RejectedError(f"Google did not grant access: {params['error']}")
        code = params.get("code", "")
        if not code:
            raise RejectedError("Google sent no authorization code back")
        verifier = pending.get("code_verifier", "")
        if not verifier:
            raise RejectedError("the sign-in expired: start connecting the channel again")
        tokens = self._token(
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                "code_verifier": verifier,
            }
        )
        credentials = _credentials(tokens)
        with YouTubeConnector(
            base_url=self.base_url, credentials=credentials, client=self.client
        ) as api:
            response = api.request(
                "GET", f"{API}/channels", params={"part": "snippet", "mine": "true"}
            )
            data = api.json_of(response)
        items = data.get("items") if isinstance(data, dict) else None
        if not isinstance(items, list):
            raise RetryableError("unexpected answer listing the account's channels")
        accounts = []
        for item in items:
            if not isinstance(item, dict) or not isinstance(item.get("id"), str):
                raise RetryableError("unexpected answer listing the account's channels")
            snippet = item.get("snippet")
            if not isinstance(snippet, dict):
                snippet = {}
            title, custom = snippet.get("title"), snippet.get("customUrl")
            title = title if isinstance(title, str) else ""
            custom = custom if isinstance(custom, str) else ""
            channel_credentials = credentials | {"channel_id": item["id"]}
            accounts.append(
                ConnectedAccount(
                    remote_id=item["id"],
                    handle=custom or title or item["id"],
                    display_name=title,
                    credentials=channel_credentials,
                    expires_at=credentials_expire_at(channel_credentials),
                )
            )
        if not accounts:
            raise RejectedError("this Google account has no YouTube channel")
        return accounts

    def refresh(self, credentials: Mapping[str, str]) -> dict[str, str]:
        refresh_token = credentials.get("refresh_token", "")
        if not refresh_token:
            raise AuthExpiredError("no Google refresh token is stored: reconnect the channel")
        tokens = self._token({"grant_type": "refresh_token", "refresh_token": refresh_token})
        return merge_refreshed(credentials, _credentials(tokens))

    def revoke(self, credentials: Mapping[str, str]) -> None:
        token = credentials.get("refresh_token") or credentials.get("access_token")
        if not token:
            return
        try:
            self.client.post(self._url(REVOKE_URL, "/revoke"), data={"token": token})
        except httpx.HTTPError:
            pass  # best effort

    def _token(self, form: dict[str, str]) -> Mapping[str, Any]:
        form = form | {
            "client_id": self.app.get("client_id", ""),
            "client_secret": self.app.get("client_secret", ""),
        }
        try:
            response = self.client.post(
                self._url(TOKEN_URL, "/token"), data=form, headers={"Accept": "application/json"}
            )
        except httpx.HTTPError as exc:
            raise RetryableError(f"could not reach Google: {type(exc).__name__}") from exc
        if response.status_code in (400, 401):
            # invalid_grant: the refresh token was revoked or expired.
            raise AuthExpiredError(
                f"Google refused the grant: {error_detail(response)}", status=response.status_code
            )
        if response.status_code != 200:
            raise RetryableError(
                f"Google's token service answered: {error_detail(response)}",
                status=response.status_code,
            )
        try:
            body = response.json()
        except ValueError:
            raise RetryableError("malformed token answer from Google") from None
        if (
            not isinstance(body, dict)
            or not isinstance(body.get("access_token"), str)
            or not body["access_token"]
        ):
            raise RetryableError("Google's token answer has no access token")
        return body


def _credentials(tokens: Mapping[str, Any]) -> dict[str, str]:
    return {
        "access_token": str(tokens["access_token"]),
        "refresh_token": str(tokens.get("refresh_token") or ""),
        "expires_at": expires_at_from(tokens.get("expires_in")),
        "scope": str(tokens.get("scope") or ""),
    }
