"""The values the rules speak in: what a draft looks like to them, and what they say back.

Everything here is a plain frozen dataclass so results can be cached, compared in tests and
turned into JSON for the composer without any Django machinery.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .platforms import PlatformRules


class Severity(StrEnum):
    """How much a finding matters: a blocking finding stops publication."""

    BLOCKING = "blocking"
    WARNING = "warning"
    ADVICE = "advice"


@dataclass(frozen=True, slots=True)
class Entity:
    """A URL, mention or hashtag as a platform sees it; offsets are code points in the text."""

    kind: str  # "url", "mention" or "hashtag"
    text: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Facet:
    """A Bluesky rich-text facet: a feature over a UTF-8 byte range of the post text."""

    byte_start: int
    byte_end: int
    feature: str  # e.g. "app.bsky.richtext.facet#link"
    value: str  # the uri, the handle (resolved to a DID at publish time) or the tag

    def as_record(self) -> dict[str, object]:
        """The facet in the shape of an ``app.bsky.feed.post`` record (handles left unresolved)."""
        key = {"link": "uri", "mention": "did", "tag": "tag"}[self.feature.rpartition("#")[2]]
        return {
            "index": {"byteStart": self.byte_start, "byteEnd": self.byte_end},
            "features": [{"$type": self.feature, key: self.value}],
        }


@dataclass(frozen=True, slots=True)
class Measurement:
    """A text measured the way one platform counts it."""

    platform: str
    length: int
    limit: int
    valid: bool
    remaining: int
    urls: tuple[Entity, ...] = ()
    mentions: tuple[Entity, ...] = ()
    hashtags: tuple[Entity, ...] = ()
    facets: tuple[Facet, ...] = ()
    byte_length: int = 0
    byte_limit: int | None = None
    # Code points before links are shortened, where the platform limits those too.
    raw_length: int = 0
    raw_limit: int | None = None
    # Code-point ranges of characters the platform refuses (lone surrogates, U+FFFE, ...).
    invalid_ranges: tuple[tuple[int, int], ...] = ()

    @property
    def fits(self) -> bool:
        """True when the text is within the length limits (whatever else is wrong with it)."""
        within_bytes = self.byte_limit is None or self.byte_length <= self.byte_limit
        within_raw = self.raw_limit is None or self.raw_length <= self.raw_limit
        return self.length <= self.limit and within_bytes and within_raw


@dataclass(frozen=True, slots=True)
class MediaSpec:
    """An attachment as the rules need to know it; sizes in bytes and pixels."""

    content_type: str
    size_bytes: int = 0
    width: int | None = None
    height: int | None = None
    alt_text: str = ""
    # A video's length and codec (its MP4 sample entry, "avc1" for H.264), when known.
    duration_seconds: float | None = None
    codec: str = ""

    @property
    def kind(self) -> str:
        """ "image", "video" or "other", from the MIME type."""
        major = self.content_type.split("/", 1)[0].strip().lower()
        return major if major in {"image", "video"} else "other"


@dataclass(frozen=True, slots=True)
class VariantDraft:
    """One language version of a post for one platform."""

    platform: str
    language: str
    text: str
    media: list[MediaSpec] = field(default_factory=list)
    # When the version is due to go out; versions of one post on one platform go together.
    scheduled_at: datetime | None = None
    # The account it goes out on (a ``ChannelDraft.key``); None: the platform stands for it.
    channel: str | None = None
    # The account's own limits where its server announces them (a Mastodon instance's);
    # None: the platform's.
    rules: PlatformRules | None = None
    # A bilingual post: (language, text) of each version its text joins, ``language``'s
    # first (rules/bilingual.py); empty: the text is in ``language`` alone.
    versions: tuple[tuple[str, str], ...] = ()

    @property
    def languages(self) -> tuple[str, ...]:
        """Every language this version carries, its own first."""
        return tuple(lang for lang, _text in self.versions) or (self.language,)


@dataclass(frozen=True, slots=True)
class ChannelDraft:
    """An account a post goes out on, and the languages it publishes in."""

    key: str
    platform: str
    # How the author knows the account, e.g. "Exercise network transportinsights_fr".
    name: str
    # Empty: the account publishes every language (a bilingual account).
    languages: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing a check found, placed in the text when it is about a stretch of it."""

    severity: Severity
    code: str
    message: str
    language: str | None = None
    platform: str | None = None
    start: int | None = None
    end: int | None = None
    # The ``ChannelDraft.key`` of the account the finding is about, when it is about one.
    channel: str | None = None
    # Machine-readable details, e.g. {"approver": "legal"} or {"clause": "abuse"}.
    data: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    @property
    def blocking(self) -> bool:
        return self.severity is Severity.BLOCKING
