"""Turning what a check noticed into a Finding: default severities, policy overrides, wording."""

from __future__ import annotations

from dataclasses import dataclass, field

from .messages import message
from .policy import Policy, severity_for
from .types import Finding, Severity

B, W, A = Severity.BLOCKING, Severity.WARNING, Severity.ADVICE

# Platform rules are facts about the platform: a policy cannot soften them.
PLATFORM_SEVERITIES: dict[str, Severity] = {
    "platform.too_long": B,
    "platform.too_many_bytes": B,
    "platform.empty": B,
    "platform.invalid_characters": B,
    "platform.too_many_hashtags": B,
    "platform.too_many_mentions": B,
    "platform.unknown": W,
    "platform.thread": A,
}

# The organization's own rules: a policy's ``severities`` may change or switch these off.
POLICY_SEVERITIES: dict[str, Severity] = {
    "accessibility.alt_text_missing": B,
    "accessibility.alt_text_filename": W,
    "accessibility.hashtag_case": W,
    "accessibility.too_many_hashtags": W,
    "accessibility.hashtag_not_at_end": A,
    "accessibility.long_sentence": W,
    "accessibility.too_many_emoji": W,
    "accessibility.emoji_only": B,
    "accessibility.emoji_as_word": W,
    "accessibility.all_caps": W,
    "accessibility.readability": A,
    "languages.missing": B,
    "languages.not_paired": B,
    "languages.duplicate": W,
    "languages.empty_variant": B,
    "languages.channel_empty": W,
    "links.domain_not_allowed": B,
    "links.missing_tracking": W,
    "links.insecure": A,
    "links.shortener": A,
    "words.needs_approval": W,
    "words.forbidden": B,
}


@dataclass
class Reporter:
    """Collects the findings for one variant (or one set of variants)."""

    policy: Policy | None
    language: str | None
    platform: str | None
    platform_name: str | None = None
    findings: list[Finding] = field(default_factory=list)
    # The language the author reads; messages fall back to the version's language.
    message_language: str | None = None
    # The account the findings are about (a ``ChannelDraft.key``), when they are about one.
    channel: str | None = None

    @property
    def reader_language(self) -> str | None:
        return self.message_language or self.language

    def add(
        self,
        code: str,
        start: int | None = None,
        end: int | None = None,
        *,
        wording: str | None = None,
        **values: object,
    ) -> None:
        """Record a finding ``code``; ``wording`` picks another sentence for the same rule
        (say, which fix the author needs) while the severity stays the rule's."""
        if code in PLATFORM_SEVERITIES:
            severity: Severity | None = PLATFORM_SEVERITIES[code]
        elif self.policy is not None:
            severity = severity_for(self.policy, code, POLICY_SEVERITIES[code])
        else:
            severity = POLICY_SEVERITIES[code]
        if severity is None:
            return
        values.setdefault("platform", self.platform_name or self.platform or "")
        self.findings.append(
            Finding(
                severity=severity,
                code=code,
                message=message(wording or code, self.reader_language, values),
                language=self.language,
                platform=self.platform,
                start=start,
                end=end,
                channel=self.channel,
                data={k: str(v) for k, v in values.items()},
            )
        )
