"""Settings → Single sign-on: an organization's identity providers and its sign-on rules."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from civicdesk.core.http import signed_in
from civicdesk.organizations.models import Organization
from civicdesk.pages.views.common import HtmxHttpRequest, run_action
from civicdesk.pages.views.settings_common import administered, back_here
from civicdesk.sso.forms import OIDCForm, PolicyForm, SAMLForm
from civicdesk.sso.models import IdentityProvider, Protocol
from civicdesk.sso.selectors import identity_providers_of, sign_on_policy_of
from civicdesk.sso.services import (
    identity_provider_remove,
    oidc_provider_save,
    saml_provider_save,
    sign_on_policy_update,
)


def _service_provider_details(request: HtmxHttpRequest, provider: IdentityProvider) -> dict:
    """What the IdP's admin copies into their side."""
    app = provider.social_app
    if provider.protocol == Protocol.OIDC:
        callback = reverse("openid_connect_callback", kwargs={"provider_id": app.provider_id})
        return {"redirect_uri": request.build_absolute_uri(callback)}
    metadata = request.build_absolute_uri(reverse("saml_metadata", args=[app.client_id]))
    return {
        "metadata_url": metadata,
        "entity_id": metadata,
        "acs_url": request.build_absolute_uri(reverse("saml_acs", args=[app.client_id])),
    }


@require_http_methods(["GET", "POST"])
def settings_sso(request: HtmxHttpRequest, org_pk: int) -> HttpResponse:
    org = administered(request, org_pk)
    policy = sign_on_policy_of(organization=org)
    form = PolicyForm(
        request.POST or None,
        initial={"sso_only": policy.sso_only, "sso_counts_as_mfa": policy.sso_counts_as_mfa},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if run_action(
            request,
            lambda: sign_on_policy_update(
                organization=org,
                sso_only=data["sso_only"],
                sso_counts_as_mfa=data["sso_counts_as_mfa"],
                actor=signed_in(request),
            ),
            _("Saved."),
        ):
            return back_here(request)
    providers = [
        (provider, _service_provider_details(request, provider))
        for provider in identity_providers_of(organization=org)
    ]
    return render(
        request,
        "pages/settings/sso.html",
        {"org": org, "form": form, "providers": providers, "policy": policy},
    )


def _provider(org: Organization, pk: int | None) -> IdentityProvider | None:
    if pk is None:
        return None
    return get_object_or_404(
        IdentityProvider.objects.select_related("social_app", "organization"),
        organization=org,
        pk=pk,
    )


@require_http_methods(["GET", "POST"])
def settings_sso_provider(
    request: HtmxHttpRequest, org_pk: int, protocol: str, pk: int | None = None
) -> HttpResponse:
    org = administered(request, org_pk)
    if protocol not in Protocol.values:
        raise Http404(_("No such protocol"))
    provider = _provider(org, pk)
    if provider is not None and provider.protocol != protocol:
        raise Http404(_("No such provider"))
    form_class = OIDCForm if protocol == Protocol.OIDC else SAMLForm
    initial = form_class.initial_for(provider) if provider is not None else None
    form = form_class(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        saved: list[IdentityProvider] = []

        def save() -> None:
            if protocol == Protocol.OIDC:
                saved.append(
                    oidc_provider_save(
                        organization=org,
                        provider=provider,
                        rules=form.rules(),
                        issuer=data["issuer"],
                        client_id=data["client_id"],
                        client_secret=data["client_secret"],
                        scopes=data["scopes"],
                        actor=signed_in(request),
                    )
                )
            else:
                saved.append(
                    saml_provider_save(
                        organization=org,
                        provider=provider,
                        rules=form.rules(),
                        entity_id=data["entity_id"],
                        sso_url=data["sso_url"],
                        x509cert=data["x509cert"],
                        metadata_url=data["metadata_url"],
                        email_attribute=data["email_attribute"],
                        uid_attribute=data["uid_attribute"],
                        actor=signed_in(request),
                    )
                )

        if run_action(request, save, _("Saved.")):
            return redirect("settings-sso", org.pk)
    return render(
        request,
        "pages/settings/sso_provider.html",
        {
            "org": org,
            "form": form,
            "provider": provider,
            "protocol": Protocol(protocol),
            "details": _service_provider_details(request, provider) if provider else None,
        },
    )


@require_POST
def settings_sso_remove(request: HtmxHttpRequest, org_pk: int, pk: int) -> HttpResponse:
    org = administered(request, org_pk)
    provider = _provider(org, pk)
    assert provider is not None
    name = provider.name
    if run_action(
        request,
        lambda: identity_provider_remove(provider=provider, actor=signed_in(request)),
        _("%(name)s removed.") % {"name": name},
    ):
        return redirect("settings-sso", org.pk)
    return redirect("settings-sso", org.pk)
