"""The channels of the user's brands and how they are doing."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from civicdesk.connectors.registry import limitations_for
from civicdesk.exnet.switch import network_enabled
from civicdesk.organizations.access import Perm, brands_for, require
from civicdesk.organizations.models import Channel, Platform
from civicdesk.organizations.services import bilingual_languages, channel_set_bilingual_post
from civicdesk.pages.selectors import channels_overview
from civicdesk.pages.views.common import HtmxHttpRequest, run_action
from civicdesk.rules import language_list


def exnet_account_url(channel: Channel) -> str:
    """The exercise network's own page of the channel's account."""
    try:
        return reverse("exnet:account", kwargs={"handle": channel.handle})
    except NoReverseMatch:
        return f"/exnet/@{channel.handle}"


@require_GET
def channels(request: HtmxHttpRequest) -> HttpResponse:
    rows = list(channels_overview(user=request.user))
    manageable = set(brands_for(request.user, Perm.MANAGE).values_list("pk", flat=True))
    # No link to the exercise network's pages while it is off: they would answer 404.
    link_network = network_enabled()
    for channel in rows:
        channel.network_url = (
            exnet_account_url(channel)
            if link_network and channel.platform == Platform.EXNET
            else ""
        )
        channel.limitations = limitations_for(channel)
        channel.can_manage = channel.brand_id in manageable
    return render(
        request, "pages/channels.html", {"channels": rows, "can_connect": bool(manageable)}
    )


@require_http_methods(["GET", "POST"])
def channel_settings(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """One account's publishing settings: one bilingual post, or one post per language."""
    channel = get_object_or_404(Channel.objects.select_related("brand__organization"), pk=pk)
    require(request.user, channel.brand, Perm.MANAGE)
    if request.method == "POST":
        enabled = request.POST.get("bilingual_post") == "on"
        done = (
            _("%(channel)s publishes the official languages as one bilingual post.")
            if enabled
            else _("%(channel)s publishes one post per language.")
        ) % {"channel": channel}
        if run_action(
            request,
            lambda: channel_set_bilingual_post(
                channel=channel, actor=request.user, enabled=enabled
            ),
            done,
        ):
            return redirect("channels")
        return redirect("channel-settings", pk=channel.pk)
    languages = bilingual_languages(channel)
    return render(
        request,
        "pages/channel_settings.html",
        {
            "channel": channel,
            "languages": language_list(languages, request.LANGUAGE_CODE),
            "can_join": len(languages) >= 2,
        },
    )
