"""Connecting an account on the exercise network, over its HTTP API like any platform.

A new handle: the network opens the account for this installation (which holds the
network's sign-up key, see ``civicdesk.exnet.keys``) and hands its token to the channel.
An existing handle: its holder's consent is its token, which is checked against the API
(``GET /me``) and kept as it is; nothing here ever issues a new token for an existing
account, since that would lock its holder out.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicdesk.connectors.auth import AuthFlow, ConnectedAccount, FlowKind, FormField
from civicdesk.connectors.base import AuthExpiredError, RejectedError
from civicdesk.connectors.exnet.connector import ExnetConnector
from civicdesk.connectors.shapes import ShapeError, obj
from civicdesk.exnet.keys import signup_key

HANDLE = FormField(
    "handle",
    gettext_lazy("Handle on the exercise network"),
    help=gettext_lazy("Letters, digits and underscores, e.g. city_hall_drill."),
)
DISPLAY_NAME = FormField(
    "display_name",
    gettext_lazy("Display name"),
    required=False,
    help=gettext_lazy("For a new account; the handle when left empty."),
)
TOKEN = FormField(
    "token",
    gettext_lazy("Token of the account, if it already exists"),
    secret=True,
    required=False,
    help=gettext_lazy(
        "Leave empty to open a new account. An account someone already holds connects only "
        "with its token (exn_...), which it keeps."
    ),
)


class ExnetAuthFlow(AuthFlow):
    platform = "exnet"
    kind = FlowKind.FORM
    form_fields = (HANDLE, DISPLAY_NAME, TOKEN)

    def __init__(
        self,
        *,
        app: Mapping[str, str] | None = None,
        base_url: str = "",
        auth_base_url: str = "",
        client: httpx.Client | None = None,
        timeout: float = 10.0,
    ) -> None:
        super().__init__(
            app=app,
            base_url=base_url or settings.EXNET_BASE_URL,
            auth_base_url=auth_base_url,
            client=client,
            timeout=timeout,
        )

    def finish(
        self, *, redirect_uri: str, params: Mapping[str, str], pending: Mapping[str, str]
    ) -> list[ConnectedAccount]:
        handle = params.get("handle", "").strip().lstrip("@")
        token = params.get("token", "").strip()
        if not handle:
            raise RejectedError(_("give the account's handle"))
        if token:
            return [self._existing(handle, token)]
        return [self._new(handle, params.get("display_name", "").strip() or handle)]

    def _connector(self, token: str) -> ExnetConnector:
        return ExnetConnector(
            base_url=self.base_url, credentials={"token": token}, client=self.client
        )

    def _new(self, handle: str, display_name: str) -> ConnectedAccount:
        # The sign-up key stands in for an account token on this one route.
        connector = self._connector(signup_key())
        try:
            response = connector.request(
                "POST",
                "/accounts",
                write=True,
                json={"handle": handle, "display_name": display_name},
                expected=(201,),
            )
        except RejectedError as error:
            if error.status == 409:
                raise RejectedError(
                    _(
                        "@%(handle)s already exists on the exercise network; to connect it, "
                        "give its token"
                    )
                    % {"handle": handle},
                    status=409,
                ) from error
            raise
        except AuthExpiredError as error:
            raise RejectedError(
                _(
                    "this exercise network does not open accounts for this installation; "
                    "connect an existing account with its token"
                ),
                status=error.status,
            ) from error
        body = connector.json_of(response, write=True)
        account = self._account(body, token=_text(body, "token"))
        if account.handle.lower() != handle.lower():
            raise RejectedError(_("the exercise network opened a different account"))
        return account

    def _existing(self, handle: str, token: str) -> ConnectedAccount:
        connector = self._connector(token)
        try:
            body = connector.json_of(connector.request("GET", "/me"))
        except AuthExpiredError as error:
            raise RejectedError(
                _("the exercise network did not accept this token for @%(handle)s")
                % {"handle": handle},
                status=error.status,
            ) from error
        account = self._account(body, token=token)
        if account.handle.lower() != handle.lower():
            # The token is someone's consent for their own account only.
            raise RejectedError(
                _("this token belongs to @%(other)s, not @%(handle)s")
                % {"other": account.handle, "handle": handle}
            )
        return account

    @staticmethod
    def _account(data: Any, *, token: str) -> ConnectedAccount:
        try:
            body = obj(data, "the answer")
            remote_id = body.get("id")
            if isinstance(remote_id, bool) or not isinstance(remote_id, str | int):
                raise ShapeError("id is missing")
            handle = _text(body, "handle")
            if not handle or not token:
                raise ShapeError("handle or token is missing")
        except ShapeError as exc:
            raise RejectedError(
                _("unexpected answer from the exercise network: %(problem)s") % {"problem": exc}
            ) from None
        return ConnectedAccount(
            remote_id=str(remote_id),
            handle=handle,
            display_name=_text(body, "display_name") or handle,
            credentials={"token": token},
        )


def _text(body: Any, name: str) -> str:
    value = body.get(name) if isinstance(body, dict) else None
    return value if isinstance(value, str) else ""
