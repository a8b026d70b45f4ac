"""The settings actions: organization admins can, everyone else cannot, and every change is
in the audit log. Another organization's admin cannot touch our people."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from civicdesk.organizations import people
from civicdesk.organizations import services as org_services
from civicdesk.organizations.audit import verify_chain
from civicdesk.organizations.models import AuditEvent, Brand, BusinessArea, Membership, Role
from civicdesk.publishing.models import DEFAULT_PILLARS, Campaign, Pillar
from civicdesk.setup import services as setup
from tests.factories import World, make_pillar
from tests.setup.conftest import Two

REFUSED = (PermissionDenied, Http404)


def _actions(world: World) -> dict[str, Callable[[Any], object]]:
    """One call of each action, for the given actor."""
    org, brand = world.org, world.brand
    return {
        "brand_add": lambda actor: org_services.brand_add(
            organization=org, name="Libraries", purpose="Opening hours.", actor=actor
        ),
        "brand_update": lambda actor: org_services.brand_update(
            brand=brand, name="City Hall", purpose="New purpose.", actor=actor
        ),
        "brand_tiers": lambda actor: org_services.brand_set_approval_tiers(
            brand=brand, approval_tiers=2, actor=actor
        ),
        "brand_archive": lambda actor: org_services.brand_archive(
            brand=world.other_brand, actor=actor
        ),
        "organization_update": lambda actor: org_services.organization_update(
            organization=org,
            name=org.name,
            time_zone="Europe/Paris",
            official_languages=["en", "fr"],
            actor=actor,
        ),
        "invite": lambda actor: people.invitation_create(
            organization=org,
            email="new@example.org",
            role=Role.AUTHOR,
            actor=actor,
            site_url="http://desk.test",
        ),
        "role": lambda actor: people.membership_set_role(
            organization=org, person=world.author, brand=brand, role=Role.APPROVER, actor=actor
        ),
        "deactivate": lambda actor: people.person_deactivate(
            organization=org, person=world.viewer, actor=actor
        ),
        "pillar": lambda actor: setup.pillar_save(organization=org, name="Roadworks", actor=actor),
        "campaign": lambda actor: setup.campaign_save(
            organization=org,
            name="Summer",
            starts_on=date(2026, 6, 1),
            ends_on=date(2026, 8, 31),
            pillar=None,
            goal="Fewer drownings",
            actor=actor,
        ),
        "business_area": lambda actor: people.business_area_save(
            organization=org, name="Legal", languages=["fr"], members=[world.approver], actor=actor
        ),
    }


ACTIONS = [
    "brand_add",
    "brand_update",
    "brand_tiers",
    "brand_archive",
    "organization_update",
    "invite",
    "role",
    "deactivate",
    "pillar",
    "campaign",
    "business_area",
]


@pytest.mark.parametrize("action", ACTIONS)
def test_an_organization_admin_can_and_it_is_audited(world: World, action: str) -> None:
    before = AuditEvent.objects.filter(organization=world.org).count()
    _actions(world)[action](world.admin)
    events = AuditEvent.objects.filter(organization=world.org)
    assert events.count() == before + 1
    assert events.order_by("-sequence").first().actor_id == world.admin.pk
    assert verify_chain(world.org).ok


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("who", ["manager", "author", "approver", "viewer", "outsider"])
def test_nobody_else_can(world: World, action: str, who: str) -> None:
    before = AuditEvent.objects.count()
    with pytest.raises(REFUSED):
        _actions(world)[action](getattr(world, who))
    assert AuditEvent.objects.count() == before


@pytest.mark.parametrize("action", ACTIONS)
def test_another_organizations_admin_cannot(two: Two, action: str) -> None:
    with pytest.raises(REFUSED):
        _actions(two.world)[action](two.other_admin)


def test_an_admin_cannot_touch_another_organizations_people(two: Two) -> None:
    world = two.world
    with pytest.raises(PermissionDenied):
        people.person_deactivate(organization=world.org, person=two.other_admin, actor=world.admin)
    with pytest.raises(PermissionDenied):
        people.membership_set_role(
            organization=world.org,
            person=two.other_admin,
            brand=None,
            role=Role.VIEWER,
            actor=world.admin,
        )
    with pytest.raises(PermissionDenied):
        people.business_area_save(
            organization=world.org,
            name="Legal",
            languages=[],
            members=[two.other_admin],
            actor=world.admin,
        )
    other_brand = org_services.brand_create(
        organization=two.other_org, name="Museums", purpose="Exhibitions."
    )
    with pytest.raises(PermissionDenied):
        people.invitation_create(
            organization=world.org,
            email="x@example.org",
            role=Role.AUTHOR,
            brand=other_brand,
            actor=world.admin,
            site_url="http://desk.test",
        )
    assert get_user_model().objects.get(pk=two.other_admin.pk).is_active
    assert Membership.objects.filter(user=two.other_admin).count() == 1


def test_deactivating_someone_only_ours_stops_their_account(two: Two) -> None:
    world = two.world
    people.person_deactivate(organization=world.org, person=world.viewer, actor=world.admin)
    assert not Membership.objects.filter(user=world.viewer).exists()
    assert not get_user_model().objects.get(pk=world.viewer.pk).is_active


def test_deactivating_someone_also_elsewhere_keeps_their_account_there(two: Two) -> None:
    world = two.world
    org_services.membership_grant(user=world.viewer, organization=two.other_org, role=Role.AUTHOR)
    people.person_deactivate(organization=world.org, person=world.viewer, actor=world.admin)
    assert not Membership.objects.filter(user=world.viewer, organization=world.org).exists()
    assert Membership.objects.filter(user=world.viewer, organization=two.other_org).exists()
    assert get_user_model().objects.get(pk=world.viewer.pk).is_active


def test_an_organization_keeps_an_admin(world: World) -> None:
    with pytest.raises(ValidationError):
        people.membership_set_role(
            organization=world.org,
            person=world.admin,
            brand=None,
            role=Role.VIEWER,
            actor=world.admin,
        )
    with pytest.raises(ValidationError):
        people.person_deactivate(organization=world.org, person=world.admin, actor=world.admin)


def test_a_role_per_brand_is_given_changed_and_taken(world: World) -> None:
    for role in (Role.APPROVER, Role.RESPONDER):
        people.membership_set_role(
            organization=world.org,
            person=world.author,
            brand=world.other_brand,
            role=role,
            actor=world.admin,
        )
        assert Membership.objects.get(user=world.author, brand=world.other_brand).role == role
    people.membership_set_role(
        organization=world.org,
        person=world.author,
        brand=world.other_brand,
        role="",
        actor=world.admin,
    )
    assert not Membership.objects.filter(user=world.author, brand=world.other_brand).exists()


def test_tiers_stay_between_one_and_five(world: World) -> None:
    for tiers in (0, 6):
        with pytest.raises(ValidationError):
            org_services.brand_set_approval_tiers(
                brand=world.brand, approval_tiers=tiers, actor=world.admin
            )
    org_services.brand_set_approval_tiers(brand=world.brand, approval_tiers=3, actor=world.admin)
    assert Brand.objects.get(pk=world.brand.pk).approval_tiers == 3


def test_archiving_a_brand_stops_its_channels(world: World) -> None:
    org_services.brand_archive(brand=world.brand, actor=world.admin)
    brand = Brand.objects.get(pk=world.brand.pk)
    assert brand.archived_at is not None
    assert not brand.channels.filter(is_active=True).exists()
    org_services.brand_archive(brand=world.brand, archived=False, actor=world.admin)
    assert Brand.objects.get(pk=world.brand.pk).archived_at is None


def test_organization_setup_seeds_the_nine_pillars_and_its_admin(db: None) -> None:
    operator = get_user_model().objects.create_superuser("operator", "op@example.org", "x")
    org = setup.organization_setup(
        name="Ville de Nantes",
        time_zone="Europe/Paris",
        official_languages=["fr", "en"],
        admin=operator,
        actor=operator,
    )
    assert sorted(Pillar.objects.filter(organization=org).values_list("slug", flat=True)) == (
        sorted(slug for slug, _name in DEFAULT_PILLARS)
    )
    assert Membership.objects.get(user=operator, organization=org).role == Role.ADMIN
    assert list(AuditEvent.objects.filter(organization=org).values_list("action", flat=True)) == [
        "organization.create",
        "organization.setup",
    ]


def test_only_operators_create_organizations(world: World) -> None:
    with pytest.raises(PermissionDenied):
        setup.organization_setup(
            name="Rogue",
            time_zone="UTC",
            official_languages=["en"],
            admin=world.admin,
            actor=world.admin,
        )


def test_pillars_are_editable_and_campaigns_name_one(world: World) -> None:
    pillar = make_pillar(organization=world.org, slug="safety", name="Safety")
    setup.pillar_save(
        organization=world.org,
        pillar=pillar,
        name="Public safety",
        description="Staying safe.",
        actor=world.admin,
    )
    pillar.refresh_from_db()
    assert (pillar.slug, pillar.name) == ("safety", "Public safety")
    campaign = setup.campaign_save(
        organization=world.org,
        name="Heat",
        pillar=pillar,
        starts_on=date(2026, 7, 1),
        ends_on=date(2026, 7, 31),
        goal="Everyone knows the cool rooms",
        actor=world.admin,
    )
    assert Campaign.objects.get(pk=campaign.pk).pillar == pillar
    with pytest.raises(ValidationError):
        setup.campaign_save(
            organization=world.org,
            name="Backwards",
            pillar=None,
            starts_on=date(2026, 7, 31),
            ends_on=date(2026, 7, 1),
            actor=world.admin,
        )


def test_business_area_names_its_members_for_policies(world: World) -> None:
    area = people.business_area_save(
        organization=world.org,
        name="Legal",
        languages=["fr"],
        members=[world.approver],
        actor=world.admin,
    )
    assert set(
        Membership.objects.filter(user=world.approver).values_list("business_area", flat=True)
    ) == {"Legal"}
    people.business_area_save(
        organization=world.org,
        area=area,
        name="Legal",
        languages=["fr", "en"],
        members=[world.author],
        actor=world.admin,
    )
    assert set(
        Membership.objects.filter(user=world.approver).values_list("business_area", flat=True)
    ) == {""}
    assert list(BusinessArea.objects.get(pk=area.pk).members.all()) == [world.author]
    with pytest.raises(ValidationError):
        people.business_area_save(
            organization=world.org, name="Taxes", languages=["de"], members=[], actor=world.admin
        )
