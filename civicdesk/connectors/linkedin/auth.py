"""Connecting LinkedIn organization pages: OAuth 2 authorization code, three-legged.

A member signs in on LinkedIn and grants the organization scopes; every organization the
member administers becomes a channel. Access tokens last about 60 days. Refresh tokens
(about a year) are issued only to applications LinkedIn has approved for them: when one
is present it is used, otherwise the channel is flagged before its token expires so a
person reconnects it.
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
)
from civicdesk.connectors.base import (
    AuthExpiredError,
    ConnectorError,
    RejectedError,
    RetryableError,
    error_detail,
)
from civicdesk.connectors.linkedin import shapes as s
from civicdesk.connectors.linkedin.connector import LinkedInConnector
from civicdesk.connectors.linkedin.shapes import ShapeError

AUTH_BASE_URL = "https://www.linkedin.com"


class LinkedInAuthFlow(AuthFlow):
    platform: ClassVar[str] = "linkedin"
    scopes: ClassVar[tuple[str, ...]] = (
        "w_organization_social",
        "r_organization_social",
        "rw_organization_admin",
    )

    @property
    def _auth_root(self) -> str:
        return self.auth_base_url or AUTH_BASE_URL

    def start(self, *, redirect_uri: str, state: str) -> AuthStart:
        query = urlencode(
            {
                "response_type": "code",
                "client_id": self.app.get("client_id", ""),
                "redirect_uri": redirect_uri,
                "state": state,
                "scope": " ".join(self.scopes),
            }
        )
        return AuthStart(url=f"{self._auth_root}/oauth/v2/authorization?{query}", pending={})

    def finish(
        self, *, redirect_uri: str, params: Mapping[str, str], pending: Mapping[str, str]
    ) -> list[ConnectedAccount]:
        if params.get("error"):
            reason = params.get("error_description") or params["error"]
            raise RejectedError(f"LinkedIn did not grant access: {reason}")
        code = params.get("code", "")
        if not code:
            raise RejectedError("LinkedIn sent no authorization code back")
        tokens = self._token(
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
            }
        )
        credentials = _credentials(tokens)
        return self._organizations(credentials)

    def refresh(self, credentials: Mapping[str, str]) -> dict[str, str]:
        refresh_token = credentials.get("refresh_token", "")
        if not refresh_token:
            raise AuthExpiredError(
                "LinkedIn gave this application no refresh token: reconnect the page "
                "before the authorization expires"
            )
        tokens = self._token({"grant_type": "refresh_token", "refresh_token": refresh_token})
        return merge_refreshed(credentials, _credentials(tokens))

    def revoke(self, credentials: Mapping[str, str]) -> None:
        token = credentials.get("access_token", "")
        if not token:
            return
        try:
            self.client.post(
                f"{self._auth_root}/oauth/v2/revoke",
                data={
                    "token": token,
                    "client_id": self.app.get("client_id", ""),
                    "client_secret": self.app.get("client_secret", ""),
                },
            )
        except httpx.HTTPError:
            pass  # best effort: the token expires on its own

    def _token(self, form: dict[str, str]) -> Mapping[str, Any]:
        form = form | {
            "client_id": self.app.get("client_id", ""),
            "client_secret": self.app.get("client_secret", ""),
        }
        try:
            response = self.client.post(
                f"{self._auth_root}/oauth/v2/accessToken",
                data=form,
                headers={"Accept": "application/json"},
            )
        except httpx.HTTPError as exc:
            raise RetryableError(f"could not reach LinkedIn: {type(exc).__name__}") from exc
        if response.status_code in (400, 401):
            raise AuthExpiredError(
                f"LinkedIn refused the grant: {error_detail(response)}", status=response.status_code
            )
        if response.status_code == 429 or response.status_code >= 500:
            raise RetryableError(
                f"LinkedIn is unavailable: {error_detail(response)}", status=response.status_code
            )
        if response.status_code != 200:
            raise RejectedError(
                f"LinkedIn refused the grant: {error_detail(response)}", status=response.status_code
            )
        try:
            body = response.json()
        except ValueError:
            raise RetryableError("malformed token answer from LinkedIn") from None
        if (
            not isinstance(body, dict)
            or not isinstance(body.get("access_token"), str)
            or not body["access_token"]
        ):
            raise RetryableError("LinkedIn's token answer has no access token")
        return body

    def _organizations(self, credentials: dict[str, str]) -> list[ConnectedAccount]:
        """One account per organization the member administers."""
        with LinkedInConnector(
            base_url=self.base_url, credentials=credentials, client=self.client
        ) as api:
            response = api.request(
                "GET",
                "/organizationAcls",
                params={
                    "q": "roleAssignee",
                    "role": "ADMINISTRATOR",
                    "state": "APPROVED",
                    "count": 100,
                },
            )
            try:
                acls = s.elements(api.json_of(response))
                orgs = []
                for acl in acls:
                    org = s.urn(
                        acl.get("organization") or acl.get("organizationTarget"), "organization"
                    )
                    if s.ORGANIZATION_URN.match(org) and org not in orgs:
                        orgs.append(org)
            except ShapeError as exc:
                raise RetryableError(f"unexpected answer listing organizations: {exc}") from None
            if not orgs:
                raise RejectedError(
                    "this LinkedIn member administers no organization page: sign in as a "
                    "page administrator"
                )
            accounts = []
            for org in orgs:
                name, vanity = self._organization_names(api, org)
                account_credentials = credentials | {"organization_urn": org}
                accounts.append(
                    ConnectedAccount(
                        remote_id=org,
                        handle=vanity or org.rsplit(":", 1)[-1],
                        display_name=name,
                        credentials=account_credentials,
                        expires_at=credentials_expire_at(account_credentials),
                    )
                )
            return accounts

    @staticmethod
    def _organization_names(api: LinkedInConnector, org: str) -> tuple[str, str]:
        try:
            data = api.json_of(api.request("GET", f"/organizations/{org.rsplit(':', 1)[-1]}"))
            body = s.obj(data, "the answer")
            return (
                s.text(body.get("localizedName"), "localizedName"),
                s.text(body.get("vanityName"), "vanityName"),
            )
        except (ConnectorError, ShapeError):
            return "", ""  # the names are a nicety; the URN is what matters


def _credentials(tokens: Mapping[str, Any]) -> dict[str, str]:
    return {
        "access_token": str(tokens["access_token"]),
        "refresh_token": str(tokens.get("refresh_token") or ""),
        "expires_at": expires_at_from(tokens.get("expires_in")),
        "refresh_expires_at": expires_at_from(tokens.get("refresh_token_expires_in")),
        "scope": str(tokens.get("scope") or ""),
    }
