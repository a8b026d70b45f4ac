"""The composer names the post's languages in the reader's language: its text fields and a
channel's own wording are labelled "Anglais" and "Français" on a French page."""

from __future__ import annotations

import html
import re

import pytest
from django.test import Client

from civicdesk.accounts.language import profile_language_set
from tests.factories import make_world

pytestmark = pytest.mark.django_db

LABELS = {
    "en": ("English", "French"),
    "fr": ("Anglais", "Français"),
    "es": ("Inglés", "Francés"),
    "ar": ("الإنجليزية", "الفرنسية"),
}


@pytest.mark.parametrize("language", sorted(LABELS))
def test_the_composers_text_fields_name_the_languages_for_the_reader(language: str) -> None:
    world = make_world(prefix=f"cl{language}")
    profile_language_set(user=world.author, language=language)
    client = Client()
    client.force_login(world.author)
    page = html.unescape(client.get(f"/posts/new/?brand={world.brand.pk}").content.decode())
    labels = {
        field: re.sub(r"\s+", " ", text).strip()
        for field, text in re.findall(r'<label for="id_(text_\w+)"[^>]*>(.*?)</label>', page, re.S)
    }
    english, french = LABELS[language]
    assert labels["text_en"].startswith(english), labels
    assert labels["text_fr"].startswith(french), labels
    own = re.findall(
        rf'<label for="id_override_fr_{world.channel.pk}"[^>]*>(.*?)</label>', page, re.S
    )
    assert own and own[0].strip().startswith(french), own
