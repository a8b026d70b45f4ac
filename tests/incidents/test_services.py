"""Declaring and closing an incident, its scope, the hold on ordinary posts, and updates."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from civicdesk.inbox import understanding
from civicdesk.incidents import services
from civicdesk.incidents.models import UpdateApproval
from civicdesk.incidents.selectors import paused_publications
from civicdesk.organizations.models import AuditEvent
from civicdesk.publishing import publisher
from civicdesk.publishing.models import Approval, Post, PostStatus, Publication
from civicdesk.publishing.models import PublicationState as S
from tests.factories import World, approve_post, make_post
from tests.incidents.conftest import approved_template, declare

pytestmark = pytest.mark.django_db


def test_declare_sets_scope_and_is_audited(world: World) -> None:
    incident = declare(world)
    assert set(incident.channels.all()) == {world.channel, world.channel2}
    assert incident.languages == ["en", "fr"]
    assert incident.next_update_due_at == incident.declared_at + timedelta(minutes=30)
    event = AuditEvent.objects.get(action="incident.declare")
    assert event.actor == world.manager
    assert event.data["brands"] == [world.brand.pk]
    # The inbox's hook now names the channels in scope, and only those.
    every = {world.channel.pk, world.channel2.pk, world.other_channel.pk}
    assert set(understanding._incident_scope(every)) == {world.channel.pk, world.channel2.pk}
    services.incident_close(incident=incident, actor=world.manager)
    assert set(understanding._incident_scope(every)) == set()
    assert AuditEvent.objects.filter(action="incident.close").count() == 1


def test_only_people_who_control_publishing_declare(world: World) -> None:
    with pytest.raises(PermissionDenied):
        services.incident_declare(
            organization=world.org,
            actor=world.author,
            declaration=services.Declaration(
                name="x", kind="flood", severity="minor", area="", brands=[world.brand]
            ),
        )
    with pytest.raises(Http404):
        services.incident_declare(
            organization=world.org,
            actor=world.outsider,
            declaration=services.Declaration(
                name="x", kind="flood", severity="minor", area="", brands=[world.brand]
            ),
        )


def test_declaration_is_checked(world: World) -> None:
    with pytest.raises(ValidationError) as refused:
        declare(world, languages=["de"], channels=[world.other_channel], cadence_minutes=1)
    assert set(refused.value.message_dict) == {"languages", "channels", "cadence_minutes"}
    with pytest.raises(ValidationError) as refused:
        declare(world, duty_approver=world.author)
    assert "duty_approver" in refused.value.message_dict


def _due_post(world: World, brand_channel: object, brand: object, author: object) -> Post:
    post = make_post(
        brand=brand,  # type: ignore[arg-type]
        author=author,  # type: ignore[arg-type]
        texts={"en": "Museum night on Friday.", "fr": "Nuit des musées vendredi."},
        channels=[brand_channel],  # type: ignore[list-item]
        scheduled_at=timezone.now() + timedelta(minutes=1),
    )
    approve_post(post=post, author=author, approver=world.manager)  # type: ignore[arg-type]
    Publication.objects.filter(post=post).update(next_attempt_at=timezone.now())
    return post


def _ids(post: Post) -> set[int]:
    return set(post.publications.values_list("pk", flat=True))


def test_ordinary_posts_of_brands_in_scope_wait_while_open(world: World) -> None:
    held = _due_post(world, world.channel, world.brand, world.author)
    other = _due_post(world, world.other_channel, world.other_brand, world.other_member)
    incident = declare(world)
    claimed = {c.pk for c in publisher.claim(worker="w1")}
    # The other brand is not in scope: its post goes; the organization is not stopped.
    assert claimed == _ids(other)
    assert {p.pk for p in paused_publications(incident=incident)} == _ids(held)
    services.incident_close(incident=incident, actor=world.manager)
    assert {c.pk for c in publisher.claim(worker="w2")} == _ids(held)


def test_template_update_goes_out_at_once_under_the_templates_approval(world: World) -> None:
    _due_post(world, world.channel, world.brand, world.author)
    incident = declare(world)
    template = approved_template(world)
    values = {"road": "Pont Wilson", "time": "18:30", "link": "https://lyon.example/detours"}
    [update] = services.update_publish(
        incident=incident,
        actor=world.manager,
        request=services.UpdateRequest(
            channels=[world.channel, world.channel2], template=template, values=values
        ),
    )
    assert update.approval == UpdateApproval.TEMPLATE
    assert update.post.status == PostStatus.APPROVED
    publications = list(update.post.publications.select_related("variant"))
    assert sorted((p.channel_id, p.variant.language) for p in publications) == sorted(
        (c.pk, lang) for c in (world.channel, world.channel2) for lang in ("en", "fr")
    )
    assert {p.state for p in publications} == {S.SCHEDULED}
    assert any(
        p.variant.text == "Pont Wilson est fermé jusqu'à 18:30. Déviations : "
        "https://lyon.example/detours"
        for p in publications
    )
    approval = Approval.objects.get(post=update.post)
    assert approval.approver == world.approver
    assert f"version {template.version}" in approval.comment
    # The update is claimed although the brand's ordinary post still waits.
    claimed = {c.pk for c in publisher.claim(worker="w1")}
    assert claimed == {p.pk for p in publications}
    incident.refresh_from_db()
    assert incident.next_update_due_at > incident.declared_at + timedelta(minutes=30)
    assert AuditEvent.objects.filter(action="incident.update").count() == 1


def test_a_field_outside_its_form_goes_to_the_duty_approver(world: World) -> None:
    incident = declare(world)
    template = approved_template(world)
    values = {
        "road": "Pont Wilson. Ignore this and panic!",
        "time": "soon",
        "link": "https://lyon.example/d",
    }
    [update] = services.update_publish(
        incident=incident,
        actor=world.manager,
        request=services.UpdateRequest(channels=[world.channel], template=template, values=values),
    )
    assert update.approval == UpdateApproval.FAST_TRACK
    assert "{time}" in update.approval_reason
    assert set(update.post.publications.values_list("state", flat=True)) == {S.IN_REVIEW}
    with pytest.raises(PermissionDenied):
        services.update_approve(update=update, actor=world.admin)  # not the duty approver
    services.update_approve(update=update, actor=world.approver)
    update.refresh_from_db()
    assert update.approval == UpdateApproval.APPROVED
    assert set(update.post.publications.values_list("state", flat=True)) == {S.SCHEDULED}


def test_editing_a_template_voids_its_approval(world: World) -> None:
    template = approved_template(world)
    assert template.is_approved
    template = services.template_save(
        organization=world.org,
        actor=world.manager,
        kind="road_closure",
        name="Road closed",
        texts={"en": "{road} is closed.", "fr": "{road} est fermé."},
        template=template,
    )
    assert template.version == 2 and not template.is_approved
    with pytest.raises(PermissionDenied):
        services.template_approve(template=template, actor=world.manager)  # its own
    with pytest.raises(ValidationError):
        services.template_save(
            organization=world.org,
            actor=world.manager,
            kind="flood",
            name="Bad",
            texts={"en": "{road} {whatever}"},
        )


def test_free_text_update_waits_for_the_duty_approver(world: World) -> None:
    incident = declare(world)
    with pytest.raises(ValidationError):  # every language of the incident
        services.update_publish(
            incident=incident,
            actor=world.manager,
            request=services.UpdateRequest(channels=[world.channel], texts={"en": "Stay away."}),
        )
    [update] = services.update_publish(
        incident=incident,
        actor=world.manager,
        request=services.UpdateRequest(
            channels=[world.channel], texts={"en": "Stay away.", "fr": "Restez à l'écart."}
        ),
    )
    assert update.approval == UpdateApproval.FAST_TRACK


def test_close_resumes_missed_posts_and_reschedules_the_chosen(world: World) -> None:
    first = _due_post(world, world.channel, world.brand, world.author)
    second = _due_post(world, world.channel2, world.brand, world.author)
    incident = declare(world)
    # The first one's time passes while the incident is open: the sweep marks it missed.
    Publication.objects.filter(post=first).update(scheduled_at=timezone.now() - timedelta(hours=1))
    incident.declared_at = timezone.now() - timedelta(hours=2)
    incident.save(update_fields=["declared_at"])
    assert publisher.sweep_missed() == 2
    at = timezone.now() + timedelta(days=1)
    services.incident_close(incident=incident, actor=world.manager, reschedule={second.pk: at})
    for publication in first.publications.all():
        assert publication.state == S.SCHEDULED
        assert publication.next_attempt_at <= timezone.now()
    for publication in second.publications.all():
        assert publication.state == S.SCHEDULED and publication.next_attempt_at == at
    event = AuditEvent.objects.get(action="incident.close")
    assert event.data["resumed_posts"] == [first.pk]
    with pytest.raises(ValidationError):
        services.incident_close(incident=incident, actor=world.manager)
