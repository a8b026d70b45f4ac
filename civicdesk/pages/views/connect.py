"""Connecting and disconnecting platform accounts with each platform's own flow."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from civicdesk.connectors.auth import (
    AUTH_FLOWS,
    AuthFlow,
    ConnectedAccount,
    FlowKind,
    auth_flow_class,
    auth_flow_for,
)
from civicdesk.connectors.base import ConnectorError
from civicdesk.connectors.registry import connector_class
from civicdesk.connectors.services import channel_connect, channel_disconnect
from civicdesk.core.crypto import decrypt_json, encrypt_json
from civicdesk.exnet.switch import network_enabled
from civicdesk.organizations.access import Perm, brands_for, require
from civicdesk.organizations.models import Brand, Channel, Platform
from civicdesk.pages.views.common import HtmxHttpRequest, brand_for, int_param

SESSION_KEY = "civicdesk.connect"


@dataclass
class PlatformOption:
    slug: str
    name: str
    flow: type[AuthFlow] | None
    ready: bool
    why_not: str
    limitations: list[str]


def offered(platform: str) -> bool:
    """Whether this installation lets anyone connect an account on the platform."""
    # The exercise network is off in a production install: nothing to connect to.
    return platform in AUTH_FLOWS and (platform != Platform.EXNET or network_enabled())


def platform_options() -> list[PlatformOption]:
    options = []
    for slug in filter(offered, AUTH_FLOWS):
        name = Platform(slug).label if slug in Platform.values else slug
        try:
            flow = auth_flow_class(slug)
            limits = list(dict.fromkeys(str(s) for s in connector_class(slug).limitations.values()))
        except (ImportError, LookupError):
            options.append(
                PlatformOption(
                    slug, name, None, False, _("Not available in this installation."), []
                )
            )
            continue
        ready, why_not = True, ""
        if (
            flow.kind == FlowKind.OAUTH2
            and not settings.PLATFORM_APPS.get(slug, {}).get("client_id")
            and not flow.form_fields
        ):
            ready = False
            why_not = _(
                "Register an application with %(platform)s and set %(client_id)s and "
                "%(client_secret)s first."
            ) % {
                "platform": name,
                "client_id": f"CIVICDESK_{slug.upper()}_CLIENT_ID",
                "client_secret": f"CIVICDESK_{slug.upper()}_CLIENT_SECRET",
            }
        options.append(PlatformOption(slug, name, flow, ready, why_not, limits))
    return options


@require_GET
def connect_start_page(request: HtmxHttpRequest) -> HttpResponse:
    brands = list(brands_for(request.user, Perm.MANAGE))
    brand_id = int_param(request.GET.get("brand"))
    brand = next((b for b in brands if b.pk == brand_id), brands[0] if brands else None)
    if brand is None:
        messages.error(request, _("You manage no brand, so you cannot connect accounts."))
        return redirect("channels")
    return render(
        request,
        "pages/connect.html",
        {"brands": brands, "brand": brand, "options": platform_options()},
    )


def _callback_url(request: HtmxHttpRequest, platform: str) -> str:
    return request.build_absolute_uri(reverse("channel-connect-callback", args=[platform]))


@require_POST
def connect_begin(request: HtmxHttpRequest) -> HttpResponse:
    brand = brand_for(request, int_param(request.POST.get("brand")) or 0, Perm.MANAGE)
    platform = request.POST.get("platform", "")
    if not offered(platform):
        messages.error(request, _("Choose a platform."))
        return redirect(f"{reverse('channel-connect')}?brand={brand.pk}")
    flow = auth_flow_for(platform)
    fields = {f.name: request.POST.get(f.name, "").strip() for f in flow.form_fields}
    try:
        if flow.kind == FlowKind.FORM:
            accounts = flow.finish(redirect_uri="", params=fields, pending={})
            return _connect_accounts(request, brand, platform, accounts)
        state = secrets.token_urlsafe(24)
        extra = fields if flow.kind == FlowKind.FORM_THEN_OAUTH2 else {}
        start = flow.start(redirect_uri=_callback_url(request, platform), state=state, **extra)
        # Whatever the flow must remember (a PKCE verifier, an instance's app secret)
        # waits in the session, encrypted, keyed by the state the platform sends back.
        # Secrets typed into the form (an app password) are never parked in the session.
        secret = {f.name for f in flow.form_fields if f.secret}
        pending = dict(start.pending) | {k: v for k, v in fields.items() if k not in secret}
        request.session[SESSION_KEY] = {
            "state": state,
            "brand": brand.pk,
            "platform": platform,
            "pending": encrypt_json(pending),
        }
        return HttpResponseRedirect(start.url)
    except (ConnectorError, ValueError) as error:
        messages.error(
            request,
            _("%(platform)s did not accept this: %(error)s")
            % {"platform": Platform(platform).label, "error": error},
        )
        return redirect(f"{reverse('channel-connect')}?brand={brand.pk}")
    finally:
        flow.close()


@require_GET
def connect_callback(request: HtmxHttpRequest, platform: str) -> HttpResponse:
    saved: dict[str, Any] = request.session.pop(SESSION_KEY, {}) or {}
    if (
        not saved
        or saved.get("platform") != platform
        or not secrets.compare_digest(str(saved.get("state", "")), request.GET.get("state", ""))
    ):
        messages.error(
            request, _("That sign-in could not be matched to one you started. Please start again.")
        )
        return redirect("channels")
    brand = brand_for(request, int(saved["brand"]), Perm.MANAGE)
    if request.GET.get("error"):
        reason = request.GET.get("error_description") or request.GET["error"]
        messages.error(
            request, _("The platform did not give access: %(reason)s") % {"reason": reason}
        )
        return redirect("channels")
    flow = auth_flow_for(platform)
    try:
        accounts = flow.finish(
            redirect_uri=_callback_url(request, platform),
            params=request.GET.dict(),
            pending=decrypt_json(str(saved["pending"])),
        )
    except (ConnectorError, ValueError) as error:
        messages.error(request, _("Connecting failed: %(error)s") % {"error": error})
        return redirect("channels")
    finally:
        flow.close()
    return _connect_accounts(request, brand, platform, accounts)


def _connect_accounts(
    request: HtmxHttpRequest, brand: Brand, platform: str, accounts: list[ConnectedAccount]
) -> HttpResponse:
    if not accounts:
        messages.error(request, _("The platform gave access to no account we can use."))
        return redirect("channels")
    if len(accounts) == 1:
        channel = channel_connect(
            brand=brand, platform=platform, account=accounts[0], actor=request.user
        )
        messages.success(
            request,
            _("Connected @%(handle)s to %(brand)s.")
            % {"handle": channel.handle, "brand": brand.name},
        )
        return redirect("channels")
    # Several accounts (Facebook Pages, LinkedIn organizations): the person chooses.
    request.session[SESSION_KEY + ".choose"] = {
        "brand": brand.pk,
        "platform": platform,
        "accounts": encrypt_json({str(i): _pack(a) for i, a in enumerate(accounts)}),
    }
    return render(
        request,
        "pages/connect_choose.html",
        {
            "brand": brand,
            "platform": Platform(platform).label,
            "accounts": list(enumerate(accounts)),
        },
    )


def _pack(account: ConnectedAccount) -> str:
    import json

    return json.dumps(
        {
            "remote_id": account.remote_id,
            "handle": account.handle,
            "display_name": account.display_name,
            "credentials": dict(account.credentials),
            "api_base_url": account.api_base_url,
            "expires_at": account.expires_at.isoformat() if account.expires_at else "",
        }
    )


def _unpack(raw: str) -> ConnectedAccount:
    import json
    from datetime import datetime

    data = json.loads(raw)
    return ConnectedAccount(
        remote_id=data["remote_id"],
        handle=data["handle"],
        display_name=data["display_name"],
        credentials=data["credentials"],
        api_base_url=data["api_base_url"],
        expires_at=datetime.fromisoformat(data["expires_at"]) if data["expires_at"] else None,
    )


@require_POST
def connect_choose(request: HtmxHttpRequest) -> HttpResponse:
    saved = request.session.pop(SESSION_KEY + ".choose", None)
    if not saved:
        messages.error(request, _("Nothing to choose from any more; please start again."))
        return redirect("channels")
    brand = brand_for(request, int(saved["brand"]), Perm.MANAGE)
    packed = decrypt_json(saved["accounts"])
    chosen = [packed[key] for key in request.POST.getlist("account") if key in packed]
    for raw in chosen:
        channel_connect(
            brand=brand, platform=saved["platform"], account=_unpack(raw), actor=request.user
        )
    messages.success(
        request,
        ngettext(
            "Connected %(count)s account to %(brand)s.",
            "Connected %(count)s accounts to %(brand)s.",
            len(chosen),
        )
        % {"count": len(chosen), "brand": brand.name},
    )
    return redirect("channels")


@require_POST
def channel_disconnect_view(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    channel = get_object_or_404(Channel.objects.select_related("brand"), pk=pk)
    require(request.user, channel.brand, Perm.MANAGE)
    channel_disconnect(channel=channel, actor=request.user)
    messages.success(
        request, _("Disconnected @%(handle)s. Its history stays.") % {"handle": channel.handle}
    )
    return redirect("channels")
