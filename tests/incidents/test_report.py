"""The after-action report of an incident, against figures worked out by hand on one fixture,
as a page and as a PDF whose text is read back."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from pypdf import PdfReader

from civicdesk.accounts.language import profile_language_set
from civicdesk.analytics.models import MetricSnapshot
from civicdesk.inbox.models import InboundMessage
from civicdesk.incidents import services
from civicdesk.incidents.models import Incident, IncidentReminder, IncidentUpdate
from civicdesk.incidents.report import incident_report
from civicdesk.pages.reports import publication_reach
from civicdesk.publishing.models import Publication
from civicdesk.publishing.models import PublicationState as S
from tests.browser.test_languages_ui import _english_sentences
from tests.factories import PASSWORD, World, make_message
from tests.incidents.conftest import approved_template, declare

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def _publish(update: IncidentUpdate, when: dict[tuple[int, str], float | None]) -> None:
    """Settle each publication (channel, language) as published at a minute, or failed."""
    for p in Publication.objects.filter(post=update.post).select_related("variant"):
        minute = when[(p.channel_id, p.variant.language)]
        if minute is None:
            Publication.objects.filter(pk=p.pk).update(state=S.FAILED, published_at=None)
        else:
            Publication.objects.filter(pk=p.pk).update(state=S.PUBLISHED, published_at=at(minute))


def _snapshot(update: IncidentUpdate, channel_id: int, language: str, **figures: object) -> None:
    p = Publication.objects.get(post=update.post, channel_id=channel_id, variant__language=language)
    MetricSnapshot.objects.create(channel_id=channel_id, publication=p, **figures)


def _message(world: World, minute: float, answered: float | None, **kwargs: object) -> None:
    kwargs.setdefault("channel", world.channel)
    m = make_message(sent_at=at(minute), **kwargs)  # type: ignore[arg-type]
    if answered is not None:
        InboundMessage.objects.filter(pk=m.pk).update(first_response_at=at(answered))


@pytest.fixture
def closed(world: World) -> Incident:
    """Declared at T0 with an update every 30 minutes, two updates, closed at minute 100."""
    incident = declare(world)
    Incident.objects.filter(pk=incident.pk).update(declared_at=T0)
    incident.refresh_from_db()
    template = approved_template(world)
    ch, ch2 = world.channel.pk, world.channel2.pk
    values = {"road": "Pont Wilson", "time": "18:30", "link": "https://lyon.fr/detours"}
    request = services.UpdateRequest(channels=[world.channel, world.channel2], template=template)
    request = services.UpdateRequest(channels=request.channels, template=template, values=values)
    [first] = services.update_publish(incident=incident, actor=world.manager, request=request)
    IncidentUpdate.objects.filter(pk=first.pk).update(created_at=at(10), sent_at=at(10))
    # Update 1: live on the first channel in both languages; the French one failed on the
    # second channel, so that channel does not count as live.
    _publish(first, {(ch, "en"): 12, (ch, "fr"): 13, (ch2, "en"): 12.5, (ch2, "fr"): None})
    [second] = services.update_publish(incident=incident, actor=world.manager, request=request)
    IncidentUpdate.objects.filter(pk=second.pk).update(created_at=at(50), sent_at=at(50))
    _publish(second, {(ch, "en"): 52, (ch, "fr"): 52, (ch2, "en"): 52, (ch2, "fr"): 52})

    # Reach: the newest snapshot of each publication counts, never an older one.
    _snapshot(first, ch, "en", captured_at=at(20), impressions=50, reach=40, likes=1)
    _snapshot(first, ch, "en", captured_at=at(90), impressions=100, reach=80, likes=3, reposts=1)
    _snapshot(first, ch, "fr", captured_at=at(90), impressions=40, likes=2)
    _snapshot(second, ch2, "fr", captured_at=at(90), impressions=10, reach=9, likes=0)

    reminder = IncidentReminder.objects.create(incident=incident, due_at=at(42))
    IncidentReminder.objects.filter(pk=reminder.pk).update(created_at=at(43))
    late = IncidentReminder.objects.create(incident=incident, due_at=at(129))
    IncidentReminder.objects.filter(pk=late.pk).update(created_at=at(130))

    _message(world, 5, 9, text="Flooding at my door", category="emergency", urgency="critical")
    _message(
        world,
        20,
        40,
        channel=world.channel2,
        text="Aidez-nous",
        category="help_request",
        urgency="high",
        language="fr",
    )
    _message(world, 30, None, text="Is the school open?", category="question", urgency="high")
    _message(
        world,
        35,
        47,
        text="Le barrage a cédé",
        category="rumour",
        urgency="medium",
        language="fr",
    )
    _message(
        world,
        60,
        None,
        channel=world.channel2,
        text="<script>alert(1)</script> The dam broke",
        category="rumour",
        urgency="low",
    )
    _message(world, 70, None, text="Thanks", category="question", urgency="low")
    _message(world, 80, None, text="???", category="", urgency="", language="")
    # Outside the report: another brand's channel, before the declaration, after the close.
    _message(world, 20, None, channel=world.other_channel, text="x", category="emergency")
    _message(world, -10, None, text="before", category="emergency")
    _message(world, 110, None, text="after", category="emergency")

    services.incident_close(incident=incident, actor=world.manager)
    Incident.objects.filter(pk=incident.pk).update(closed_at=at(100))
    incident.refresh_from_db()
    return incident


def test_figures_match_the_ones_worked_out_by_hand(world: World, closed: Incident) -> None:
    report = incident_report(incident=closed, reach_of=publication_reach)
    assert report.final and report.end == at(100)

    first, second = report.updates
    assert (first.number, first.sent_at, first.first_live_at, first.last_live_at) == (
        1,
        at(10),
        at(12),
        at(13),
    )
    assert (first.channels, first.channels_live, first.published, first.failed) == (2, 1, 3, 1)
    assert (first.impressions, first.reach, first.engagements) == (140, 80, 6)
    assert (second.channels, second.channels_live, second.published, second.failed) == (2, 2, 4, 0)
    assert (second.impressions, second.reach, second.engagements) == (10, 9, 0)
    assert (report.impressions, report.reach, report.engagements) == (150, 89, 6)

    assert report.minutes_to_first_update == 12.0
    assert [(g.start_label, g.end_label, g.minutes, g.kept) for g in report.gaps] == [
        ("declared", "update", 12.0, True),
        ("update", "update", 40.0, False),
        ("update", "closed", 48.0, False),
    ]
    assert (report.cadence_kept, report.cadence_missed) == (1, 2)
    assert report.reminders == 1

    assert report.received == 7
    assert report.by_kind == [
        ("question", 2),
        ("rumour", 2),
        ("emergency", 1),
        ("help_request", 1),
        ("", 1),
    ]
    assert report.by_urgency == [("high", 2), ("low", 2), ("critical", 1), ("medium", 1), ("", 1)]
    assert report.by_language == [("en", 4), ("fr", 2), ("", 1)]

    assert [u.minutes_to_answer for u in report.urgent] == [4.0, 20.0, None]
    assert report.urgent_answered == 2
    assert report.urgent_median_minutes == 12.0
    assert report.urgent_slowest_minutes == 20.0
    assert [r.minutes_to_answer for r in report.rumours] == [12.0, None]
    assert report.rumours_answered == 1

    assert [(e.kind, e.at) for e in report.timeline] == [
        ("declared", at(0)),
        ("update", at(10)),
        ("live", at(12)),
        ("rumour", at(35)),
        ("reminder", at(43)),
        ("update", at(50)),
        ("live", at(52)),
        ("rumour", at(60)),
        ("closed", at(100)),
    ]


def test_without_metrics_reach_is_not_reported_rather_than_zero(
    world: World, closed: Incident
) -> None:
    report = incident_report(incident=closed)
    assert (report.impressions, report.reach, report.engagements) == (None, None, None)


def _client(user: object) -> Client:
    client = Client()
    assert client.login(username=user.get_username(), password=PASSWORD)  # type: ignore[attr-defined]
    return client


def test_the_report_page_and_its_pdf(world: World, closed: Incident) -> None:
    client = _client(world.viewer)
    room = client.get(f"/incidents/{closed.pk}/").content.decode()
    assert f"/incidents/{closed.pk}/report/" in room
    assert f"/incidents/{closed.pk}/report/" in client.get("/incidents/").content.decode()

    page = client.get(f"/incidents/{closed.pk}/report/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "12 min" in html and "Kept in 1 of 3 stretches" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert" not in html

    pdf = client.get(f"/incidents/{closed.pk}/report.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    text = " ".join(
        " ".join((page.extract_text() or "").split())
        for page in PdfReader(io.BytesIO(pdf.content)).pages
    )
    assert "After-action report: Rhône flood" in text
    assert "Time from declaration to the first update 12 min" in text
    assert "Kept in 1 of 3 stretches" in text
    assert "2 of 3 · first answer after 12 min (median), 20 min at the slowest" in text
    assert "1 of 2 answered" in text
    assert "150 impressions · 89 people reached · 6 reactions" in text
    assert "<script>alert(1)</script> The dam broke" in text


def test_only_people_of_the_incidents_brands_read_it(world: World, closed: Incident) -> None:
    for person in (world.outsider, world.other_member):
        client = _client(person)
        assert client.get(f"/incidents/{closed.pk}/report/").status_code == 404
        assert client.get(f"/incidents/{closed.pk}/report.pdf").status_code == 404


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_the_report_and_the_closed_room_leave_no_english(
    world: World, closed: Incident, language: str
) -> None:
    profile_language_set(user=world.viewer, language=language)
    client = _client(world.viewer)
    sentences = _english_sentences()
    for url in (f"/incidents/{closed.pk}/", f"/incidents/{closed.pk}/report/"):
        page = client.get(url)
        html = page.content.decode()
        assert f'lang="{language}"' in html
        text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
        assert not [s for s in sentences if s in text], url
    pdf = client.get(f"/incidents/{closed.pk}/report.pdf")
    text = " ".join(
        " ".join((p.extract_text() or "").split()) for p in PdfReader(io.BytesIO(pdf.content)).pages
    )
    assert "After-action report" not in text and "Time from declaration" not in text


def test_an_update_never_approved_is_no_public_word(world: World) -> None:
    incident = declare(world)
    Incident.objects.filter(pk=incident.pk).update(declared_at=T0)
    incident.refresh_from_db()
    [waiting] = services.update_publish(
        incident=incident,
        actor=world.manager,
        request=services.UpdateRequest(
            channels=[world.channel], texts={"en": "Stay home.", "fr": "Restez chez vous."}
        ),
    )
    assert waiting.approval == "fast_track"
    IncidentUpdate.objects.filter(pk=waiting.pk).update(created_at=at(5))
    Incident.objects.filter(pk=incident.pk).update(closed_at=at(45))
    incident.refresh_from_db()
    report = incident_report(incident=incident)
    assert report.minutes_to_first_update is None
    assert [(e.kind, e.at) for e in report.timeline] == [
        ("declared", at(0)),
        ("unsent", at(5)),
        ("closed", at(45)),
    ]
    assert [(g.start_label, g.end_label, g.minutes, g.kept) for g in report.gaps] == [
        ("declared", "closed", 45.0, False)
    ]
    assert (report.updates[0].published, report.updates[0].sent_at) == (0, None)
