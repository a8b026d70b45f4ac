"""Understanding stored on many messages at once: every field as the pipeline gave it."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from civicdesk.inbox.models import InboundMessage
from civicdesk.inbox.understanding import understand_messages, understand_pending
from civicdesk.understanding import understand_batch
from tests.factories import World, make_message

TEXTS = [
    "The ferry terminal lot is flooded, a car is stuck and the driver is hurt, please help!",
    "Merci pour la mise à jour sur le pont, très utile.",
    "When does the highway 1 closure end? Call me at 604-555-0199.",
    "Buy cheap followers now!!! visit http://spam.example",
]


def test_each_message_gets_its_own_understanding(world: World) -> None:
    messages = [
        make_message(channel=world.channel, text=text, category="", urgency="", language="")
        for text in TEXTS
    ]
    other = make_message(channel=world.other_channel, text="Left alone", category="")
    ids = [m.pk for m in messages]
    InboundMessage.objects.filter(pk__in=[*ids, other.pk]).update(understood_at=None)
    before = timezone.now()

    assert understand_messages(ids) == len(ids)

    expected = understand_batch(TEXTS, languages=world.org.official_languages)
    for message, result in zip(messages, expected, strict=True):
        message.refresh_from_db()
        assert message.language == result.language
        assert message.category == result.kind
        assert message.category_scores == {k: round(v, 4) for k, v in result.kind_scores.items()}
        assert message.urgency == result.urgency
        assert message.urgency_reasons == list(result.urgency_reasons)
        assert message.personal_data == [
            {"start": s.start, "end": s.end, "kind": s.kind} for s in result.pii
        ]
        assert before <= message.understood_at <= timezone.now() + timedelta(seconds=1)
    # The results differ between messages, so a mix-up would show.
    assert len({m.category for m in messages}) > 1
    assert any(m.personal_data for m in messages)
    other.refresh_from_db()
    assert other.understood_at is None and other.category == ""
    # Understood messages are not understood again; the other one still waits.
    assert understand_messages(ids) == 0
    assert understand_pending() == 1
