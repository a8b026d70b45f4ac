"""Later updates continue the first update's thread, over real HTTP to the exercise network."""

from __future__ import annotations

import pytest

from civicdesk.exnet.models import NetPost
from civicdesk.incidents import services
from civicdesk.incidents.models import Incident, IncidentTemplate
from civicdesk.organizations.models import AuditEvent
from civicdesk.publishing.models import Publication
from civicdesk.publishing.models import PublicationState as S
from civicdesk.publishing.publisher import outbound_for
from tests.core.conftest import desk  # noqa: F401 - the shared fixture
from tests.publishing_sets.conftest import Bilingual, bilingual, settle  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)

VALUES = {"road": "Pont Wilson", "time": "18:30", "link": "https://lyon.fr/detours"}


def _setup(world: Bilingual) -> tuple[Incident, IncidentTemplate]:
    team = world.desk
    incident = services.incident_declare(
        organization=team.org,
        actor=team.manager,
        declaration=services.Declaration(
            name="Bridge closed",
            kind="road_closure",
            severity="major",
            area="Pont Wilson",
            brands=[team.brand],
            channels=[world.en, world.fr],
            duty_approver=team.approver,
        ),
    )
    template = services.template_save(
        organization=team.org,
        actor=team.manager,
        kind="road_closure",
        name="Road closed",
        texts={
            "en": "{road} is closed until {time}. {link}",
            "fr": "{road} fermé jusqu'à {time}. {link}",
        },
    )
    return incident, services.template_approve(template=template, actor=team.approver)


def _update(world: Bilingual, incident: Incident, template: IncidentTemplate, **kw: object) -> int:
    [made] = services.update_publish(
        incident=incident,
        actor=world.desk.manager,
        request=services.UpdateRequest(
            channels=[world.en, world.fr],
            template=template,
            values=VALUES,
            **kw,  # type: ignore[arg-type]
        ),
    )
    return made.post_id


def test_a_later_update_answers_the_first_on_each_channel(bilingual: Bilingual) -> None:  # noqa: F811
    incident, template = _setup(bilingual)
    first = _update(bilingual, incident, template)
    settle()
    second = _update(bilingual, incident, template, continue_thread=True)
    settle()
    for channel, account in (
        (bilingual.en, bilingual.en_account),
        (bilingual.fr, bilingual.fr_account),
    ):
        root = Publication.objects.get(post_id=first, channel=channel)
        later = Publication.objects.get(post_id=second, channel=channel)
        assert (root.state, later.state) == (S.PUBLISHED, S.PUBLISHED)
        assert later.reply_to_id == root.pk
        # On the network itself, the second update is a reply to the first.
        posted = NetPost.objects.get(pk=int(later.remote_id))
        assert posted.account_id == account.pk
        assert posted.in_reply_to_id == int(root.remote_id)
    event = AuditEvent.objects.filter(action="incident.update").order_by("-sequence").first()
    assert event is not None and event.data["continue_thread"] is True
    assert len(event.data["threaded_publications"]) == 2

    # Without the option, an update stands on its own.
    third = _update(bilingual, incident, template)
    settle()
    alone = Publication.objects.get(post_id=third, channel=bilingual.en)
    assert alone.reply_to_id is None
    assert NetPost.objects.get(pk=int(alone.remote_id)).in_reply_to_id is None


def test_when_the_first_update_is_not_out_a_later_one_goes_alone(bilingual: Bilingual) -> None:  # noqa: F811
    incident, template = _setup(bilingual)
    first = _update(bilingual, incident, template)
    Publication.objects.filter(post_id=first).update(state=S.FAILED)
    second = _update(bilingual, incident, template, continue_thread=True)
    later = Publication.objects.select_related("variant", "channel", "post").get(
        post_id=second, channel=bilingual.en
    )
    assert later.reply_to_id is not None
    assert outbound_for(later).reply_to == ""
