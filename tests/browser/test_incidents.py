"""An emergency from declaration to its after-action report, in real Chromium against the
built-in exercise network, with every post held 0.3 s by the platform.

A manager declares a flood for a brand with six channels in English and French; the brand's
ordinary posts are held and listed in the room. A pre-approved template filled within its
fields goes out at once to all six channels in both languages, and the worker has it live
everywhere within a minute of the click. A second update continues the first one's thread.
The next update falls due: the people on duty get the reminder on a local SMTP server and
the room says it is overdue. Closing the incident resumes one held post and reschedules
the other; the after-action report reads the same figures as a page and as a PDF, and the
room and the report fit a 375 px phone.
"""

from __future__ import annotations

import io
import time
from datetime import timedelta
from email.header import decode_header, make_header
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from pypdf import PdfReader

from civicdesk.exnet.faults import inject_fault
from civicdesk.exnet.models import NetAccount, NetPost
from civicdesk.incidents import reminders
from civicdesk.incidents import services as incidents
from civicdesk.incidents.models import Incident
from civicdesk.organizations.models import AuditEvent
from civicdesk.publishing.models import Post, Publication
from civicdesk.publishing.models import PublicationState as S
from civicdesk.publishing.publisher import check_unconfirmed, publish_due
from tests.browser.test_core_loop import connect_to_network, sign_in
from tests.factories import approve_post, make_channel, make_post, make_world
from tests.mail import Mailbox, body

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


PHONE = {"width": 375, "height": 812}
LIVE_WITHIN_SECONDS = 60


def _work_until_live(post_ids: list[int], deadline: float) -> None:
    """The worker's publishing turns, until every publication of the posts is settled."""
    while time.monotonic() < deadline:
        publish_due(worker="incident-test")
        check_unconfirmed(worker="incident-test")
        pending = Publication.objects.filter(post_id__in=post_ids).exclude(
            state__in=[S.PUBLISHED, S.FAILED, S.WITHHELD, S.DELETED]
        )
        if not pending.exists():
            return
        time.sleep(0.2)


def _fits(page: Any) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_declare_publish_everywhere_remind_close_and_report(
    live_server: Any, browser: Any, smtp: Mailbox, settings: Any
) -> None:
    base = live_server.url
    settings.SITE_URL = base
    # A busy machine answers slowly; a slow answer is not a fault.
    settings.CONNECTOR_TIMEOUT_SECONDS = 5.0
    world = make_world(prefix="inc")
    channels = [world.channel, world.channel2] + [
        make_channel(brand=world.brand, handle=f"inc_extra{n}") for n in range(4)
    ]
    for channel in channels:
        connect_to_network(channel, base)
        # The platform holds every post 0.3 s, as a real one answers.
        account = NetAccount.objects.get(handle=channel.handle)
        inject_fault(account, "latency", operation="create_post", count=50, seconds=0.3)
    for person, address in ((world.manager, "duty.manager@example.org"), (world.approver, "")):
        person.email = address or "duty.approver@example.org"
        person.save(update_fields=["email"])
    template = incidents.template_save(
        organization=world.org,
        actor=world.manager,
        kind="flood",
        name="Road flooded",
        texts={
            "en": "{road} is flooded until {time}. Detours: {link}",
            "fr": "{road} est inondée jusqu'à {time}. Déviations : {link}",
        },
    )
    incidents.template_approve(template=template, actor=world.approver)
    # Two ordinary posts of the brand, due soon: the incident will hold them.
    soon = timezone.now() + timedelta(minutes=5)
    resumed, moved = (
        approve_post(
            post=make_post(
                brand=world.brand,
                author=world.author,
                title=title,
                channels=[world.channel],
                scheduled_at=soon,
            ),
            author=world.author,
            approver=world.approver,
        )
        for title in ("Cycling week", "Museum night")
    )

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        # Declare from the incidents screen, reached from the menu.
        sign_in(page, base, world.manager)
        page.click("nav.sidebar a[href='/incidents/']")
        page.fill("#id_name", "Rhône flood")
        page.select_option("#id_kind", "flood")
        page.select_option("#id_severity", "major")
        page.fill("#id_area", "Quais du Rhône")
        page.select_option("#id_brands", str(world.brand.pk))
        page.select_option("#id_languages", ["en", "fr"])
        page.select_option("#id_duty_approver", str(world.approver.pk))
        page.select_option("#id_on_duty", [str(world.manager.pk), str(world.responder.pk)])
        page.fill("#id_cadence_minutes", "30")
        page.click("button:has-text('Declare')")
        page.wait_for_url(f"{base}/incidents/*/")
        incident = Incident.objects.get()
        room = page.url
        assert {c.pk for c in incident.channels.all()} == {c.pk for c in channels}
        assert AuditEvent.objects.filter(action="incident.declare", actor=world.manager).exists()

        # The ordinary posts are held, even once due, and listed in the room.
        due = timezone.now() - timedelta(seconds=5)
        Post.objects.filter(pk__in=[resumed.pk, moved.pk]).update(scheduled_at=due)
        Publication.objects.filter(post__in=[resumed, moved]).update(
            scheduled_at=due, next_attempt_at=due
        )
        publish_due(worker="incident-test")
        assert not Publication.objects.filter(post__in=[resumed, moved], state=S.PUBLISHED)
        page.reload()
        held = page.inner_text("section[aria-labelledby=paused-h]")
        assert "Cycling week" in held and "Museum night" in held

        # The pre-approved template, filled within its fields, to all six channels.
        page.select_option("#id_template", str(template.pk))
        page.fill("#id_road", "Quai Perrache")
        page.fill("#id_time", "18:30")
        page.fill("#id_link", "https://lyon.fr/detours")
        assert len(page.eval_on_selector("#id_channels", "s => [...s.selectedOptions]")) == 6
        clicked = time.monotonic()
        page.click("button:has-text('Publish to every chosen channel')")
        page.wait_for_selector("text=The update is on its way.")
        first = incident.updates.get()
        assert first.approval == "template"
        _work_until_live([first.post_id], clicked + LIVE_WITHIN_SECONDS)
        states = list(Publication.objects.filter(post=first.post).values_list("state", flat=True))
        assert len(states) == 12 and set(states) == {S.PUBLISHED}, states
        assert time.monotonic() - clicked < LIVE_WITHIN_SECONDS
        page.reload()
        update_card = page.locator(f"#update-{first.pk}")
        assert update_card.locator("tr.state-published").count() == 12
        for channel in channels:
            live = NetPost.objects.filter(account__handle=channel.handle, deleted_at=None)
            assert live.filter(text__startswith="Quai Perrache is flooded").count() == 1
            assert live.filter(text__startswith="Quai Perrache est inondée").count() == 1

        # A second update continues the first one's thread on every channel.
        page.select_option("#id_template", str(template.pk))
        page.fill("#id_road", "Quai Perrache")
        page.fill("#id_time", "20:00")
        page.fill("#id_link", "https://lyon.fr/detours")
        page.check("#id_continue_thread")
        clicked = time.monotonic()
        page.click("button:has-text('Publish to every chosen channel')")
        page.wait_for_selector("text=The update is on its way.")
        second = incident.updates.get(number=2)
        _work_until_live([second.post_id], clicked + LIVE_WITHIN_SECONDS)
        for later in Publication.objects.filter(post=second.post).select_related("reply_to"):
            assert later.state == S.PUBLISHED
            assert later.reply_to is not None and later.reply_to.post_id == first.post_id
            posted = NetPost.objects.get(pk=int(later.remote_id))
            assert posted.in_reply_to_id == int(later.reply_to.remote_id)

        # The next update falls due: a reminder by mail and in the room, shown overdue.
        Incident.objects.filter(pk=incident.pk).update(
            next_update_due_at=timezone.now() - timedelta(minutes=1)
        )
        assert reminders.sweep_due_updates() == 1  # the worker's periodic job
        assert smtp.arrived.wait(10)
        [mail] = smtp.messages
        assert set(mail["To"].replace(" ", "").split(",")) == {
            "duty.manager@example.org",
            "duty.approver@example.org",
        }
        assert str(make_header(decode_header(mail["Subject"]))) == "Update due: Rhône flood"
        assert room.removeprefix(base) in body(mail)
        page.reload()
        assert "Update overdue" in page.inner_text("#next-update")
        assert "Reminders sent:" in page.inner_text("section[aria-labelledby=duty-h]")

        # The room fits a phone.
        page.set_viewport_size(PHONE)
        assert _fits(page)
        page.set_viewport_size({"width": 1280, "height": 900})

        # Close: one held post resumes now, the other goes out at a new time.
        later_local = (timezone.now() + timedelta(days=1)).astimezone(ZoneInfo("Europe/Paris"))
        page.fill(f"input[name=reschedule_{moved.pk}]", later_local.strftime("%Y-%m-%dT%H:%M"))
        page.click("button:has-text('Close the incident')")
        page.wait_for_selector("text=Incident closed; the posts it held go out again.")
        incident.refresh_from_db()
        assert not incident.is_open
        assert AuditEvent.objects.filter(action="incident.close", actor=world.manager).exists()
        publish_due(worker="incident-test")
        assert {p.state for p in Publication.objects.filter(post=resumed)} == {S.PUBLISHED}
        at = later_local.replace(second=0, microsecond=0)
        assert {(p.state, p.scheduled_at) for p in Publication.objects.filter(post=moved)} == {
            (S.SCHEDULED, at)
        }

        # The after-action report, linked from the closed incident's room.
        page.click("#report-links a:has-text('After-action report')")
        page.wait_for_url(f"{base}/incidents/{incident.pk}/report/")
        first_live = min(
            Publication.objects.filter(post=first.post).values_list("published_at", flat=True)
        )
        minutes = round((first_live - incident.declared_at).total_seconds() / 60, 1)
        shown = f"{minutes:g} min"
        assert page.inner_text("#first-update") == shown
        assert "2 of 2" not in page.inner_text("#urgent")  # no urgent message came in
        assert page.locator("section[aria-labelledby=report-updates-h] tbody tr").count() == 2
        page.set_viewport_size(PHONE)
        assert _fits(page)

        pdf = page.request.get(f"{base}/incidents/{incident.pk}/report.pdf")
        assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
        text = " ".join(
            " ".join((p.extract_text() or "").split())
            for p in PdfReader(io.BytesIO(pdf.body())).pages
        )
        assert "After-action report: Rhône flood" in text
        assert f"Time from declaration to the first update {shown}" in text
    finally:
        context.close()
