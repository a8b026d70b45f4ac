"""Recurring posts: the rule expanded in the organization's local time across daylight-saving
changes, EXDATE, COUNT and UNTIL; occurrences made once as ordinary posts, approved as the
policy says; a series edit followed by its occurrences to come; the calendar feed."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from civicdesk.organizations.models import AuditEvent
from civicdesk.policies.form_settings import PolicySettingsForm
from civicdesk.policies.services import policy_save_settings
from civicdesk.publishing import calendar_feed, publisher, recurrence, services
from civicdesk.publishing.models import Post, PostSeries, PostStatus, SeriesStatus
from civicdesk.publishing.models import PublicationState as S
from civicdesk.rules import default_policy
from tests.factories import make_world

pytestmark = pytest.mark.django_db

WEEKDAYS = "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"
TEXTS = {"en": "Traffic update: roads are clear.", "fr": "Info trafic : les routes sont dégagées."}


def _draft(world, *, starts_on: date, rule: str = WEEKDAYS, **changes) -> recurrence.SeriesDraft:  # noqa: ANN001
    values = {
        "title": "Morning traffic",
        "texts": TEXTS,
        "channels": [world.channel, world.channel2],
        "starts_on": starts_on,
        "local_time": time(7, 30),
        "rule": rule,
    }
    values.update(changes)
    return recurrence.SeriesDraft(**values)


def _series(world, **changes) -> PostSeries:  # noqa: ANN001
    # Unsaved: the expansion needs only the rule, its start and the organization's zone.
    draft = _draft(world, **changes)
    series = PostSeries(brand=world.brand, author=world.author)
    series.starts_on, series.local_time = draft.starts_on, draft.local_time
    series.rule = recurrence.normalize_rule(draft.rule, world.org.tz)
    series.exdates = [at.isoformat() for at in draft.exdates]
    return series


def _local(at: datetime, world) -> datetime:  # noqa: ANN001
    return timezone.localtime(at, world.org.tz)


def test_a_weekday_rule_keeps_0730_in_paris_across_the_end_of_summer_time() -> None:
    world = make_world(time_zone="Europe/Paris")
    # Summer time ends in Paris on Sunday 31 October 2027 (03:00 CEST -> 02:00 CET).
    series = _series(world, starts_on=date(2027, 10, 25))
    found = recurrence.occurrences_between(
        series, datetime(2027, 10, 24, tzinfo=UTC), datetime(2027, 11, 3, 23, tzinfo=UTC)
    )
    assert [_local(at, world).strftime("%a %d %H:%M") for at in found] == [
        "Mon 25 07:30",
        "Tue 26 07:30",
        "Wed 27 07:30",
        "Thu 28 07:30",
        "Fri 29 07:30",
        "Mon 01 07:30",
        "Tue 02 07:30",
        "Wed 03 07:30",
    ]
    # The same local time is a different UTC time on each side of the change.
    assert found[4] == datetime(2027, 10, 29, 5, 30, tzinfo=UTC)
    assert found[5] == datetime(2027, 11, 1, 6, 30, tzinfo=UTC)


def test_spring_forward_in_vancouver_and_a_time_the_clocks_skip() -> None:
    world = make_world(time_zone="America/Vancouver")
    # Clocks go forward on Sunday 14 March 2027 at 02:00 (PST -> PDT).
    daily = _series(world, starts_on=date(2027, 3, 12), rule="FREQ=DAILY;COUNT=4")
    found = recurrence.occurrences_between(
        daily, datetime(2027, 3, 1, tzinfo=UTC), datetime(2027, 4, 1, tzinfo=UTC)
    )
    assert [_local(at, world).strftime("%d %H:%M %Z") for at in found] == [
        "12 07:30 PST",
        "13 07:30 PST",
        "14 07:30 PDT",
        "15 07:30 PDT",
    ]
    skipped = _series(world, starts_on=date(2027, 3, 14), rule="FREQ=DAILY;COUNT=2")
    skipped.local_time = time(2, 30)
    first, second = recurrence.occurrences_between(
        skipped, datetime(2027, 3, 1, tzinfo=UTC), datetime(2027, 4, 1, tzinfo=UTC)
    )
    # 02:30 does not exist that night: RFC 5545 reads it with the offset before the gap.
    assert _local(first, world).strftime("%H:%M %Z") == "03:30 PDT"
    assert _local(second, world).strftime("%H:%M %Z") == "02:30 PDT"


def test_exdate_count_and_until() -> None:
    world = make_world()
    series = _series(
        world,
        starts_on=date(2027, 6, 7),
        rule=WEEKDAYS + ";COUNT=5",
        exdates=[datetime(2027, 6, 9, 7, 30)],
    )
    found = recurrence.occurrences_between(
        series, datetime(2027, 6, 1, tzinfo=UTC), datetime(2027, 7, 1, tzinfo=UTC)
    )
    # COUNT counts the excluded date too (RFC 5545): four occurrences remain.
    assert [_local(at, world).day for at in found] == [7, 8, 10, 11]
    until = _series(world, starts_on=date(2027, 6, 7), rule=WEEKDAYS + ";UNTIL=20270609T053000Z")
    assert until.rule.endswith("UNTIL=20270609T073000")  # kept as a local time
    found = recurrence.occurrences_between(
        until, datetime(2027, 6, 1, tzinfo=UTC), datetime(2027, 7, 1, tzinfo=UTC)
    )
    assert [_local(at, world).day for at in found] == [7, 8, 9]


@pytest.mark.parametrize(
    ("rule", "reason"),
    [
        ("", "how often"),
        ("FREQ=HOURLY", "FREQ=DAILY"),
        ("FREQ=WEEKLY;BYDAY=XX", "not a recurrence rule"),
        ("DTSTART:20270101T000000\nRRULE:FREQ=DAILY", "without DTSTART"),
        ("FREQ=DAILY;COUNT=3;UNTIL=20270101", "not both"),
    ],
)
def test_a_bad_rule_is_refused_with_its_reason(rule: str, reason: str) -> None:
    world = make_world()
    with pytest.raises(ValidationError, match=reason):
        recurrence.series_create(
            brand=world.brand,
            actor=world.author,
            draft=_draft(world, starts_on=timezone.now().date(), rule=rule),
        )
    assert not PostSeries.objects.exists()


def test_occurrences_are_made_once_and_each_is_approved_on_its_own() -> None:
    world = make_world()
    start = timezone.localdate(timezone=world.org.tz) + timedelta(days=1)
    series = recurrence.series_create(
        brand=world.brand, actor=world.author, draft=_draft(world, starts_on=start)
    )
    assert series.status == SeriesStatus.ACTIVE
    posts = list(series.occurrences.order_by("occurrence_at"))
    assert 20 <= len(posts) <= 31  # six weeks of weekdays
    assert all(p.status == PostStatus.IN_REVIEW and p.author_id == world.author.pk for p in posts)
    assert {_local(p.scheduled_at, world).time() for p in posts} == {time(7, 30)}
    # A second run (another worker, the hourly job) makes nothing twice.
    assert recurrence.series_materialize(series=series) == 0
    assert recurrence.materialize_all() == 0
    # Each occurrence is an ordinary post: approved by an approver, then scheduled.
    first = posts[0]
    services.post_approve(post=first, actor=world.approver)
    assert set(first.publications.values_list("state", flat=True)) == {S.SCHEDULED}
    # The publisher takes it at its time like any post, and only it.
    assert first.scheduled_at is not None
    claimed = publisher.claim_due(worker="w", now=first.scheduled_at + timedelta(seconds=1))
    assert set(claimed) == set(first.publications.values_list("pk", flat=True))
    assert Post.objects.get(pk=posts[1].pk).status == PostStatus.IN_REVIEW
    # The author's calendar feed lists the occurrences.
    events = calendar_feed.feed_posts(person=world.author)
    assert {p.pk for p in posts} <= {p.pk for p in events}


def test_a_series_approved_once_where_the_policy_says_so() -> None:
    world = make_world()
    policy = default_policy()
    policy.recurring.approve_series_once = True
    policy_save_settings(organization=world.org, actor=world.admin, policy=policy)
    start = timezone.localdate(timezone=world.org.tz) + timedelta(days=1)
    series = recurrence.series_create(
        brand=world.brand, actor=world.author, draft=_draft(world, starts_on=start)
    )
    assert series.status == SeriesStatus.DRAFT and not series.occurrences.exists()
    recurrence.series_submit(series=series, actor=world.author)
    with pytest.raises(PermissionDenied):
        recurrence.series_approve(series=series, actor=world.author)
    recurrence.series_approve(series=series, actor=world.approver, comment="Fine all winter.")
    series.refresh_from_db()
    assert series.status == SeriesStatus.APPROVED
    posts = list(series.occurrences.all())
    assert posts and all(p.status == PostStatus.APPROVED for p in posts)
    assert {s for p in posts for s in p.publications.values_list("state", flat=True)} == {
        S.SCHEDULED
    }
    approval = posts[0].approvals.get()
    assert approval.approver_id == world.approver.pk and approval.comment == "Fine all winter."
    # An edit needs the series' approval again; its occurrences wait as drafts meanwhile.
    recurrence.series_update(
        series=series,
        actor=world.author,
        draft=_draft(world, starts_on=start, texts={**TEXTS, "en": "Traffic: all clear."}),
    )
    series.refresh_from_db()
    assert series.status == SeriesStatus.DRAFT
    assert set(series.occurrences.values_list("status", flat=True)) == {PostStatus.DRAFT}


def test_editing_a_series_updates_its_occurrences_to_come() -> None:
    world = make_world()
    start = timezone.localdate(timezone=world.org.tz) + timedelta(days=1)
    series = recurrence.series_create(
        brand=world.brand, actor=world.author, draft=_draft(world, starts_on=start)
    )
    moved = series.occurrences.order_by("occurrence_at")[2]
    by_hand = moved.scheduled_at + timedelta(hours=2)
    services.post_reschedule(post=moved, at=by_hand, actor=world.author)
    recurrence.series_update(
        series=series,
        actor=world.manager,
        draft=_draft(
            world,
            starts_on=start,
            rule="FREQ=WEEKLY;BYDAY=MO,WE,FR",
            texts={"en": "Traffic: all clear.", "fr": "Trafic : tout est dégagé."},
        ),
    )
    alive = series.occurrences.exclude(status=PostStatus.CANCELLED)
    days = {_local(p.occurrence_at, world).weekday() for p in alive}
    assert days <= {0, 2, 4}
    assert series.occurrences.filter(status=PostStatus.CANCELLED).exists()
    texts = {v.text for p in alive for v in p.variants.all()}
    assert texts == {"Traffic: all clear.", "Trafic : tout est dégagé."}
    assert all(p.status == PostStatus.IN_REVIEW for p in alive)
    moved.refresh_from_db()
    if moved.status != PostStatus.CANCELLED:
        assert moved.scheduled_at == by_hand  # its own time is kept
    assert AuditEvent.objects.filter(action="series.update", actor=world.manager).exists()
    recurrence.series_end(series=series, actor=world.author)
    assert not series.occurrences.exclude(status=PostStatus.CANCELLED).exists()
    with pytest.raises(ValidationError):
        recurrence.series_end(series=series, actor=world.author)
    with pytest.raises(PermissionDenied):
        recurrence.series_create(
            brand=world.brand, actor=world.viewer, draft=_draft(world, starts_on=start)
        )


def test_the_policy_form_sets_whether_a_series_is_approved_once() -> None:
    policy = default_policy()
    initial = PolicySettingsForm.initial_for(policy, base=0, languages=["en"])
    assert initial["approve_series_once"] is False
    data = {k: v for k, v in initial.items() if v is not None and v is not False}
    data["approve_series_once"] = "on"
    form = PolicySettingsForm(data, languages=["en"])
    assert form.is_valid(), form.errors
    form.apply(policy)
    assert policy.recurring.approve_series_once is True


def test_the_recurring_pages_check_who_may_do_what() -> None:
    from django.test import Client

    world = make_world()
    start = timezone.localdate(timezone=world.org.tz) + timedelta(days=1)
    series = recurrence.series_create(
        brand=world.brand, actor=world.author, draft=_draft(world, starts_on=start)
    )
    client = Client()
    client.force_login(world.viewer)
    assert client.get(f"/plan/recurring/{series.pk}/").status_code == 200
    assert client.get(f"/plan/recurring/{series.pk}/edit/").status_code == 403
    assert client.post(f"/plan/recurring/{series.pk}/end/").status_code == 403
    client.force_login(world.outsider)
    assert client.get(f"/plan/recurring/{series.pk}/").status_code == 404
    assert "Morning traffic" not in client.get("/plan/recurring/").content.decode()
    client.force_login(world.author)
    response = client.post(f"/plan/recurring/{series.pk}/end/")
    assert response.status_code == 302
    series.refresh_from_db()
    assert series.status == SeriesStatus.ENDED
    assert AuditEvent.objects.filter(action="series.end", actor=world.author).exists()
