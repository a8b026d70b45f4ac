"""The exercise's after-action report prints as a PDF the way the incident report does."""

from __future__ import annotations

import io

from django.test import Client
from pypdf import PdfReader

from civicdesk.exercises.services import exercise_start, exercise_stop, tick_running
from tests.exercises.conftest import SCENARIO, SteppedClock
from tests.factories import PASSWORD, World


def _client(user: object) -> Client:
    client = Client()
    assert client.login(username=user.get_username(), password=PASSWORD)  # type: ignore[attr-defined]
    return client


def test_the_report_of_a_stopped_exercise_as_pdf(world: World, clock: SteppedClock) -> None:
    exercise = exercise_start(
        organization=world.org,
        actor=world.manager,
        source=SCENARIO,
        channels=[world.channel],
        speed=60.0,
    )
    manager = _client(world.manager)
    url = f"/exercises/{exercise.pk}/report.pdf"
    assert manager.get(url).status_code == 404  # running: no report yet
    tick_running()
    clock.sleep(3)
    exercise_stop(exercise=exercise, actor=world.manager)
    page = manager.get(f"/exercises/{exercise.pk}/").content.decode()
    assert f'href="{url}"' in page

    pdf = manager.get(url)
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    text = " ".join(
        " ".join((p.extract_text() or "").split()) for p in PdfReader(io.BytesIO(pdf.content)).pages
    )
    assert "After-action report: Flood on the quays" in text
    assert "First public update within 10 minutes" in text
    assert "Not met" in text
    # Only those who run exercises read it.
    assert _client(world.author).get(url).status_code == 403
    assert _client(world.outsider).get(url).status_code == 404
