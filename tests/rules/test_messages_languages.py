"""Every finding speaks each interface language, and the reader gets the active one."""

from __future__ import annotations

from string import Formatter

import pytest
from django.conf import settings
from django.utils import translation

from civicdesk.organizations.models import Organization
from civicdesk.publishing import checks
from civicdesk.rules import VariantDraft, check_post, default_policy, language_name
from civicdesk.rules.messages import CATALOGUE, LANGUAGE_NAMES, language_list, message

LANGUAGES = ("en", "fr", "es", "ar")
EMOJI_ONLY = VariantDraft("x", "en", "🎉🎉")


def fields(template: str) -> list[tuple[str, str | None, str]]:
    """The named values a template asks for, with their conversion and format, sorted."""
    return sorted(
        (name, conversion, spec or "")
        for _, name, spec, conversion in Formatter().parse(template)
        if name is not None
    )


def test_the_interface_languages_are_the_catalogues() -> None:
    assert {code for code, _ in settings.LANGUAGES} == set(LANGUAGES)


@pytest.mark.parametrize("code", sorted(CATALOGUE))
def test_every_message_has_every_language_with_the_same_placeholders(code: str) -> None:
    entry = CATALOGUE[code]
    assert set(LANGUAGES) <= set(entry), f"{code} lacks {set(LANGUAGES) - set(entry)}"
    for language in LANGUAGES:
        assert entry[language].strip(), f"{code} is empty in {language}"
        assert fields(entry[language]) == fields(entry["en"]), f"{code} in {language}"


@pytest.mark.parametrize("code", sorted(CATALOGUE))
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_fills_in(code: str, language: str) -> None:
    values = {name: f"<{name}>" for name, _, _ in fields(CATALOGUE[code]["en"])}
    text = message(code, language, values)
    assert "{" not in text and "}" not in text
    for name in values:
        assert name in text


def test_every_language_name_is_in_every_language() -> None:
    for code, names in LANGUAGE_NAMES.items():
        assert set(LANGUAGES) <= set(names), code
    assert language_name("en", "es") == "inglés"
    assert language_name("fr-CA", "ar") == "الفرنسية"


def test_language_lists_in_spanish_and_arabic() -> None:
    assert language_list(["en", "fr"], "es") == "inglés y francés"
    assert language_list(["fr", "es", "en"], "es-MX") == "francés, español e inglés"
    assert language_list(["en", "fr", "ar"], "ar") == "الإنجليزية والفرنسية والعربية"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("es", "El mensaje se transmite solo con emojis"),
        ("ar", "لا تحمل الرسالة سوى رموز تعبيرية"),
        ("fr", "Le message n'est porté que par des émojis"),
        ("en", "The message is carried by emoji alone"),
    ],
)
def test_a_finding_speaks_the_active_language(language: str, expected: str) -> None:
    with translation.override(language):
        found = check_post(
            [EMOJI_ONLY],
            default_policy(),
            official_languages=["en"],
            message_language=checks.reader_language(),
        )
    emoji_only = next(f for f in found if f.code == "accessibility.emoji_only")
    assert emoji_only.message.startswith(expected)
    # The version stays English: only the words change with the reader.
    assert emoji_only.language == "en"


def test_a_regional_variant_gets_its_base_language() -> None:
    with translation.override("es-mx"):
        assert checks.reader_language() == "es-mx"
        assert message("platform.empty", checks.reader_language()) == "El texto está vacío."


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "words", "missing"),
    [
        ("es", "No hay texto en francés; deben publicarse", "El texto contiene caracteres"),
        ("ar", "لا يوجد نص باللغة الفرنسية", "يحتوي النص على أحرف"),
    ],
)
def test_a_saved_organizations_findings_follow_the_active_language(
    language: str, words: str, missing: str
) -> None:
    organization = Organization.objects.create(
        name="Ciudad", slug=f"ciudad-{language}", official_languages=["en", "fr"]
    )
    english = VariantDraft("x", "en", "Hello\u0000 there")
    with translation.override(language):
        found = checks.findings_for(organization=organization, channels=[], variants=[english])
    by_code = {f.code: f.message for f in found}
    assert by_code["languages.missing"].startswith(words)
    assert by_code["platform.invalid_characters"].startswith(missing)
