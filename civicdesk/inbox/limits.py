"""How long a reply may be on its channel, counted as the platform counts it.

The counting is the composer's (``civicdesk.rules``); what is added here is which rules a
channel's reply is measured against: the platform's, or a Mastodon instance's own limits.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.core.cache import cache
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from civicdesk.connectors.base import ConnectorError
from civicdesk.connectors.registry import connector_for
from civicdesk.organizations.models import Channel
from civicdesk.rules import Measurement, PlatformRules, measure_with, platform_limits

logger = logging.getLogger(__name__)

# An instance changes its limits rarely; asking it on every keystroke would be rude and slow.
INSTANCE_RULES_SECONDS = 6 * 3600
# An instance that did not answer is asked again after a while, not on every keystroke.
UNKNOWN_RULES_SECONDS = 300


def _instance_rules(channel: Channel) -> PlatformRules | None:
    """The limits the channel's own server announces, when its connector can tell them."""
    key = f"civicdesk:reply-rules:{channel.pk}:{channel.api_base_url}"
    cached = cache.get(key)
    if isinstance(cached, tuple):
        return cached[0]
    rules: PlatformRules | None = None
    try:
        with connector_for(channel) as connector:
            ask: Callable[[], PlatformRules] | None = getattr(connector, "instance_rules", None)
            if ask is not None:
                rules = ask()
    except ConnectorError as error:
        # The platform's defaults apply; the server itself refuses anything too long.
        logger.info("limits of channel %s unknown: %s", channel.pk, error)
        cache.set(key, (None,), UNKNOWN_RULES_SECONDS)
        return None
    cache.set(key, (rules,), INSTANCE_RULES_SECONDS)
    return rules


def reply_rules(channel: Channel) -> PlatformRules:
    """The rules a reply on ``channel`` is measured against."""
    rules = platform_limits(channel.platform)
    if channel.platform == "mastodon":
        rules = _instance_rules(channel) or rules
    return rules


def measure_reply(*, channel: Channel, text: str, direct: bool = False) -> Measurement | None:
    """``text`` measured as the channel's platform counts a reply; None for a direct message,
    whose limits (unlike a post's) the rules do not describe: the platform checks those."""
    if direct:
        return None
    return measure_with(text, reply_rules(channel))


def _n(value: int) -> str:
    return number_format(value, force_grouping=True)


def reply_length_problem(measurement: Measurement, *, platform_name: str) -> str:
    """Why the platform would refuse a reply of this length, or "" when it fits."""
    if measurement.length > measurement.limit:
        return _(
            "This reply is %(length)s characters; %(platform)s allows %(limit)s. "
            "Shorten it by %(over)s and send it again."
        ) % {
            "length": _n(measurement.length),
            "platform": platform_name,
            "limit": _n(measurement.limit),
            "over": _n(measurement.length - measurement.limit),
        }
    if measurement.raw_limit is not None and measurement.raw_length > measurement.raw_limit:
        return _("This reply is %(length)s characters long; %(platform)s allows %(limit)s.") % {
            "length": _n(measurement.raw_length),
            "platform": platform_name,
            "limit": _n(measurement.raw_limit),
        }
    if measurement.byte_limit is not None and measurement.byte_length > measurement.byte_limit:
        return _("This reply is %(length)s bytes; %(platform)s allows %(limit)s.") % {
            "length": _n(measurement.byte_length),
            "platform": platform_name,
            "limit": _n(measurement.byte_limit),
        }
    if measurement.invalid_ranges:
        return _("This reply holds characters %(platform)s refuses; remove them.") % {
            "platform": platform_name,
        }
    return ""
