"""Connecting a Mastodon account: name the instance, then authorize there with OAuth 2.

Every instance is its own authorization server, so there is no application registered in
advance: the flow first asks for the instance's address (``form_fields``), registers an
application on it (POST /api/v1/apps), then sends the person to the instance's
/oauth/authorize with PKCE (S256; Mastodon 4.3 and later check it, older ones ignore it).
The application's client id and secret travel in ``pending`` and are kept in the stored
credentials, because revoking the token needs them. Mastodon tokens do not expire.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any, ClassVar
from urllib.parse import urlencode, urlsplit

import httpx

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
from civicdesk.connectors.base import (
    AuthExpiredError,
    RejectedError,
    RetryableError,
)
from civicdesk.core.outbound import AddressRefused, TooLarge

APP_NAME = "Civic Desk"
APP_WEBSITE = "https://github.com/civicdesk/civicdesk"


def instance_url(address: str) -> str:
    """``mastodon.social``, ``https://mastodon.social/about`` or ``@me@mastodon.social`` as
    ``https://mastodon.social``. Plain http is accepted only for a server on this machine."""
    text = address.strip()
    if text.startswith("@") or ("@" in text and "://" not in text):
        text = text.rsplit("@", 1)[-1]
    if "://" not in text:
        text = f"https://{text}"
    parts = urlsplit(text)
    host = parts.hostname or ""
    if not host or parts.username or parts.password:
        raise RejectedError(f"not a server address: {address[:80]!r}")
    if parts.scheme not in ("https", "http"):
        raise RejectedError("a Mastodon server is reached over https")
    if parts.scheme == "http" and not _loopback(host):
        raise RejectedError("a Mastodon server is reached over https")
    try:
        port = parts.port
    except ValueError:
        raise RejectedError(f"not a server address: {address[:80]!r}") from None
    netloc = f"[{host}]" if ":" in host else host
    return f"{parts.scheme}://{netloc}{f':{port}' if port else ''}"


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class MastodonAuthFlow(AuthFlow):
    platform: ClassVar[str] = "mastodon"
    # A form first (which instance?), then the OAuth redirect to that instance.
    kind: ClassVar[str] = FlowKind.FORM_THEN_OAUTH2
    form_fields: ClassVar[tuple[FormField, ...]] = (
        FormField(
            name="instance",
            label="Mastodon server",
            help="The address of the server the account lives on, such as mastodon.social.",
        ),
    )
    scopes: ClassVar[tuple[str, ...]] = ("read", "write")
    typed_address: ClassVar[bool] = True

    def start(self, *, redirect_uri: str, state: str, instance: str = "") -> AuthStart:
        """Register the application on the instance and build its authorization URL.

        ``instance`` is what the person typed in the form; without it the flow's
        ``base_url`` names the instance.
        """
        base = instance_url(instance or self.base_url)
        data = self._call(
            "POST",
            f"{base}/api/v1/apps",
            json={
                "client_name": APP_NAME,
                "redirect_uris": [redirect_uri],
                "scopes": " ".join(self.scopes),
                "website": self.app.get("website", APP_WEBSITE),
            },
        )
        client_id = data.get("client_id")
        client_secret = data.get("client_secret")
        if not isinstance(client_id, str) or not client_id or not isinstance(client_secret, str):
            raise RetryableError("the server did not return an application id and secret")
        verifier, challenge = pkce_pair()
        query = urlencode(
            {
                "response_type": "code",
                "client_id": client_id,
                "redirect_uri": redirect_uri,
                "scope": " ".join(self.scopes),
                "state": state,
                "code_challenge": challenge,
                "code_challenge_method": "S256",
            }
        )
        return AuthStart(
            url=f"{base}/oauth/authorize?{query}",
            pending={
                "instance": base,
                "client_id": client_id,
                "client_secret": client_secret,
                "code_verifier": verifier,
                "state": state,
            },
        )

    def finish(
        self, *, redirect_uri: str, params: Mapping[str, str], pending: Mapping[str, str]
    ) -> list[ConnectedAccount]:
        if params.get("error"):
            reason = params.get("error_description") or params["error"]
            raise RejectedError(f"the server did not authorize: {reason}")
        if not pending.get("state") or params.get("state") != pending.get("state"):
            raise RejectedError("the authorization answer does not belong to this session")
        code = params.get("code", "")
        if not code:
            raise RejectedError("the server sent no authorization code")
        base = instance_url(pending.get("instance", ""))
        token = self._call(
            "POST",
            f"{base}/oauth/token",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "client_id": pending.get("client_id", ""),
                "client_secret": pending.get("client_secret", ""),
                "redirect_uri": redirect_uri,
                "code_verifier": pending.get("code_verifier", ""),
                "scope": " ".join(self.scopes),
            },
        )
        access_token = token.get("access_token")
        if not isinstance(access_token, str) or not access_token:
            raise RetryableError("the server's token answer has no access token")
        account = self._call(
            "GET",
            f"{base}/api/v1/accounts/verify_credentials",
            headers={"Authorization": f"Bearer {access_token}"},
        )
        account_id, username = account.get("id"), account.get("username")
        if not isinstance(account_id, str | int) or not isinstance(username, str) or not username:
            raise RetryableError("the server's account answer has no id or username")
        host = urlsplit(base).netloc
        credentials = {
            "access_token": access_token,
            "refresh_token": _text(token.get("refresh_token")),
            "expires_at": expires_at_from(token.get("expires_in")),
            "scope": _text(token.get("scope")) or " ".join(self.scopes),
            "instance": base,
            "client_id": pending.get("client_id", ""),
            "client_secret": pending.get("client_secret", ""),
            "account_id": str(account_id),
        }
        credentials = {k: v for k, v in credentials.items() if v}
        display_name = account.get("display_name")
        return [
            ConnectedAccount(
                remote_id=str(account_id),
                handle=f"{username}@{host}",
                credentials=credentials,
                display_name=display_name if isinstance(display_name, str) else "",
                expires_at=credentials_expire_at(credentials),
                api_base_url=base,
            )
        ]

    def refresh(self, credentials: Mapping[str, str]) -> dict[str, str]:
        """Mastodon issues tokens that do not expire; refresh only if it ever gave one."""
        refresh_token = credentials.get("refresh_token", "")
        if not refresh_token:
            raise AuthExpiredError("Mastodon tokens cannot be refreshed; reconnect the account")
        base = instance_url(credentials.get("instance") or self.base_url)
        try:
            token = self._call(
                "POST",
                f"{base}/oauth/token",
                data={
                    "grant_type": "refresh_token",
                    "refresh_token": refresh_token,
                    "client_id": credentials.get("client_id", ""),
                    "client_secret": credentials.get("client_secret", ""),
                },
            )
        except RejectedError as exc:
            raise AuthExpiredError(f"the server refused to refresh: {exc}") from exc
        if not isinstance(token.get("access_token"), str) or not token["access_token"]:
            raise RetryableError("the server's refresh answer has no access token")
        return merge_refreshed(
            credentials,
            {
                "access_token": token["access_token"],
                "refresh_token": _text(token.get("refresh_token")),
                "expires_at": expires_at_from(token.get("expires_in")),
            },
        )

    def revoke(self, credentials: Mapping[str, str]) -> None:
        base = credentials.get("instance") or self.base_url
        if not base or not credentials.get("access_token"):
            return
        # Mastodon answers {} (older versions nothing at all): the status says it all.
        self._call(
            "POST",
            f"{instance_url(base)}/oauth/revoke",
            answer=False,
            data={
                "client_id": credentials.get("client_id", ""),
                "client_secret": credentials.get("client_secret", ""),
                "token": credentials["access_token"],
            },
        )

    def _call(self, method: str, url: str, *, answer: bool = True, **kwargs: Any) -> dict[str, Any]:
        # The server is the one the person typed: errors say what went wrong and the HTTP
        # status, never what the server answered (it could be any machine's page).
        try:
            response = self.client.request(method, url, **kwargs)
        except (AddressRefused, TooLarge) as exc:
            raise RejectedError(str(exc)) from None
        except httpx.ConnectError as exc:
            raise RetryableError(str(exc)) from None
        except httpx.HTTPError as exc:
            raise RetryableError(f"could not reach the server: {type(exc).__name__}") from exc
        status = response.status_code
        if status == 429 or status >= 500:
            raise RetryableError("the server is unavailable", status=status)
        if status == 401:
            raise AuthExpiredError("authorization refused", status=status)
        if status >= 400:
            raise RejectedError("the server refused", status=status)
        if not answer:
            return {}
        try:
            data = response.json()
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise RetryableError("the server's answer is not a JSON object", status=status)
        return data


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""
