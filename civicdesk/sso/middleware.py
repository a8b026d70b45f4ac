"""The accounts session rules, with single sign-on's answer to the second-factor rule.

A session started through an organization's provider satisfies that organization's
second-factor rule when the provider asserted a second step (OIDC ``amr``) or the
organization said its provider's sign-in counts as one. Other organizations the person
belongs to still apply their own rule.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from civicdesk.accounts.middleware import SessionPolicyMiddleware
from civicdesk.accounts.selectors import has_second_factor
from civicdesk.sso.adapter import SIGNED_IN_WITH
from civicdesk.sso.selectors import mfa_required_outside


class SignOnPolicyMiddleware(SessionPolicyMiddleware):
    def _must_enrol(self, request: HttpRequest, user: Any) -> bool:
        signed_in_with = request.session.get(SIGNED_IN_WITH)
        if not signed_in_with or not signed_in_with.get("mfa"):
            return super()._must_enrol(request, user)
        return mfa_required_outside(
            user=user, organization_id=signed_in_with["organization"]
        ) and not has_second_factor(user=user)
