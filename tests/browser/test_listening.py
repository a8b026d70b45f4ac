"""Listening in real Chromium, against the built-in exercise network.

An admin says where alerts go (two addresses, a webhook on loopback, a signing secret shown
once); a responder follows a keyword from the Listening screen. Members of the public post
the same story on the exercise network in English, French and Spanish; the worker's jobs
fetch it, group it into one topic and find the spike: an issue card appears, its alert
reaches the SMTP server and the webhook receiver, signed. The responder opens the card (the
curve, the words, the examples, the authors with most reach, hostile text shown as text),
links it to a claim and closes it. The screens fit a 375 px phone in French and Arabic with no
English left.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from civicdesk.accounts.language import profile_language_set
from civicdesk.claims.models import Claim
from civicdesk.exnet.services import create_account, create_post, follow_account
from civicdesk.listening import jobs
from civicdesk.listening.models import CardState, IssueCard
from tests.browser.test_core_loop import connect_to_network, sign_in, sign_out
from tests.browser.test_languages_ui import OVERFLOWING, _english_sentences
from tests.factories import make_world
from tests.listening.peers import Hook, webhook  # noqa: F401 - the webhook fixture
from tests.mail import Mailbox

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STORY = [
    ("lsmarie", "The Lions Gate bridge is closed, a truck is on fire in the middle lane"),
    ("lsomar", "Lions Gate bridge closed because of a truck fire, avoid the north shore"),
    ("lsjules", "Le pont Lions Gate est fermé, un camion est en feu sur la voie du milieu"),
    ("lssam", "Truck fire on the Lions Gate bridge, the bridge is closed both ways"),
    ("lsana", "El puente Lions Gate está cerrado por el incendio de un camión"),
    ("lspat", "<img src=x onerror=alert(1)> Smoke over the Lions Gate bridge, truck fire"),
]


def test_a_spike_becomes_an_issue_card_that_alerts_the_team(
    live_server: Any,
    browser: Any,
    settings: Any,
    smtp: Mailbox,
    webhook: Hook,  # noqa: F811
) -> None:
    base = live_server.url
    settings.SITE_URL = base
    world = make_world(prefix="ls")
    connect_to_network(world.channel, base)
    claim = Claim.objects.create(organization=world.org, statement="The bridge is closed for good")

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    try:
        # The admin: where alerts go, and the signing secret, shown once.
        sign_in(page, base, world.admin)
        page.click("nav.sidebar >> text=Listening")
        page.fill("textarea[name=emails]", "duty@city.example\nnot an address")
        page.fill("input[name=webhook_url]", webhook.url)
        page.check("input[name=new_secret]")
        page.click("#h-alerts ~ form button[type=submit]")
        page.wait_for_selector("text=is not an email address")
        page.fill("textarea[name=emails]", "duty@city.example\nlead@city.example")
        page.fill("input[name=webhook_url]", webhook.url)
        page.check("input[name=new_secret]")
        page.click("#h-alerts ~ form button[type=submit]")
        shown = page.locator(".messages").inner_text()
        secret = re.search(r"shown this once: (\S+)\.", shown)
        assert secret, shown
        sign_out(page)

        # The responder follows a keyword; a viewer would find no form.
        sign_in(page, base, world.responder)
        page.click("nav.sidebar >> text=Listening")
        page.select_option("select[name=kind]", "keyword")
        page.fill("input[name=value]", "Lions Gate")
        page.select_option("select[name=channel]", str(world.channel.pk))
        page.click("form.follow-form button[type=submit]")
        page.wait_for_selector("text=Followed. New posts are fetched")
        assert "Lions Gate" in page.inner_text("#h-terms ~ ul")

        # The public posts the story on the exercise network; the worker's jobs run.
        for handle, text in STORY:
            account, _ = create_account(handle=handle, display_name=handle, simulated=True)
            if handle == "lsmarie":
                for n in range(4):
                    follow_account(follower=create_account(handle=f"lsfan{n}")[0], followee=account)
            create_post(account=account, text=text)
        assert jobs.fetch().stored == len(STORY)
        raised = jobs.topics_and_spikes()
        assert len(raised) == 1
        card = IssueCard.objects.get(pk=raised[0])

        # The card, announced in the menu, then opened.
        page.goto(f"{base}/listening/{world.org.pk}/")
        assert page.locator("nav.sidebar a:has-text('Listening') .count").inner_text() == "1"
        page.click(f"#card-{card.pk} a")
        page.wait_for_selector("h1")
        assert page.locator("svg.volume rect").count() == 48
        assert page.locator("svg.volume rect.now").get_attribute("height") == "100.0"
        assert "lions" in page.inner_text("#h-terms ~ ul").lower()
        assert "@lsmarie" in page.inner_text("#h-authors ~ ol").split("\n")[0]
        assert "<img src=x onerror=alert(1)>" in page.inner_text(".examples")
        assert dialogs == []
        assert page.locator("nav.sidebar a:has-text('Listening') .count").count() == 0

        # It reached the SMTP server and the webhook, signed with the secret shown once.
        assert smtp.arrived.wait(10) and webhook.arrived.wait(10)
        assert set(smtp.messages[0]["To"].split(", ")) == {
            "duty@city.example",
            "lead@city.example",
        }
        signed = webhook.verified(secret.group(1))
        assert len(signed) == 1 and signed[0]["card"]["id"] == card.pk
        assert page.locator("#alert-outcome").count() == 1

        # Linked to a claim, then closed.
        page.select_option("select[name=claim]", str(claim.pk))
        page.click("text=Save the links")
        page.wait_for_selector("text=The card's links are saved.")
        page.click("text=Close the card")
        page.wait_for_selector("text=The card is closed.")
        card.refresh_from_db()
        assert card.claim == claim and card.state == CardState.CLOSED
        sign_out(page)

        # On a phone, in French and in Arabic: no English, nothing wider than the screen.
        sentences = _english_sentences()
        page.set_viewport_size({"width": 375, "height": 800})
        for language in ("fr", "ar"):
            profile_language_set(user=world.responder, language=language)
            sign_in(page, base, world.responder)
            for url in (
                f"/listening/{world.org.pk}/?state=closed",
                f"/listening/{world.org.pk}/",
                f"/listening/issues/{card.pk}/",
            ):
                page.goto(f"{base}{url}")
                assert page.evaluate("document.documentElement.lang") == language
                layout = page.evaluate(OVERFLOWING)
                assert layout["scroll"] <= layout["width"] and not layout["out"], (url, layout)
                text = " ".join(page.inner_text("body").split())
                left = [s for s in sentences if s in text and not any(s in t for _, t in STORY)]
                assert not left, (language, url, left[:3])
            sign_out(page)
    finally:
        context.close()
