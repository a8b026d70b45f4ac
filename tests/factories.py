"""Builders for test data: an organization with brands, channels, people in each role,
posts and inbound messages. Every helper is keyword-only and goes through the same
service functions the product uses, so the audit log and invariants hold in tests too.

Typical use::

    world = make_world()                      # Europe/Paris, en + fr, two brands
    post = make_post(brand=world.brand, author=world.author)
    message = make_message(channel=world.channel, text="When does the bridge reopen?")
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from civicdesk.inbox.models import Author, Conversation, InboundMessage
from civicdesk.organizations import services as org_services
from civicdesk.organizations.models import Brand, Channel, Membership, Organization, Role
from civicdesk.publishing import services as publishing
from civicdesk.publishing.models import Campaign, Pillar, Post

PASSWORD = "correct-Horse-7-battery"
_seq = itertools.count(1)


def make_user(*, username: str | None = None, password: str = PASSWORD) -> AbstractBaseUser:
    """A user who can sign in with ``password``."""
    username = username or f"user{next(_seq)}"
    return get_user_model().objects.create_user(username=username, password=password)


def make_organization(
    *,
    name: str | None = None,
    time_zone: str = "Europe/Paris",
    languages: tuple[str, ...] = ("en", "fr"),
) -> Organization:
    """An organization; use "America/Vancouver" to test a zone west of UTC."""
    return org_services.organization_create(
        name=name or f"Organization {next(_seq)}",
        time_zone=time_zone,
        official_languages=list(languages),
    )


def make_brand(
    *, organization: Organization, name: str | None = None, approval_tiers: int = 1
) -> Brand:
    return org_services.brand_create(
        organization=organization,
        name=name or f"Brand {next(_seq)}",
        purpose="Tell the public what the service does.",
        approval_tiers=approval_tiers,
    )


def make_channel(
    *,
    brand: Brand,
    handle: str | None = None,
    platform: str = "exnet",
    languages: list[str] | None = None,
    api_base_url: str = "",
    token: str = "",
) -> Channel:
    """A channel; ``token`` and ``api_base_url`` point it at a running exercise network."""
    return org_services.channel_create(
        brand=brand,
        platform=platform,
        handle=handle or f"desk{next(_seq)}",
        languages=languages or [],
        api_base_url=api_base_url,
        credentials={"token": token} if token else {},
    )


def grant(
    *, user: AbstractBaseUser, organization: Organization, role: str, brand: Brand | None = None
) -> Membership:
    """Give ``user`` a role on one brand, or on every brand of the organization."""
    return org_services.membership_grant(
        user=user, organization=organization, role=role, brand=brand
    )


def make_member(
    *,
    organization: Organization,
    role: str,
    brand: Brand | None = None,
    username: str | None = None,
) -> AbstractBaseUser:
    user = make_user(username=username)
    grant(user=user, organization=organization, role=role, brand=brand)
    return user


def make_pillar(*, organization: Organization, slug: str = "news", name: str = "News") -> Pillar:
    return Pillar.objects.get_or_create(
        organization=organization, slug=slug, defaults={"name": name}
    )[0]


def make_campaign(*, organization: Organization, name: str = "Summer safety") -> Campaign:
    return Campaign.objects.create(organization=organization, name=name)


def make_post(
    *,
    brand: Brand,
    author: AbstractBaseUser,
    title: str | None = None,
    texts: dict[str, str] | None = None,
    channels: list[Channel] | None = None,
    scheduled_at: datetime | None = None,
    pillar: Pillar | None = None,
    campaign: Campaign | None = None,
) -> Post:
    """A draft through ``post_create``; ``author`` needs the compose permission."""
    draft = publishing.Draft(
        title=title or f"Post {next(_seq)}",
        texts=texts or {"en": "The bridge reopens on Monday.", "fr": "Le pont rouvre lundi."},
        channels=channels if channels is not None else list(brand.channels.all()),
        scheduled_at=scheduled_at,
        pillar=pillar,
        campaign=campaign,
    )
    return publishing.post_create(brand=brand, actor=author, draft=draft)


def approve_post(*, post: Post, author: AbstractBaseUser, approver: AbstractBaseUser) -> Post:
    """Submit (as the author) and approve (as someone else) a draft."""
    publishing.post_submit(post=post, actor=author)
    return publishing.post_approve(post=post, actor=approver)


def make_message(
    *,
    channel: Channel,
    text: str,
    author_handle: str = "citizen",
    author_name: str = "",
    author_remote_id: str | None = None,
    conversation: Conversation | None = None,
    sent_at: datetime | None = None,
    category: str = "question",
    urgency: str = "medium",
    language: str = "en",
    personal_data: list[dict[str, Any]] | None = None,
    kind: str = "comment",
) -> InboundMessage:
    """An inbound message as if ingested and understood (``personal_data``: start/end/kind)."""
    org_id = channel.brand.organization_id
    author, _ = Author.objects.get_or_create(
        organization_id=org_id,
        platform=channel.platform,
        remote_id=author_remote_id or f"a-{author_handle}",
        defaults={"handle": author_handle, "display_name": author_name},
    )
    sent_at = sent_at or timezone.now() - timedelta(minutes=5)
    if conversation is None:
        conversation = Conversation.objects.create(
            channel=channel,
            remote_id=f"c{next(_seq)}",
            last_message_at=sent_at,
            is_direct=kind == "direct",
        )
    elif conversation.last_message_at < sent_at:
        Conversation.objects.filter(pk=conversation.pk).update(last_message_at=sent_at)
    return InboundMessage.objects.create(
        channel=channel,
        conversation=conversation,
        author=author,
        remote_id=f"m{next(_seq)}",
        kind=kind,
        text=text,
        sent_at=sent_at,
        category=category,
        urgency=urgency,
        language=language,
        personal_data=personal_data or [],
        understood_at=timezone.now(),
    )


@dataclass
class World:
    """One organization with two brands and a person in each role.

    ``brand`` has channels ``channel`` and ``channel2``; ``other_brand`` has ``other_channel``.
    Roles on ``brand``: author, approver, responder, viewer, manager (org-wide), admin
    (org-wide). ``other_member`` is an author on ``other_brand`` only; ``outsider`` has no
    membership at all.
    """

    org: Organization
    brand: Brand
    other_brand: Brand
    channel: Channel
    channel2: Channel
    other_channel: Channel
    admin: Any
    manager: Any
    author: Any
    approver: Any
    responder: Any
    viewer: Any
    other_member: Any
    outsider: Any
    extra: dict[str, Any] = field(default_factory=dict)


def make_world(*, time_zone: str = "Europe/Paris", prefix: str = "") -> World:
    org = make_organization(name=f"{prefix}Ville de Lyon {next(_seq)}", time_zone=time_zone)
    brand = make_brand(organization=org, name=f"{prefix}City Hall")
    other = make_brand(organization=org, name=f"{prefix}Transit")
    channel = make_channel(brand=brand, handle=f"{prefix}cityhall{next(_seq)}")
    channel2 = make_channel(brand=brand, handle=f"{prefix}cityhall_fr{next(_seq)}")
    other_channel = make_channel(brand=other, handle=f"{prefix}transit{next(_seq)}")

    def member(role: str, on: Brand | None, name: str) -> Any:
        return make_member(
            organization=org, role=role, brand=on, username=f"{prefix}{name}{next(_seq)}"
        )

    return World(
        org=org,
        brand=brand,
        other_brand=other,
        channel=channel,
        channel2=channel2,
        other_channel=other_channel,
        admin=member(Role.ADMIN, None, "admin"),
        manager=member(Role.MANAGER, None, "manager"),
        author=member(Role.AUTHOR, brand, "author"),
        approver=member(Role.APPROVER, brand, "approver"),
        responder=member(Role.RESPONDER, brand, "responder"),
        viewer=member(Role.VIEWER, brand, "viewer"),
        other_member=member(Role.AUTHOR, other, "other"),
        outsider=make_user(username=f"{prefix}outsider{next(_seq)}"),
    )
