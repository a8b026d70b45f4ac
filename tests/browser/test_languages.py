"""One-language accounts in a real browser: a French-only post to the French account is
refused with the missing language named, in the reader's language; adding the English
account completes it, and another person approves it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from civicdesk.organizations.models import Channel
from civicdesk.publishing.models import Post, PostStatus
from tests.factories import make_channel, make_world

from .test_core_loop import sign_in, sign_out

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_french_only_post_needs_the_english_account(live_server, page, shot) -> None:  # noqa: ANN001
    base = live_server.url
    world = make_world(prefix="l")
    world.brand.channels.update(is_active=False)
    en = make_channel(brand=world.brand, handle="ltransportinsights", languages=["en"])
    fr = make_channel(brand=world.brand, handle="ltransportinsights_fr", languages=["fr"])

    sign_in(page, base, world.author)
    page.goto(f"{base}/posts/new/?brand={world.brand.pk}")
    # Each account says which language it publishes in.
    assert "publishes in French only" in page.inner_text(f"label:has(input[value='{fr.pk}'])")
    page.fill("#id_title", "Bridge reopens")
    page.check(f"input[name=channels][value='{fr.pk}']")
    page.fill("#id_text_en", "The bridge reopens on Monday.")
    page.fill("#id_text_fr", "Le pont rouvre lundi.")
    later = timezone.localtime(timezone.now() + timedelta(hours=3), world.org.tz)
    page.fill("#id_scheduled_at", later.strftime("%Y-%m-%dT%H:%M"))
    finding = page.locator("#preview .finding-blocking", has_text="publishes in English")
    finding.wait_for()
    text = finding.inner_text()
    assert "None of the chosen accounts publishes in English" in text
    assert "ltransportinsights" in text and " en " not in f" {text} "
    assert page.locator("#preview .blocking-note").count() == 1
    shot("languages_fr_only")

    # Saved as it is, it cannot be submitted, and the page says why in the same words.
    page.click("text=Save draft")
    page.wait_for_url("**/posts/*/")
    post = Post.objects.get(title="Bridge reopens")
    page.click("text=Submit for approval")
    page.wait_for_selector("text=cannot be submitted for approval until it is fixed")
    assert "None of the chosen accounts publishes in English" in page.inner_text("main")
    assert Post.objects.get(pk=post.pk).status == PostStatus.DRAFT

    # The author adds the English account: the finding goes, the post can be submitted.
    page.click("a:has-text('Edit')")
    page.check(f"input[name=channels][value='{en.pk}']")
    page.locator("#preview .preview-card").nth(1).wait_for()
    page.wait_for_function("() => !document.querySelector('#preview .finding-blocking')")
    shot("languages_both_accounts")
    page.click("text=Save draft")
    page.wait_for_url(f"**/posts/{post.pk}/")
    page.click("text=Submit for approval")
    page.wait_for_selector("text=Sent for approval.")
    sign_out(page)

    # Someone else approves it.
    sign_in(page, base, world.approver)
    page.goto(f"{base}/posts/{post.pk}/")
    page.click("button:has-text('Approve')")
    page.wait_for_selector("text=Approved.")
    assert Post.objects.get(pk=post.pk).status == PostStatus.APPROVED
    assert page.locator("h1 .badge").inner_text() == "Scheduled"
    shot("languages_approved")


def test_findings_speak_the_readers_language(live_server, browser) -> None:  # noqa: ANN001
    base = live_server.url
    world = make_world(prefix="m")
    world.brand.channels.update(is_active=False)
    fr = make_channel(brand=world.brand, handle="mtransportinsights_fr", languages=["fr"])
    make_channel(brand=world.brand, handle="mtransportinsights", languages=["en"])
    context = browser.new_context(locale="fr-FR", extra_http_headers={"Accept-Language": "fr"})
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        sign_in(page, base, world.author)
        page.goto(f"{base}/posts/new/?brand={world.brand.pk}")
        page.check(f"input[name=channels][value='{fr.pk}']")
        page.fill("#id_text_fr", "Le pont rouvre lundi.")
        finding = page.locator("#preview .finding-blocking", has_text="anglais")
        finding.wait_for()
        text = finding.inner_text()
        assert "Aucun des comptes choisis ne publie en anglais" in text
        assert "English" not in text and "every official" not in text
    finally:
        context.close()


def test_a_bilingual_account_previews_one_joined_post(live_server, page, shot) -> None:  # noqa: ANN001
    base = live_server.url
    world = make_world(prefix="b")
    world.brand.channels.update(is_active=False)
    both = make_channel(brand=world.brand, handle="btransport")
    Channel.objects.filter(pk=both.pk).update(bilingual_post=True)
    sign_in(page, base, world.author)
    page.goto(f"{base}/posts/new/?brand={world.brand.pk}")
    page.fill("#id_title", "Bridge reopens")
    page.check(f"input[name=channels][value='{both.pk}']")
    page.fill("#id_text_en", "The bridge reopens on Monday.")
    page.fill("#id_text_fr", "Le pont rouvre lundi.")
    page.locator("#preview .bilingual-badge").wait_for()
    # One card joining both languages, counted together, and a sentence saying so.
    assert page.locator("#preview .preview-card").count() == 1
    card = page.inner_text("#preview .preview-card")
    assert "The bridge reopens on Monday." in card and "Le pont rouvre lundi." in card
    assert "52 / 500 characters" in card
    assert "One bilingual post on" in page.inner_text("#preview .bilingual-notes")
    shot("compose_bilingual_post")
