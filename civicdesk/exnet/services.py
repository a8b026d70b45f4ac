"""Actions that change the exercise network: accounts, posts, messages, reactions.

Every write that notifies someone goes through ``_notify``, which numbers inbox events per
recipient while holding a lock on the recipient's row, so a reader of "events after N" never
misses an event that commits later with a lower number.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import BigIntegerField, Case, F, Max, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Lower
from django.utils import timezone

from civicdesk.exnet.models import (
    EventKind,
    NetAccount,
    NetBlock,
    NetDirectMessage,
    NetEvent,
    NetFollow,
    NetLike,
    NetMedia,
    NetMention,
    NetPost,
    NetRepost,
)
from civicdesk.rules.video import CaptionsError, VideoError, read_captions, read_mp4

MAX_RAW_CHARS = 5000
MAX_WEIGHTED_CHARS = 500
URL_WEIGHT = 23
MAX_DM_CHARS = 2000
MAX_MEDIA_ITEMS = 4
MAX_MEDIA_BYTES = 5 * 1024 * 1024
# The network's video limits, as its platform description states them.
MAX_VIDEO_SECONDS = 300
VIDEO_CODECS = frozenset({"avc1", "hvc1"})
MEDIA_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp", "video/mp4"})

HANDLE_RE = re.compile(r"^[A-Za-z0-9_]{1,30}$")
MENTION_RE = re.compile(r"(?<![A-Za-z0-9_@])@([A-Za-z0-9_]{1,30})")
URL_RE = re.compile(r"https?://\S+", re.IGNORECASE)


class NetError(Exception):
    """A request the network refuses; ``status`` is the HTTP status the API answers with."""

    def __init__(self, message: str, *, status: int = 400, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code


@dataclass(frozen=True)
class MediaUpload:
    content_type: str
    data: bytes
    alt_text: str = ""
    # A video's captions, WebVTT.
    captions: str = ""


@dataclass(frozen=True)
class Created[T]:
    """The result of an idempotent create: the object, and whether this call made it."""

    obj: T
    created: bool


def check_text(value: str, name: str) -> str:
    """The value if the network can store it: valid Unicode without NUL characters.

    JSON may carry lone surrogates ("\\ud800") and NUL; SQLite cannot encode the first and
    PostgreSQL refuses the second, so both are refused here, as a 400, before any write.
    """
    if "\x00" in value:
        raise NetError(f"{name} contains a NUL character", code="bad_text")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise NetError(
            f"{name} is not valid Unicode (it has a lone surrogate)", code="bad_unicode"
        ) from None
    return value


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return "exn_" + secrets.token_urlsafe(32)


def create_account(
    *, handle: str, display_name: str = "", simulated: bool = False, bio: str = ""
) -> tuple[NetAccount, str]:
    """A new account and its API token; the plain token is returned here and nowhere else."""
    if not HANDLE_RE.fullmatch(handle):
        raise NetError("a handle is 1-30 letters, digits or underscores")
    check_text(display_name, "display_name")
    check_text(bio, "bio")
    if NetAccount.objects.filter(handle__iexact=handle).exists():
        raise NetError(f"the handle @{handle} is taken", status=409, code="conflict")
    token = new_token()
    try:
        with transaction.atomic():
            account = NetAccount.objects.create(
                handle=handle,
                display_name=display_name[:80],
                bio=bio[:300],
                is_simulated=simulated,
                token_hash=hash_token(token),
                created_at=timezone.now(),
            )
    except IntegrityError:
        # Two sign-ups for one handle raced; the other one has it.
        raise NetError(f"the handle @{handle} is taken", status=409, code="conflict") from None
    return account, token


def rotate_token(*, account: NetAccount) -> str:
    token = new_token()
    NetAccount.objects.filter(pk=account.pk).update(token_hash=hash_token(token))
    return token


def account_for_token(token: str) -> NetAccount | None:
    # Our tokens are ASCII; anything else cannot match, and need not be hashed.
    if not token or not token.isascii():
        return None
    return NetAccount.objects.filter(token_hash=hash_token(token)).first()


def weighted_length(text: str) -> int:
    """Characters as the network counts them: every URL counts as 23."""
    return len(URL_RE.sub("x" * URL_WEIGHT, text))


def check_post_text(text: str, *, has_media: bool) -> None:
    check_text(text, "text")
    if len(text) > MAX_RAW_CHARS:
        raise NetError(f"text is longer than {MAX_RAW_CHARS} characters", code="too_long")
    if weighted_length(text) > MAX_WEIGHTED_CHARS:
        raise NetError(
            f"text is longer than {MAX_WEIGHTED_CHARS} characters (a link counts as {URL_WEIGHT})",
            code="too_long",
        )
    if not text.strip() and not has_media:
        raise NetError("a post needs text or media", code="empty")


def decode_media(items: object) -> list[MediaUpload]:
    """Media from a JSON body: [{content_type, data_base64, alt_text}]."""
    if items is None:
        return []
    if not isinstance(items, list):
        raise NetError("media must be a list")
    uploads = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise NetError(f"media[{index}] must be an object")
        content_type, data, alt = (
            item.get("content_type"),
            item.get("data_base64"),
            item.get("alt_text", ""),
        )
        captions = item.get("captions_vtt", "")
        if not isinstance(captions, str):
            raise NetError(f"media[{index}].captions_vtt must be a string")
        if not isinstance(content_type, str) or not isinstance(data, str):
            raise NetError(f"media[{index}] needs content_type and data_base64 strings")
        if not isinstance(alt, str):
            raise NetError(f"media[{index}].alt_text must be a string")
        try:
            raw = base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError):
            raise NetError(f"media[{index}].data_base64 is not valid base64") from None
        uploads.append(
            MediaUpload(content_type=content_type, data=raw, alt_text=alt, captions=captions)
        )
    return uploads


def check_media(media: list[MediaUpload]) -> None:
    if len(media) > MAX_MEDIA_ITEMS:
        raise NetError(f"at most {MAX_MEDIA_ITEMS} media items")
    for item in media:
        if item.content_type not in MEDIA_TYPES:
            raise NetError(f"unsupported media type {item.content_type[:60]!r}", status=415)
        if not item.data:
            raise NetError("a media item is empty")
        if len(item.data) > MAX_MEDIA_BYTES:
            raise NetError("a media item is larger than 5 MB", status=413, code="too_large")
        if len(item.alt_text) > 1500:
            raise NetError("alt text is longer than 1500 characters")
        check_text(item.alt_text, "alt_text")
        if item.content_type == "video/mp4":
            _check_video(item)
        elif item.captions:
            raise NetError("only a video has captions")


def _check_video(item: MediaUpload) -> None:
    try:
        video = read_mp4(item.data)
    except VideoError as exc:
        raise NetError(f"not a readable MP4 video: {exc}", status=415) from None
    if video.duration_seconds > MAX_VIDEO_SECONDS:
        raise NetError(f"a video is at most {MAX_VIDEO_SECONDS} seconds", code="too_long")
    if video.codec not in VIDEO_CODECS:
        raise NetError(f"video codec {video.codec!r} is not H.264 or H.265", status=415)
    if item.captions:
        try:
            read_captions(item.captions.encode())
        except CaptionsError as exc:
            raise NetError(f"captions: {exc}") from None


def create_post(
    *,
    account: NetAccount,
    text: str,
    in_reply_to: int | None = None,
    media: list[MediaUpload] | None = None,
    client_ref: str = "",
    now: datetime | None = None,
) -> Created[NetPost]:
    """Publish a post or reply; a repeated ``client_ref`` returns the first post unchanged."""
    media = media or []
    client_ref = check_text(client_ref.strip(), "Idempotency-Key")
    if len(client_ref) > 200:
        raise NetError("the Idempotency-Key is longer than 200 characters")
    if client_ref:
        existing = NetPost.objects.filter(account=account, client_ref=client_ref).first()
        if existing is not None:
            return Created(existing, False)
    check_post_text(text, has_media=bool(media))
    check_media(media)
    parent = None
    if in_reply_to is not None:
        parent = NetPost.objects.filter(pk=in_reply_to, deleted_at=None).first()
        if parent is None:
            raise NetError("in_reply_to: no such post", code="no_such_post")
        owners = {parent.account_id, (parent.root or parent).account_id}
        if NetBlock.objects.filter(blocker_id__in=owners, blocked=account).exists():
            raise NetError("you are blocked from answering this thread", status=403, code="blocked")
    when = now or timezone.now()
    try:
        with transaction.atomic():
            post = NetPost.objects.create(
                account=account,
                text=text,
                in_reply_to=parent,
                root=(parent.root or parent) if parent else None,
                client_ref=client_ref,
                created_at=when,
            )
            NetMedia.objects.bulk_create(
                NetMedia(
                    post=post,
                    content_type=item.content_type,
                    size=len(item.data),
                    alt_text=item.alt_text,
                    sha256=hashlib.sha256(item.data).hexdigest(),
                    captions=item.captions,
                )
                for item in media
            )
            mentioned = _mentioned_accounts(post)
            NetMention.objects.bulk_create(NetMention(post=post, account=a) for a in mentioned)
            _notify(_post_notifications(post, parent, mentioned), when=when)
    except IntegrityError:
        # Two requests with one key raced; the other one's post stands.
        existing = NetPost.objects.filter(account=account, client_ref=client_ref).first()
        if client_ref and existing is not None:
            return Created(existing, False)
        raise
    return Created(post, True)


def _mentioned_handles(text: str) -> list[str]:
    # At most 20 mentions a post notify anyone, so one post cannot flood the network.
    return sorted({match.lower() for match in MENTION_RE.findall(text)})[:20]


def _mentioned_accounts(post: NetPost) -> list[NetAccount]:
    handles = _mentioned_handles(post.text)
    if not handles:
        return []
    any_of = Q()
    for handle in handles:
        any_of |= Q(handle__iexact=handle)
    return list(NetAccount.objects.filter(any_of).exclude(pk=post.account_id))


def _post_notifications(
    post: NetPost, parent: NetPost | None, mentioned: Sequence[NetAccount]
) -> list[tuple[int, EventKind, NetPost | NetDirectMessage]]:
    """Who hears of a new post: the author answered, the thread's owner, everyone mentioned."""
    notes: dict[int, EventKind] = {}
    if parent is not None:
        if parent.account_id != post.account_id:
            top_level = parent.in_reply_to_id is None
            notes[parent.account_id] = EventKind.COMMENT if top_level else EventKind.REPLY
        root = post.root
        if root is not None and root.account_id not in notes:
            if root.account_id != post.account_id:
                notes[root.account_id] = EventKind.REPLY
    for account in mentioned:
        notes.setdefault(account.pk, EventKind.MENTION)
    return [(account_id, kind, post) for account_id, kind in notes.items()]


def _notify(
    notes: list[tuple[int, EventKind, NetPost | NetDirectMessage]], *, when: datetime
) -> None:
    """Write inbox events; must run inside the transaction that wrote their subject."""
    # Recipients in id order (a stable sort keeps each one's own order).
    ordered = sorted(notes, key=lambda note: note[0])
    _notify_in_order([(account_id, kind, subject, when) for account_id, kind, subject in ordered])


def delete_post(*, account: NetAccount, post_id: int) -> None:
    """Delete one's own post, or a reply someone left in one's own thread (moderation)."""
    post = NetPost.objects.select_related("root").filter(pk=post_id).first()
    if post is None:
        raise NetError("no such post", status=404, code="not_found")
    if post.account_id != account.pk and not _owns_thread(account, post):
        raise NetError(
            "you can only delete your own posts and replies in your own threads",
            status=403,
            code="forbidden",
        )
    # Deleting twice succeeds, so a client retrying after a lost response is not refused.
    NetPost.objects.filter(pk=post.pk, deleted_at=None).update(
        deleted_at=timezone.now(), deleted_by=account
    )


def _owns_thread(account: NetAccount, post: NetPost) -> bool:
    return post.root is not None and post.root.account_id == account.pk


def hide_reply(*, account: NetAccount, post_id: int, hidden: bool) -> NetPost:
    """Hide (or show again) a reply in one's own thread; hiding twice is harmless."""
    post = NetPost.objects.select_related("root").filter(pk=post_id, deleted_at=None).first()
    if post is None:
        raise NetError("no such post", status=404, code="not_found")
    if not _owns_thread(account, post) or post.account_id == account.pk:
        raise NetError(
            "you can only hide other people's replies in your own threads",
            status=403,
            code="forbidden",
        )
    if hidden and post.hidden_at is None:
        post.hidden_at = timezone.now()
    elif not hidden:
        post.hidden_at = None
    post.save(update_fields=["hidden_at"])
    return post


def block_account(*, blocker: NetAccount, blocked: NetAccount, now: datetime | None = None) -> bool:
    """Block an account; True if this call added the block (blocking twice is harmless)."""
    if blocker.pk == blocked.pk:
        raise NetError("you cannot block yourself")
    _, created = NetBlock.objects.get_or_create(
        blocker=blocker, blocked=blocked, defaults={"created_at": now or timezone.now()}
    )
    return created


def edit_post(*, account: NetAccount, post_id: int, text: str) -> NetPost:
    """Change the text of one's own post, as people do on real platforms after the fact."""
    post = visible_post(post_id)
    if post.account_id != account.pk:
        raise NetError("you can only edit your own posts", status=403, code="forbidden")
    check_post_text(text, has_media=post.media.exists())
    post.text = text
    post.edited_at = timezone.now()
    post.save(update_fields=["text", "edited_at"])
    return post


def send_direct_message(
    *,
    sender: NetAccount,
    recipient: NetAccount,
    text: str,
    client_ref: str = "",
    now: datetime | None = None,
) -> Created[NetDirectMessage]:
    client_ref = check_text(client_ref.strip(), "Idempotency-Key")
    if len(client_ref) > 200:
        raise NetError("the Idempotency-Key is longer than 200 characters")
    if client_ref:
        existing = NetDirectMessage.objects.filter(sender=sender, client_ref=client_ref).first()
        if existing is not None:
            return Created(existing, False)
    check_text(text, "text")
    if not text.strip():
        raise NetError("a message needs text", code="empty")
    if len(text) > MAX_DM_CHARS:
        raise NetError(f"a message is at most {MAX_DM_CHARS} characters", code="too_long")
    if recipient.pk == sender.pk:
        raise NetError("you cannot message yourself")
    if NetBlock.objects.filter(blocker=recipient, blocked=sender).exists():
        raise NetError("this account has blocked you", status=403, code="blocked")
    when = now or timezone.now()
    try:
        with transaction.atomic():
            message = NetDirectMessage.objects.create(
                sender=sender,
                recipient=recipient,
                text=text,
                client_ref=client_ref,
                created_at=when,
            )
            _notify([(recipient.pk, EventKind.DIRECT, message)], when=when)
    except IntegrityError:
        existing = NetDirectMessage.objects.filter(sender=sender, client_ref=client_ref).first()
        if client_ref and existing is not None:
            return Created(existing, False)
        raise
    return Created(message, True)


def visible_post(post_id: int) -> NetPost:
    post = NetPost.objects.select_related("account").filter(pk=post_id, deleted_at=None).first()
    if post is None:
        raise NetError("no such post", status=404, code="not_found")
    return post


def like_post(*, account: NetAccount, post: NetPost, now: datetime | None = None) -> bool:
    """Like a post; True if this call added the like (liking twice is harmless)."""
    _, created = NetLike.objects.get_or_create(
        account=account, post=post, defaults={"created_at": now or timezone.now()}
    )
    return created


def repost_post(*, account: NetAccount, post: NetPost, now: datetime | None = None) -> bool:
    _, created = NetRepost.objects.get_or_create(
        account=account, post=post, defaults={"created_at": now or timezone.now()}
    )
    return created


def follow_account(
    *, follower: NetAccount, followee: NetAccount, now: datetime | None = None
) -> bool:
    if follower.pk == followee.pk:
        raise NetError("you cannot follow yourself")
    _, created = NetFollow.objects.get_or_create(
        follower=follower, followee=followee, defaults={"created_at": now or timezone.now()}
    )
    return created


def record_impressions(*, post_ids: list[int], count: int = 1) -> None:
    """Count views; one UPDATE, so concurrent viewers never lose each other's counts."""
    if post_ids and count > 0:
        NetPost.objects.filter(pk__in=post_ids).update(impressions=F("impressions") + count)


# Bulk writes: a whole history of the public's activity at once (the demo seeds 90 days).
# The same checks and the same inbox events as the one-at-a-time actions above, written
# with a few statements instead of several per row.


def simulated_account(*, handle: str, display_name: str = "", bio: str = "") -> NetAccount:
    """A new simulated account, checked as ``create_account`` checks one, saved by
    ``bulk_write``. Its token is never shown: the simulator acts without the API."""
    if not HANDLE_RE.fullmatch(handle):
        raise NetError("a handle is 1-30 letters, digits or underscores")
    check_text(display_name, "display_name")
    check_text(bio, "bio")
    return NetAccount(
        handle=handle,
        display_name=display_name[:80],
        bio=bio[:300],
        is_simulated=True,
        token_hash=hash_token(new_token()),
        created_at=timezone.now(),
    )


@dataclass
class BulkWrites:
    """Unsaved rows in the order they happened. A post may answer a post, and any row may
    name an account, that is written in the same call."""

    accounts: list[NetAccount] = field(default_factory=list)
    # Posts and direct messages together: inbox events are numbered in this order.
    messages: list[NetPost | NetDirectMessage] = field(default_factory=list)
    likes: list[NetLike] = field(default_factory=list)
    reposts: list[NetRepost] = field(default_factory=list)
    follows: list[NetFollow] = field(default_factory=list)
    impressions: dict[int, int] = field(default_factory=dict)  # post id -> views


def bulk_write(writes: BulkWrites) -> None:
    """Write everything in one transaction, with the inbox events the actions would write."""
    posts = [m for m in writes.messages if isinstance(m, NetPost)]
    direct = [m for m in writes.messages if isinstance(m, NetDirectMessage)]
    _check_bulk(writes, posts, direct)
    with transaction.atomic():
        handles = [a.handle.lower() for a in writes.accounts]
        taken = NetAccount.objects.annotate(low=Lower("handle")).filter(low__in=handles)
        if len(set(handles)) != len(handles) or taken.exists():
            raise NetError("a handle is taken", status=409, code="conflict")
        NetAccount.objects.bulk_create(writes.accounts)
        _refuse_used_keys(posts)
        _save_posts_in_order(posts)
        NetDirectMessage.objects.bulk_create(direct)
        mentioned = _mentioned_in(posts)
        NetMention.objects.bulk_create(
            NetMention(post=post, account=account)
            for post in posts
            for account in mentioned[id(post)]
        )
        notes: list[tuple[int, EventKind, NetPost | NetDirectMessage, datetime]] = []
        for message in writes.messages:
            if isinstance(message, NetPost):
                parent = _cached(message, "in_reply_to")
                found = _post_notifications(message, parent, mentioned[id(message)])
            else:
                found = [(message.recipient_id, EventKind.DIRECT, message)]
            # One message's recipients in id order, as ``_notify`` numbers them.
            notes.extend((a, k, s, message.created_at) for a, k, s in sorted(found, key=_first))
        _notify_in_order(notes)
        NetLike.objects.bulk_create(writes.likes, ignore_conflicts=True)
        NetRepost.objects.bulk_create(writes.reposts, ignore_conflicts=True)
        NetFollow.objects.bulk_create(writes.follows, ignore_conflicts=True)
        _add_impressions(writes.impressions)


def _first(note: tuple[int, EventKind, NetPost | NetDirectMessage]) -> int:
    return note[0]


def _check_bulk(writes: BulkWrites, posts: list[NetPost], direct: list[NetDirectMessage]) -> None:
    for post in posts:
        check_post_text(post.text, has_media=False)
        check_text(post.client_ref, "Idempotency-Key")
        if len(post.client_ref) > 200:
            raise NetError("the Idempotency-Key is longer than 200 characters")
    for message in direct:
        check_text(message.text, "text")
        if not message.text.strip():
            raise NetError("a message needs text", code="empty")
        if len(message.text) > MAX_DM_CHARS:
            raise NetError(f"a message is at most {MAX_DM_CHARS} characters", code="too_long")
        if message.sender is message.recipient or (
            message.sender_id is not None and message.sender_id == message.recipient_id
        ):
            raise NetError("you cannot message yourself")
    for follow in writes.follows:
        if follow.follower is follow.followee or (
            follow.follower_id is not None and follow.follower_id == follow.followee_id
        ):
            raise NetError("you cannot follow yourself")


def _refuse_used_keys(posts: list[NetPost]) -> None:
    """A batch makes new posts only: an Idempotency-Key used before is refused, not answered
    with the first post as ``create_post`` answers a retry."""
    # An account written by this batch is known by its object until its posts are saved.
    keys = [
        (post.account_id if post.account_id is not None else post.account.pk, post.client_ref)
        for post in posts
        if post.client_ref
    ]
    if not keys:
        return
    if len(set(keys)) != len(keys):
        raise NetError("an Idempotency-Key is used twice", status=409, code="conflict")
    used = NetPost.objects.filter(
        account_id__in={account_id for account_id, _ in keys},
        client_ref__in={ref for _, ref in keys},
    ).values_list("account_id", "client_ref")
    if set(used) & set(keys):
        raise NetError("an Idempotency-Key was used before", status=409, code="conflict")


def _cached(post: NetPost, name: str) -> NetPost | None:
    """The post's parent or root as it was given (no query): it may have been unsaved."""
    descriptor = getattr(NetPost, name)
    if descriptor.is_cached(post):
        related: NetPost | None = descriptor.__get__(post)
        return related
    return None if getattr(post, f"{name}_id") is None else descriptor.__get__(post)


def _save_posts_in_order(posts: list[NetPost]) -> None:
    """Insert in the order given, so ids follow time as they do one post at a time; an
    answer to a post of the same run starts a new run, once its parent has an id."""
    run: list[NetPost] = []
    in_run: set[int] = set()
    for post in posts:
        parents = (_cached(post, "in_reply_to"), _cached(post, "root"))
        if any(p is not None and id(p) in in_run for p in parents):
            NetPost.objects.bulk_create(run)
            run, in_run = [], set()
        run.append(post)
        in_run.add(id(post))
    NetPost.objects.bulk_create(run)


def _mentioned_in(posts: list[NetPost]) -> dict[int, list[NetAccount]]:
    """Per post (by object id), the accounts it mentions, found with one query."""
    wanted = {id(post): _mentioned_handles(post.text) for post in posts}
    handles = {h for hs in wanted.values() for h in hs}
    by_handle: dict[str, list[NetAccount]] = {}
    if handles:
        found = NetAccount.objects.annotate(low=Lower("handle")).filter(low__in=handles)
        for account in found:
            by_handle.setdefault(account.handle.lower(), []).append(account)
    return {
        id(post): [
            account
            for handle in wanted[id(post)]
            for account in by_handle.get(handle, [])
            if account.pk != post.account_id
        ]
        for post in posts
    }


def _notify_in_order(
    notes: list[tuple[int, EventKind, NetPost | NetDirectMessage, datetime]],
) -> None:
    """Inbox events numbered per recipient in the order given; must run inside the
    transaction that wrote their subjects."""
    if not notes:
        return
    recipient_ids = sorted({account_id for account_id, _, _, _ in notes})
    # Lock recipients in id order so two writers never wait on each other in a cycle.
    locked = {
        a.pk: a
        for a in NetAccount.objects.select_for_update().filter(pk__in=recipient_ids).order_by("pk")
    }
    events = []
    for account_id, kind, subject, when in notes:
        recipient = locked[account_id]
        recipient.last_event_seq += 1
        events.append(
            NetEvent(
                recipient=recipient,
                seq=recipient.last_event_seq,
                kind=kind,
                post=subject if isinstance(subject, NetPost) else None,
                direct_message=subject if isinstance(subject, NetDirectMessage) else None,
                created_at=when,
            )
        )
    NetEvent.objects.bulk_create(events, batch_size=1000)
    # Each recipient's newest number, in one statement (the rows are still locked).
    newest = (
        NetEvent.objects.filter(recipient=OuterRef("pk"))
        .values("recipient")
        .annotate(top=Max("seq"))
        .values("top")
    )
    NetAccount.objects.filter(pk__in=recipient_ids).update(last_event_seq=Subquery(newest))


def _add_impressions(views: dict[int, int]) -> None:
    """Add each post's views in place, like ``record_impressions``, 200 posts a statement."""
    items = sorted((pk, n) for pk, n in views.items() if n > 0)
    for start in range(0, len(items), 200):
        chunk = items[start : start + 200]
        extra = Case(
            *[When(pk=pk, then=Value(n)) for pk, n in chunk],
            default=Value(0),
            output_field=BigIntegerField(),
        )
        NetPost.objects.filter(pk__in=[pk for pk, _ in chunk]).update(
            impressions=F("impressions") + extra
        )
