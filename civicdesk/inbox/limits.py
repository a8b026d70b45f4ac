"""How long a reply may be on its channel, counted as the platform counts it.

The counting is the composer's (``civicdesk.rules``) and the limits a post's on the same
channel (``civicdesk.connectors.limits``): the platform's, or a Mastodon instance's own.
"""

from __future__ import annotations

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from civicdesk.connectors.limits import channel_rules
from civicdesk.organizations.models import Channel
from civicdesk.rules import Measurement, PlatformRules, measure_with, platform_limits


def reply_rules(channel: Channel) -> PlatformRules:
    """The rules a reply on ``channel`` is measured against: the same as a post's there (a
    Mastodon instance's own limits, read and kept by ``connectors.limits``)."""
    return channel_rules(channel) or platform_limits(channel.platform)


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
