"""What X's paid access tiers decide, and the sentences that tell people about it.

X's free tier can post but cannot read mentions, direct messages or the account's own
recent posts; a channel's credentials carry the tier of the X app it was connected with.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.translation import gettext_lazy as _

from civicdesk.connectors.base import Capability

FREE_TIERS = frozenset({"free"})
# What X gives only on a paid tier.
PAID_TIER_CAPABILITIES = frozenset({Capability.INBOX, Capability.DIRECT_MESSAGES})
# Listening reads X's recent search, which a paid tier (Basic or above) gives too.
LISTEN_CAPABILITIES = frozenset(
    {Capability.LISTEN_KEYWORDS, Capability.LISTEN_HASHTAGS, Capability.LISTEN_ACCOUNTS}
)
LISTEN_TIER_SENTENCE = _(
    "Following keywords, hashtags or accounts on X reads its recent search, which needs a "
    "paid API tier; this channel's X app is on the free tier."
)
LISTEN_TIER_LIMITATION = _(
    "Following keywords, hashtags or accounts on X reads its recent search (the last seven "
    "days), which needs a paid API tier: a channel connected with a free-tier X app follows "
    "nothing."
)


def tier_of(credentials: Mapping[str, str]) -> str:
    """The access tier of the X app a channel was connected with; "" when not known."""
    return credentials.get("tier", "").strip().lower()


TIER_SENTENCE = _(
    "X's API gives mentions and direct messages only on a paid tier; this channel's X app "
    "is on the free tier, so its inbox stays empty."
)
# What the screens say about every X channel, whatever its tier.
TIER_LIMITATION = _(
    "X's API gives mentions and direct messages only on a paid tier: a channel connected "
    "with a free-tier X app has an empty inbox."
)
DM_SENTENCE = _(
    "X refused to give this channel's direct messages: that needs a paid tier and the "
    "dm.read permission."
)
CHECK_SENTENCE = _(
    "X did not let Civic Desk read this account's recent posts (the free tier cannot), so "
    "whether the post went out must be checked on x.com by a person."
)
