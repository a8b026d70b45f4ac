"""allauth's hooks for single sign-on.

``SocialAccountAdapter``: every provider is an organization's (``IdentityProvider``); a
sign-in through it is resolved by ``services.sign_on_resolve`` or refused, and either way
it is logged. Nobody signs themselves up. The client secret is decrypted only for allauth,
and allauth's outbound requests go through the guarded client.

``AccountAdapter``: the accounts adapter, plus the "SSO only" rule on the password form
(the password is checked first, so the refusal tells nothing to someone who lacks it) and
the audit of a completed SSO sign-in.
"""

from __future__ import annotations

import functools
from typing import Any, NoReturn

from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialApp, SocialLogin
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _

from civicdesk.accounts.adapter import AccountAdapter as BaseAccountAdapter
from civicdesk.accounts.services import signin_event_record
from civicdesk.organizations.audit import audit
from civicdesk.sso.http import guarded_session
from civicdesk.sso.models import IdentityProvider
from civicdesk.sso.selectors import (
    identity_provider_for_app,
    sign_on_policy_of,
    sso_only_providers_for,
)
from civicdesk.sso.services import (
    SignOnRefused,
    claims_of,
    decrypted_secret,
    sign_on_resolve,
)

# Between the provider's answer and the session's start (a second step may come between).
PENDING = "civicdesk.sso.pending"
# In a session started through a provider: which, and whether it counts as a second step.
SIGNED_IN_WITH = "civicdesk.sso.signed_in_with"


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def list_apps(
        self, request: HttpRequest | None, provider: str | None = None, client_id: str | None = None
    ) -> list[SocialApp]:
        apps = super().list_apps(request, provider=provider, client_id=client_id)
        for app in apps:
            if app.pk is not None and app.secret:
                app.secret = decrypted_secret(app)  # in memory only; allauth never saves it
        return apps

    def get_requests_session(self) -> Any:
        session = guarded_session(timeout=settings.SOCIALACCOUNT_REQUESTS_TIMEOUT)
        session.request = functools.partial(  # type: ignore[method-assign]
            session.request, timeout=settings.SOCIALACCOUNT_REQUESTS_TIMEOUT
        )
        return session

    def is_open_for_signup(self, request: HttpRequest, sociallogin: SocialLogin) -> bool:
        # People are matched or created in pre_social_login, never signed up by a form.
        return False

    def pre_social_login(self, request: HttpRequest, sociallogin: SocialLogin) -> None:
        app = sociallogin.account.get_provider(request).app
        provider = identity_provider_for_app(app=app)
        try:
            if provider is None:
                raise SignOnRefused("no_provider")
            user = sign_on_resolve(provider=provider, sociallogin=sociallogin)
            if sociallogin.is_existing and sociallogin.user.pk != user.pk:
                # The provider's account is linked to someone else of the organization.
                raise SignOnRefused("unknown_person", email=user.email)
        except SignOnRefused as refusal:
            _refuse(request, provider, refusal)
        claims = claims_of(provider=provider, sociallogin=sociallogin)
        if not sociallogin.is_existing:
            sociallogin.connect(request, user)
        policy = sign_on_policy_of(organization=provider.organization)
        request.session[PENDING] = {
            "user": user.pk,
            "provider": provider.pk,
            "organization": provider.organization_id,
            "mfa": claims.mfa or policy.sso_counts_as_mfa,
            "mfa_asserted": claims.mfa,
        }


def _refuse(
    request: HttpRequest, provider: IdentityProvider | None, refusal: SignOnRefused
) -> NoReturn:
    data = {"reason": refusal.reason, "email": refusal.email}
    if provider is not None:
        data["provider"] = provider.name
        audit(organization=provider.organization, actor=None, action="sso.refused", data=data)
    signin_event_record(action="sso.refused", request=request, identifier=refusal.email, data=data)
    messages.error(request, refusal.message)
    raise ImmediateHttpResponse(HttpResponseRedirect(reverse("login")))


def sign_in_hint(providers: list[IdentityProvider]) -> str:
    names = ", ".join(f"“{p.name}”" for p in providers)
    return _(
        "Your organization signs in through its identity provider, not with a password here. "
        "Use the button “Sign in with …” below: %(names)s."
    ) % {"names": names}


class AccountAdapter(BaseAccountAdapter):
    def authenticate(self, request: HttpRequest, **credentials: Any) -> User | None:
        user = super().authenticate(request, **credentials)
        if user is None or user.is_superuser:
            return user  # installation operators keep their password
        providers = sso_only_providers_for(user=user)
        if not providers:
            return user
        signin_event_record(
            action="signin.refused.sso_only",
            request=request,
            user=user,
            data={"providers": [p.name for p in providers]},
        )
        raise ValidationError(sign_in_hint(providers))

    def login(self, request: HttpRequest, user: User) -> None:
        pending = request.session.pop(PENDING, None)
        super().login(request, user)
        if not pending or pending.get("user") != user.pk:
            request.session.pop(SIGNED_IN_WITH, None)
            return
        request.session[SIGNED_IN_WITH] = {
            "provider": pending["provider"],
            "organization": pending["organization"],
            "mfa": pending["mfa"],
        }
        provider = IdentityProvider.objects.filter(pk=pending["provider"]).first()
        audit(
            organization=pending["organization"],
            actor=user,
            action="sso.signin",
            target=user,
            data={
                "provider": provider.name if provider else "",
                "mfa_asserted": pending["mfa_asserted"],
                "counts_as_mfa": pending["mfa"],
            },
        )
