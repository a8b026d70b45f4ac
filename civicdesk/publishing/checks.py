"""The platform rules and the organization's policy, applied to a post's publications.

One function decides what is wrong with a post: ``findings_for``. The composer's preview (on
the draft being written), submission and approval (on the saved post) and the publisher (one
last check of each variant before it is sent) all come here, so they cannot disagree.
Messages speak the reader's language: the interface language of the request.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from django.utils import translation
from django.utils.translation import gettext

from civicdesk.connectors.base import Capability
from civicdesk.connectors.limits import channel_rules
from civicdesk.connectors.registry import channels_that, limitation, supports
from civicdesk.organizations.models import Channel, Organization
from civicdesk.publishing import bilingual
from civicdesk.publishing.bilingual import joined_alt_text
from civicdesk.publishing.models import Post, Publication
from civicdesk.rules import (
    ChannelDraft,
    Finding,
    MediaSpec,
    Policy,
    VariantDraft,
    check_post,
    check_variant,
    default_policy,
)
from civicdesk.rules.bilingual import join_versions


# Where the organization's policy comes from. The policies app, which stores its versions and
# sits above publishing, installs its reader when Django starts (``PoliciesConfig.ready``).
def _shipped_policy(organization: Organization) -> Policy:
    return default_policy()


_policy_source: Callable[[Organization], Policy] = _shipped_policy


def use_policy_source(source: Callable[[Organization], Policy]) -> None:
    global _policy_source
    _policy_source = source


def policy_for(organization: Organization) -> Policy:
    """The policy in force for an organization: its newest saved version, else the defaults."""
    return _policy_source(organization)


def reader_language() -> str:
    """The language the person reading the findings reads: the request's interface language."""
    return translation.get_language() or "en"


def publishes_in(channel: Channel, language: str) -> bool:
    """Whether the account publishes ``language`` (an account without languages takes all)."""
    return not channel.languages or language in channel.languages


def postable_channels(brand_id: int) -> list[Channel]:
    """The brand's accounts a post can go out on (the composer offers the same)."""
    return channels_that(
        Capability.PUBLISH, Channel.objects.filter(brand_id=brand_id, is_active=True)
    )


def channel_draft(channel: Channel) -> ChannelDraft:
    return ChannelDraft(
        key=str(channel.pk),
        platform=channel.platform,
        name=str(channel),
        languages=tuple(channel.languages or ()),
    )


def media_specs(post: Post | None, language: str, languages: Sequence[str] = ()) -> list[MediaSpec]:
    """The post's attachments as the rules see them, described in ``language`` (or, for a
    bilingual post, in each of ``languages`` joined)."""
    if post is None:
        return []
    return [
        MediaSpec(
            content_type=m.content_type,
            size_bytes=m.size,
            width=m.width,
            height=m.height,
            alt_text=joined_alt_text(m, languages) if languages else m.alt_text(language),
            duration_seconds=m.duration_seconds,
            codec=m.codec,
        )
        for m in post.media.all()
    ]


def channel_texts(
    channel: Channel, texts: Mapping[str, str], overrides: Mapping[tuple[str, int], str]
) -> dict[str, str]:
    """The channel's wording in each language it publishes: its own, else the post's."""
    return {
        language: (overrides.get((language, channel.pk), "") or "").strip() or base
        for language, base in texts.items()
        if base.strip() and publishes_in(channel, language)
    }


def bilingual_choices(
    *,
    channels: Sequence[Channel],
    texts: Mapping[str, str],
    overrides: Mapping[tuple[str, int], str],
    post: Post | None = None,
) -> dict[int, bilingual.Choice]:
    """For each chosen channel asking for one bilingual post: whether it gets one, and why
    not (the same choice ``services.post_create`` makes)."""
    choices: dict[int, bilingual.Choice] = {}
    asking = [channel for channel in channels if channel.bilingual_post]
    # Read only when an account asks: saving any other post costs no query here.
    media = list(post.media.all()) if post is not None and asking else []
    for channel in asking:
        found = bilingual.choose(
            channel,
            channel_texts(channel, texts, overrides),
            official=bilingual.official_languages(channel),
            media=media,
        )
        if found is not None:
            choices[channel.pk] = found
    return choices


def captions_not_sent(post: Post | None, channels: Sequence[Channel]) -> list[str]:
    """A sentence for each chosen account whose platform takes no caption files, when the
    post carries a captioned video (the video goes there without them)."""
    if post is None or not any(m.is_video and m.captions for m in post.media.all()):
        return []
    return [
        gettext("Captions are not sent to %(channel)s: %(why)s")
        % {"channel": channel, "why": limitation(channel, Capability.CAPTIONS)}
        for channel in channels
        if not supports(channel, Capability.CAPTIONS)
    ]


def saved_wording(post: Post) -> tuple[dict[str, str], dict[tuple[str, int], str]]:
    """A saved post's text in each language, and each channel's own wording."""
    texts: dict[str, str] = {}
    overrides: dict[tuple[str, int], str] = {}
    for variant in post.variants.all():
        if variant.channel_id is None:
            texts[variant.language] = variant.text
        else:
            overrides[(variant.language, variant.channel_id)] = variant.text
    return texts, overrides


def saved_bilingual_choices(post: Post) -> list[bilingual.Choice]:
    """The bilingual choice of each of the saved post's accounts that asks for one."""
    texts, overrides = saved_wording(post)
    channels = list(post.channels.select_related("brand__organization"))
    return list(
        bilingual_choices(channels=channels, texts=texts, overrides=overrides, post=post).values()
    )


def draft_variants(
    *,
    channels: Sequence[Channel],
    texts: Mapping[str, str],
    overrides: Mapping[tuple[str, int], str],
    post: Post | None = None,
) -> list[VariantDraft]:
    """What would go out: one version per channel and language it publishes in, with the
    channel's own wording where it has one, or one bilingual version joining the official
    languages where the channel asks for it and it fits (the same choice
    ``services.post_create`` makes)."""
    variants = []
    choices = bilingual_choices(channels=channels, texts=texts, overrides=overrides, post=post)
    for channel in channels:
        rules = channel_rules(channel)
        choice = choices.get(channel.pk)
        joined = choice.languages if choice is not None and choice.combined else ()
        if choice is not None and choice.combined:
            variants.append(
                VariantDraft(
                    platform=channel.platform,
                    language=joined[0],
                    text=choice.text,
                    media=media_specs(post, joined[0], joined),
                    channel=str(channel.pk),
                    rules=rules,
                    versions=choice.versions,
                )
            )
        for language, text in channel_texts(channel, texts, overrides).items():
            if language in joined:
                continue
            variants.append(
                VariantDraft(
                    platform=channel.platform,
                    language=language,
                    text=text,
                    media=media_specs(post, language),
                    channel=str(channel.pk),
                    rules=rules,
                )
            )
    return variants


def findings_for(
    *,
    organization: Organization,
    channels: Sequence[Channel],
    variants: Sequence[VariantDraft],
    other_channels: Sequence[Channel] = (),
    language: str | None = None,
) -> list[Finding]:
    """Every finding on a post going out as ``variants`` on ``channels``.

    ``other_channels`` (the brand's accounts not chosen) are offered as the fix when no
    chosen account publishes an official language.
    """
    return check_post(
        variants,
        policy_for(organization),
        official_languages=organization.official_languages,
        message_language=language or reader_language(),
        channels=[channel_draft(c) for c in channels],
        other_channels=[channel_draft(c) for c in other_channels],
    )


def _draft(publication: Publication) -> VariantDraft:
    language = publication.variant.language
    versions = bilingual.versions_of(publication)
    joined = tuple(lang for lang, _text in versions)
    return VariantDraft(
        platform=publication.channel.platform,
        language=language,
        text=join_versions([text for _lang, text in versions]) or publication.variant.text,
        media=media_specs(publication.post, language, joined),
        channel=str(publication.channel_id),
        # The same limits the composer measured it against (connectors.limits).
        rules=channel_rules(publication.channel),
        versions=versions,
    )


def post_findings(post: Post, *, language: str | None = None) -> list[Finding]:
    """Every finding on the saved post, on its channels taken together."""
    publications = list(
        post.publications.select_related("channel", "variant", "post").prefetch_related(
            "post__media"
        )
    )
    chosen = list(post.channels.all())
    for publication in publications:
        if publication.channel not in chosen:
            chosen.append(publication.channel)
    others = [c for c in postable_channels(post.brand_id) if c not in chosen]
    return findings_for(
        organization=post.brand.organization,
        channels=chosen,
        variants=[_draft(p) for p in publications],
        other_channels=others,
        language=language,
    )


def blocking_reasons(post: Post, findings: Sequence[Finding] | None = None) -> list[str]:
    """The blocking findings' messages, each once, in the reader's language (``findings``:
    the post's, when the caller has them already)."""
    seen: list[str] = []
    for finding in post_findings(post) if findings is None else findings:
        if finding.blocking and finding.message not in seen:
            seen.append(finding.message)
    return seen


def last_check(publication: Publication, *, policy: Policy | None = None) -> list[str]:
    """Blocking findings on one variant, just before it is sent.

    ``policy``: the one in force, when the caller read it once for a batch of publications
    (it is only read here, so the batch's sender threads may share it).
    """
    policy = policy or policy_for(publication.channel.brand.organization)
    return [
        f.message
        for f in check_variant(_draft(publication), policy, message_language=reader_language())
        if f.blocking
    ]
