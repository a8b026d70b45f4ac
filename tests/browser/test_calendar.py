"""The plan's calendar in Chromium: the month's posts seen and moved by dragging and with the
keyboard (the audit log records each move), the edit form's checks refusing a time past and a
post already on its platform, the calendar at phone width; and a weekday recurring post
created on its screen that keeps 07:30 local across the change to winter time."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.utils import timezone

from civicdesk.organizations.models import AuditEvent
from civicdesk.publishing import recurrence, state
from civicdesk.publishing.models import Post, PostSeries, PostStatus
from civicdesk.publishing.models import PublicationState as S
from civicdesk.setup import services as setup
from tests.factories import PASSWORD, approve_post, make_pillar, make_post, make_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 812}


def _fits(page) -> bool:  # noqa: ANN001
    return page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1"
    )


def _sign_in(page, base: str, user) -> None:  # noqa: ANN001
    page.goto(f"{base}/login/")
    page.fill("#id_login", user.get_username())
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def _local(post: Post) -> datetime:
    assert post.scheduled_at is not None
    return timezone.localtime(post.scheduled_at, post.brand.organization.tz)


def _at(days: int, hour: int, tz) -> datetime:  # noqa: ANN001
    day = timezone.localdate(timezone=tz) + timedelta(days=days)
    return datetime.combine(day, time(hour, 0), tzinfo=tz)


def _free_neighbour(page, day: date) -> str:  # noqa: ANN001
    """A day next to ``day`` shown in the grid and still to come."""
    for candidate in (day + timedelta(days=1), day - timedelta(days=1)):
        if (
            candidate > timezone.localdate()
            and page.locator(f'.cal-day[data-drop-date="{candidate.isoformat()}"]').count()
        ):
            return candidate.isoformat()
    raise AssertionError("no neighbouring day in the grid")


def test_posts_are_seen_in_the_month_and_moved_by_drag_and_by_keyboard(
    live_server,  # noqa: ANN001
    page,  # noqa: ANN001
    browser,  # noqa: ANN001
) -> None:
    world = make_world(prefix="cal")
    tz = world.org.tz
    news = make_pillar(organization=world.org, slug="safety", name="Safety")
    setup.pillar_save(
        organization=world.org, pillar=news, name="Safety", target_percent=50, actor=world.admin
    )
    dragged = make_post(
        brand=world.brand,
        author=world.author,
        title="Ferry timetable <b>winter</b>",
        scheduled_at=_at(3, 9, tz),
        pillar=news,
    )
    approve_post(post=dragged, author=world.author, approver=world.approver)
    keyed = make_post(
        brand=world.brand,
        author=world.author,
        title="Road works notice",
        scheduled_at=_at(4, 11, tz),
    )
    late = make_post(
        brand=world.brand, author=world.author, title="Snow advice", scheduled_at=_at(5, 8, tz)
    )
    touched = make_post(
        brand=world.brand, author=world.author, title="Bridge works", scheduled_at=_at(6, 10, tz)
    )
    base = live_server.url
    _sign_in(page, base, world.author)

    # The month of the first post, from the plan's tabs.
    page.goto(f"{base}/posts/")
    page.locator(".plan-tabs").get_by_role("link", name="Calendar").click()
    page.wait_for_url(f"{base}/calendar/")
    month = f"{base}/calendar/?view=month&date={_local(dragged).date().isoformat()}"
    page.goto(month)
    chip = page.locator(f'.cal-post[data-post="{dragged.pk}"]')
    # The title is shown as text, its markup escaped.
    assert chip.locator(".cal-post-title").inner_text() == "Ferry timetable <b>winter</b>"
    assert chip.get_attribute("class") and "pillar-c0" in chip.get_attribute("class")
    assert chip.locator(".cal-time").inner_text() == "09:00"

    # Dragged with the mouse (native drag and drop) to the next day: same time, still approved.
    target = _free_neighbour(page, _local(dragged).date())
    chip.drag_to(
        page.locator(f'.cal-day[data-drop-date="{target}"]'), source_position={"x": 4, "y": 4}
    )
    page.wait_for_selector(".message-success")
    assert "moved to" in page.locator(".messages").inner_text()
    dragged.refresh_from_db()
    assert _local(dragged).date().isoformat() == target
    assert _local(dragged).time() == time(9, 0)
    assert dragged.status == PostStatus.APPROVED
    assert set(dragged.publications.values_list("state", flat=True)) == {S.SCHEDULED}
    event = AuditEvent.objects.filter(action="post.reschedule", object_id=str(dragged.pk)).get()
    assert event.actor_label == world.author.get_username() and event.data["via"] == "drag"

    # With the keyboard: select the post, M, an arrow, Enter.
    page.goto(f"{base}/calendar/?view=week&date={_local(keyed).date().isoformat()}")
    keyed_chip = page.locator(f'.cal-post[data-post="{keyed.pk}"]')
    keyed_chip.focus()
    page.keyboard.press("m")
    assert "arrow keys" in page.locator("#cal-live").inner_text()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Enter")
    page.wait_for_selector(".message-success")
    before = _local(keyed)
    keyed.refresh_from_db()
    assert _local(keyed) == before + timedelta(days=1)
    assert (
        AuditEvent.objects.get(action="post.reschedule", object_id=str(keyed.pk)).data["via"]
        == "keyboard"
    )

    # A touch screen drags it by its grip (the pointer fallback).
    page.goto(f"{base}/calendar/?view=week&date={_local(touched).date().isoformat()}")
    target = _free_neighbour(page, _local(touched).date())
    page.locator(f'.cal-post[data-post="{touched.pk}"]').scroll_into_view_if_needed()
    grip = page.locator(f'.cal-post[data-post="{touched.pk}"] .cal-grip').bounding_box()
    cell = page.locator(f'.cal-day[data-drop-date="{target}"]').bounding_box()
    assert grip is not None and cell is not None
    page.evaluate(
        """([x, y, tx, ty]) => {
          const grip = document.elementFromPoint(x, y);
          const at = (cx, cy) => ({
            bubbles: true, cancelable: true, pointerId: 7, pointerType: "touch",
            isPrimary: true, clientX: cx, clientY: cy,
          });
          grip.dispatchEvent(new PointerEvent("pointerdown", at(x, y)));
          grip.dispatchEvent(new PointerEvent("pointermove", at(tx, ty)));
          grip.dispatchEvent(new PointerEvent("pointerup", at(tx, ty)));
        }""",
        [
            grip["x"] + grip["width"] / 2,
            grip["y"] + grip["height"] / 2,
            cell["x"] + cell["width"] / 2,
            cell["y"] + 12,
        ],
    )
    page.wait_for_selector(".message-success")
    touched.refresh_from_db()
    assert _local(touched).date().isoformat() == target and _local(touched).hour == 10

    # The "move to" control refuses a day already past, as the edit form does.
    page.goto(f"{base}/calendar/?view=week&date={_local(late).date().isoformat()}")
    late_chip = page.locator(f'.cal-post[data-post="{late.pk}"]')
    late_chip.locator("summary").click()
    yesterday = timezone.localdate(timezone=tz) - timedelta(days=1)
    late_chip.locator("input[name=date]").fill(yesterday.isoformat())
    late_chip.get_by_role("button", name="Move").click()
    page.wait_for_selector(".message-error")
    assert "already passed" in page.locator(".messages").inner_text()
    late.refresh_from_db()
    assert _local(late).date() == timezone.localdate(timezone=tz) + timedelta(days=5)

    # A post that went out meanwhile is locked: dragging it is refused and nothing moves.
    page.goto(f"{base}/calendar/?view=week&date={_local(dragged).date().isoformat()}")
    for publication in dragged.publications.all():
        assert state.move(publication, S.PUBLISHING)
    locked_at = dragged.scheduled_at
    page.locator(f'.cal-post[data-post="{dragged.pk}"]').drag_to(
        page.locator(f'.cal-day[data-drop-date="{_free_neighbour(page, _local(dragged).date())}"]'),
        source_position={"x": 4, "y": 4},
    )
    page.wait_for_selector(".message-error")
    assert "already published" in page.locator(".messages").inner_text()
    dragged.refresh_from_db()
    assert dragged.scheduled_at == locked_at
    # Reloaded, it is no longer offered to move.
    locked_chip = page.locator(f'.cal-post[data-post="{dragged.pk}"]')
    assert locked_chip.get_attribute("draggable") is None
    assert locked_chip.locator("form").count() == 0
    assert AuditEvent.objects.filter(action="post.reschedule").count() == 3

    # At phone width: the days with posts, a list that fits, each post with its Move button.
    phone = browser.new_context(viewport=PHONE)
    small = phone.new_page()
    try:
        _sign_in(small, base, world.author)
        small.goto(month)
        assert small.locator(f'.cal-post[data-post="{late.pk}"] summary').is_visible()
        assert _fits(small)
        small.goto(f"{base}/plan/pillars/?month={_local(late):%Y-%m}")
        safety = small.locator('tr.balance-row[data-pillar="safety"]').inner_text()
        assert "Safety" in safety and "50%" in safety  # its target
        assert small.locator("table.balance").get_by_text("No pillar").is_visible()
        small.goto(f"{base}/plan/recurring/new/")
        assert small.get_by_label("Recurrence rule (RFC 5545 RRULE)").is_visible()
        assert _fits(small)
        assert _fits(small)
    finally:
        phone.close()


def test_a_weekday_recurring_post_keeps_0730_across_the_change_to_summer_time(
    live_server,  # noqa: ANN001
    page,  # noqa: ANN001
) -> None:
    world = make_world(prefix="rec")  # Europe/Paris: clocks go forward on 28 March 2027
    base = live_server.url
    _sign_in(page, base, world.author)
    page.goto(f"{base}/posts/")
    page.locator(".plan-tabs").get_by_role("link", name="Recurring posts").click()
    page.get_by_role("link", name="New recurring post").click()
    page.wait_for_url(f"{base}/plan/recurring/new/")
    page.get_by_label("Title").fill("Morning traffic")
    page.get_by_label("English").fill("Traffic update: all main roads are open.")
    page.get_by_label("French").fill("Info trafic : toutes les routes principales sont ouvertes.")
    page.get_by_label(world.channel.handle).check()
    page.get_by_label("First day").fill("2027-03-25")
    page.get_by_label("Time of day").fill("07:30")
    page.get_by_label("Repeats").select_option("weekdays")
    page.get_by_label("Ends").select_option("count")
    page.get_by_label("Number of posts").fill("10")
    page.get_by_label("Days skipped").fill("2027-03-26")
    page.get_by_role("button", name="Create the recurring post").click()
    page.wait_for_url(f"{base}/plan/recurring/*/")
    assert page.locator("#series-rule").inner_text() == "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;COUNT=10"
    times = page.locator(".next-times li").all_inner_texts()
    # Thursday in winter time, Friday skipped, Monday in summer time: 07:30 both.
    assert times[0].startswith("Thu 25 Mar 2027, 07:30 CET")
    assert times[1].startswith("Mon 29 Mar 2027, 07:30 CEST")

    # The worker's horizon reaches March: the occurrences are ordinary posts, sent for review.
    series = PostSeries.objects.get(title="Morning traffic")
    assert recurrence.series_materialize(series=series, now=datetime(2027, 3, 20, tzinfo=UTC))
    occurrences = list(series.occurrences.order_by("occurrence_at"))
    assert [o.scheduled_at.astimezone(UTC).strftime("%d %H:%M") for o in occurrences[:3]] == [
        "25 06:30",
        "29 05:30",
        "30 05:30",
    ]
    assert {o.status for o in occurrences} == {PostStatus.IN_REVIEW}
    page.goto(f"{base}/calendar/?view=week&date=2027-03-29")
    chip = page.locator(f'.cal-post[data-post="{occurrences[1].pk}"]')
    assert chip.locator(".cal-time").inner_text() == "07:30"
    assert chip.locator(".tag-series").is_visible()
    page.goto(f"{base}/calendar/?view=week&date=2027-03-25")
    assert (
        page.locator(f'.cal-post[data-post="{occurrences[0].pk}"] .cal-time').inner_text()
        == "07:30"
    )
