"""Which language a page speaks: the person's choice, else the browser's, else their
organization's; Arabic pages run right to left; dates follow the language."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.humanize.templatetags.humanize import naturaltime
from django.test import Client
from django.utils import formats, timezone, translation

from civicdesk.accounts.language import SESSION_KEY, profile_language_set
from civicdesk.accounts.models import Profile
from civicdesk.organizations.models import AuditEvent, Role
from tests.factories import World, make_member, make_organization, make_post, make_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db: None) -> World:
    return make_world()


def _html_tag(response) -> str:  # noqa: ANN001
    match = re.search(r"<html[^>]*>", response.content.decode())
    assert match, "no <html> tag"
    return match.group(0)


def _signed_in(user) -> Client:  # noqa: ANN001
    client = Client()
    client.force_login(user)
    return client


def test_the_profile_language_wins_over_the_browsers(world: World) -> None:
    profile_language_set(user=world.author, language="fr")
    response = _signed_in(world.author).get("/", HTTP_ACCEPT_LANGUAGE="es,en;q=0.5")
    assert response.status_code == 200
    assert response["Content-Language"] == "fr"
    assert 'lang="fr"' in _html_tag(response)
    assert 'dir="ltr"' in _html_tag(response)


def test_without_a_choice_the_browser_decides(world: World) -> None:
    response = _signed_in(world.author).get("/", HTTP_ACCEPT_LANGUAGE="es,en;q=0.5")
    assert response["Content-Language"] == "es"
    assert 'lang="es"' in _html_tag(response)


def test_without_a_choice_or_a_browser_language_the_organization_decides(db: None) -> None:
    org = make_organization(languages=("de", "fr", "en"))  # German is not offered
    person = make_member(organization=org, role=Role.VIEWER)
    response = _signed_in(person).get("/")
    assert response["Content-Language"] == "fr"
    # A browser that names a language is still heard.
    response = _signed_in(person).get("/", HTTP_ACCEPT_LANGUAGE="es")
    assert response["Content-Language"] == "es"


def test_arabic_pages_run_right_to_left(world: World) -> None:
    profile_language_set(user=world.admin, language="ar")
    client = _signed_in(world.admin)
    for url in ["/", "/posts/", "/inbox/", "/channels/", "/audit/", "/accounts/language/"]:
        response = client.get(url)
        assert response.status_code == 200, url
        tag = _html_tag(response)
        assert 'lang="ar"' in tag and 'dir="rtl"' in tag, (url, tag)
    # The sign-in page too, from the browser's language.
    tag = _html_tag(Client().get("/login/", HTTP_ACCEPT_LANGUAGE="ar"))
    assert 'lang="ar"' in tag and 'dir="rtl"' in tag
    # And English stays left to right.
    tag = _html_tag(_signed_in(world.viewer).get("/", HTTP_ACCEPT_LANGUAGE="en"))
    assert 'lang="en"' in tag and 'dir="ltr"' in tag


def test_a_french_page_writes_dates_in_french(world: World) -> None:
    when = timezone.localtime(timezone.now() + timedelta(days=3), world.org.tz).replace(
        hour=9, minute=0, second=0, microsecond=0
    )
    make_post(brand=world.brand, author=world.author, title="Winter market", scheduled_at=when)
    with translation.override("en"):
        english_day, english_month = formats.date_format(when, "l"), formats.date_format(when, "F")
    with translation.override("fr"):
        french_date = formats.date_format(when.date(), "DATE_FORMAT")
        french_day = formats.date_format(when, "l")
    assert french_day != english_day  # the week's days differ in every language

    profile_language_set(user=world.author, language="fr")
    body = _signed_in(world.author).get("/posts/").content.decode()
    assert "Winter market" in body
    # The heading's order and punctuation are the translators' ("mardi 3 mars 2026").
    assert french_day in body and french_date in body
    assert english_day not in body and english_month not in body
    # The same plan in English, for contrast.
    profile_language_set(user=world.author, language="en")
    body = _signed_in(world.author).get("/posts/").content.decode()
    assert english_day in body and french_day not in body


def test_the_account_screen_saves_the_language_and_audits_it(world: World) -> None:
    client = _signed_in(world.author)
    page = client.get("/accounts/language/")
    assert page.status_code == 200
    assert "العربية" in page.content.decode() and "Français" in page.content.decode()

    response = client.post("/accounts/language/", {"language": "fr"}, follow=True)
    assert response.status_code == 200
    assert Profile.objects.get(user=world.author).language == "fr"
    # The next page already speaks it, whatever the browser says.
    assert client.get("/", HTTP_ACCEPT_LANGUAGE="en")["Content-Language"] == "fr"
    event = AuditEvent.objects.get(organization=world.org, action="profile.language")
    assert event.actor == world.author and event.data == {"from": "", "to": "fr"}

    # Back to the browser's language.
    client.post("/accounts/language/", {"language": ""})
    assert Profile.objects.get(user=world.author).language == ""
    assert client.get("/", HTTP_ACCEPT_LANGUAGE="es")["Content-Language"] == "es"
    assert AuditEvent.objects.filter(action="profile.language").count() == 2


def test_the_account_screen_refuses_a_language_it_does_not_offer(world: World) -> None:
    client = _signed_in(world.author)
    response = client.post("/accounts/language/", {"language": "de"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Profile.objects.filter(user=world.author).exists()
    assert not AuditEvent.objects.filter(action="profile.language").exists()


def test_the_account_screen_is_for_signed_in_people(db: None) -> None:
    response = Client().get("/accounts/language/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_choice_is_read_once_a_session(world: World) -> None:
    profile_language_set(user=world.author, language="es")
    client = _signed_in(world.author)
    client.get("/accounts/language/")
    assert client.session[SESSION_KEY]["chosen"] == "es"
    # Changed elsewhere (the admin): this session keeps what it read, a new one sees it.
    Profile.objects.filter(user=world.author).update(language="fr")
    assert client.get("/accounts/language/")["Content-Language"] == "es"
    assert _signed_in(world.author).get("/accounts/language/")["Content-Language"] == "fr"


def test_relative_times_and_numbers_follow_the_language() -> None:
    with translation.override("fr"):
        assert "il y a" in str(naturaltime(timezone.now() - timedelta(hours=2)))
        assert formats.number_format(1234.5, decimal_pos=1, use_l10n=True) == "1234,5"
