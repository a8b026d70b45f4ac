"""The simulated public: accounts that react to the teams' posts on the exercise network.

``simulate`` does one interval's worth of activity, so a worker can call it on every tick and
the ``exnet_simulate`` command can call it in a loop. With a seed, the same state gives the
same activity. All writes go through the network's services, so inbox events are real.

A history of many intervals (the demo's) is simulated into a ``SimulationBatch`` and written
at once through the services' bulk path: the same rows and inbox events, far fewer statements.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.utils import timezone

from civicdesk.exnet import services
from civicdesk.exnet.bank import FIRST_NAMES, LAST_NAMES, PLACES, MessageBank, default_bank
from civicdesk.exnet.models import (
    NetAccount,
    NetBlock,
    NetDirectMessage,
    NetFollow,
    NetLike,
    NetPost,
    NetRepost,
)

RECENT = timedelta(hours=48)
THREADS = 50  # the newest answers under recent posts, which new answers may answer
MAX_MESSAGES_PER_CALL = 500
BIOS = {
    "en": [
        "Commuter.",
        "Dad of three, drives a lot.",
        "Cyclist. Opinions my own.",
        "Small business owner.",
        "Retired teacher.",
        "",
    ],
    "fr": [
        "Navetteuse.",
        "Maman de deux enfants.",
        "Cycliste du dimanche.",
        "Commerçant du quartier.",
        "",
    ],
}


@dataclass(frozen=True)
class SimulatedAction:
    kind: str  # comment, reply, mention, direct, spam, hostile, like, repost, follow
    author: str
    target: str  # a post id or an account handle
    text: str = ""


@dataclass
class SimulationReport:
    messages: int = 0
    likes: int = 0
    reposts: int = 0
    follows: int = 0
    impressions: int = 0
    new_accounts: int = 0
    actions: list[SimulatedAction] = field(default_factory=list)
    note: str = ""


def _rounded(rng: random.Random, expected: float) -> int:
    """An integer whose average is ``expected``: fractions carry over as a chance."""
    whole = int(expected)
    return whole + (1 if rng.random() < expected - whole else 0)


def _weighted(rng: random.Random, weights: dict[str, float]) -> str:
    names = sorted(weights)
    return rng.choices(names, weights=[weights[n] for n in names])[0]


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in folded.lower() if ch.isalnum())


class _Direct:
    """Each action written at once through the network's services: a live tick."""

    def __init__(self) -> None:
        self.members = list(NetAccount.objects.filter(is_simulated=True).order_by("pk"))
        self.taken = {h.lower() for h in NetAccount.objects.values_list("handle", flat=True)}

    def recent(self, now: datetime) -> list[NetPost]:
        return _recent(now)

    def threads(self, recent: list[NetPost]) -> list[NetPost]:
        return _threads(recent)

    def join(self, *, handle: str, display_name: str, bio: str) -> NetAccount:
        account, _ = services.create_account(
            handle=handle, display_name=display_name, simulated=True, bio=bio
        )
        return account

    def post(
        self, *, author: NetAccount, text: str, parent: NetPost | None, when: datetime
    ) -> NetPost:
        in_reply_to = parent.pk if parent else None
        return services.create_post(
            account=author, text=text, in_reply_to=in_reply_to, now=when
        ).obj

    def direct(
        self, *, sender: NetAccount, recipient: NetAccount, text: str, when: datetime
    ) -> None:
        services.send_direct_message(sender=sender, recipient=recipient, text=text, now=when)

    def like(self, *, account: NetAccount, post: NetPost, when: datetime) -> bool:
        return services.like_post(account=account, post=post, now=when)

    def repost(self, *, account: NetAccount, post: NetPost, when: datetime) -> bool:
        return services.repost_post(account=account, post=post, now=when)

    def follow(self, *, follower: NetAccount, followee: NetAccount, when: datetime) -> bool:
        if NetFollow.objects.filter(follower=follower, followee=followee).exists():
            return False
        return services.follow_account(follower=follower, followee=followee, now=when)

    def views(self, *, post: NetPost, count: int) -> None:
        services.record_impressions(post_ids=[post.pk], count=count)


def _key(obj: NetAccount | NetPost) -> tuple[str, int]:
    # A row written later has no id yet; until then it is known by the object itself.
    return ("pk", obj.pk) if obj.pk is not None else ("new", id(obj))


class SimulationBatch:
    """Many intervals of activity kept in memory, then written at once by ``write``.

    For a history (the demo's 90 days): the same activity as calling ``simulate`` interval
    by interval, with the same inbox events, in a few statements instead of several per row.
    What the intervals read (recent posts, threads, who already likes or follows what) is
    read from the database once and kept up to date in memory.
    """

    def __init__(self) -> None:
        direct = _Direct()
        self.members, self.taken = direct.members, direct.taken
        self.writes = services.BulkWrites()
        self._replies: list[NetPost] = []  # unsaved answers, oldest first
        self._liked: set[tuple[tuple[str, int], int]] = set()
        self._reposted: set[tuple[tuple[str, int], int]] = set()
        self._followed: set[tuple[tuple[str, int], int]] = set()
        self._read_reactions: set[int] = set()  # post ids whose likes and reposts are known
        self._read_follows: set[int] = set()  # team ids whose followers are known
        self._new: dict[int, NetAccount] = {}  # unsaved accounts by object id

    def recent(self, now: datetime) -> list[NetPost]:
        # Only team posts are recent, and the batch writes none: the database has them all.
        recent = _recent(now)
        unread = [p.pk for p in recent if p.pk not in self._read_reactions]
        if unread:
            for account_id, post_id in NetLike.objects.filter(post_id__in=unread).values_list(
                "account_id", "post_id"
            ):
                self._liked.add((("pk", account_id), post_id))
            for account_id, post_id in NetRepost.objects.filter(post_id__in=unread).values_list(
                "account_id", "post_id"
            ):
                self._reposted.add((("pk", account_id), post_id))
            self._read_reactions.update(unread)
        return recent

    def threads(self, recent: list[NetPost]) -> list[NetPost]:
        # Newest first: the batch's own answers are newer than any in the database.
        roots = {p.pk for p in recent}
        mine = [p for p in reversed(self._replies) if p.root is not None and p.root.pk in roots]
        return (mine + _threads(recent))[:THREADS]

    def join(self, *, handle: str, display_name: str, bio: str) -> NetAccount:
        account = services.simulated_account(handle=handle, display_name=display_name, bio=bio)
        self.writes.accounts.append(account)
        self._new[id(account)] = account
        return account

    def post(
        self, *, author: NetAccount, text: str, parent: NetPost | None, when: datetime
    ) -> NetPost:
        root = (parent.root or parent) if parent else None
        post = NetPost(account=author, text=text, in_reply_to=parent, root=root, created_at=when)
        self.writes.messages.append(post)
        if parent is not None:
            self._replies.append(post)
        return post

    def direct(
        self, *, sender: NetAccount, recipient: NetAccount, text: str, when: datetime
    ) -> None:
        message = NetDirectMessage(sender=sender, recipient=recipient, text=text, created_at=when)
        self.writes.messages.append(message)

    def like(self, *, account: NetAccount, post: NetPost, when: datetime) -> bool:
        if (_key(account), post.pk) in self._liked:
            return False
        self._liked.add((_key(account), post.pk))
        self.writes.likes.append(NetLike(account=account, post=post, created_at=when))
        return True

    def repost(self, *, account: NetAccount, post: NetPost, when: datetime) -> bool:
        if (_key(account), post.pk) in self._reposted:
            return False
        self._reposted.add((_key(account), post.pk))
        self.writes.reposts.append(NetRepost(account=account, post=post, created_at=when))
        return True

    def follow(self, *, follower: NetAccount, followee: NetAccount, when: datetime) -> bool:
        if followee.pk not in self._read_follows:
            for follower_id in NetFollow.objects.filter(followee=followee).values_list(
                "follower_id", flat=True
            ):
                self._followed.add((("pk", follower_id), followee.pk))
            self._read_follows.add(followee.pk)
        if (_key(follower), followee.pk) in self._followed:
            return False
        self._followed.add((_key(follower), followee.pk))
        self.writes.follows.append(NetFollow(follower=follower, followee=followee, created_at=when))
        return True

    def views(self, *, post: NetPost, count: int) -> None:
        self.writes.impressions[post.pk] = self.writes.impressions.get(post.pk, 0) + count

    def write(self) -> None:
        """Write everything kept so far, in one transaction; the batch starts empty again."""
        services.bulk_write(self.writes)
        self.writes = services.BulkWrites()
        self._replies = []
        # The written accounts now have ids: known from now on by those.
        self._liked = self._by_id(self._liked)
        self._reposted = self._by_id(self._reposted)
        self._followed = self._by_id(self._followed)
        self._new = {}

    def _by_id(self, pairs: set[tuple[tuple[str, int], int]]) -> set[tuple[tuple[str, int], int]]:
        return {(_key(self._new[k[1]]) if k[0] == "new" else k, p) for k, p in pairs}


Network = _Direct | SimulationBatch


def _recent(now: datetime) -> list[NetPost]:
    return list(
        NetPost.objects.filter(
            account__is_simulated=False,
            deleted_at=None,
            in_reply_to=None,
            created_at__gte=now - RECENT,
            created_at__lte=now,
        )
        .select_related("account")
        .order_by("-created_at", "-id")[:30]
    )


def _threads(recent: list[NetPost]) -> list[NetPost]:
    return list(
        NetPost.objects.filter(root__in=recent, deleted_at=None)
        .select_related("account", "root")
        .order_by("-id")[:THREADS]
    )


class _Crowd:
    """The simulated accounts, joined by new ones now and then."""

    def __init__(self, rng: random.Random, report: SimulationReport, network: Network) -> None:
        self.rng = rng
        self.report = report
        self.network = network
        self.members = network.members
        self.taken = network.taken
        # (blocker, blocked): a blocked member of the public no longer reaches that team.
        self.blocks = set(NetBlock.objects.values_list("blocker_id", "blocked_id"))

    def someone(self, language: str) -> NetAccount:
        if len(self.members) < 5 or self.rng.random() < 0.2:
            return self._join(language)
        return self.rng.choice(self.members)

    def _join(self, language: str) -> NetAccount:
        first = self.rng.choice(FIRST_NAMES.get(language, FIRST_NAMES["en"]))
        last = self.rng.choice(LAST_NAMES.get(language, LAST_NAMES["en"]))
        base = f"{_ascii(first)}_{_ascii(last)}"[:24]
        handle = base
        while handle.lower() in self.taken:
            handle = f"{base}{self.rng.randint(1, 9999)}"
        bio = self.rng.choice(BIOS.get(language, BIOS["en"]))
        account = self.network.join(handle=handle, display_name=f"{first} {last}", bio=bio)
        self.taken.add(handle.lower())
        self.members.append(account)
        self.report.new_accounts += 1
        return account


def simulate(
    *,
    seconds: float,
    rate_per_minute: float,
    seed: int | None = None,
    now: datetime | None = None,
    bank: MessageBank | None = None,
    batch: SimulationBatch | None = None,
) -> SimulationReport:
    """Write ``rate_per_minute`` messages a minute (on average) for ``seconds`` of time.

    With a ``batch``, nothing is written yet: the activity waits in the batch for its
    ``write``, and the next interval simulated into the batch sees it.
    """
    rng = random.Random(seed)
    now = now or timezone.now()
    bank = bank or default_bank()
    report = SimulationReport()
    teams = list(NetAccount.objects.filter(is_simulated=False).order_by("pk"))
    if not teams:
        report.note = "no team accounts to react to"
        return report
    network: Network = batch if batch is not None else _Direct()
    recent = network.recent(now)
    threads = network.threads(recent)
    crowd = _Crowd(rng, report, network)
    expected = max(0.0, rate_per_minute) * max(0.0, seconds) / 60
    count = min(_rounded(rng, expected), MAX_MESSAGES_PER_CALL)
    start = now - timedelta(seconds=max(0.0, seconds))
    for index in range(count):
        when = start + timedelta(seconds=seconds * (index + 1) / (count + 1))
        _one_message(rng, bank, crowd, teams, recent, threads, when, report)
    _reactions(rng, crowd, teams, recent, expected, now, report)
    return report


def _one_message(
    rng: random.Random,
    bank: MessageBank,
    crowd: _Crowd,
    teams: list[NetAccount],
    recent: list[NetPost],
    threads: list[NetPost],
    when: datetime,
    report: SimulationReport,
) -> None:
    category = _weighted(rng, dict(bank.weights))
    language = _weighted(rng, dict(bank.language_weights))
    if category == "reply" and not threads:
        category = "comment"
    if category in ("comment", "spam", "hostile") and not recent:
        category = "mention"
    author = crowd.someone(language)
    texts = bank.pick(language, category)
    if not texts:
        return
    team = rng.choice(teams)
    text = rng.choice(texts)
    target_post: NetPost | None = None
    if category == "reply":
        target_post = rng.choice(threads[:15])
        addressed = target_post.account.handle
    elif category in ("comment", "spam", "hostile"):
        # Newer posts draw more of the conversation.
        target_post = rng.choice(recent[: min(len(recent), 5)] if rng.random() < 0.7 else recent)
        addressed = team.handle
    else:
        addressed = team.handle
    reached = {team.pk} if target_post is None else {target_post.account_id, team.pk}
    if any((owner, author.pk) in crowd.blocks for owner in reached):
        return
    text = text.replace("{handle}", addressed).replace("{place}", rng.choice(PLACES))
    try:
        if category == "direct":
            crowd.network.direct(sender=author, recipient=team, text=text, when=when)
        else:
            post = crowd.network.post(
                author=author,
                text=text[: services.MAX_WEIGHTED_CHARS],
                parent=target_post,
                when=when,
            )
    except services.NetError as error:
        if error.code == "blocked":
            return  # someone further up the thread blocked this member of the public
        raise
    if category == "direct":
        target = team.handle
    else:
        # An answer to a post still waiting in a batch has no id to name yet.
        target = str(target_post.pk or "") if target_post else team.handle
        if target_post is not None:
            threads.insert(0, post)
    report.messages += 1
    report.actions.append(SimulatedAction(category, author.handle, target, text))


def _reactions(
    rng: random.Random,
    crowd: _Crowd,
    teams: list[NetAccount],
    recent: list[NetPost],
    expected: float,
    now: datetime,
    report: SimulationReport,
) -> None:
    """Likes, reposts, follows and views: the quiet majority, roughly in step with messages."""
    if not recent:
        return
    for _ in range(_rounded(rng, expected * 1.5)):
        post = rng.choice(recent)
        liker = crowd.someone(rng.choice(["en", "fr"]))
        if crowd.network.like(account=liker, post=post, when=now):
            report.likes += 1
            report.actions.append(SimulatedAction("like", liker.handle, str(post.pk)))
    for _ in range(_rounded(rng, expected * 0.3)):
        post = rng.choice(recent)
        sharer = crowd.someone(rng.choice(["en", "fr"]))
        if crowd.network.repost(account=sharer, post=post, when=now):
            report.reposts += 1
            report.actions.append(SimulatedAction("repost", sharer.handle, str(post.pk)))
    for _ in range(_rounded(rng, expected * 0.2)):
        team = rng.choice(teams)
        fan = crowd.someone(rng.choice(["en", "fr"]))
        if crowd.network.follow(follower=fan, followee=team, when=now):
            report.follows += 1
            report.actions.append(SimulatedAction("follow", fan.handle, team.handle))
    # Views: every recent post is seen by some, the newest by more.
    for rank, post in enumerate(recent):
        views = _rounded(rng, expected * 12 * rng.uniform(0.5, 1.5) / (1 + rank))
        if views:
            crowd.network.views(post=post, count=views)
            report.impressions += views
