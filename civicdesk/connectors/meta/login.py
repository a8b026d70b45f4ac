"""Facebook Login for Pages and the Instagram accounts linked to them.

Authorization code flow with PKCE: the person signs in on facebook.com, the code is
exchanged for a short-lived user token, that for a long-lived one (about 60 days), and
``GET /me/accounts`` then lists the Pages they manage, each with a Page token. A Page
token obtained from a long-lived user token has no expiry date; it stops working when
the person loses their role on the Page, changes their password or removes the app,
and Graph then answers code 190 (the channel asks to be reconnected).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar
from urllib.parse import urlencode

import httpx

from civicdesk.connectors.auth import (
    AuthFlow,
    AuthStart,
    ConnectedAccount,
    credentials_expire_at,
    expires_at_from,
    pkce_pair,
)
from civicdesk.connectors.base import (
    AuthExpiredError,
    ConnectorError,
    RejectedError,
    RetryableError,
    error_detail,
)
from civicdesk.connectors.meta.graph import GraphError, next_page_params

GRAPH_VERSION = "v24.0"
# A Page is connected only when the person may publish on it.
PUBLISHING_TASKS = frozenset({"CREATE_CONTENT", "MANAGE"})
VERSION_SUFFIX = re.compile(r"/v\d+(\.\d+)?$")


def api_root(base_url: str) -> str:
    """The host part of an API base URL (token endpoints live beside the versions)."""
    return VERSION_SUFFIX.sub("", base_url.rstrip("/"))


class TokenCalls:
    """Small helpers for the token endpoints, which answer like Graph but outside a channel."""

    platform: ClassVar[str] = ""
    client: httpx.Client

    def _json(self, method: str, url: str, **kwargs: Any) -> Mapping[str, Any]:
        try:
            response = self.client.request(method, url, **kwargs)
        except httpx.TransportError as exc:
            raise RetryableError(f"could not reach {self.platform}: {type(exc).__name__}") from exc
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code >= 400 or not isinstance(body, dict) or "error" in body:
            error = GraphError(body)
            detail = error.message or error_detail(response)
            if response.status_code >= 500 or error.code in (1, 2, 4, 17, 32, 613):
                raise RetryableError(
                    f"{self.platform} is unavailable: {detail}", status=response.status_code
                )
            if error.code in (190, 102, 463, 467) or response.status_code == 401:
                raise AuthExpiredError(
                    f"{self.platform} refused the authorization: {detail}",
                    status=response.status_code,
                )
            raise RejectedError(
                f"{self.platform} refused the authorization: {detail}", status=response.status_code
            )
        return body


class FacebookLoginFlow(TokenCalls, AuthFlow):
    """The Facebook Login code flow; subclasses turn the user's Pages into accounts."""

    default_api_url: ClassVar[str] = f"https://graph.facebook.com/{GRAPH_VERSION}"
    default_dialog_url: ClassVar[str] = f"https://www.facebook.com/{GRAPH_VERSION}/dialog/oauth"
    page_fields: ClassVar[str] = "id,name,username,access_token,tasks"

    @property
    def api(self) -> str:
        return self.base_url or self.default_api_url

    def start(self, *, redirect_uri: str, state: str) -> AuthStart:
        verifier, challenge = pkce_pair()
        query = urlencode(
            {
                "client_id": self.app.get("client_id", ""),
                "redirect_uri": redirect_uri,
                "state": state,
                "response_type": "code",
                "scope": ",".join(self.scopes),
                "code_challenge": challenge,
                "code_challenge_method": "S256",
            }
        )
        dialog = self.auth_base_url or self.default_dialog_url
        return AuthStart(url=f"{dialog}?{query}", pending={"code_verifier": verifier})

    def finish(
        self, *, redirect_uri: str, params: Mapping[str, str], pending: Mapping[str, str]
    ) -> list[ConnectedAccount]:
        if params.get("error"):
            reason = params.get("error_description") or params.get("error_reason") or "denied"
            raise RejectedError(f"Facebook Login was not completed: {reason}")
        code = params.get("code", "")
        if not code:
            raise RejectedError("Facebook Login returned without a code")
        short = self._json(
            "GET",
            f"{self.api}/oauth/access_token",
            params={
                "client_id": self.app.get("client_id", ""),
                "client_secret": self.app.get("client_secret", ""),
                "redirect_uri": redirect_uri,
                "code": code,
                "code_verifier": pending.get("code_verifier", ""),
            },
        )
        user_token = _token(short)
        long = self._json(
            "GET",
            f"{self.api}/oauth/access_token",
            params={
                "grant_type": "fb_exchange_token",
                "client_id": self.app.get("client_id", ""),
                "client_secret": self.app.get("client_secret", ""),
                "fb_exchange_token": user_token,
            },
        )
        user = {
            "user_access_token": _token(long),
            "user_expires_at": expires_at_from(long.get("expires_in")),
        }
        accounts = [
            account
            for page in self._pages(user["user_access_token"])
            if (account := self.account_for(page, user)) is not None
        ]
        if not accounts:
            raise RejectedError(self.no_accounts_message)
        return accounts

    no_accounts_message: ClassVar[str] = "no Facebook Page was shared with Civic Desk"

    def account_for(
        self, page: Mapping[str, Any], user: Mapping[str, str]
    ) -> ConnectedAccount | None:
        raise NotImplementedError

    def _pages(self, user_token: str) -> Iterator[Mapping[str, Any]]:
        params: Mapping[str, Any] | None = {"fields": self.page_fields, "limit": 100}
        for _ in range(10):
            body = self._json(
                "GET",
                f"{self.api}/me/accounts",
                params=params,
                headers={"Authorization": f"Bearer {user_token}"},
            )
            data = body.get("data")
            if not isinstance(data, list):
                raise RetryableError("unexpected answer listing Pages: data is not a list")
            yield from (page for page in data if isinstance(page, dict))
            params = next_page_params(body)
            if not params:
                return

    def refresh(self, credentials: Mapping[str, str]) -> dict[str, str]:
        """Page tokens do not expire; there is nothing to refresh, only to reconnect."""
        if credentials.get("access_token") and credentials_expire_at(credentials) is None:
            return dict(credentials)
        raise AuthExpiredError("Facebook tokens cannot be refreshed; reconnect the channel")

    def revoke(self, credentials: Mapping[str, str]) -> None:
        token = credentials.get("user_access_token", "")
        if not token:
            return
        try:
            self._json(
                "DELETE", f"{self.api}/me/permissions", headers={"Authorization": f"Bearer {token}"}
            )
        except ConnectorError:
            pass  # best effort: the person can also remove the app in their settings


def _token(body: Mapping[str, Any]) -> str:
    token = body.get("access_token")
    if not isinstance(token, str) or not token:
        raise RetryableError("the token answer has no access_token")
    return token
