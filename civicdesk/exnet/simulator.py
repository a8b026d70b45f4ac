"""The simulated public: accounts that react to the teams' posts on the exercise network.

``simulate`` does one interval's worth of activity, so a worker can call it on every tick and
the ``exnet_simulate`` command can call it in a loop. With a seed, the same state gives the
same activity. All writes go through the network's services, so inbox events are real.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.utils import timezone

from civicdesk.exnet import services
from civicdesk.exnet.bank import FIRST_NAMES, LAST_NAMES, PLACES, MessageBank, default_bank
from civicdesk.exnet.models import NetAccount, NetFollow, NetPost

RECENT = timedelta(hours=48)
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


class _Crowd:
    """The simulated accounts, joined by new ones now and then."""

    def __init__(self, rng: random.Random, report: SimulationReport) -> None:
        self.rng = rng
        self.report = report
        self.members = list(NetAccount.objects.filter(is_simulated=True).order_by("pk"))
        self.taken = {h.lower() for h in NetAccount.objects.values_list("handle", flat=True)}

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
        account, _ = services.create_account(
            handle=handle, display_name=f"{first} {last}", simulated=True, bio=bio
        )
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
) -> SimulationReport:
    """Write ``rate_per_minute`` messages a minute (on average) for ``seconds`` of time."""
    rng = random.Random(seed)
    now = now or timezone.now()
    bank = bank or default_bank()
    report = SimulationReport()
    teams = list(NetAccount.objects.filter(is_simulated=False).order_by("pk"))
    if not teams:
        report.note = "no team accounts to react to"
        return report
    recent = list(
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
    threads = list(
        NetPost.objects.filter(root__in=recent, deleted_at=None)
        .select_related("account", "root")
        .order_by("-id")[:50]
    )
    crowd = _Crowd(rng, report)
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
    text = text.replace("{handle}", addressed).replace("{place}", rng.choice(PLACES))
    if category == "direct":
        services.send_direct_message(sender=author, recipient=team, text=text, now=when)
        target = team.handle
    else:
        post = services.create_post(
            account=author,
            text=text[: services.MAX_WEIGHTED_CHARS],
            in_reply_to=target_post.pk if target_post else None,
            now=when,
        ).obj
        target = str(target_post.pk) if target_post else team.handle
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
        if services.like_post(account=liker, post=post, now=now):
            report.likes += 1
            report.actions.append(SimulatedAction("like", liker.handle, str(post.pk)))
    for _ in range(_rounded(rng, expected * 0.3)):
        post = rng.choice(recent)
        sharer = crowd.someone(rng.choice(["en", "fr"]))
        if services.repost_post(account=sharer, post=post, now=now):
            report.reposts += 1
            report.actions.append(SimulatedAction("repost", sharer.handle, str(post.pk)))
    for _ in range(_rounded(rng, expected * 0.2)):
        team = rng.choice(teams)
        fan = crowd.someone(rng.choice(["en", "fr"]))
        if not NetFollow.objects.filter(follower=fan, followee=team).exists():
            services.follow_account(follower=fan, followee=team, now=now)
            report.follows += 1
            report.actions.append(SimulatedAction("follow", fan.handle, team.handle))
    # Views: every recent post is seen by some, the newest by more.
    for rank, post in enumerate(recent):
        views = _rounded(rng, expected * 12 * rng.uniform(0.5, 1.5) / (1 + rank))
        if views:
            services.record_impressions(post_ids=[post.pk], count=views)
            report.impressions += views
