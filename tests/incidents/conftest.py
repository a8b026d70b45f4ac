"""Fixtures of the emergency-mode tests: a world with a pre-approved template."""

from __future__ import annotations

import pytest

from civicdesk.incidents import services
from civicdesk.incidents.models import Incident, IncidentTemplate
from tests.factories import World, make_world


@pytest.fixture
def world(db: None) -> World:
    return make_world()


def declare(world: World, **overrides: object) -> Incident:
    fields: dict[str, object] = {
        "name": "Rhône flood",
        "kind": "flood",
        "severity": "major",
        "area": "Quais du Rhône",
        "brands": [world.brand],
        "on_duty": [world.manager, world.responder],
        "duty_approver": world.approver,
        "cadence_minutes": 30,
    }
    fields.update(overrides)
    return services.incident_declare(
        organization=world.org,
        actor=world.manager,
        declaration=services.Declaration(**fields),  # type: ignore[arg-type]
    )


def approved_template(world: World) -> IncidentTemplate:
    template = services.template_save(
        organization=world.org,
        actor=world.manager,
        kind="road_closure",
        name="Road closed",
        texts={
            "en": "{road} is closed until {time}. Detours: {link}",
            "fr": "{road} est fermé jusqu'à {time}. Déviations : {link}",
        },
    )
    return services.template_approve(template=template, actor=world.approver)
