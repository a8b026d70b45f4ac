"""Connecting Facebook Pages: Facebook Login, then one channel per Page managed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from civicdesk.connectors.auth import ConnectedAccount
from civicdesk.connectors.meta.login import PUBLISHING_TASKS, FacebookLoginFlow


class FacebookAuthFlow(FacebookLoginFlow):
    platform: ClassVar[str] = "facebook"
    scopes: ClassVar[tuple[str, ...]] = (
        "pages_show_list",
        "pages_read_engagement",
        "pages_manage_posts",
        "pages_manage_engagement",
        "pages_read_user_content",
        "read_insights",
        "pages_messaging",
    )
    no_accounts_message = (
        "none of the Facebook Pages shared with Civic Desk lets this "
        "person publish; share at least one Page you manage"
    )

    def account_for(
        self, page: Mapping[str, Any], user: Mapping[str, str]
    ) -> ConnectedAccount | None:
        page_id, token = page.get("id"), page.get("access_token")
        if not isinstance(page_id, str) or not isinstance(token, str) or not token:
            return None
        tasks = page.get("tasks")
        if isinstance(tasks, list) and not PUBLISHING_TASKS & set(map(str, tasks)):
            return None
        name = page.get("name") if isinstance(page.get("name"), str) else page_id
        handle = page.get("username") if isinstance(page.get("username"), str) else page_id
        return ConnectedAccount(
            remote_id=page_id,
            handle=str(handle),
            display_name=str(name),
            # The Page token has no expiry; the user token's is kept for reference only.
            credentials={"access_token": token, "page_id": page_id, **user},
        )
