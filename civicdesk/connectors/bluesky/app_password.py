"""Connecting a Bluesky account with an app password (the older way, still supported).

The person types their handle (or email) and an app password made in Bluesky's
settings. We find the account's PDS from the handle (handle → DID → DID document),
open a session there (``com.atproto.server.createSession``) and keep the session's
access and refresh JWTs; the refresh sweep renews them with
``com.atproto.server.refreshSession``. The account's real password is refused: an app
password can be revoked on its own and cannot change the account's settings.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar

import httpx

from civicdesk.connectors.auth import (
    AuthFlow,
    ConnectedAccount,
    FlowKind,
    FormField,
    credentials_expire_at,
    merge_refreshed,
)
from civicdesk.connectors.base import (
    AuthExpiredError,
    ConnectorError,
    RejectedError,
    RetryableError,
)
from civicdesk.connectors.bluesky import identity, shapes
from civicdesk.connectors.bluesky.connector import BlueskyConnector
from civicdesk.connectors.bluesky.identity import DEFAULT_PLC, DEFAULT_SERVER

# An XRPC error name (``AuthenticationRequired``), the only part of an error answer kept.
_XRPC_CODE = re.compile(r"[A-Za-z][A-Za-z0-9]{0,63}")
# The scope of a session opened with the account's own password.
FULL_ACCESS_SCOPE = "com.atproto.access"

IDENTIFIER = FormField("identifier", "Handle or email", help="e.g. cityhall.bsky.social")
APP_PASSWORD = FormField(
    "app_password",
    "App password",
    secret=True,
    help="Make one in Bluesky under Settings → Privacy and security → "
    "App passwords. Do not use the account's own password.",
)
SERVER = FormField(
    "server",
    "Hosting provider (optional)",
    help="Only if the account is not hosted by Bluesky and its handle cannot "
    "be looked up: the address of its server, e.g. https://pds.example.org",
)


class BlueskyAppPasswordFlow(AuthFlow):
    platform: ClassVar[str] = "bluesky"
    kind: ClassVar[str] = FlowKind.FORM
    form_fields: ClassVar[tuple[FormField, ...]] = (IDENTIFIER, APP_PASSWORD, SERVER)
    typed_address: ClassVar[bool] = True

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.plc_url = (self.app.get("plc_url") or DEFAULT_PLC).rstrip("/")

    def start(self, *, redirect_uri: str, state: str, **fields: str) -> Any:
        raise RejectedError("app passwords connect with a form, not a redirect")

    def finish(
        self, *, redirect_uri: str, params: Mapping[str, str], pending: Mapping[str, str]
    ) -> list[ConnectedAccount]:
        identifier = params.get("identifier", "").strip().lstrip("@")
        password = params.get("app_password", "").strip()
        if not identifier or not password:
            raise RejectedError("give the account's handle and an app password")
        given_server = identity.server_url(params.get("server", ""))
        server = given_server or self.base_url or DEFAULT_SERVER
        pds = server
        if "@" not in identifier and not given_server:
            pds = self.pds_of_handle(identifier, lookup=server) or server
        session = self._call(
            pds,
            "com.atproto.server.createSession",
            json={"identifier": identifier, "password": password},
        )
        pds = identity.pds_from_did_doc(session.get("didDoc")) or pds
        if shapes.jwt_claims(str(session.get("accessJwt", ""))).get("scope") == FULL_ACCESS_SCOPE:
            self._end_session(pds, str(session.get("refreshJwt", "")))
            raise RejectedError(
                "that is the account's own password; make an app password in "
                "Bluesky's settings and use it instead"
            )
        credentials = _credentials(session) | {"pds": pds}
        return [
            ConnectedAccount(
                remote_id=credentials["did"],
                handle=credentials["handle"],
                credentials=credentials,
                expires_at=credentials_expire_at(credentials),
                api_base_url=pds,
            )
        ]

    def refresh(self, credentials: Mapping[str, str]) -> dict[str, str]:
        token = credentials.get("refresh_token", "")
        if not token:
            raise AuthExpiredError("no Bluesky refresh token is stored; reconnect")
        pds = credentials.get("pds") or self.base_url or DEFAULT_SERVER
        session = self._call(pds, "com.atproto.server.refreshSession", token=token)
        return merge_refreshed(credentials, _credentials(session))

    def revoke(self, credentials: Mapping[str, str]) -> None:
        pds = credentials.get("pds") or self.base_url or DEFAULT_SERVER
        self._end_session(pds, credentials.get("refresh_token", ""))

    def pds_of_handle(self, handle: str, *, lookup: str) -> str:
        """The PDS address of a handle, or "" when it cannot be found out."""
        did = identity.resolve_handle(self.client, handle, lookup=lookup)
        return identity.identity_of(self.client, did, plc_url=self.plc_url).pds if did else ""

    # Plumbing

    def _call(
        self, base: str, nsid: str, *, method: str = "POST", token: str = "", **kwargs: Any
    ) -> dict[str, Any]:
        connector = _Xrpc(base_url=base, client=self.client, token=token)
        data = connector.xrpc(method, nsid, **kwargs)
        if not isinstance(data, dict):
            raise RetryableError(f"unexpected answer from {nsid}")
        return data

    def _end_session(self, pds: str, refresh_token: str) -> None:
        if not refresh_token:
            return
        try:
            _Xrpc(base_url=pds, client=self.client, token=refresh_token).request(
                "POST", "/xrpc/com.atproto.server.deleteSession", expected=(200, 204)
            )
        except ConnectorError:
            pass  # best effort: the token expires on its own


class _Xrpc(BlueskyConnector):
    """The connector's request handling, with whatever token the auth call needs."""

    def __init__(self, *, base_url: str, client: httpx.Client, token: str = "") -> None:
        super().__init__(base_url=base_url, client=client, credentials={"access_token": token})

    def _headers(self) -> dict[str, str]:
        token = self.credentials.get("access_token", "")
        return {"Authorization": f"Bearer {token}"} if token else {}

    def raise_for_response(self, response: httpx.Response, *, write: bool) -> None:
        # A wrong app password is 401 AuthenticationRequired: refused, not "expired".
        if response.status_code == 401 and "refreshSession" not in str(response.url):
            raise RejectedError(
                "Bluesky refused the sign-in: wrong handle or app password", status=401
            )
        try:
            super().raise_for_response(response, write=write)
        except ConnectorError as error:
            # The server is one the person named: keep the kind, the status and the error
            # code, never the server's own text.
            code = error.platform_code or ""
            raise type(error)(
                "the Bluesky server did not accept this",
                status=error.status,
                retry_after=error.retry_after,
                platform_code=code if _XRPC_CODE.fullmatch(code) else None,
            ) from None


def _credentials(session: Mapping[str, Any]) -> dict[str, str]:
    try:
        access = shapes.text(session.get("accessJwt"), "accessJwt", optional=False)
        did = shapes.text(session.get("did"), "did", optional=False)
        handle = shapes.text(session.get("handle"), "handle", optional=False)
        refresh = shapes.text(session.get("refreshJwt"), "refreshJwt")
    except shapes.ShapeError as exc:
        raise RetryableError(f"unexpected session from Bluesky: {exc}") from None
    expires = shapes.jwt_claims(access).get("exp")
    expires_at = (
        datetime.fromtimestamp(expires, UTC).isoformat() if isinstance(expires, int | float) else ""
    )
    return {
        "access_token": access,
        "refresh_token": refresh,
        "expires_at": expires_at,
        "did": did,
        "handle": handle,
    }
