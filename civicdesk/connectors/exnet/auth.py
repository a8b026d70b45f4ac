"""Adding an account on the exercise network: Civic Desk serves the network, so it makes
the account itself and keeps its token."""

from __future__ import annotations

from collections.abc import Mapping

from civicdesk.connectors.auth import AuthFlow, ConnectedAccount, FlowKind, FormField
from civicdesk.connectors.base import RejectedError


class ExnetAuthFlow(AuthFlow):
    platform = "exnet"
    kind = FlowKind.FORM
    form_fields = (
        FormField("handle", "Handle on the exercise network",
                  help="Letters, digits and underscores, e.g. city_hall_drill."),
        FormField("display_name", "Display name"),
    )

    def finish(self, *, redirect_uri: str, params: Mapping[str, str],
               pending: Mapping[str, str]) -> list[ConnectedAccount]:
        from civicdesk.exnet.models import NetAccount
        from civicdesk.exnet.services import NetError, create_account, rotate_token

        handle = params.get("handle", "").strip().lstrip("@")
        name = params.get("display_name", "").strip() or handle
        from civicdesk.organizations.models import Channel

        if Channel.objects.filter(platform="exnet", handle__iexact=handle).exists():
            # Its token belongs to that channel: handing out a new one would take it over.
            raise RejectedError(f"@{handle} is already a channel here; choose another handle")
        existing = NetAccount.objects.filter(handle__iexact=handle, is_simulated=False).first()
        try:
            if existing is not None:
                account, token = existing, rotate_token(account=existing)
            else:
                account, token = create_account(handle=handle, display_name=name)
        except NetError as error:
            raise RejectedError(str(error)) from error
        return [ConnectedAccount(remote_id=str(account.pk), handle=account.handle,
                                 display_name=account.display_name or account.handle,
                                 credentials={"token": token})]
