"""The public API of the understanding package on hand-written messages."""

from __future__ import annotations

import numpy as np
import pytest

from civicdesk.understanding import (
    CRISIS_TYPES,
    KINDS,
    URGENCIES,
    PiiSpan,
    Understanding,
    embed,
    language,
    mask_pii,
    understand,
    understand_batch,
)


def test_understanding_fields_and_dict():
    u = understand("Where can I renew my passport?")
    assert isinstance(u, Understanding)
    assert u.kind in KINDS and u.urgency in URGENCIES
    assert set(u.kind_scores) == set(KINDS)
    assert all(0.0 <= v <= 1.0 for v in u.kind_scores.values())
    assert u.crisis_type is None and u.informative is None
    d = u.as_dict()
    assert d["kind"] == u.kind and isinstance(d["pii"], list)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Where can I renew my passport?", "question"),
        ("¿Cuándo abre la oficina de empleo?", "question"),
        ("Thank you so much for the quick answer, great job!", "praise"),
        ("Merci beaucoup pour votre aide", "praise"),
        (
            "People trapped under the rubble after the building collapsed, send rescue now",
            "emergency",
        ),
        ("Please help, we need water and food, my family is stranded", "help_request"),
        ("You should add more night buses on line 5, it would be great", "suggestion"),
        ("Check out my channel and subscribe!!! http://bit.ly/xyz", "spam"),
    ],
)
def test_kinds_on_clear_messages(text, kind):
    assert understand(text).kind == kind


def test_emergency_is_critical_with_reasons():
    u = understand("Fire in the building on Main road, two people injured, call 911!")
    assert u.urgency == "critical"
    assert "mentions injury" in u.urgency_reasons
    assert "safety keyword: fire" in u.urgency_reasons


@pytest.mark.parametrize(
    "text",
    [
        "The traffic lights at the corner are out, somebody will get hurt",
        "Mon père ne respire plus, envoyez une ambulance",
        "Mi hijo no respira, manden una ambulancia por favor",
        "Minha mãe não está respirando, por favor mandem uma ambulância",
        "Mein Vater atmet nicht, bitte schicken Sie sofort Hilfe",
        "Mio padre non respira, mandate un'ambulanza",
        "La meva mare s'està ofegant al riu",
        "والدي لا يتنفس، أرسلوا سيارة إسعاف بسرعة",
        "هناك أشخاص عالقون في المبنى بعد الحريق",
    ],
)
def test_danger_to_life_is_critical_in_every_supported_language(text):
    u = understand(text)
    assert u.urgency == "critical", (u.kind, u.urgency_reasons)
    assert "danger to life" in u.urgency_reasons


@pytest.mark.parametrize(
    "text",
    ["شكرا لكم على المساعدة السريعة", "Obrigado pela informação", "Danke für die Hilfe"],
)
def test_thanks_is_not_critical(text):
    assert understand(text).urgency != "critical"


def test_praise_is_low_urgency():
    assert understand("Thanks for the update!").urgency == "low"


def test_incident_fields():
    u = understand(
        "Bridge closed and power out in the whole district after the flood", incident=True
    )
    assert u.crisis_type in CRISIS_TYPES
    assert isinstance(u.informative, bool)


def test_language_with_and_without_prior():
    assert understand("The train to the airport is delayed again this morning").language == "en"
    assert understand("Le train pour l'aéroport est encore en retard ce matin").language == "fr"
    assert understand("Der Zug zum Flughafen hat heute Morgen wieder Verspätung").language == "de"
    assert understand("Поезд в аэропорт сегодня утром снова опаздывает").language == "ru"
    assert understand("空港行きの電車は今朝もまた遅れています").language == "ja"
    u = understand("Bon dia, el tren torna a anar amb retard", languages=("es", "ca", "en"))
    assert u.language == "ca" and 0 < u.language_confidence <= 1
    assert understand("👍👍").language == "und"
    assert len(language.supported_languages()) >= 50


def test_pii_spans_and_mask():
    text = (
        "Call +44 20 7946 0958 or mail ana@example.org, card 4111 1111 1111 1111, 12 rue de la Paix"
    )
    u = understand(text)
    kinds = {s.kind for s in u.pii}
    assert {"phone", "email", "card", "address"} <= kinds
    masked = mask_pii(text, u.pii)
    assert "ana@example.org" not in masked and "[email]" in masked and "[card]" in masked


def test_card_needs_luhn():
    u = understand("order 4111 1111 1111 1112 please")
    assert not [s for s in u.pii if s.kind == "card"]


def test_id_numbers():
    spans = understand("mi DNI es 12345678Z y el SSN 123-45-6789").pii
    assert [s.kind for s in spans] == ["id_number", "id_number"]
    assert PiiSpan(10, 19, "id_number") in spans


def test_batch_matches_single():
    texts = ["Where is my refund?", "Thanks a lot!", ""]
    batch = understand_batch(texts, languages=("en",))
    assert [b.kind for b in batch] == [understand(t, languages=("en",)).kind for t in texts]


def test_embed_is_normalised_and_multilingual():
    vecs = embed(["The bridge is closed", "Le pont est fermé", "I like chocolate cake", ""])
    assert vecs.dtype == np.float32 and vecs.shape[0] == 4
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-4)
    assert vecs[0] @ vecs[1] > vecs[0] @ vecs[2]
