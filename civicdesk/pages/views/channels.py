"""The channels of the user's brands and how they are doing."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_GET

from civicdesk.connectors.registry import limitations_for
from civicdesk.exnet.switch import network_enabled
from civicdesk.organizations.access import Perm, brands_for
from civicdesk.organizations.models import Channel, Platform
from civicdesk.pages.selectors import channels_overview
from civicdesk.pages.views.common import HtmxHttpRequest


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
