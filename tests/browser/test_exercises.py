"""In real Chromium at phone width: a manager starts a shipped scenario from the screen, the
team sees the EXERCISE banner on its normal pages, the manager stops it and reads the report."""

from __future__ import annotations

import pytest

from civicdesk.exercises.models import Exercise, ExerciseState
from civicdesk.exercises.services import tick_running
from civicdesk.exnet.services import create_account
from tests.factories import PASSWORD, make_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def _sign_in(page, base: str, user) -> None:  # noqa: ANN001
    page.goto(f"{base}/login/")
    page.fill("#id_login", user.get_username())
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def _width(page) -> int:  # noqa: ANN001
    return page.evaluate("document.documentElement.scrollWidth")


def test_start_follow_and_stop_an_exercise_on_a_phone(live_server, browser) -> None:  # noqa: ANN001, F811
    world = make_world(prefix="xb")
    for channel in (world.channel, world.channel2):
        create_account(handle=channel.handle, display_name=channel.brand.name)
    base = live_server.url
    manager = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    author = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        page = manager.new_page()
        page.set_default_timeout(10_000)
        _sign_in(page, base, world.manager)
        page.click("nav.sidebar a[href='/exercises/']")
        assert _width(page) <= PHONE["width"]
        page.select_option("#id_scenario", "bridge-closure-fr.yaml")
        page.check(f"input[name=channels][value='{world.channel.pk}']")
        page.fill("#id_speed", "30")
        page.click("button:has-text('Start the exercise')")
        page.wait_for_url(f"{base}/exercises/*/")
        exercise = Exercise.objects.get()
        assert exercise.is_running and exercise.speed == 30
        assert page.locator(".banner-exercise").count() == 1
        tick_running()  # what the worker does every second
        page.reload()
        assert page.locator("#progress").get_by_text("pont Wilson").count() == 1
        assert _width(page) <= PHONE["width"]

        team = author.new_page()
        team.set_default_timeout(10_000)
        _sign_in(team, base, world.author)
        for url in ("/", "/inbox/", "/posts/"):
            team.goto(f"{base}{url}")
            assert "EXERCISE" in team.locator(".banner-exercise").inner_text(), url
            assert _width(team) <= PHONE["width"], url

        page.click("button:has-text('Stop the exercise')")
        page.wait_for_selector("text=After-action report")
        assert _width(page) <= PHONE["width"]
        assert Exercise.objects.get().state == ExerciseState.STOPPED
        team.goto(f"{base}/")
        assert team.locator(".banner-exercise").count() == 0
    finally:
        manager.close()
        author.close()
