"""The public rumour-control page: no sign-in, its languages, search by word and topic,
hostile text escaped, the Atom feed, and the static export."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
import zipfile
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from civicdesk.claims import services
from civicdesk.claims.models import Claim
from tests.claims.test_desk import BRIDGE, TEXTS, published_claim
from tests.factories import make_world

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def world() -> Any:
    return make_world(prefix="pub")


def _hostile(world: Any) -> Claim:
    texts = {
        code: {
            "title": '<img src=x onerror="alert(1)"> Buses are not free',
            "facts": "Fares are unchanged.\u202e<script>alert(2)</script>",
            "correction": "Fares are unchanged.",
        }
        for code in ("en", "fr")
    }
    claim = services.claim_create(
        organization=world.org,
        statement="Buses are free this week.",
        topic="Transit",
        status="misleading",
        texts=texts,
        help_links=[{"label": "Fares", "url": "https://example.org/fares"}],
        actor=world.responder,
    )
    services.claim_approve(version=claim.versions.get(), actor=world.approver)
    return claim


def test_the_page_lists_published_claims_without_sign_in(world: Any, client: Client) -> None:
    claim = published_claim(world)
    draft = services.claim_create(
        organization=world.org, statement="Schools close all summer.", actor=world.responder
    )
    url = reverse("rumours", args=[world.org.slug])
    page = client.get(url)
    assert page.status_code == 200 and page["Content-Language"] == "en"
    body = page.content.decode()
    assert f'id="claim-{claim.pk}"' in body and f'id="claim-{draft.pk}"' not in body
    assert TEXTS["en"]["title"] in body and "https://example.org/traffic" in body
    assert 'lang="en" dir="ltr"' in body
    french = client.get(url, {"lang": "fr"}).content.decode()
    assert TEXTS["fr"]["title"].replace("'", "&#x27;") in french and "Faux" in french
    # A language the organization does not speak falls back to its first one.
    assert client.get(url, {"lang": "de"})["Content-Language"] == "en"
    assert client.get(reverse("rumours", args=["nobody-here"])).status_code == 404


def test_search_by_word_and_topic_in_any_language(world: Any, client: Client) -> None:
    bridge = published_claim(world)
    buses = _hostile(world)
    url = reverse("rumours", args=[world.org.slug])

    def shown(**params: str) -> set[int]:
        body = client.get(url, params).content.decode()
        return {c.pk for c in (bridge, buses) if f'id="claim-{c.pk}"' in body}

    assert shown() == {bridge.pk, buses.pk}
    assert shown(q="bridge") == {bridge.pk}
    assert shown(q="pont") == {bridge.pk}  # the French text is searched too
    assert shown(q="fares") == {buses.pk}
    assert shown(topic="transit") == {buses.pk}
    assert shown(q="bridge", topic="Transit") == set()
    assert "No rumour matches your search." in client.get(url, {"q": "zzz"}).content.decode()


def test_hostile_text_is_escaped(world: Any, client: Client) -> None:
    _hostile(world)
    body = client.get(reverse("rumours", args=[world.org.slug])).content.decode()
    assert "<img src=x" not in body and "<script>alert(2)" not in body
    assert "&lt;img src=x" in body


def test_the_feed_is_atom(world: Any, client: Client) -> None:
    claim = published_claim(world)
    _hostile(world)
    response = client.get(reverse("rumours-feed", args=[world.org.slug]), {"lang": "fr"})
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    assert feed.tag == f"{ATOM}feed"
    assert feed.get("{http://www.w3.org/XML/1998/namespace}lang") == "fr"
    for name in ("id", "title", "updated"):
        assert feed.findtext(f"{ATOM}{name}")
    assert feed.findtext(f"{ATOM}author/{ATOM}name") == world.org.name
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == 2
    titles = [e.findtext(f"{ATOM}title") for e in entries]
    assert f"Faux : {TEXTS['fr']['title']}" in titles or f"Faux: {TEXTS['fr']['title']}" in titles
    ids = {e.findtext(f"{ATOM}id") for e in entries}
    assert any(i and i.endswith(f"#claim-{claim.pk}") for i in ids)


def test_the_static_export(world: Any, client: Client) -> None:
    claim = published_claim(world)
    client.force_login(world.responder)
    response = client.get(reverse("claims-export", args=[world.org.pk]))
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert set(archive.namelist()) == {"index.html", "index.fr.html", "feed.en.xml", "feed.fr.xml"}
    english = archive.read("index.html").decode()
    assert TEXTS["en"]["title"] in english and 'href="index.fr.html"' in english
    assert "<form" not in english  # no server to search on a static page
    assert "/static/" not in english  # self-contained: its style is inside
    ET.fromstring(archive.read("feed.fr.xml"))
    assert f"claim-{claim.pk}" in archive.read("index.fr.html").decode()
    client.force_login(world.outsider)
    assert client.get(reverse("claims-export", args=[world.org.pk])).status_code == 404


def test_a_statement_is_needed(world: Any) -> None:
    with pytest.raises(Exception, match="people say it"):
        services.claim_create(organization=world.org, statement="", actor=world.responder)
    assert services.claim_create(organization=world.org, statement=BRIDGE, actor=world.admin)


def test_arabic_reads_right_to_left(client: Client) -> None:
    world = make_world(prefix="pubar")
    world.org.official_languages = ["ar", "en"]
    world.org.save(update_fields=["official_languages"])
    texts = {
        "ar": {"title": "الجسر لم ينهر", "facts": "الجسر مفتوح.", "correction": "الجسر مفتوح."},
        "en": {"title": "The bridge stands", "facts": "It is open.", "correction": "It is open."},
    }
    claim = services.claim_create(
        organization=world.org, statement=BRIDGE, status="false", texts=texts, actor=world.author
    )
    services.claim_approve(version=claim.versions.get(), actor=world.approver)
    body = client.get(reverse("rumours", args=[world.org.slug])).content.decode()
    assert 'lang="ar" dir="rtl"' in body and "الجسر لم ينهر" in body and "خاطئ" in body
