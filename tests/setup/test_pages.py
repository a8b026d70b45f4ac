"""The settings screens over HTTP, invitations by email link, the first run, the command
and the Django admin registrations."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from civicdesk.organizations import people
from civicdesk.organizations.models import (
    AuditEvent,
    Brand,
    Invitation,
    Membership,
    Organization,
    Role,
)
from civicdesk.publishing.models import DEFAULT_PILLARS, Campaign, Pillar
from tests.factories import PASSWORD, World, make_member, make_organization, make_pillar
from tests.setup.conftest import Two

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Lantern-quarry-51"


def _link(message: mail.EmailMessage) -> str:
    found = re.search(r"https?://\S+/invite/\S+/", message.body)
    assert found, message.body
    return found.group(0)


def _pages(org: Organization, brand: Brand) -> list[str]:
    return [
        reverse("settings") + f"?org={org.pk}",
        reverse("settings-organization", args=[org.pk]),
        reverse("settings-brands", args=[org.pk]),
        reverse("settings-brand", args=[org.pk, brand.pk]),
        reverse("settings-people", args=[org.pk]),
        reverse("settings-pillars", args=[org.pk]),
        reverse("settings-campaigns", args=[org.pk]),
        reverse("settings-areas", args=[org.pk]),
    ]


def test_every_settings_screen_opens_for_the_admin_only(two: Two) -> None:
    world = two.world
    client = Client()
    client.force_login(world.admin)
    for url in _pages(world.org, world.brand):
        answer = client.get(url)
        assert answer.status_code == 200, url
        assert reverse("channels").encode() in answer.content  # settings link the channels
    for who, status in [
        (world.manager, 403),
        (world.author, 403),
        (world.outsider, 404),
        (two.other_admin, 404),
    ]:
        client.force_login(who)
        for url in _pages(world.org, world.brand)[1:]:
            assert client.get(url).status_code == status, (who, url)


def test_an_invitation_link_works_once(
    world: World, client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    client.force_login(world.admin)
    # The email leaves once the invitation is committed.
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(
            reverse("settings-people", args=[world.org.pk]),
            {"email": "Ines@Example.org", "role": Role.RESPONDER, "brand": world.brand.pk},
            follow=True,
        )
    assert answer.status_code == 200
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["ines@example.org"]
    link = _link(mail.outbox[0])
    token = link.rstrip("/").rsplit("/", 1)[1]
    # Only the hash is stored.
    assert not Invitation.objects.filter(token_hash__contains=token).exists()
    client.logout()
    assert client.get(link).status_code == 200
    answer = client.post(
        link, {"username": "ines", "password": NEW_PASSWORD, "password_again": NEW_PASSWORD}
    )
    assert answer.status_code == 302 and answer["Location"] == reverse("login")
    ines = get_user_model().objects.get(username="ines")
    assert ines.email == "ines@example.org" and ines.check_password(NEW_PASSWORD)
    assert Membership.objects.get(user=ines).role == Role.RESPONDER
    assert AuditEvent.objects.filter(
        organization=world.org, action="invitation.accept", actor=ines
    ).exists()
    # The second visit finds nothing to accept, and creates nobody.
    assert client.get(link).status_code == 410
    again = client.post(
        link, {"username": "ines2", "password": NEW_PASSWORD, "password_again": NEW_PASSWORD}
    )
    assert again.status_code == 410
    assert not get_user_model().objects.filter(username="ines2").exists()
    assert client.login(username="ines", password=NEW_PASSWORD)


def test_an_expired_or_replaced_invitation_does_not_work(
    world: World, client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            people.invitation_create(
                organization=world.org,
                email="a@example.org",
                role=Role.AUTHOR,
                actor=world.admin,
                site_url="http://t",
            )
    first, second = (_link(m) for m in mail.outbox)
    assert client.get(first).status_code == 410  # replaced by the second
    assert client.get(second).status_code == 200
    Invitation.objects.filter(email="a@example.org", revoked_at__isnull=True).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert client.get(second).status_code == 410
    answer = client.post(
        second, {"username": "late", "password": NEW_PASSWORD, "password_again": NEW_PASSWORD}
    )
    assert answer.status_code == 410
    assert not get_user_model().objects.filter(username="late").exists()


def test_a_weak_password_or_taken_username_is_refused_and_the_link_still_works(
    world: World,
    client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        people.invitation_create(
            organization=world.org,
            email="b@example.org",
            role=Role.AUTHOR,
            actor=world.admin,
            site_url="http://t",
        )
    link = _link(mail.outbox[0])
    weak = client.post(
        link, {"username": "bea", "password": "password", "password_again": "password"}
    )
    taken = client.post(
        link,
        {
            "username": world.author.get_username(),
            "password": NEW_PASSWORD,
            "password_again": NEW_PASSWORD,
        },
    )
    assert weak.status_code == taken.status_code == 200
    assert not get_user_model().objects.filter(username="bea").exists()
    assert (
        client.post(
            link, {"username": "bea", "password": NEW_PASSWORD, "password_again": NEW_PASSWORD}
        ).status_code
        == 302
    )


def test_the_first_run_leads_the_operator_to_create_the_organization(client: Client) -> None:
    get_user_model().objects.create_superuser("root", "root@example.org", PASSWORD)
    assert client.login(username="root", password=PASSWORD)
    assert client.get("/")["Location"] == reverse("setup")
    answer = client.post(
        reverse("setup"),
        {"name": "Ville de Nantes", "time_zone": "Europe/Paris", "official_languages": "fr, en"},
    )
    org = Organization.objects.get(name="Ville de Nantes")
    assert answer["Location"] == reverse("settings-brands", args=[org.pk]) + "?setup=1"
    assert org.official_languages == ["fr", "en"]
    assert Pillar.objects.filter(organization=org).count() == len(DEFAULT_PILLARS)
    assert client.get("/").status_code == 200


def test_only_operators_reach_the_first_run(world: World, client: Client) -> None:
    client.force_login(world.admin)
    assert client.get(reverse("setup")).status_code == 403


def test_the_command_creates_an_organization_with_its_admin(db: None) -> None:
    admin_user = get_user_model().objects.create_user("amelie", password=PASSWORD)
    call_command(
        "createorganization",
        "--name",
        "Ville de Brest",
        "--time-zone",
        "Europe/Paris",
        "--languages",
        "fr,br",
        "--admin",
        "amelie",
    )
    org = Organization.objects.get(name="Ville de Brest")
    assert (org.time_zone, org.official_languages) == ("Europe/Paris", ["fr", "br"])
    assert Membership.objects.get(user=admin_user, organization=org).role == Role.ADMIN
    assert Pillar.objects.filter(organization=org).count() == len(DEFAULT_PILLARS)
    assert AuditEvent.objects.filter(
        organization=org, actor=None, action="organization.setup"
    ).exists()
    with pytest.raises(CommandError):
        call_command(
            "createorganization",
            "--name",
            "X",
            "--time-zone",
            "UTC",
            "--languages",
            "en",
            "--admin",
            "nobody",
        )
    with pytest.raises(CommandError):
        call_command(
            "createorganization",
            "--name",
            "Y",
            "--time-zone",
            "Mars/Olympus",
            "--languages",
            "en",
            "--admin",
            "amelie",
        )
    assert not Organization.objects.filter(name__in=["X", "Y"]).exists()


def test_the_admin_lists_our_models_read_only(world: World, client: Client) -> None:
    client.force_login(get_user_model().objects.create_superuser("op", "op@x.org", PASSWORD))
    ours = [
        m
        for m in admin.site._registry
        if m._meta.app_label
        in ("organizations", "publishing", "inbox", "analytics", "policies", "exnet")
    ]
    assert {"Organization", "Brand", "Membership", "AuditEvent", "Post", "Campaign"} <= {
        m.__name__ for m in ours
    }
    for model in ours:
        changelist = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        assert client.get(changelist).status_code == 200, changelist
        add = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add")
        assert client.get(add).status_code == 403, add
    event = AuditEvent.objects.filter(organization=world.org).first()
    change = reverse("admin:organizations_auditevent_change", args=[event.pk])
    page = client.get(change)
    assert page.status_code == 200 and b'name="_save"' not in page.content
    channel_page = client.get(
        reverse("admin:organizations_channel_change", args=[world.channel.pk])
    ).content.decode()
    assert "credentials" not in channel_page


def _queries_of(client: Client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_people_and_areas_pages_do_not_query_per_person(world: World, client: Client) -> None:
    client.force_login(world.admin)
    urls = [
        reverse("settings-people", args=[world.org.pk]),
        reverse("settings-areas", args=[world.org.pk]),
        reverse("settings-brands", args=[world.org.pk]),
    ]
    people.business_area_save(
        organization=world.org,
        name="Legal",
        languages=["fr"],
        members=[world.approver],
        actor=world.admin,
    )
    for url in urls:  # the first request of a session writes to it
        client.get(url)
    before = [_queries_of(client, url) for url in urls]
    more = [
        make_member(organization=world.org, role=Role.AUTHOR, brand=world.brand) for _ in range(6)
    ]
    people.business_area_save(
        organization=world.org, name="Roads", languages=["en"], members=more, actor=world.admin
    )
    assert [_queries_of(client, url) for url in urls] == before


def test_a_campaign_and_a_business_area_are_changed_from_their_page(
    world: World, client: Client
) -> None:
    client.force_login(world.admin)
    pillar = make_pillar(organization=world.org, slug="news", name="News")
    base = reverse("settings-campaigns", args=[world.org.pk])
    client.post(
        base,
        {
            "name": "Heat",
            "starts_on": "2026-07-01",
            "ends_on": "2026-07-31",
            "pillar": pillar.pk,
            "goal": "Cool rooms known",
        },
    )
    campaign = Campaign.objects.get(organization=world.org, name="Heat")
    edit = reverse("settings-campaign", args=[world.org.pk, campaign.pk])
    assert b"Cool rooms known" in client.get(edit).content
    client.post(
        edit,
        {
            "name": "Heatwave",
            "starts_on": "2026-07-01",
            "ends_on": "2026-07-31",
            "pillar": "",
            "goal": "Everyone knows the cool rooms",
        },
    )
    campaign.refresh_from_db()
    assert (campaign.name, campaign.pillar, campaign.goal) == (
        "Heatwave",
        None,
        "Everyone knows the cool rooms",
    )
    areas = reverse("settings-areas", args=[world.org.pk])
    client.post(areas, {"name": "Legal", "languages": ["fr"], "members": [world.approver.pk]})
    area = world.org.business_areas.get()
    client.post(
        reverse("settings-area", args=[world.org.pk, area.pk]),
        {"name": "Legal", "languages": ["fr", "en"], "members": [world.author.pk]},
    )
    area.refresh_from_db()
    assert area.languages == ["fr", "en"]
    assert list(area.members.values_list("pk", flat=True)) == [world.author.pk]
    # Someone of another organization cannot be made a member from the form either.
    stranger = make_member(organization=make_organization(name="Elsewhere"), role=Role.AUTHOR)
    answer = client.post(
        reverse("settings-area", args=[world.org.pk, area.pk]),
        {"name": "Legal", "languages": ["fr"], "members": [stranger.pk]},
    )
    assert answer.status_code == 200  # the form refuses the choice
    assert list(area.members.values_list("pk", flat=True)) == [world.author.pk]


def test_a_logo_must_be_a_small_image(
    world: World, client: Client, settings: Any, tmp_path: Any
) -> None:
    from io import BytesIO

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    settings.MEDIA_ROOT = tmp_path
    client.force_login(world.admin)
    url = reverse("settings-organization", args=[world.org.pk])
    data = {"name": world.org.name, "time_zone": "Europe/Paris", "official_languages": "en, fr"}
    fake = SimpleUploadedFile("logo.png", b"<svg onload=alert(1)>", content_type="image/png")
    assert client.post(url, {**data, "logo": fake}).status_code == 200  # refused
    assert not Organization.objects.get(pk=world.org.pk).logo
    image = BytesIO()
    Image.new("RGB", (40, 20), (0, 80, 160)).save(image, "PNG")
    real = SimpleUploadedFile("logo.png", image.getvalue(), content_type="image/png")
    assert client.post(url, {**data, "logo": real}).status_code == 302
    org = Organization.objects.get(pk=world.org.pk)
    assert org.logo
    served = client.get(reverse("organization-logo", args=[org.pk]))
    assert served.status_code == 200 and b"".join(served.streaming_content) == image.getvalue()
    client.force_login(world.outsider)
    assert client.get(reverse("organization-logo", args=[org.pk])).status_code == 404
