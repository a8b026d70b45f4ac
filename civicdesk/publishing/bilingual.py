"""A bilingual account's choice: one post joining the official languages, or one per language.

An organization may ask, channel by channel (``Channel.bilingual_post``), for a post's
official-language versions to go out on a bilingual account as ONE post instead of one post
per language. The versions are joined in the organization's official-language order,
separated by a blank line (``rules.bilingual``), and the result is measured the way the
platform counts (``connectors.limits.channel_rules``, as the composer and the publisher do).

Where the joined text does not fit, or an image's joined descriptions exceed the platform's
limit for one, the account gets one post per language as before, and the composer, the post
page and the audit log say which and why. The choice is made when the post is saved (written,
edited, imported): a post saved before the setting changed keeps its publications until it
is edited again. The joined post is a language set of one on its channel
(``publishing/sets.py``): it goes out whole or not at all.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from civicdesk.connectors.limits import channel_rules
from civicdesk.organizations.models import Channel
from civicdesk.publishing.models import PostMedia, Publication
from civicdesk.rules import language_list, measure_with
from civicdesk.rules.bilingual import join_alt_texts, join_versions

# Why an account that asks for one bilingual post gets one post per language.
TOO_LONG = "too_long"
TOO_MANY_BYTES = "too_many_bytes"
ALT_TEXT_TOO_LONG = "alt_text_too_long"


@dataclass(frozen=True)
class Choice:
    """What a bilingual account with the setting on gets for one post."""

    channel: Channel
    # (language, text) of each official-language version, in the organization's order.
    versions: tuple[tuple[str, str], ...]
    # The joined text (what goes out when ``combined``).
    text: str
    combined: bool
    # Why not, when not combined: one of the reasons above, with its figures.
    reason: str = ""
    length: int = 0
    limit: int = 0

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(language for language, _text in self.versions)

    def explanation(self, reader: str = "en") -> str:
        """The choice in a sentence for the team, in the interface's language."""
        names = language_list(self.languages, reader)
        if self.combined:
            return _(
                "One bilingual post on %(channel)s: %(languages)s, in that order, separated "
                "by a blank line (%(length)s of %(limit)s characters)."
            ) % {
                "channel": self.channel,
                "languages": names,
                "length": self.length,
                "limit": self.limit,
            }
        if self.reason == ALT_TEXT_TOO_LONG:
            why = _(
                "an image's joined descriptions would be %(length)s characters, over the "
                "platform's %(limit)s"
            )
        elif self.reason == TOO_MANY_BYTES:
            why = _("the joined text would be %(length)s bytes, over the platform's %(limit)s")
        else:
            why = _("the joined text would be %(length)s characters, over the platform's %(limit)s")
        return _(
            "One post per language on %(channel)s (%(languages)s), not one bilingual post: %(why)s."
        ) % {
            "channel": self.channel,
            "languages": names,
            "why": why % {"length": self.length, "limit": self.limit},
        }

    def record(self) -> dict[str, Any]:
        """The choice for the audit log."""
        data: dict[str, Any] = {
            "channel": self.channel.pk,
            "languages": list(self.languages),
            "combined": self.combined,
            "length": self.length,
            "limit": self.limit,
        }
        if not self.combined:
            data["reason"] = self.reason
        return data


def official_languages(channel: Channel) -> list[str]:
    return list(channel.brand.organization.official_languages or [])


def choose(
    channel: Channel,
    texts: Mapping[str, str],
    *,
    official: Sequence[str],
    media: Sequence[PostMedia] = (),
) -> Choice | None:
    """The choice for ``channel`` given its wording in each language (``texts``); None when
    the channel does not ask for one bilingual post or publishes fewer than two of the
    post's official languages."""
    if not channel.bilingual_post:
        return None
    versions = tuple(
        (language, texts[language].strip())
        for language in official
        if (texts.get(language) or "").strip()
        and (not channel.languages or language in channel.languages)
    )
    if len(versions) < 2:
        return None
    rules = channel_rules(channel)
    if rules is None:
        return None  # a platform that takes no posts
    text = join_versions([t for _lang, t in versions])
    measured = measure_with(text, rules)

    def choice(combined: bool, reason: str = "", length: int = 0, limit: int = 0) -> Choice:
        return Choice(channel, versions, text, combined, reason, length, limit)

    if measured.length > measured.limit:
        return choice(False, TOO_LONG, measured.length, measured.limit)
    if measured.byte_limit is not None and measured.byte_length > measured.byte_limit:
        return choice(False, TOO_MANY_BYTES, measured.byte_length, measured.byte_limit)
    if measured.raw_limit is not None and measured.raw_length > measured.raw_limit:
        return choice(False, TOO_LONG, measured.raw_length, measured.raw_limit)
    alt_limit = rules.media.max_alt_text
    if alt_limit:
        for item in media:
            alt = joined_alt_text(item, [lang for lang, _t in versions])
            if len(alt) > alt_limit:
                return choice(False, ALT_TEXT_TOO_LONG, len(alt), alt_limit)
    return choice(True, length=measured.length, limit=measured.limit)


def joined_alt_text(media: PostMedia, languages: Sequence[str]) -> str:
    """An image's descriptions in ``languages``, joined into one."""
    return join_alt_texts([media.alt_text(language) for language in languages])


def versions_of(publication: Publication) -> tuple[tuple[str, str], ...]:
    """(language, text) of each version a bilingual publication joins: the channel's own
    wording where it has one, else the post's (the same choice the post's editing made).
    Empty for a publication in one language."""
    if not publication.languages:
        return ()
    wording: dict[str, str] = {}
    for variant in publication.post.variants.filter(language__in=publication.languages):
        if variant.channel_id == publication.channel_id:
            wording[variant.language] = variant.text
        elif variant.channel_id is None:
            wording.setdefault(variant.language, variant.text)
    return tuple(
        (language, wording[language].strip())
        for language in publication.languages
        if (wording.get(language) or "").strip()
    )


def text_of(publication: Publication) -> str:
    """What a publication sends: its variant's text, or its versions joined."""
    versions = versions_of(publication)
    if not versions:
        return publication.variant.text
    return join_versions([text for _lang, text in versions])
