"""Connecting a Threads profile: the Threads authorization window and long-lived tokens.

The code becomes a short-lived token (one hour), exchanged at once for a long-lived one
(60 days, ``th_exchange_token``). A long-lived token at least a day old is refreshed
with ``th_refresh_token`` before it expires; one left to expire cannot be refreshed.
Threads does not document PKCE, so the ``state`` parameter protects the round trip.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar
from urllib.parse import urlencode

from civicdesk.connectors.auth import (
    AuthFlow,
    AuthStart,
    ConnectedAccount,
    credentials_expire_at,
    expires_at_from,
    merge_refreshed,
)
from civicdesk.connectors.base import AuthExpiredError, RejectedError, RetryableError
from civicdesk.connectors.meta.login import TokenCalls, api_root


class ThreadsAuthFlow(TokenCalls, AuthFlow):
    platform: ClassVar[str] = "threads"
    scopes: ClassVar[tuple[str, ...]] = (
        "threads_basic",
        "threads_content_publish",
        "threads_manage_replies",
        "threads_read_replies",
        "threads_manage_insights",
        "threads_delete",
        "threads_manage_mentions",
    )
    default_api_url: ClassVar[str] = "https://graph.threads.net"
    default_dialog_url: ClassVar[str] = "https://threads.net/oauth/authorize"

    @property
    def root(self) -> str:
        return api_root(self.base_url or self.default_api_url)

    def start(self, *, redirect_uri: str, state: str) -> AuthStart:
        query = urlencode(
            {
                "client_id": self.app.get("client_id", ""),
                "redirect_uri": redirect_uri,
                "scope": ",".join(self.scopes),
                "response_type": "code",
                "state": state,
            }
        )
        return AuthStart(url=f"{self.auth_base_url or self.default_dialog_url}?{query}")

    def finish(
        self, *, redirect_uri: str, params: Mapping[str, str], pending: Mapping[str, str]
    ) -> list[ConnectedAccount]:
        if params.get("error"):
            reason = params.get("error_description") or params.get("error_reason") or "denied"
            raise RejectedError(f"Threads authorization was not completed: {reason}")
        code = params.get("code", "").removesuffix("#_")
        if not code:
            raise RejectedError("Threads returned without a code")
        short = self._json(
            "POST",
            f"{self.root}/oauth/access_token",
            data={
                "client_id": self.app.get("client_id", ""),
                "client_secret": self.app.get("client_secret", ""),
                "grant_type": "authorization_code",
                "redirect_uri": redirect_uri,
                "code": code,
            },
        )
        long = self._json(
            "GET",
            f"{self.root}/access_token",
            params={
                "grant_type": "th_exchange_token",
                "client_secret": self.app.get("client_secret", ""),
                "access_token": _str(short.get("access_token"), "access_token"),
            },
        )
        token = _str(long.get("access_token"), "access_token")
        expires_at = expires_at_from(long.get("expires_in"))
        profile = self._json(
            "GET",
            f"{self.root}/v1.0/me",
            params={"fields": "id,username,name", "access_token": token},
        )
        user_id = str(profile.get("id") or short.get("user_id") or "")
        if not user_id:
            raise RetryableError("Threads did not say which profile was connected")
        username = profile.get("username") if isinstance(profile.get("username"), str) else user_id
        name = profile.get("name") if isinstance(profile.get("name"), str) else username
        credentials = {"access_token": token, "user_id": user_id, "expires_at": expires_at}
        return [
            ConnectedAccount(
                remote_id=user_id,
                handle=str(username),
                display_name=str(name),
                credentials=credentials,
                expires_at=credentials_expire_at(credentials),
            )
        ]

    def refresh(self, credentials: Mapping[str, str]) -> dict[str, str]:
        token = credentials.get("access_token", "")
        if not token:
            raise AuthExpiredError("the Threads channel has no token; reconnect it")
        body = self._json(
            "GET",
            f"{self.root}/refresh_access_token",
            params={"grant_type": "th_refresh_token", "access_token": token},
        )
        return merge_refreshed(
            credentials,
            {
                "access_token": body.get("access_token") or "",
                "expires_at": expires_at_from(body.get("expires_in")),
            },
        )


def _str(value: object, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise RetryableError(f"the Threads token answer has no {what}")
    return value
