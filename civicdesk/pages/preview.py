"""The composer's live preview: each channel and language, measured as its platform counts
it and checked against the platform's rules and the organization's policy."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from civicdesk.organizations.models import Channel, Organization
from civicdesk.publishing.bilingual import Choice
from civicdesk.publishing.checks import bilingual_choices, draft_variants, findings_for
from civicdesk.publishing.models import Post
from civicdesk.rules import (
    Finding,
    Measurement,
    PlatformRules,
    UnknownPlatformError,
    linkedin_escape,
    measure,
    measure_with,
    platform_limits,
)


def _default_rules(platform: str) -> PlatformRules | None:
    try:
        return platform_limits(platform)
    except UnknownPlatformError:
        return None


@dataclass
class PreviewItem:
    channel: Channel
    language: str
    language_name: str
    text: str
    measurement: Measurement
    # The limit is the one the channel's own server announced (a Mastodon instance's).
    announced: bool = False
    findings: list[Finding] = field(default_factory=list)
    # A bilingual post: every language it joins (``language`` first).
    languages: tuple[str, ...] = ()

    @property
    def server(self) -> str:
        """The host of the channel's own server, which announced the limit."""
        return urlsplit(self.channel.api_base_url).netloc or self.channel.get_platform_display()

    @property
    def escaped(self) -> str:
        """The text as LinkedIn receives it, reserved characters escaped ("little text"
        format); empty where nothing changes."""
        if self.channel.platform != "linkedin":
            return ""
        escaped = linkedin_escape(self.text)
        return escaped if escaped != self.text else ""

    @property
    def thread_parts(self) -> int:
        """How many posts a long text becomes on a platform with threads (0: one post)."""
        for finding in self.findings:
            if finding.code == "platform.thread":
                return int(finding.data.get("parts", "0") or 0)
        return 0

    @property
    def over(self) -> bool:
        return self.measurement.remaining < 0 and not self.thread_parts

    @property
    def too_many(self) -> int:
        return max(0, -self.measurement.remaining)

    @property
    def grouped_findings(self) -> list[tuple[Finding, int]]:
        """Each distinct finding once, with how often it occurs (a word in capitals twelve
        times is one thing to fix)."""
        counts: dict[tuple[str, str], list[Finding]] = {}
        for finding in self.findings:
            counts.setdefault((finding.code, finding.message), []).append(finding)
        return [(group[0], len(group)) for group in counts.values()]


@dataclass
class Preview:
    items: list[PreviewItem]
    # Findings about the post as a whole (a missing official language, ...).
    general: list[Finding]
    # The same findings submission and approval apply; any blocking one stops them.
    findings: list[Finding] = field(default_factory=list)
    # Set when the chosen time is already past the publisher's missed threshold.
    time_past: bool = False
    # For each channel asking for one bilingual post: whether it gets one, and why not.
    bilingual: list[Choice] = field(default_factory=list)

    @property
    def blocking(self) -> bool:
        return any(f.blocking for f in self.findings)


def build_preview(
    *,
    organization: Organization,
    channels: Sequence[Channel],
    texts: Mapping[str, str],
    overrides: Mapping[tuple[str, int], str],
    language_names: Mapping[str, str],
    other_channels: Sequence[Channel] = (),
    post: Post | None = None,
    reader_language: str | None = None,
) -> Preview:
    """One card per channel and language the channel publishes in, with its own wording.

    The findings come from ``checks.findings_for``, the function submission and approval
    use, on the versions ``services.post_create`` would make, so the three always agree.
    """
    variants = draft_variants(channels=channels, texts=texts, overrides=overrides, post=post)
    by_pk = {str(c.pk): c for c in channels}
    items = [
        PreviewItem(
            channel=by_pk[v.channel or ""],
            language=v.language,
            language_name=" + ".join(language_names.get(lang, lang) for lang in v.languages),
            text=v.text,
            measurement=measure_with(v.text, v.rules) if v.rules else measure(v.text, v.platform),
            announced=v.rules is not None and v.rules != _default_rules(v.platform),
            languages=v.languages if v.versions else (),
        )
        for v in variants
    ]
    choices = bilingual_choices(channels=channels, texts=texts, overrides=overrides, post=post)
    findings = findings_for(
        organization=organization,
        channels=channels,
        variants=variants,
        other_channels=other_channels,
        language=reader_language,
    )
    general: list[Finding] = []
    for finding in findings:
        own = [i for i in items if str(i.channel.pk) == finding.channel]
        # On the card of its version; a finding about an account's versions together on the
        # account's first card; one about the post as a whole above the cards.
        target = next((i for i in own if i.language == finding.language), None)
        if target is None and finding.language is None and own:
            target = own[0]
        if target is not None:
            target.findings.append(finding)
        elif finding not in general:
            general.append(finding)
    return Preview(
        items=items, general=general, findings=findings, bilingual=list(choices.values())
    )
