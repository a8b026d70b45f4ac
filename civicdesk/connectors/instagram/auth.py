"""Connecting Instagram professional accounts through the Facebook Pages they are linked to."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from civicdesk.connectors.auth import ConnectedAccount
from civicdesk.connectors.meta.login import PUBLISHING_TASKS, FacebookLoginFlow


class InstagramAuthFlow(FacebookLoginFlow):
    platform: ClassVar[str] = "instagram"
    scopes: ClassVar[tuple[str, ...]] = (
        "instagram_basic",
        "instagram_content_publish",
        "instagram_manage_comments",
        "instagram_manage_insights",
        "instagram_manage_messages",
        "pages_show_list",
        "pages_read_engagement",
        "pages_manage_metadata",
        "business_management",
    )
    page_fields: ClassVar[str] = (
        "id,name,access_token,tasks,instagram_business_account{id,username,name}"
    )
    no_accounts_message = (
        "no Instagram professional account is linked to the Facebook "
        "Pages shared with Civic Desk; link the account to a Page first"
    )

    def account_for(
        self, page: Mapping[str, Any], user: Mapping[str, str]
    ) -> ConnectedAccount | None:
        linked = page.get("instagram_business_account")
        token, page_id = page.get("access_token"), page.get("id")
        if not isinstance(linked, dict) or not isinstance(token, str) or not token:
            return None
        tasks = page.get("tasks")
        if isinstance(tasks, list) and not PUBLISHING_TASKS & set(map(str, tasks)):
            return None  # the person only sees this Page; they cannot publish for it
        ig_id = linked.get("id")
        if not isinstance(ig_id, str) or not ig_id or not isinstance(page_id, str):
            return None
        username = linked.get("username") if isinstance(linked.get("username"), str) else ig_id
        name = linked.get("name") if isinstance(linked.get("name"), str) else username
        return ConnectedAccount(
            remote_id=ig_id,
            handle=str(username),
            display_name=str(name),
            credentials={"access_token": token, "ig_user_id": ig_id, "page_id": page_id, **user},
        )
