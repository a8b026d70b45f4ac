"""The composer's live preview: each channel and language, measured as its platform counts
it and checked against the platform's rules and the organization's policy."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from civicdesk.organizations.models import Channel, Organization
from civicdesk.policies.selectors import policy_current
from civicdesk.rules import (
    Finding,
    Measurement,
    VariantDraft,
    check_post,
    default_policy,
    measure,
)


@dataclass
class PreviewItem:
    channel: Channel
    language: str
    language_name: str
    text: str
    measurement: Measurement
    findings: list[Finding] = field(default_factory=list)

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


def build_preview(
    *, channels: Sequence[Channel], texts: Mapping[str, str],
    overrides: Mapping[tuple[str, int], str], official_languages: Sequence[str],
    language_names: Mapping[str, str], organization: Organization | None = None,
    reader_language: str | None = None,
) -> Preview:
    """One item per channel and language the channel publishes in, with its own wording.

    Checked against ``organization``'s policy in force (the shipped defaults without one).
    """
    policy = policy_current(organization) if organization is not None else default_policy()
    items: list[PreviewItem] = []
    for channel in channels:
        for language, base in texts.items():
            if channel.languages and language not in channel.languages:
                continue
            text = overrides.get((language, channel.pk), "").strip() or base
            if not text.strip():
                continue
            items.append(PreviewItem(
                channel=channel, language=language,
                language_name=language_names.get(language, language),
                text=text, measurement=measure(text, channel.platform),
            ))
    # The set checks (languages present, versions paired) are about one channel's versions.
    general: list[Finding] = []
    for channel in channels:
        own = [i for i in items if i.channel.pk == channel.pk]
        drafts = [VariantDraft(platform=channel.platform, language=i.language, text=i.text)
                  for i in own]
        for finding in check_post(drafts, policy, official_languages=official_languages,
                                  message_language=reader_language):
            target = next((i for i in own if i.language == finding.language), None)
            if target is not None:
                target.findings.append(finding)
            elif finding not in general:
                general.append(finding)
    return Preview(items=items, general=general)
