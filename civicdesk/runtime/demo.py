"""The demo organization: a transport ministry with two brands and 90 days of history.

Everything runs through the product's own code: posts through the publishing actions,
the public's messages through the exercise network (its services' bulk path: the same rows
and inbox events as one at a time) and the inbox's ingest over HTTP, metrics through the
collector. Only the past is back-dated.

Seeding is all or nothing. The local part (organization, history, the public's reactions,
the plan ahead) is one transaction. The rest goes over HTTP to the web server, so it must
commit as it goes: the seed writes a "started" event to the audit log with the network's
high-water marks, and a "seeded" event only at the very end. A failure deletes what the
seed wrote (``demo_wipe``), and a start that finds a demo organization without the
"seeded" event (the process was killed mid-seed) deletes it and seeds again.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext

from civicdesk.analytics.collect import collect_channel
from civicdesk.analytics.models import MetricSnapshot
from civicdesk.claims import services as claim_services
from civicdesk.connectors.exnet.connector import MAX_PAGE as EXNET_MAX_PAGE
from civicdesk.exnet import services as net
from civicdesk.exnet.models import (
    NetAccount,
    NetPost,
)
from civicdesk.exnet.simulator import SimulationBatch, simulate
from civicdesk.inbox import routing, targets
from civicdesk.inbox.ingest import ingest_channel
from civicdesk.inbox.models import (
    InboundMessage,
    MessageStatus,
    Priority,
    Reply,
    ReplyState,
    ResponseTarget,
    RoutingRule,
)
from civicdesk.listening.listen import fetch_term
from civicdesk.listening.models import FollowedTerm, FollowKind
from civicdesk.listening.services import term_follow
from civicdesk.organizations import services as org_services
from civicdesk.organizations.audit import audit
from civicdesk.organizations.models import (
    AuditEvent,
    Brand,
    BusinessArea,
    Channel,
    Organization,
    Role,
)
from civicdesk.publishing import recurrence
from civicdesk.publishing import services as pub_services
from civicdesk.publishing.models import (
    DEFAULT_PILLARS,
    Campaign,
    Pillar,
    Post,
    Publication,
    PublicationState,
)
from civicdesk.publishing.state import move, move_many
from civicdesk.runtime import demo_content
from civicdesk.runtime.demo_wipe import SEED_STARTED, demo_wipe, network_marks

logger = logging.getLogger(__name__)

DEMO_SLUG = "ministry-of-transport-and-infrastructure"
DEMO_PASSWORD = "civicdesk-demo"
SEED_COMPLETED = "demo.seeded"


@dataclass(frozen=True)
class DemoBrand:
    name: str
    purpose: str
    channels: list[tuple[str, str, list[str]]]  # handle, display name, languages


BRANDS = [
    DemoBrand(
        name="Road Conditions",
        purpose="Timely road information so travellers know what they need to know to move "
        "themselves, goods and services along our highways.",
        channels=[
            ("roadconditions", "Road Conditions", ["en", "fr"]),
            ("roadconditions_north", "Road Conditions North", ["en", "fr"]),
        ],
    ),
    DemoBrand(
        name="Transport Insights",
        purpose="Education and context around the ministry's work and why we do it, to "
        "foster trust and accessibility with the public.",
        channels=[
            ("transportinsights", "Transport Insights", ["en"]),
            ("transportinsights_fr", "Transports en bref", ["fr"]),
            ("transportinsights_video", "Transport Insights Video", ["en", "fr"]),
            ("transportinsights_news", "Transport Insights Newsroom", ["en", "fr"]),
        ],
    ),
]

# username → (role, brand index or None for every brand)
PEOPLE = [
    ("admin", Role.ADMIN, None),
    ("manager", Role.MANAGER, None),
    ("author", Role.AUTHOR, None),
    ("approver", Role.APPROVER, None),
    ("responder", Role.RESPONDER, None),
    ("analyst", Role.ANALYST, None),
    ("viewer", Role.VIEWER, 0),
]


@dataclass
class DemoInfo:
    organization: Organization
    logins: list[tuple[str, str, str]] = field(default_factory=list)  # user, password, role
    created: bool = False


# The installation's operator: the Django admin, and creating organizations. Not a member
# of any organization, and no organization's admin is an operator.
OPERATOR = "operator"


def demo_logins() -> list[tuple[str, str, str]]:
    people = [(name, DEMO_PASSWORD, str(role.label)) for name, role, _ in PEOPLE]
    return [*people, (OPERATOR, DEMO_PASSWORD, gettext("Installation operator"))]


def demo_is_complete(org: Organization) -> bool:
    return AuditEvent.objects.filter(organization=org, action=SEED_COMPLETED).exists()


def seed_demo_fully(*, days: int = 90, seed: int = 2024, now: datetime | None = None) -> DemoInfo:
    """Seed, then pull the public's messages in through the inbox and collect metrics.

    Idempotent once complete; an incomplete demo organization is deleted and seeded again.
    """
    now = now or timezone.now()
    existing = Organization.objects.filter(slug=DEMO_SLUG).first()
    if existing is not None:
        if demo_is_complete(existing):
            return DemoInfo(existing, demo_logins(), created=False)
        logger.warning("The demo organization was not fully seeded; seeding it again.")
        demo_wipe(existing)
    info = seed_demo(days=days, seed=seed, now=now)
    try:
        channels = list(Channel.objects.filter(brand__organization=info.organization))
        for channel in channels:
            # The network's largest pages: the seed reads its whole history at once.
            report = ingest_channel(channel.pk, max_pages=1000, page_size=EXNET_MAX_PAGE)
            if report.error:
                raise RuntimeError(f"Reading the inbox of @{channel.handle}: {report.error}")
        answer_some_messages(now=now)
        for term in FollowedTerm.objects.filter(organization=info.organization):
            fetch_term(term)
        for channel in channels:
            collected = collect_channel(channel.pk, now=now)
            if collected.error:
                raise RuntimeError(f"Collecting metrics of @{channel.handle}: {collected.error}")
        backfill_metrics(days=days, now=now)
        audit(
            organization=info.organization,
            actor=None,
            action=SEED_COMPLETED,
            data={"days": days, "now": now},
        )
    except BaseException:
        # Also on Ctrl+C (SystemExit from the demo command): leave no half-seeded demo.
        try:
            demo_wipe(info.organization)
        except Exception:
            logger.exception("Could not delete the half-seeded demo; the next start will.")
        raise
    return info


def seed_demo(*, days: int = 90, seed: int = 2024, now: datetime | None = None) -> DemoInfo:
    """The local part of the seed, in one transaction. Idempotent."""
    existing = Organization.objects.filter(slug=DEMO_SLUG).first()
    if existing is not None:
        return DemoInfo(existing, demo_logins(), created=False)
    rng = random.Random(seed)
    now = now or timezone.now()
    with transaction.atomic():
        marks = network_marks()
        org, brands, users, new_users = _organization(now)
        audit(
            organization=org,
            actor=None,
            action=SEED_STARTED,
            data={"network": marks, "new_users": new_users, "days": days},
        )
        _routing(org, users)
        _claims(org, users)
        _listening(org, users)
        history = _history(org, brands, users, days=days, rng=rng, now=now)
        _public_reactions(history, rng=rng, now=now)
        _upcoming(org, brands, users, rng=rng, now=now)
        _recurring(org, brands, users, now=now)
    return DemoInfo(org, demo_logins(), created=True)


def _organization(
    now: datetime,
) -> tuple[Organization, list[Brand], dict[str, Any], list[str]]:
    org = org_services.organization_create(
        name="Ministry of Transport and Infrastructure",
        time_zone="America/Vancouver",
        official_languages=["en", "fr"],
    )
    Pillar.objects.bulk_create(
        [
            Pillar(organization=org, slug=slug, name=name, target_percent=PILLAR_TARGETS.get(slug))
            for slug, name in DEFAULT_PILLARS
        ]
    )
    for name, description in demo_content.CAMPAIGNS:
        Campaign.objects.create(
            organization=org,
            name=name,
            description=description,
            starts_on=(now - timedelta(days=60)).date(),
            ends_on=(now + timedelta(days=60)).date(),
        )
    brands: list[Brand] = []
    for spec in BRANDS:
        brand = org_services.brand_create(organization=org, name=spec.name, purpose=spec.purpose)
        for handle, display, languages in spec.channels:
            account = NetAccount.objects.filter(handle=handle).first()
            if account is None:
                account, token = net.create_account(
                    handle=handle, display_name=display, bio=spec.purpose[:300]
                )
            else:
                token = net.rotate_token(account=account)
            org_services.channel_create(
                brand=brand,
                platform="exnet",
                handle=handle,
                display_name=display,
                languages=languages,
                credentials={"token": token},
            )
        brands.append(brand)
    User = get_user_model()
    users: dict[str, Any] = {}
    new_users: list[str] = []
    for username, role, brand_index in PEOPLE:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User.objects.create_user(
                username,
                password=DEMO_PASSWORD,
                first_name=username.capitalize(),
            )
            new_users.append(username)
        scope = brands[brand_index] if brand_index is not None else None
        org_services.membership_grant(user=user, organization=org, role=role, brand=scope)
        users[username] = user
    if not User.objects.filter(username=OPERATOR).exists():
        User.objects.create_superuser(OPERATOR, password=DEMO_PASSWORD, first_name="Operator")
        new_users.append(OPERATOR)
    return org, brands, users, new_users


def _claims(org: Organization, users: dict[str, Any]) -> None:
    """The rumours the public repeats on the network: two published with their correction,
    one still being checked. The public's messages are matched to them as they are read."""
    for statement, topic, status, publish, texts, sources in demo_content.CLAIMS:
        claim = claim_services.claim_create(
            organization=org,
            statement=statement,
            topic=topic,
            status=status,
            owner=users["responder"],
            texts={
                code: {"title": title, "facts": facts, "correction": correction}
                for code, (title, facts, correction) in texts.items()
            },
            sources=[{"label": label, "url": url} for label, url in sources],
            actor=users["responder"],
        )
        if publish:
            claim_services.claim_approve(version=claim.versions.get(), actor=users["approver"])


# The ministry's two business areas and the rules that route the public's messages to them,
# with its response-time targets: every message ingested below is routed and given a due time.
DEMO_AREAS = {
    "Road operations": "road\nhighway\nclosed\ncrash\nsnow\npothole\ndetour\nbridge\nroute",
    "Travel information": "ferry\nbus\ntransit\nschedule\ntravel\nwebsite\ncamera",
}


def _routing(org: Organization, users: dict[str, Any]) -> None:
    admin = users["admin"]
    week = {day: [(time(8, 30), time(16, 30))] for day in range(5)}
    targets.hours_set(organization=org, week=week, actor=admin)
    targets.target_save(
        organization=org,
        target=ResponseTarget(category="emergency", minutes=15, business_hours=False),
        actor=admin,
    )
    targets.target_save(organization=org, target=ResponseTarget(minutes=240), actor=admin)
    areas = {name: BusinessArea.objects.create(organization=org, name=name) for name in DEMO_AREAS}
    areas["Road operations"].members.add(users["manager"])
    routing.rule_save(
        organization=org,
        rule=RoutingRule(
            name="Emergencies",
            category="emergency",
            route_to_area=areas["Road operations"],
            set_priority=Priority.URGENT,
        ),
        actor=admin,
    )
    for name, phrases in DEMO_AREAS.items():
        routing.rule_save(
            organization=org,
            rule=RoutingRule(name=name, phrases=phrases, route_to_area=areas[name]),
            actor=admin,
        )


# What the demo's team follows beyond its own inbox: the bridge, in both languages, and the
# road works' hashtag.
DEMO_FOLLOWED = (
    (FollowKind.KEYWORD, "bridge"),
    (FollowKind.KEYWORD, "pont"),
    (FollowKind.HASHTAG, "ConeZone"),
)


def _listening(org: Organization, users: dict[str, Any]) -> None:
    channel = (
        Channel.objects.filter(brand__organization=org, platform="exnet", is_active=True)
        .order_by("pk")
        .first()
    )
    if channel is None:
        return
    for kind, value in DEMO_FOLLOWED:
        term_follow(actor=users["manager"], channel=channel, kind=kind, value=value)


def covering_channels(
    chosen: Sequence[Channel], channels: Sequence[Channel], languages: Sequence[str]
) -> list[Channel]:
    """The chosen channels, plus a sibling for each official language none of them carries.

    A team never sends a post only to its French account: the English sibling goes out
    with it, so the post as a whole speaks every official language.
    """
    picked = list(chosen)
    for language in languages:
        if any(language in (c.languages or languages) for c in picked):
            continue
        siblings = [
            c for c in channels if c not in picked and language in (c.languages or languages)
        ]
        # The account made for that language first (fewest languages), then in brand order.
        siblings.sort(key=lambda c: len(c.languages or languages))
        if siblings:
            picked.append(siblings[0])
    return picked


@dataclass
class Published:
    publication: Publication
    net_post: NetPost
    account: NetAccount


def _history(
    org: Organization,
    brands: list[Brand],
    users: dict[str, Any],
    *,
    days: int,
    rng: random.Random,
    now: datetime,
) -> list[Published]:
    """About one post a day for ``days`` days, approved and published in the past."""
    pillars = {p.slug: p for p in Pillar.objects.filter(organization=org)}
    campaigns = list(Campaign.objects.filter(organization=org))
    channels_of = {brand.pk: list(brand.channels.all()) for brand in brands}
    accounts = {
        a.handle: a
        for a in NetAccount.objects.filter(
            handle__in=[c.handle for cs in channels_of.values() for c in cs]
        )
    }
    done: list[Published] = []
    for day in range(days, 0, -1):
        for _ in range(rng.choice((0, 1, 1, 2))):
            brand = rng.choice(brands)
            pillar, en, fr = rng.choice(demo_content.POSTS)
            channels = channels_of[brand.pk]
            chosen = rng.sample(channels, k=min(len(channels), rng.choice((1, 2, 2, 3))))
            chosen = covering_channels(chosen, channels, org.official_languages)
            when = (now - timedelta(days=day)).replace(
                hour=rng.choice((15, 17, 19, 22)),
                minute=rng.choice((0, 15, 30)),
                second=0,
                microsecond=0,
            )
            # Approved without a time, then back-dated: the actions rightly refuse a time
            # that has already passed.
            draft = pub_services.Draft(
                title=en[:60],
                texts={"en": en, "fr": fr},
                channels=chosen,
                pillar=pillars.get(pillar),
                campaign=rng.choice(campaigns + [None, None]),
            )
            post = pub_services.post_create(brand=brand, actor=users["author"], draft=draft)
            pub_services.post_submit(post=post, actor=users["author"])
            pub_services.post_approve(post=post, actor=users["approver"])
            Post.objects.filter(pk=post.pk).update(scheduled_at=when)
            # Through the state machine like a real send: armed, claimed, then published.
            move_many(
                post.publications.all(),
                PublicationState.SCHEDULED,
                sources=[PublicationState.APPROVED],
                scheduled_at=when,
                next_attempt_at=when,
            )
            move_many(
                post.publications.all(),
                PublicationState.PUBLISHING,
                sources=[PublicationState.SCHEDULED],
            )
            for publication in post.publications.select_related("channel", "variant"):
                account = accounts[publication.channel.handle]
                done.append(Published(publication, _net_post(publication, account, when), account))
    _publish_in_the_past(done)
    return done


def _net_post(publication: Publication, account: NetAccount, when: datetime) -> NetPost:
    return NetPost(
        account=account,
        text=publication.variant.text,
        client_ref=str(publication.idempotency_key),
        created_at=when + timedelta(seconds=2),
    )


def _publish_in_the_past(done: list[Published]) -> None:
    """The network takes every post at once; each publication then settles as published."""
    net.bulk_write(net.BulkWrites(messages=[item.net_post for item in done]))
    for item in done:
        publication, post = item.publication, item.net_post
        move(
            publication,
            PublicationState.PUBLISHED,
            remote_id=str(post.pk),
            published_at=post.created_at,
            remote_url=_post_url(item.account, post),
            attempts=1,
        )


def _post_url(account: NetAccount, post: NetPost) -> str:
    return f"{settings.SITE_URL}/exnet/@{account.handle}/posts/{post.pk}/"


def _public_reactions(history: list[Published], *, rng: random.Random, now: datetime) -> None:
    """The simulated public reacts in the hours after each day's first post."""
    first_of_day: dict[object, datetime] = {}
    for item in history:
        day = item.net_post.created_at.date()
        first_of_day[day] = min(
            first_of_day.get(day, item.net_post.created_at), item.net_post.created_at
        )
    window = timedelta(hours=10)
    # Each day is simulated in memory and the whole history written at once: row by row it
    # was most of the seed's time.
    batch = SimulationBatch()
    for started in sorted(first_of_day.values()):
        end = min(started + window, now)
        simulate(
            seconds=(end - started).total_seconds(),
            rate_per_minute=0.025,
            seed=rng.randint(0, 2**31),
            now=end,
            batch=batch,
        )
    batch.write()


# The demo's targets for the month's mix of posts (the pillar balance screen), in percent.
PILLAR_TARGETS = {
    "customer-service": 25,
    "safety": 20,
    "news": 15,
    "education": 10,
    "engagement": 10,
    "emergency": 5,
    "trust": 5,
    "humanizing": 5,
    "history": 5,
}
TRAFFIC_UPDATE = (
    "Morning traffic update: main routes are open. Check current road conditions before you go.",
    "Info trafic du matin : les grands axes sont ouverts. Vérifiez l'état des routes avant "
    "de partir.",
)


def _recurring(
    org: Organization, brands: list[Brand], users: dict[str, Any], *, now: datetime
) -> None:
    """The morning traffic update on Road Conditions: every weekday at 07:30 local time, each
    occurrence approved on its own; the next three are approved already."""
    brand = next(b for b in brands if b.name == "Road Conditions")
    en, fr = TRAFFIC_UPDATE
    series = recurrence.series_create(
        brand=brand,
        actor=users["author"],
        draft=recurrence.SeriesDraft(
            title="Morning traffic update",
            texts={"en": en, "fr": fr},
            channels=list(brand.channels.all()),
            starts_on=timezone.localdate(now, org.tz) + timedelta(days=1),
            local_time=time(7, 30),
            rule="FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
            pillar=Pillar.objects.filter(organization=org, slug="customer-service").first(),
        ),
    )
    for post in series.occurrences.order_by("occurrence_at")[:3]:
        pub_services.post_approve(post=post, actor=users["approver"])


def _upcoming(
    org: Organization,
    brands: list[Brand],
    users: dict[str, Any],
    *,
    rng: random.Random,
    now: datetime,
) -> None:
    """A plan for the coming days: approved, in review and draft posts."""
    pillars = {p.slug: p for p in Pillar.objects.filter(organization=org)}
    plan = [
        (timedelta(minutes=3), "approve"),
        (timedelta(hours=5), "approve"),
        (timedelta(days=1, hours=2), "review"),
        (timedelta(days=2), "draft"),
        (timedelta(days=4), "approve"),
    ]
    for n, (offset, stage) in enumerate(plan):
        brand = brands[n % len(brands)]
        pillar, en, fr = demo_content.POSTS[(n * 5) % len(demo_content.POSTS)]
        channels = list(brand.channels.all())
        chosen = covering_channels(
            rng.sample(channels, k=min(len(channels), 2)), channels, org.official_languages
        )
        draft = pub_services.Draft(
            title=en[:60],
            texts={"en": en, "fr": fr},
            channels=chosen,
            scheduled_at=now + offset,
            pillar=pillars.get(pillar),
        )
        post = pub_services.post_create(brand=brand, actor=users["author"], draft=draft)
        if stage in ("review", "approve"):
            pub_services.post_submit(post=post, actor=users["author"])
        if stage == "approve":
            pub_services.post_approve(post=post, actor=users["approver"])


@transaction.atomic
def answer_some_messages(*, share: float = 0.6, seed: int = 7, now: datetime | None = None) -> int:
    """Back-dated answers from the responders to older messages, on the network too.

    The answers are written on the network in one batch, with the inbox events a reply
    one at a time would write.
    """
    rng = random.Random(seed)
    now = now or timezone.now()
    User = get_user_model()
    responder = User.objects.get(username="responder")
    cutoff = now - timedelta(days=2)
    messages = (
        InboundMessage.objects.filter(
            channel__brand__organization__slug=DEMO_SLUG,
            sent_at__lt=cutoff,
            status=MessageStatus.NEW,
        )
        .exclude(kind="direct")
        .select_related("channel", "conversation")
        .order_by("pk")
    )
    accounts = {
        a.handle: a
        for a in NetAccount.objects.filter(
            handle__in=Channel.objects.filter(brand__organization__slug=DEMO_SLUG).values("handle")
        )
    }
    chosen: list[tuple[InboundMessage, str, datetime]] = []
    for message in messages:
        if rng.random() > share:
            continue
        language = "fr" if message.language == "fr" else "en"
        text = rng.choice(demo_content.REPLIES[language])
        when = min(message.sent_at + timedelta(minutes=rng.randint(8, 600)), now)
        chosen.append((message, text, when))
    parents = NetPost.objects.select_related("root").in_bulk(
        [int(message.remote_id) for message, _, _ in chosen]
    )
    writes = net.BulkWrites()
    for message, text, when in chosen:
        parent = parents.get(int(message.remote_id))
        if parent is None or parent.deleted_at is not None:
            raise net.NetError("in_reply_to: no such post", code="no_such_post")
        writes.messages.append(
            NetPost(
                account=accounts[message.channel.handle],
                text=text,
                in_reply_to=parent,
                root=parent.root or parent,
                created_at=when,
            )
        )
    net.bulk_write(writes)
    replies: list[Reply] = []
    for (message, text, when), post in zip(chosen, writes.messages, strict=True):
        assert isinstance(post, NetPost)  # only posts were written above
        replies.append(
            Reply(
                message=message,
                conversation=message.conversation,
                author=responder,
                text=text,
                state=ReplyState.SENT,
                remote_id=str(post.pk),
                sent_at=when,
                attempts=1,
                remote_url=_post_url(accounts[message.channel.handle], post),
            )
        )
    Reply.objects.bulk_create(replies)
    # Answered, first at the time of its reply: one statement for them all.
    first_reply = (
        Reply.objects.filter(message=OuterRef("pk")).order_by("sent_at").values("sent_at")[:1]
    )
    InboundMessage.objects.filter(pk__in=[message.pk for message, _, _ in chosen]).update(
        status=MessageStatus.REPLIED, first_response_at=Subquery(first_reply)
    )
    return len(chosen)


def backfill_metrics(*, days: int = 90, seed: int = 11, now: datetime | None = None) -> int:
    """Daily account snapshots for the past, ending at today's real follower count."""
    rng = random.Random(seed)
    now = now or timezone.now()
    rows = []
    for channel in Channel.objects.filter(brand__organization__slug=DEMO_SLUG):
        latest = channel.snapshots.filter(publication__isnull=True).order_by("-captured_at").first()
        followers_now = (latest.followers if latest and latest.followers else 0) or 0
        base = max(0, int(followers_now * 0.8))
        for day in range(days, 0, -1):
            share = (days - day) / days
            rows.append(
                MetricSnapshot(
                    channel=channel,
                    captured_at=now - timedelta(days=day),
                    followers=int(base + (followers_now - base) * share),
                    impressions=rng.randint(300, 2500),
                    engagements=rng.randint(10, 160),
                )
            )
    MetricSnapshot.objects.bulk_create(rows)
    return len(rows)
