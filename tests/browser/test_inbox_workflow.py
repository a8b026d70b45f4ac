"""The inbox as the team's workflow, in real Chromium against the built-in exercise network.

Two people comment on our posts: a driver in French about a pothole, a rider in English
about a bus (half an hour ago). The worker's ingest job reads them over HTTP from the
network; rules route them to two business areas. An approver, on a phone, finds the saved
replies in the menu and approves the draft a responder wrote. The roads expert, who has no
role on the brand, sees only the pothole and answers the team in a note. A responder sees
the note beside the reply box, inserts the approved saved reply offered in French first
(the driver's name filled in) and sends it; a second responder, who had the conversation
open, is stopped with the first answer shown. The worker's task queue delivers the reply to
the network. The worker's breach sweep finds the rider's conversation past its target: the
alert reaches the transit lead on a local SMTP server and in the app. The keyboard assigns a
conversation from the list; the responder closes the pothole. The first-response and
resolution times recorded are what happened (the reply reaching the network, the close),
and the conversation shows them. The inbox and its settings fit a 390 px phone.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from civicdesk.exnet.models import NetAccount, NetPost
from civicdesk.exnet.services import create_account, create_post
from civicdesk.inbox import routing, saved_replies, targets
from civicdesk.inbox.models import (
    Conversation,
    InboundMessage,
    Notification,
    Reply,
    ReplyState,
    ResponseTarget,
    RoutingDecision,
    RoutingRule,
)
from civicdesk.organizations.models import BusinessArea, Role
from civicdesk.runtime.worker import DeskWorker, WorkerOptions
from tests.browser.test_core_loop import connect_to_network, sign_in
from tests.factories import make_member, make_world
from tests.mail import Mailbox, body

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


POTHOLE = "Bonjour, il y a un énorme nid-de-poule sur la route 3, c'est dangereux pour les vélos."
BUS = "When does the next bus leave the central station? The schedule page is empty."
PHONE = {"width": 390, "height": 844}


def _context(browser: Any, viewport: dict[str, int] | None = None) -> Any:
    context = browser.new_context(viewport=viewport or {"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


def _job(worker: DeskWorker, name: str) -> Any:
    """What the worker runs for the periodic job ``name``."""
    job = worker.job(name)
    assert job is not None, name
    return job[1]


def test_routed_answered_once_with_a_saved_reply_and_a_breach_alerted(
    live_server: Any, browser: Any, smtp: Mailbox, settings: Any
) -> None:
    base = live_server.url
    settings.SITE_URL = base
    world = make_world(prefix="wf")
    connect_to_network(world.channel, base)
    admin = world.admin
    second = make_member(
        organization=world.org, role=Role.RESPONDER, brand=world.brand, username="wfsecond"
    )
    expert = world.other_member  # an author on the other brand only: no role on this one
    world.manager.email = "transit.lead@example.org"
    world.manager.save(update_fields=["email"])

    # The organization's set-up: two areas with their rules, a target, a saved reply.
    roads = BusinessArea.objects.create(organization=world.org, name="Roads")
    transit = BusinessArea.objects.create(organization=world.org, name="Transit")
    roads.members.add(expert)
    transit.members.add(world.manager)
    for name, phrases, area in (
        ("Potholes", "nid-de-poule\npothole", roads),
        ("Buses", "bus\nferry", transit),
    ):
        routing.rule_save(
            organization=world.org,
            rule=RoutingRule(name=name, phrases=phrases, route_to_area=area),
            actor=admin,
        )
    # A first answer within ten minutes, resolved within the hour, around the clock.
    targets.target_save(
        organization=world.org,
        target=ResponseTarget(minutes=10, resolution_minutes=60, business_hours=False),
        actor=admin,
    )
    saved = saved_replies.saved_reply_create(
        organization=world.org,
        brand=world.brand,
        title="Pothole reported",
        texts={
            "en": "Thank you {name}, the crew is on it (case {case_number}).",
            "fr": "Merci {name}, l'équipe s'en occupe (dossier {case_number}).",
        },
        actor=world.responder,
    )

    # The public writes on the network; ingest understands and routes.
    city = NetAccount.objects.get(handle=world.channel.handle)
    # Two of our posts: a comment on each is a conversation of its own.
    roads_post = create_post(account=city, text="Road report for this week.").obj
    transit_post = create_post(account=city, text="Transit report for this week.").obj
    driver, _ = create_account(handle="wfdriver", display_name="Marie Tremblay")
    rider, _ = create_account(handle="wfrider", display_name="Sam Rider")
    asked = create_post(account=driver, in_reply_to=roads_post.pk, text=POTHOLE).obj
    asked_bus = create_post(account=rider, in_reply_to=transit_post.pk, text=BUS).obj
    # The rider wrote half an hour ago: past the ten minutes already.
    NetPost.objects.filter(pk=asked_bus.pk).update(
        created_at=timezone.now() - timedelta(minutes=30)
    )
    # The worker's ingest job reads the network over HTTP from the live server; a busy
    # machine may time a page out: read again.
    worker = DeskWorker(WorkerOptions(roles=("periodic", "tasks")), worker_id="inbox-flow")
    ingest = _job(worker, f"inbox.ingest.{world.channel.pk}")
    stored = 0
    for _attempt in range(4):
        stored += ingest().stored
        if stored == 2:
            break
    assert stored == 2
    pothole = InboundMessage.objects.get(channel=world.channel, remote_id=str(asked.pk))
    bus = InboundMessage.objects.get(channel=world.channel, text=BUS)
    assert pothole.language == "fr"
    assert {
        m.conversation.business_area: RoutingDecision.objects.get(message=m).rule_name
        for m in (pothole, bus)
    } == {"Roads": "Potholes", "Transit": "Buses"}
    assert all(c.due_at for c in Conversation.objects.filter(channel=world.channel))
    assert Conversation.objects.get(pk=bus.conversation_id).resolve_by == bus.sent_at + timedelta(
        hours=1
    )
    pothole_url = f"{base}/inbox/c/{pothole.conversation_id}/"

    # The approver, on a phone, finds the saved replies in the menu and approves the draft.
    approver_context, approving = _context(browser, PHONE)
    try:
        sign_in(approving, base, world.approver)
        approving.click("nav.sidebar a:has-text('Saved replies')")
        approving.wait_for_url(f"{base}/settings/{world.org.pk}/saved-replies/")
        card = approving.locator("[data-saved-reply='Pothole reported']")
        card.locator("button:has-text('Approve')").click()
        approving.wait_for_selector("text=Approved: responders use this version now.")
        width = approving.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"the saved replies are {width} px wide"
    finally:
        approver_context.close()
    saved.refresh_from_db()
    assert saved.approved is not None and saved.approved.approved_by == world.approver

    expert_context, expert_page = _context(browser)
    first_context, first = _context(browser)
    second_context, late = _context(browser)
    try:
        # The expert sees only what was routed to Roads, and answers the team.
        sign_in(expert_page, base, expert)
        expert_page.goto(f"{base}/inbox/")
        listed = expert_page.inner_text("#conversation-list")
        assert "nid-de-poule" in listed and "next bus" not in listed
        expert_page.goto(pothole_url)
        assert expert_page.locator("#reply-text").count() == 0  # experts do not answer
        expert_page.fill("#note-text", f"@{world.responder.username} the crew fills it tomorrow.")
        expert_page.click("text=Add the note")
        expert_page.wait_for_selector("#notes .note:has-text('the crew fills it tomorrow')")

        # The second responder opens the conversation first, and starts writing.
        sign_in(late, base, second)
        late.goto(pothole_url)

        # The first sees the note beside the reply box and the saved reply in French first.
        sign_in(first, base, world.responder)
        first.goto(pothole_url)
        assert "the crew fills it tomorrow" in first.inner_text("#notes")
        offer = first.locator(".saved-replies li").first
        assert "Pothole reported" in offer.inner_text() and offer.get_attribute("lang") == "fr"
        offer.locator("a").click()
        case = f"{pothole.conversation_id:06d}"
        expected = f"Merci Marie Tremblay, l'équipe s'en occupe (dossier {case})."
        first.wait_for_function(
            "text => document.querySelector('#reply-text').value === text", arg=expected
        )
        first.click("text=Send reply")
        first.wait_for_selector("text=Your reply is queued")
        reply = Reply.objects.get()
        assert reply.author == world.responder and reply.text == expected

        # The second one's answer is stopped, the first one's shown instead.
        late.fill("#reply-text", "We will look into it.")
        late.click("text=Send reply")
        late.wait_for_selector("#collision")
        assert expected in late.inner_text("#collision")
        assert late.input_value("#reply-text") == "We will look into it."
        assert Reply.objects.count() == 1
        saved.refresh_from_db()
        assert saved.usage_count == 1

        # The worker's task queue delivers it: the first response time is when it arrived.
        before = timezone.now()
        worker.run_tasks()
        after = timezone.now()
        reply.refresh_from_db()
        assert reply.state == ReplyState.SENT
        assert NetPost.objects.filter(account=city, in_reply_to=asked.pk, text=expected).exists()
        answered = Conversation.objects.get(pk=pothole.conversation_id)
        assert before <= answered.first_response_at <= after
        pothole.refresh_from_db()
        assert pothole.first_response_at == answered.first_response_at
        assert answered.first_response_at - pothole.sent_at > timedelta(0)

        # The worker's sweep finds the rider's target passed unanswered: the transit lead
        # hears of it, once; the pothole, answered, is not late.
        sweep = _job(worker, "inbox.sla_breaches")
        assert sweep() == 1
        assert sweep() == 0
        assert smtp.arrived.wait(10)
        [mail] = smtp.messages
        assert mail["To"] == "transit.lead@example.org"
        assert f"/inbox/c/{bus.conversation_id}/" in body(mail)
        assert Conversation.objects.get(pk=bus.conversation_id).breached_at is not None
        assert Conversation.objects.get(pk=pothole.conversation_id).breached_at is None
        assert Notification.objects.filter(user=world.manager, kind="breach").count() == 1
        lead_context, lead = _context(browser)
        try:
            sign_in(lead, base, world.manager)
            lead.goto(f"{base}/inbox/")
            assert "the response-time target passed" in lead.inner_text(".notifications")
        finally:
            lead_context.close()

        # The keyboard: j picks the first conversation of the list, a assigns it to me.
        first.goto(f"{base}/inbox/")
        first.keyboard.press("j")
        row = first.locator(".conversation-row.is-current input[name=c]")
        chosen = int(row.get_attribute("value"))
        first.keyboard.press("a")
        first.wait_for_selector("text=1 conversation done.")
        assert Conversation.objects.get(pk=chosen).assigned_to == world.responder

        # The pothole is dealt with: the responder closes it, and the times are recorded.
        first.goto(pothole_url)
        first.click("button:has-text('Close conversation')")
        first.wait_for_selector("#times .time-resolved")
        closed = Conversation.objects.get(pk=pothole.conversation_id)
        assert closed.status == "closed" and closed.closed_at is not None
        assert closed.first_response_time == closed.first_response_at - pothole.sent_at
        assert closed.resolution_time == closed.closed_at - pothole.sent_at
        # No business hours set: the organization counts around the clock.
        assert closed.first_response_business_time == closed.first_response_time
        assert closed.resolution_business_time == closed.resolution_time
        times = first.inner_text("#times")
        assert "First answer after" in times and "Resolved after" in times
    finally:
        for context in (expert_context, first_context, second_context):
            context.close()

    # At phone width nothing scrolls sideways: the inbox, a conversation, the settings.
    phone_context, phone = _context(browser, PHONE)
    try:
        sign_in(phone, base, admin)
        for url in (
            "/inbox/",
            f"/inbox/c/{pothole.conversation_id}/",
            f"/settings/{world.org.pk}/response-times/",
            f"/settings/{world.org.pk}/saved-replies/",
            f"/settings/{world.org.pk}/routing/",
            f"/inbox/authors/{pothole.author_id}/",
        ):
            phone.goto(f"{base}{url}")
            width = phone.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"], f"{url} is {width} px wide"
    finally:
        phone_context.close()
