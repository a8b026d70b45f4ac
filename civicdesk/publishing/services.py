"""Actions on posts: compose, edit, submit, approve, send back, schedule, cancel, retry.

Each takes the acting user, checks permission, runs in one transaction and writes the
audit log. The publisher (publisher.py) does the sending.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User as Person
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext as _

from civicdesk.connectors.base import Capability
from civicdesk.connectors.registry import limitation, supports
from civicdesk.core import archive
from civicdesk.organizations.access import Perm, require
from civicdesk.organizations.audit import audit
from civicdesk.organizations.models import Brand, Channel, Membership
from civicdesk.publishing import bilingual
from civicdesk.publishing.checks import (
    bilingual_choices,
    blocking_reasons,
    post_findings,
    publishes_in,
    saved_wording,
)
from civicdesk.publishing.models import (
    Approval,
    Campaign,
    Pillar,
    Post,
    PostStatus,
    PostVariant,
    Publication,
)
from civicdesk.publishing.models import PublicationState as S
from civicdesk.publishing.sets import set_of
from civicdesk.publishing.state import LIVE_OR_UNKNOWN, PENDING, can_move, move, move_many
from civicdesk.publishing.tasks import remove_publication
from civicdesk.rules import Finding

MAX_TEXT = 100_000


@dataclass(frozen=True)
class Draft:
    """What an author writes: text per language, optionally overridden per channel."""

    title: str
    texts: Mapping[str, str]
    channels: Sequence[Channel]
    scheduled_at: datetime | None = None
    pillar: Pillar | None = None
    campaign: Campaign | None = None
    # (language, channel id) -> text, where one channel needs its own wording.
    overrides: Mapping[tuple[str, int], str] | None = None
    link: str = ""


def _validate(brand: Brand, draft: Draft) -> None:
    errors: dict[str, list[str]] = {}
    if not draft.title.strip():
        errors.setdefault("title", []).append("Give the post a title for the team.")
    texts = {lang: text for lang, text in draft.texts.items() if text.strip()}
    if not texts:
        errors.setdefault("texts", []).append("Write the post in at least one language.")
    if any(len(text) > MAX_TEXT for text in draft.texts.values()):
        errors.setdefault("texts", []).append("The text is too long.")
    if not draft.channels:
        errors.setdefault("channels", []).append("Choose at least one channel.")
    for channel in draft.channels:
        if channel.brand_id != brand.pk:
            errors.setdefault("channels", []).append(f"{channel} is not a channel of {brand}.")
    if draft.scheduled_at is not None and timezone.is_naive(draft.scheduled_at):
        errors.setdefault("scheduled_at", []).append("The time must carry a time zone.")
    for item, name in ((draft.pillar, "pillar"), (draft.campaign, "campaign")):
        if item is not None and item.organization_id != brand.organization_id:
            errors.setdefault(name, []).append(f"That {name} belongs to another organization.")
    if errors:
        raise ValidationError(errors)


def _languages_for(channel: Channel, languages: Sequence[str]) -> list[str]:
    return [lang for lang in languages if publishes_in(channel, lang)]


def _build_variants(post: Post, draft: Draft) -> list[bilingual.Choice]:
    """Make the variants and one publication per variant and channel match the draft.

    A channel asking for one bilingual post gets one publication joining the official
    languages where they fit (``publishing/bilingual.py``), else one per language; the
    choices are returned for the audit log. A publication whose channel, language and
    wording are unchanged is kept as it is, with its attempt ledger; the others are replaced.
    """
    texts = {lang: text for lang, text in draft.texts.items() if text.strip()}
    overrides = draft.overrides or {}
    choices = bilingual_choices(
        channels=draft.channels, texts=texts, overrides=overrides, post=post
    )
    # (channel id, language) -> (wording, whether it is that channel's own wording, the
    # versions a bilingual publication joins)
    wanted: dict[tuple[int, str], tuple[str, bool, tuple[tuple[str, str], ...]]] = {}
    # A bilingual publication's further languages in the channel's own wording.
    joined_own: dict[tuple[int, str], str] = {}
    channels = {channel.pk: channel for channel in draft.channels}
    for channel in draft.channels:
        choice = choices.get(channel.pk)
        joined = choice.versions if choice is not None and choice.combined else ()
        joined_languages = [lang for lang, _text in joined]
        for lang in _languages_for(channel, sorted(texts)):
            own = overrides.get((lang, channel.pk), "").strip()
            is_own = bool(own) and own != texts[lang]
            text = own if is_own else texts[lang]
            if lang in joined_languages[1:]:
                if is_own:
                    joined_own[(channel.pk, lang)] = text
                continue
            wanted[(channel.pk, lang)] = (text, is_own, joined if lang in joined_languages else ())
    if not wanted:
        raise ValidationError(
            {"channels": ["None of the chosen channels publishes in the post's languages."]}
        )
    kept: dict[tuple[int, str], Publication] = {}
    for publication in post.publications.select_related("variant"):
        key = (publication.channel_id, publication.variant.language)
        variant = publication.variant
        if (
            key in wanted
            and wanted[key][:2] == (variant.text, variant.channel_id is not None)
            and bilingual.versions_of(publication) == wanted[key][2]
            and variant.link == draft.link
            and key not in kept
        ):
            kept[key] = publication
    post.publications.exclude(pk__in=[p.pk for p in kept.values()]).delete()
    post.variants.exclude(pk__in=[p.variant_id for p in kept.values()]).delete()
    base = {v.language: v for v in post.variants.filter(channel__isnull=True)}
    publications = []
    for (channel_id, lang), (text, is_own, joined) in wanted.items():
        if (channel_id, lang) in kept:
            continue
        if is_own:
            variant = PostVariant.objects.create(
                post=post, language=lang, channel=channels[channel_id], text=text, link=draft.link
            )
        else:
            if lang not in base:
                base[lang] = PostVariant.objects.create(
                    post=post, language=lang, text=text, link=draft.link
                )
            variant = base[lang]
        publications.append(
            Publication(
                post=post,
                variant=variant,
                channel=channels[channel_id],
                scheduled_at=post.scheduled_at,
                next_attempt_at=post.scheduled_at,
                languages=[language for language, _text in joined],
            )
        )
    Publication.objects.bulk_create(publications)
    PostVariant.objects.bulk_create(
        PostVariant(
            post=post, language=lang, channel=channels[channel_id], text=text, link=draft.link
        )
        for (channel_id, lang), text in joined_own.items()
    )
    # A text none of the chosen accounts publishes is kept all the same: the checks ask for
    # an account in that language, and adding it later must not mean writing the text again.
    for lang, text in texts.items():
        if lang not in base:
            base[lang] = PostVariant.objects.create(
                post=post, language=lang, text=text, link=draft.link
            )
    return list(choices.values())


def _bilingual_record(choices: Sequence[bilingual.Choice]) -> list[dict[str, object]]:
    return [choice.record() for choice in choices]


def draft_of(post: Post) -> Draft:
    """The post as its author last wrote it (to decide its publications again)."""
    texts, overrides = saved_wording(post)
    link = next((v.link for v in post.variants.all() if v.link), "")
    return Draft(
        title=post.title,
        texts=texts,
        channels=list(post.channels.select_related("brand__organization")),
        scheduled_at=post.scheduled_at,
        pillar=post.pillar,
        campaign=post.campaign,
        overrides=overrides,
        link=link,
    )


@transaction.atomic
def post_create(*, brand: Brand, actor: Person, draft: Draft) -> Post:
    require(actor, brand, Perm.COMPOSE)
    if brand.archived_at is not None:
        raise ValidationError(
            _("%(brand)s is archived: it takes no new posts.") % {"brand": brand.name}
        )
    _validate(brand, draft)
    post = Post.objects.create(
        brand=brand,
        author=actor,
        title=draft.title.strip()[:200],
        pillar=draft.pillar,
        campaign=draft.campaign,
        scheduled_at=draft.scheduled_at,
    )
    post.channels.set(draft.channels)
    choices = _build_variants(post, draft)
    audit(
        organization=brand.organization_id,
        actor=actor,
        action="post.create",
        target=post,
        data={
            "title": post.title,
            "languages": sorted(draft.texts),
            "channels": [c.pk for c in draft.channels],
            **({"bilingual": _bilingual_record(choices)} if choices else {}),
        },
    )
    archive.note("post", post.pk, actor=actor, why="post.create")
    return post


def _lock(post: Post) -> Post:
    return Post.objects.select_for_update().select_related("brand").get(pk=post.pk)


def _content_of(post: Post) -> tuple[object, ...]:
    # A channel's own wording beside the post's (channel None) must still sort.
    variants = sorted((v.language, v.channel_id or 0, v.text, v.link) for v in post.variants.all())
    return (tuple(variants), tuple(sorted(post.channels.values_list("pk", flat=True))))


@transaction.atomic
def post_update(*, post: Post, actor: Person, draft: Draft) -> Post:
    """Edit a post. A change of content resets any approval; a change of time alone re-arms."""
    post = _lock(post)
    require(actor, post.brand, Perm.COMPOSE)
    _refuse_editing(post)
    _validate(post.brand, draft)
    if draft.scheduled_at != post.scheduled_at:
        _refuse_time_before_now(draft.scheduled_at)
    before = _content_of(post)
    old_time = post.scheduled_at
    post.title = draft.title.strip()[:200]
    post.pillar = draft.pillar
    post.campaign = draft.campaign
    post.scheduled_at = draft.scheduled_at
    post.channels.set(draft.channels)
    # Build the new content in a savepoint to compare it with the old.
    choices = _build_variants(post, draft)
    content_changed = _content_of(post) != before
    if content_changed:
        post.revision += 1
        post.status = PostStatus.DRAFT
        # Any approval is void: every publication still to go out is a draft again.
        move_many(
            post.publications.all(),
            S.DRAFT,
            sources=PENDING,
            scheduled_at=post.scheduled_at,
            next_attempt_at=post.scheduled_at,
            status_reason="Edited; approve again.",
        )
    else:
        # Same content: keep the workflow state, only the time moves.
        _restore_states(post)
    post.save()
    audit(
        organization=post.brand.organization_id,
        actor=actor,
        action="post.update",
        target=post,
        data={
            "revision": post.revision,
            "content_changed": content_changed,
            "scheduled_at": post.scheduled_at,
            "previous_scheduled_at": old_time,
            **({"bilingual": _bilingual_record(choices)} if choices else {}),
        },
    )
    archive.note("post", post.pk, actor=actor, why="post.update")
    return post


def _refuse_editing(post: Post) -> None:
    """What stops any change of a post: cancelled, or part of it already on a platform."""
    if post.status == PostStatus.CANCELLED:
        raise ValidationError(_("This post was cancelled."))
    if post.publications.filter(state__in=LIVE_OR_UNKNOWN).exists():
        raise ValidationError(
            _("Part of this post is already published or being published; it cannot be edited.")
        )


def _refuse_time_before_now(at: datetime | None) -> None:
    """A new time must still be ahead: a post moved into the past would only be missed."""
    if at is not None and at < timezone.now():
        raise ValidationError(
            {"scheduled_at": [_("This time has already passed: choose a time still to come.")]}
        )


@transaction.atomic
def post_reschedule(*, post: Post, at: datetime, actor: Person, via: str = "") -> Post:
    """Move a post to a new time and change nothing else (the calendar's drag, its keys and
    its "move to" control).

    The checks are the edit form's: who may edit, a cancelled or locked post, a time that has
    passed. As after a time-only edit, the approval holds and the post stays where it stood.
    """
    post = _lock(post)
    require(actor, post.brand, Perm.COMPOSE)
    _refuse_editing(post)
    if timezone.is_naive(at):
        raise ValidationError(_("The time must carry a time zone."))
    _refuse_time_before_now(at)
    old_time = post.scheduled_at
    post.scheduled_at = at
    _restore_states(post)
    post.save(update_fields=["scheduled_at", "updated_at"])
    audit(
        organization=post.brand.organization_id,
        actor=actor,
        action="post.reschedule",
        target=post,
        data={
            "revision": post.revision,
            "scheduled_at": at,
            "previous_scheduled_at": old_time,
            "via": via,
        },
    )
    archive.note("post", post.pk, actor=actor, why="post.reschedule")
    return post


def _restore_states(post: Post) -> None:
    """After a time-only edit: put the rebuilt publications back where the post stands."""
    if post.status == PostStatus.APPROVED:
        state = S.SCHEDULED if post.scheduled_at else S.APPROVED
    elif post.status == PostStatus.IN_REVIEW:
        state = S.IN_REVIEW
    else:
        state = S.DRAFT
    sources = [s for s in PENDING | {S.CANCELLED} if s == state or can_move(s, state)]
    move_many(
        post.publications.all(),
        state,
        sources=sources,
        scheduled_at=post.scheduled_at,
        next_attempt_at=post.scheduled_at,
        status_reason="",
    )


def time_already_past(at: datetime | None, *, now: datetime | None = None) -> bool:
    """Whether a post due at ``at`` would be missed: the publisher gives up on a publication
    more than PUBLISH_MISSED_AFTER_SECONDS past its time."""
    if at is None:
        return False
    now = now or timezone.now()
    return at < now - timedelta(seconds=settings.PUBLISH_MISSED_AFTER_SECONDS)


def _refuse_past_time(post: Post, sentence: str) -> None:
    if time_already_past(post.scheduled_at):
        raise ValidationError(sentence)


def _refuse_blocking(post: Post, sentence: str, findings: Sequence[Finding] | None = None) -> None:
    # blocking_reasons speaks the reader's language; so does the sentence before them.
    blocking = blocking_reasons(post, findings)
    if blocking:
        raise ValidationError([sentence, *blocking])


@transaction.atomic
def post_submit(*, post: Post, actor: Person) -> Post:
    """Send a draft for approval: refused while a finding blocks it or its time has passed,
    as approval would refuse it (the same check decides both)."""
    post = _lock(post)
    require(actor, post.brand, Perm.COMPOSE)
    if post.status != PostStatus.DRAFT:
        raise ValidationError(_("Only a draft can be submitted for approval."))
    _refuse_past_time(
        post,
        gettext(
            "The scheduled time has already passed, so the post would be missed: choose a new "
            "time before submitting it for approval."
        ),
    )
    # Images and their descriptions may have changed since the post was saved: a bilingual
    # account's choice is made again on what will be approved.
    choices = _build_variants(post, draft_of(post)) if _asks_bilingual(post) else []
    _refuse_blocking(post, gettext("This post cannot be submitted for approval until it is fixed:"))
    post.status = PostStatus.IN_REVIEW
    post.save(update_fields=["status", "updated_at"])
    move_many(post.publications.all(), S.IN_REVIEW, sources=[S.DRAFT, S.MISSED], status_reason="")
    audit(
        organization=post.brand.organization_id,
        actor=actor,
        action="post.submit",
        target=post,
        data={
            "revision": post.revision,
            **({"bilingual": _bilingual_record(choices)} if choices else {}),
        },
    )
    archive.note("post", post.pk, actor=actor, why="post.submit")
    return post


def _asks_bilingual(post: Post) -> bool:
    return post.channels.filter(bilingual_post=True).exists()


def approvals_needed(post: Post) -> int:
    done = post.approvals.filter(revision=post.revision, approved=True).count()
    return max(0, post.brand.approval_tiers - done)


def _is_named_approver(user_id: int, post: Post, name: str) -> bool:
    """The policy names an approver by user name or by business area (e.g. "legal")."""
    if get_user_model().objects.filter(pk=user_id, username__iexact=name).exists():
        return True
    return (
        Membership.objects.filter(
            user_id=user_id, organization_id=post.brand.organization_id, business_area__iexact=name
        )
        .filter(Q(brand=post.brand) | Q(brand__isnull=True))
        .exists()
    )


def named_approvers_missing(post: Post, findings: Sequence[Finding] | None = None) -> list[str]:
    """Approvers the policy requires for words in this post who have not approved it yet."""
    required = sorted(
        {
            f.data.get("approver", "")
            for f in (post_findings(post) if findings is None else findings)
            if f.code == "words.needs_approval" and f.data.get("approver")
        }
    )
    approvers = list(
        post.approvals.filter(revision=post.revision, approved=True).values_list(
            "approver_id", flat=True
        )
    )
    return [
        name
        for name in required
        if not any(_is_named_approver(uid, post, name) for uid in approvers)
    ]


@transaction.atomic
def post_approve(*, post: Post, actor: Person, comment: str = "") -> Post:
    post = _lock(post)
    require(actor, post.brand, Perm.APPROVE)
    if post.status != PostStatus.IN_REVIEW:
        raise ValidationError(_("Only a post in review can be approved."))
    if post.author_id == actor.pk:
        raise PermissionDenied(_("No one approves their own post."))
    _refuse_past_time(
        post,
        gettext(
            "The scheduled time has already passed, so the post would be missed: it needs a new "
            "time before it can be approved."
        ),
    )
    # The post's findings once: they decide both whether it may be approved and who must.
    findings = post_findings(post)
    _refuse_blocking(post, gettext("This post cannot be approved until it is fixed:"), findings)
    current = post.approvals.filter(revision=post.revision, approved=True)
    if current.filter(approver_id=actor.pk).exists():
        raise PermissionDenied(_("You have already approved this version; another approver must."))
    tier = current.count() + 1
    Approval.objects.create(
        post=post,
        approver=actor,
        tier=tier,
        revision=post.revision,
        approved=True,
        comment=comment[:5000],
    )
    if tier >= post.brand.approval_tiers and not named_approvers_missing(post, findings):
        post.status = PostStatus.APPROVED
        post.save(update_fields=["status", "updated_at"])
        _arm(post)
    audit(
        organization=post.brand.organization_id,
        actor=actor,
        action="post.approve",
        target=post,
        data={"revision": post.revision, "tier": tier, "of": post.brand.approval_tiers},
    )
    archive.note("post", post.pk, actor=actor, why="post.approve")
    return post


@transaction.atomic
def post_approve_with_series(
    *, post: Post, approvals: Sequence[tuple[Person, str]], series_id: int
) -> Post:
    """Approve an occurrence of a recurring post whose series was approved once
    (publishing/recurrence.py): the series' approvals are recorded on it, tier by tier.

    The checks of an approval still apply to it: a time past or a blocking finding refuses, and
    an approver the policy names for its words must still approve it (it waits in review).
    """
    post = _lock(post)
    if post.status not in (PostStatus.DRAFT, PostStatus.IN_REVIEW):
        raise ValidationError(_("Only a draft or a post in review can be approved."))
    if len({approver.pk for approver, _comment in approvals}) < post.brand.approval_tiers:
        raise ValidationError(_("The series has fewer approvals than the brand requires."))
    if any(approver.pk == post.author_id for approver, _comment in approvals):
        raise PermissionDenied(_("No one approves their own post."))
    _refuse_past_time(post, gettext("The scheduled time has already passed."))
    findings = post_findings(post)
    _refuse_blocking(post, gettext("This post cannot be approved until it is fixed:"), findings)
    for tier, (approver, comment) in enumerate(approvals, start=1):
        Approval.objects.create(
            post=post,
            approver=approver,
            tier=tier,
            revision=post.revision,
            approved=True,
            comment=(comment or "Approved with its recurring series.")[:5000],
        )
    move_many(post.publications.all(), S.IN_REVIEW, sources=[S.DRAFT], status_reason="")
    post.status = PostStatus.IN_REVIEW
    if not named_approvers_missing(post, findings):
        post.status = PostStatus.APPROVED
        _arm(post)
    post.save(update_fields=["status", "updated_at"])
    audit(
        organization=post.brand.organization_id,
        actor=None,
        action="post.approve",
        target=post,
        data={"revision": post.revision, "series": series_id, "tiers": len(approvals)},
    )
    return post


def _arm(post: Post) -> None:
    """Approved publications with a time become scheduled; without one, they wait."""
    target = S.SCHEDULED if post.scheduled_at else S.APPROVED
    move_many(
        post.publications.all(),
        target,
        sources=[S.IN_REVIEW, S.APPROVED, S.MISSED],
        scheduled_at=post.scheduled_at,
        next_attempt_at=post.scheduled_at,
        status_reason="",
    )


@transaction.atomic
def post_send_back(*, post: Post, actor: Person, comment: str) -> Post:
    post = _lock(post)
    require(actor, post.brand, Perm.APPROVE)
    if post.status not in (PostStatus.IN_REVIEW, PostStatus.APPROVED):
        raise ValidationError(_("Only a post in review or approved can be sent back."))
    if not comment.strip():
        raise ValidationError(_("Say what needs to change."))
    if post.publications.filter(state__in=LIVE_OR_UNKNOWN).exists():
        raise ValidationError(_("Part of this post is already being published."))
    Approval.objects.create(
        post=post,
        approver=actor,
        tier=0,
        revision=post.revision,
        approved=False,
        comment=comment[:5000],
    )
    post.status = PostStatus.DRAFT
    post.save(update_fields=["status", "updated_at"])
    move_many(
        post.publications.all(),
        S.DRAFT,
        sources=PENDING,
        status_reason=f"Sent back: {comment}"[:500],
    )
    audit(
        organization=post.brand.organization_id,
        actor=actor,
        action="post.send_back",
        target=post,
        data={"revision": post.revision, "comment": comment},
    )
    archive.note("post", post.pk, actor=actor, why="post.send_back")
    return post


@transaction.atomic
def post_cancel(*, post: Post, actor: Person) -> Post:
    """Delete a post from the plan: everything not yet sent is cancelled."""
    post = _lock(post)
    require(actor, post.brand, Perm.COMPOSE)
    if post.status == PostStatus.APPROVED and post.author_id != actor.pk:
        # Once approved, another person's post is withdrawn only by someone who controls
        # publishing, not by any author.
        require(actor, post.brand, Perm.PUBLISH_CONTROL)
    cancelled = move_many(
        post.publications.all(), S.CANCELLED, sources=PENDING, status_reason="The post was deleted."
    )
    if not post.publications.filter(state__in=LIVE_OR_UNKNOWN).exists():
        post.status = PostStatus.CANCELLED
        post.save(update_fields=["status", "updated_at"])
    audit(
        organization=post.brand.organization_id,
        actor=actor,
        action="post.cancel",
        target=post,
        data={"cancelled_publications": cancelled},
    )
    archive.note("post", post.pk, actor=actor, why="post.cancel")
    return post


@transaction.atomic
def publication_retry(
    *, publication: Publication, actor: Person, at: datetime | None = None
) -> Publication:
    """Send a failed, missed or withheld publication again, now or at a new time.

    The other languages of its set that were withheld because of it go again with it: a
    language set is only ever sent whole.
    """
    publication = (
        Publication.objects.select_for_update().select_related("post__brand").get(pk=publication.pk)
    )
    require(actor, publication.post.brand, Perm.PUBLISH_CONTROL)
    if publication.post.status != PostStatus.APPROVED:
        raise ValidationError(_("Only an approved post can be sent again."))
    if publication.state not in (S.FAILED, S.MISSED, S.WITHHELD):
        raise ValidationError(_("Only a failed or missed publication can be sent again."))
    when = at or timezone.now()
    if not move(
        publication,
        S.SCHEDULED,
        scheduled_at=when,
        next_attempt_at=when,
        attempts=0,
        status_reason="Sent again by hand.",
    ):
        raise ValidationError(_("This publication changed meanwhile; reload and try again."))
    partners = [m.pk for m in set_of(publication) if m.pk != publication.pk]
    rearmed = move_many(
        Publication.objects.filter(pk__in=partners),
        S.SCHEDULED,
        sources=[S.WITHHELD],
        scheduled_at=when,
        next_attempt_at=when,
        attempts=0,
        status_reason="Sent again by hand with its other languages.",
    )
    audit(
        organization=publication.post.brand.organization_id,
        actor=actor,
        action="publication.retry",
        target=publication,
        data={"at": when, "with_other_languages": rearmed},
    )
    return publication


@transaction.atomic
def publication_remove(*, publication: Publication, actor: Person) -> Publication:
    """Take a published post down from its platform (the record stays in Civic Desk)."""
    publication = (
        Publication.objects.select_for_update()
        .select_related("post__brand", "channel")
        .get(pk=publication.pk)
    )
    require(actor, publication.post.brand, Perm.PUBLISH_CONTROL)
    if publication.state != S.PUBLISHED:
        raise ValidationError(_("Only a published post can be removed from its platform."))
    channel = publication.channel
    if not supports(channel, Capability.DELETE):
        raise ValidationError(
            limitation(channel, Capability.DELETE)
            or _("%(platform)s does not allow this from Civic Desk.")
            % {"platform": channel.get_platform_display()}
        )
    move(publication, S.DELETING, status_reason="Being removed from the platform.")
    audit(
        organization=publication.post.brand.organization_id,
        actor=actor,
        action="publication.remove",
        target=publication,
        data={"remote_id": publication.remote_id, "channel": publication.channel_id},
    )
    archive.note("publication", publication.pk, actor=actor, why="publication.remove")
    transaction.on_commit(partial(remove_publication.enqueue, publication.pk))
    return publication
