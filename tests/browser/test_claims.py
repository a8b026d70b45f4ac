"""The claims desk and the public rumour-control page, in real Chromium against the built-in
exercise network.

A responder writes a claim (the north bridge "collapsed") with its correction in English and
French; an approver publishes it. A rumour wave is posted on the exercise network in English
and French and ingested by the worker's path: the repeats are matched to the claim, the
French one is confirmed and answered with the correction offered in French, and the reply
reaches the network. The desk's screens fit a 375 px phone in French and Arabic with no
English left. The public page, with no sign-in, lists the claim in both languages,
finds it by word and topic, fits a 375 px phone, passes axe-core's WCAG 2.2 AA rules with no
serious or critical violation, and its feed is Atom 1.0.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from civicdesk.accounts.language import profile_language_set
from civicdesk.claims.models import Claim, ClaimMatch, MatchState
from civicdesk.exnet.models import NetAccount, NetPost
from civicdesk.exnet.services import create_account, create_post
from civicdesk.inbox.ingest import ingest_channel
from civicdesk.inbox.models import InboundMessage, Reply, ReplyState
from civicdesk.inbox.tasks import deliver_reply
from tests.browser.test_core_loop import connect_to_network, sign_in, sign_out
from tests.browser.test_languages_ui import OVERFLOWING, _english_sentences
from tests.factories import make_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parents[1] / "peers" / "node_modules" / "axe-core" / "axe.min.js"
ATOM = "{http://www.w3.org/2005/Atom}"
STATEMENT = "The north bridge has collapsed and will stay closed for a year."
CORRECTION_EN = "The north bridge has not collapsed: it is open, with one lane closed until Friday."
CORRECTION_FR = (
    "Le pont nord ne s'est pas effondré : il est ouvert, une voie est fermée jusqu'à vendredi."
)
WAVE = [
    ("rcmarie", "fr", "Le pont nord s'est effondré et restera fermé pendant un an."),
    ("rcjules", "fr", "Il paraît que le pont nord s'est effondré, il restera fermé un an."),
    ("rcsam", "en", "The north bridge fell down last night, it will be closed for a whole year."),
    ("rcalex", "en", "Heard the north bridge collapsed?? Closed for twelve months"),
]
UNRELATED = ("rcpat", "When does the library open on Sunday?")


def axe_violations(page: Any) -> list[dict[str, Any]]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """async () => await axe.run(document, {runOnly: {type: 'tag', values:
            ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}})"""
    )
    return [v for v in result["violations"] if v["impact"] in ("serious", "critical")]


def check_atom(xml: bytes) -> ET.Element:
    """RFC 4287's requirements a reader relies on."""
    feed = ET.fromstring(xml)
    assert feed.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated"):
        assert (feed.findtext(f"{ATOM}{name}") or "").strip(), name
    assert feed.find(f"{ATOM}author/{ATOM}name") is not None
    assert feed.find(f"{ATOM}link[@rel='self']") is not None
    entries = feed.findall(f"{ATOM}entry")
    for entry in entries:
        for name in ("id", "title", "updated"):
            assert (entry.findtext(f"{ATOM}{name}") or "").strip(), name
        datetime.fromisoformat(entry.findtext(f"{ATOM}updated") or "")
        assert entry.find(f"{ATOM}link[@rel='alternate']") is not None
    ids = [e.findtext(f"{ATOM}id") for e in entries]
    assert len(ids) == len(set(ids))
    return feed


def test_a_rumour_wave_is_matched_corrected_and_listed_publicly(
    live_server: Any, browser: Any, settings: Any
) -> None:
    if not AXE.exists():
        pytest.skip("axe-core is not installed (scripts/setup installs tests/peers)")
    base = live_server.url
    settings.SITE_URL = base
    world = make_world(prefix="rc")
    connect_to_network(world.channel, base)
    org = world.org

    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(20_000)
    try:
        # The responder writes the claim and its entry in both languages.
        sign_in(page, base, world.responder)
        page.click("nav.sidebar >> text=Claims")
        page.click("text=Add a claim")
        page.fill("#id_statement", STATEMENT)
        page.fill("#id_topic", "Roads")
        page.select_option("#id_status", "false")
        page.fill("#id_title_en", "The north bridge has not collapsed")
        page.fill("#id_facts_en", "The bridge is open. One lane is closed for repairs.")
        page.fill("#id_correction_en", CORRECTION_EN)
        page.fill("#id_title_fr", "Le pont nord ne s'est pas effondré")
        page.fill("#id_facts_fr", "Le pont est ouvert. Une voie est fermée pour travaux.")
        page.fill("#id_correction_fr", CORRECTION_FR)
        page.fill("#id_sources", "Traffic status https://example.org/traffic")
        page.fill("#id_help_links", "Road help line https://example.org/help")
        page.click("text=Add the claim")
        page.wait_for_selector("text=An approver publishes its entry")
        claim = Claim.objects.get(organization=org)
        assert page.locator("button:has-text('Approve and publish')").count() == 0
        sign_out(page)

        # An approver publishes it.
        sign_in(page, base, world.approver)
        page.goto(f"{base}/claims/c/{claim.pk}/")
        page.click("text=Approve and publish")
        page.wait_for_selector("text=Published on the rumour-control page")
        claim.refresh_from_db()
        assert claim.published is not None and claim.status == "false"
        sign_out(page)

        # The rumour wave on the exercise network, ingested as the worker does.
        city = NetAccount.objects.get(handle=world.channel.handle)
        ours = create_post(account=city, text="Roads this week: works on the north bridge.").obj
        for handle, _lang, text in [*WAVE, (UNRELATED[0], "en", UNRELATED[1])]:
            account, _token = create_account(handle=handle, display_name=handle)
            create_post(account=account, in_reply_to=ours.pk, text=text)
        stored = 0
        for _attempt in range(4):  # a busy machine may time a page out: read again
            stored += ingest_channel(world.channel.pk).stored
            if stored == len(WAVE) + 1:
                break
        assert stored == len(WAVE) + 1
        matched = {
            m.message.text: m.message.language
            for m in ClaimMatch.objects.filter(claim=claim).select_related("message")
        }
        assert matched == {text: lang for _h, lang, text in WAVE}
        library = InboundMessage.objects.get(text=UNRELATED[1])
        assert not ClaimMatch.objects.filter(message=library).exists()

        # The responder checks the matches and answers a French author with the correction.
        sign_in(page, base, world.responder)
        page.goto(f"{base}/claims/c/{claim.pk}/")
        assert page.locator("#matches li[id^=match-]").count() == len(WAVE)
        french = InboundMessage.objects.get(text=WAVE[0][2])
        match = ClaimMatch.objects.get(message=french)
        page.click(f"#match-{match.pk} >> text=Confirm")
        page.wait_for_selector("text=the message is an example of the claim now")
        assert ClaimMatch.objects.get(pk=match.pk).state == MatchState.CONFIRMED

        page.goto(f"{base}/inbox/c/{french.conversation_id}/?to={french.pk}")
        offer = page.locator(f".claim-corrections li[data-claim='{claim.pk}']")
        assert offer.get_attribute("data-language") == "fr"
        offer.locator("a").first.click()
        page.wait_for_function(
            "text => document.querySelector('#reply-text').value === text", arg=CORRECTION_FR
        )
        page.click("text=Send reply")
        page.wait_for_selector("text=Your reply is queued")
        reply = Reply.objects.get(message=french)
        assert reply.text == CORRECTION_FR
        assert deliver_reply(reply.pk)
        reply.refresh_from_db()
        assert reply.state == ReplyState.SENT
        assert NetPost.objects.filter(text=CORRECTION_FR, in_reply_to__isnull=False).exists()
        # An English author is offered the English correction.
        english = InboundMessage.objects.get(text=WAVE[2][2])
        page.goto(f"{base}/inbox/c/{english.conversation_id}/?to={english.pk}")
        assert (
            page.locator(f".claim-corrections li[data-claim='{claim.pk}']").get_attribute(
                "data-language"
            )
            == "en"
        )
        sign_out(page)

        # The desk's screens on a phone, in French and in Arabic: no English, nothing wider.
        sentences = _english_sentences()
        page.set_viewport_size({"width": 375, "height": 800})
        for language in ("fr", "ar"):
            profile_language_set(user=world.responder, language=language)
            sign_in(page, base, world.responder)
            for url in (f"/claims/{org.pk}/", f"/claims/c/{claim.pk}/", f"/claims/{org.pk}/new/"):
                page.goto(f"{base}{url}")
                assert page.evaluate("document.documentElement.lang") == language
                layout = page.evaluate(OVERFLOWING)
                assert layout["scroll"] <= layout["width"] and not layout["out"], (url, layout)
                text = " ".join(page.inner_text("body").split())
                left = [s for s in sentences if s in text and s not in (STATEMENT,)]
                assert not left, (language, url, left[:3])
            sign_out(page)
    finally:
        context.close()

    # The public page: no sign-in, both languages, search, a phone, axe-core, the feed.
    public = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    visitor = public.new_page()
    visitor.set_default_timeout(20_000)
    try:
        url = f"{base}/rumours/{org.slug}/"
        visitor.goto(url)
        entry = visitor.locator(f"#claim-{claim.pk}")
        assert "The north bridge has not collapsed" in entry.inner_text()
        assert entry.locator(".verdict").inner_text().strip().lower() == "false"
        assert entry.locator("a[href='https://example.org/traffic']").count() == 1
        assert entry.locator("time[datetime]").count() == 1
        problems = axe_violations(visitor)
        assert problems == [], [(v["id"], v["help"]) for v in problems]

        visitor.fill("#q", "bridge")
        visitor.click("main button[type=submit]")
        visitor.wait_for_url("**q=bridge**")
        assert visitor.locator("article.entry").count() == 1
        visitor.fill("#q", "ferry")
        visitor.click("main button[type=submit]")
        visitor.wait_for_selector("text=No rumour matches your search.")
        visitor.goto(f"{url}?topic=Roads")
        assert visitor.locator("article.entry").count() == 1

        visitor.click("nav >> text=Français")
        visitor.wait_for_url("**lang=fr**")
        assert visitor.locator("html").get_attribute("lang") == "fr"
        assert "Le pont nord ne s'est pas effondré" in visitor.inner_text(f"#claim-{claim.pk}")
        problems = axe_violations(visitor)
        assert problems == [], [(v["id"], v["help"]) for v in problems]

        visitor.set_viewport_size({"width": 375, "height": 800})
        visitor.goto(url)
        assert visitor.evaluate("document.documentElement.scrollWidth") <= 375
        problems = axe_violations(visitor)
        assert problems == [], [(v["id"], v["help"]) for v in problems]

        feed_url = visitor.locator("link[type='application/atom+xml']").get_attribute("href")
        response = httpx.get(f"{base}{feed_url}", timeout=30)
        assert response.headers["content-type"].startswith("application/atom+xml")
        feed = check_atom(response.content)
        [item] = feed.findall(f"{ATOM}entry")
        assert "The north bridge has not collapsed" in (item.findtext(f"{ATOM}title") or "")
    finally:
        public.close()
