"""The main screens in French and in Arabic, in a real browser, for a person whose profile
names the language: the layout holds (Arabic mirrors, nothing pushes the page wider than
the window), and no English from the catalogue is left on screen.

Full-page screenshots of every screen go to test-artifacts/screenshots/ for review.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils import timezone

from civicdesk.accounts.language import profile_language_set
from civicdesk.inbox import authors, targets
from civicdesk.inbox.models import InboundMessage, ResponseTarget
from civicdesk.inbox.sla import set_due_for_messages
from tests.factories import make_message, make_post, make_world

from .test_core_loop import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LANGUAGES = ["fr", "ar"]
CATALOGUE = Path(settings.LOCALE_PATHS[0]) / "fr" / "LC_MESSAGES" / "django.po"

# Elements a page may place outside the window on purpose (the skip link until focused).
OVERFLOWING = """() => {
  const width = document.documentElement.clientWidth;
  const out = [];
  for (const el of document.body.querySelectorAll('*')) {
    if (el.closest('.skip, .sr-only, script, style, [hidden]')) continue;
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    if (box.right > width + 1 || box.left < -1) {
      const where = `[${Math.round(box.left)}, ${Math.round(box.right)}]`;
      out.push(`${el.tagName.toLowerCase()}.${el.className} ${where}`);
    }
  }
  return {scroll: document.documentElement.scrollWidth, width, out: out.slice(0, 5)};
}"""


def _english_sentences() -> list[str]:
    """The catalogue's English messages of more than three words, placeholders left out."""
    sentences = []
    for entry in polib.pofile(str(CATALOGUE)):
        text = entry.msgid
        if "%(" in text or "<" in text or "{" in text:
            continue
        if len(text.split()) > 3:
            sentences.append(text)
    return sentences


def _screens(live_server_url: str, language: str) -> dict[str, str]:
    """Sign-in data for the main screens: one world, its admin speaking ``language``."""
    world = make_world(prefix=f"u{language}")
    post = make_post(
        brand=world.brand,
        author=world.author,
        title="Marché d'hiver",
        texts={"en": "Le marché ouvre samedi.", "fr": "Le marché ouvre samedi."},
        scheduled_at=timezone.now() + timedelta(days=2),
    )
    message = make_message(channel=world.channel, text="Bonjour ? 12345", language="fr")
    # An answer naming its author, for the influencers' graph and its table.
    answer = make_message(
        channel=world.channel,
        text=f"@{message.author.handle} merci",
        author_handle="voisine",
        conversation=message.conversation,
        kind="reply",
        language="fr",
    )
    InboundMessage.objects.filter(pk=answer.pk).update(in_reply_to_remote_id=message.remote_id)
    # The inbox's workflow on show: a tagged author, a conversation with its targets.
    authors.author_tag_add(author=message.author, tag="journaliste", actor=world.admin)
    targets.target_save(
        organization=world.org,
        target=ResponseTarget(minutes=60, resolution_minutes=600),
        actor=world.admin,
    )
    set_due_for_messages([message.pk])
    profile_language_set(user=world.admin, language=language)
    base = live_server_url
    return {
        "_user": world.admin,  # type: ignore[dict-item]
        "dashboard": f"{base}/",
        "plan": f"{base}/posts/",
        "compose": f"{base}/posts/new/?brand={world.brand.pk}",
        "inbox": f"{base}/inbox/",
        "conversation": f"{base}/inbox/c/{message.conversation_id}/",
        "author": f"{base}/inbox/authors/{message.author_id}/",
        "influencers": f"{base}/inbox/influencers/",
        "saved_replies": f"{base}/inbox/saved-replies/",
        "routing": f"{base}/settings/{world.org.pk}/routing/",
        "response_times": f"{base}/settings/{world.org.pk}/response-times/",
        "post": f"{base}/posts/{post.pk}/",
        "channels": f"{base}/channels/",
        "settings": f"{base}/settings/",
        "policy": f"{base}/policy/",
        "audit": f"{base}/audit/",
    }


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_main_screens_keep_their_layout(live_server, page, shot, language: str) -> None:  # noqa: ANN001
    screens = _screens(live_server.url, language)
    user = screens.pop("_user")
    sign_in(page, live_server.url, user)
    for name, url in screens.items():
        response = page.goto(url)
        assert response is not None and response.status == 200, (name, url)
        page.wait_for_load_state("networkidle")
        assert page.evaluate("document.documentElement.lang") == language, name
        expected = "rtl" if language == "ar" else "ltr"
        assert page.evaluate("document.dir") == expected, name
        layout = page.evaluate(OVERFLOWING)
        assert layout["scroll"] <= layout["width"] and not layout["out"], (name, layout)
        shot(f"languages_ui_{language}_{name}")
    if language == "ar":
        # Mirrored: the menu sits on the right, the content on its left.
        page.goto(screens["dashboard"])
        nav = page.locator("nav.sidebar").bounding_box()
        main = page.locator("main").bounding_box()
        assert nav is not None and main is not None
        assert nav["x"] > main["x"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_main_screens_show_no_english(live_server, page, language: str) -> None:  # noqa: ANN001
    screens = _screens(live_server.url, language)
    user = screens.pop("_user")
    sign_in(page, live_server.url, user)
    sentences = _english_sentences()
    assert len(sentences) > 100
    left: dict[str, list[str]] = {}
    for name, url in screens.items():
        page.goto(url)
        page.wait_for_load_state("networkidle")
        text = re.sub(r"\s+", " ", page.inner_text("body"))
        found = [s for s in sentences if s in text]
        if found:
            left[name] = found[:3]
    assert not left, f"English left on screen: {left}"
