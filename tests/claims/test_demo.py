"""The demo ministry's claims desk: its rumours are there, two published, and the public's
messages read from the exercise network are matched to them."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from civicdesk.claims.models import Claim, ClaimMatch
from civicdesk.runtime import demo
from tests.core.test_demo_seed import NOW, Clock, clock, network  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_demo_has_claims_with_matched_messages(network: str, clock: Clock) -> None:  # noqa: F811
    clock(NOW)
    info = demo.seed_demo_fully(days=12, now=NOW)
    org = info.organization
    claims = Claim.objects.filter(organization=org)
    assert claims.count() == 3
    assert claims.filter(published__isnull=False).count() == 2
    # Every match is a repeat of its claim (the claims' words, in English or French).
    words = {
        "The bridge is closing for good.": ("bridge", "pont"),
        "The north tunnel is closing for good.": ("tunnel",),
        "Trucks will be banned from the highway from tomorrow.": ("truck", "camion"),
    }
    matches = ClaimMatch.objects.filter(claim__organization=org).select_related("claim", "message")
    assert {m.claim.statement for m in matches} >= {"The bridge is closing for good."}
    wrong = [
        (m.claim.statement, m.message.text)
        for m in matches
        if not any(w in m.message.text.lower() for w in words[m.claim.statement])
    ]
    assert not wrong, wrong
    page = Client().get(reverse("rumours", args=[org.slug]), {"lang": "fr"})
    assert "Le pont du port ne ferme pas définitivement" in page.content.decode()
