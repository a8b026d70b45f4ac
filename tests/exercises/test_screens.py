"""The exercise screens: who reaches them, starting from the screen (exercise network
channels only), the progress with the injects, stopping, the report and the EXERCISE banner."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from civicdesk.exercises.models import Exercise, ExerciseState
from civicdesk.exercises.services import exercise_start, tick_running
from civicdesk.organizations.models import AuditEvent
from tests.exercises.conftest import SCENARIO, SteppedClock
from tests.factories import PASSWORD, World, make_channel, make_world


def client_for(user: object) -> Client:
    client = Client()
    assert client.login(username=user.get_username(), password=PASSWORD)  # type: ignore[attr-defined]
    return client


def _running(world: World) -> Exercise:
    return exercise_start(
        organization=world.org,
        actor=world.manager,
        source=SCENARIO,
        channels=[world.channel],
        speed=60.0,
    )


def test_who_reaches_the_exercise_screens(world: World) -> None:
    exercise = _running(world)
    elsewhere = make_world(prefix="Other ")
    assert client_for(world.outsider).get("/exercises/").status_code == 404
    for person in (world.author, world.viewer, world.responder, world.approver):
        client = client_for(person)
        assert client.get("/exercises/").status_code == 403
        assert client.get(f"/exercises/{exercise.pk}/").status_code == 403
        assert client.post(f"/exercises/{exercise.pk}/stop/").status_code == 403
        assert b'href="/exercises/"' not in client.get("/").content  # not in their menu
    stranger = client_for(elsewhere.manager)
    assert stranger.get("/exercises/").status_code == 200  # their own organization's list
    assert stranger.get(f"/exercises/{exercise.pk}/").status_code == 404
    assert stranger.post(f"/exercises/{exercise.pk}/stop/").status_code == 404
    assert Exercise.objects.get(pk=exercise.pk).state == ExerciseState.RUNNING
    for person in (world.manager, world.admin):
        client = client_for(person)
        assert b'href="/exercises/"' in client.get("/").content
        assert client.get(f"/exercises/{exercise.pk}/").status_code == 200


def test_start_from_the_screen_offers_only_exercise_network_channels(world: World) -> None:
    real = make_channel(brand=world.brand, platform="mastodon", handle="cityhall_real")
    client = client_for(world.manager)
    page = client.get("/exercises/")
    assert page.status_code == 200
    offered = page.context["form"].fields["channels"].queryset
    assert world.channel in offered and real not in offered
    refused = client.post(
        "/exercises/",
        {
            "upload": SimpleUploadedFile("flood.yaml", SCENARIO.encode()),
            "channels": [real.pk],
            "speed": "60",
        },
    )
    assert refused.status_code == 400
    assert not Exercise.objects.exists()

    started = client.post(
        "/exercises/",
        {
            "upload": SimpleUploadedFile("flood.yaml", SCENARIO.encode()),
            "channels": [world.channel.pk, world.channel2.pk],
            "speed": "60",
        },
    )
    exercise = Exercise.objects.get()
    assert started.status_code == 302 and started["Location"] == f"/exercises/{exercise.pk}/"
    assert exercise.is_running and exercise.speed == 60.0
    assert set(exercise.channels.all()) == {world.channel, world.channel2}
    assert AuditEvent.objects.filter(action="exercise.start", actor=world.manager).count() == 1


def test_a_broken_upload_is_refused_with_its_line(world: World) -> None:
    answer = client_for(world.manager).post(
        "/exercises/",
        {
            "upload": SimpleUploadedFile(
                "bad.yaml", SCENARIO.replace("count: 3", "count: -3").encode()
            ),
            "channels": [world.channel.pk],
            "speed": "1",
        },
    )
    assert answer.status_code == 400
    assert b"line 14: count must be a number" in answer.content
    assert not Exercise.objects.exists()


def test_progress_shows_injects_as_they_fire_and_stop_scores(
    world: World, clock: SteppedClock
) -> None:
    exercise = _running(world)
    client = client_for(world.manager)
    assert b"No inject yet." in client.get(f"/exercises/{exercise.pk}/").content
    tick_running()
    page = client.get(f"/exercises/{exercise.pk}/")
    assert "The minister wants a statement by 10:30" in page.content.decode()
    assert b"1 of 10 actions fired" in page.content
    partial = client.get(f"/exercises/{exercise.pk}/", headers={"HX-Request": "true"})
    assert partial.content.lstrip().startswith(b'<section id="progress"')
    assert b"<html" not in partial.content

    clock.sleep(3)  # scenario minute 3
    stopped = client.post(f"/exercises/{exercise.pk}/stop/", follow=True)
    exercise.refresh_from_db()
    assert exercise.state == ExerciseState.STOPPED
    assert AuditEvent.objects.filter(action="exercise.stop", actor=world.manager).count() == 1
    body = stopped.content.decode()
    assert "After-action report" in body
    assert "First public update within 10 minutes" in body
    assert "Stop the exercise" not in body
    again = client.post(f"/exercises/{exercise.pk}/stop/", follow=True)
    assert "This exercise is not running." in again.content.decode()


def test_every_screen_shows_the_exercise_banner_while_it_runs(world: World) -> None:
    author = client_for(world.author)
    assert b"banner-exercise" not in author.get("/").content
    exercise = _running(world)
    for path in ("/", "/posts/", "/inbox/", "/incidents/"):
        page = author.get(path)
        assert page.status_code == 200
        assert b"banner-exercise" in page.content and b"EXERCISE" in page.content, path
    # The author may not open the exercise, so the banner offers no link to it.
    assert f'href="/exercises/{exercise.pk}/"'.encode() not in author.get("/").content
    assert (
        f'href="/exercises/{exercise.pk}/"'.encode() in client_for(world.manager).get("/").content
    )
    # Another organization's people see nothing of it.
    elsewhere = make_world(prefix="Other ")
    assert b"banner-exercise" not in client_for(elsewhere.manager).get("/").content

    with CaptureQueriesContext(connection) as captured:
        author.get("/")
    assert sum('"exercises_exercise"' in q["sql"] for q in captured.captured_queries) == 1

    client_for(world.manager).post(f"/exercises/{exercise.pk}/stop/")
    assert b"banner-exercise" not in author.get("/").content


def test_a_scenario_is_needed_and_only_one(world: World) -> None:
    client = client_for(world.manager)
    base = {"channels": [world.channel.pk], "speed": "1"}
    neither = client.post("/exercises/", base)
    both = client.post(
        "/exercises/",
        {
            **base,
            "scenario": "flood-en.yaml",
            "upload": SimpleUploadedFile("flood.yaml", SCENARIO.encode()),
        },
    )
    for answer in (neither, both):
        assert answer.status_code == 400
        assert b"Choose a shipped scenario or upload a file: one of the two." in answer.content
    assert not Exercise.objects.exists()
