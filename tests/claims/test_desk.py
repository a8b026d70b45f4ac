"""The claims desk: matching on arrival, people's decisions teaching the matcher, proposals,
approval by someone else, the correction in the reply box, permissions and the audit log."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from civicdesk.claims import matching, selectors, services
from civicdesk.claims.models import (
    Claim,
    ClaimMatch,
    ClaimProposal,
    ClaimVersion,
    MatchState,
    ProposalState,
    RumourCandidate,
    VersionState,
)
from civicdesk.inbox.arrivals import messages_understood
from civicdesk.organizations.models import AuditEvent
from tests.factories import make_message, make_world

pytestmark = pytest.mark.django_db

BRIDGE = "The north bridge has collapsed and will stay closed for a year."
TEXTS = {
    "en": {
        "title": "The north bridge has not collapsed",
        "facts": "The bridge is open. One lane is closed for repairs until Friday.",
        "correction": "The north bridge has not collapsed: it is open, one lane closed until "
        "Friday.",
    },
    "fr": {
        "title": "Le pont nord ne s'est pas effondré",
        "facts": "Le pont est ouvert. Une voie est fermée pour travaux jusqu'à vendredi.",
        "correction": "Le pont nord ne s'est pas effondré : il est ouvert, une voie fermée "
        "jusqu'à vendredi.",
    },
}


@pytest.fixture
def world() -> Any:
    return make_world(prefix="cl")


def published_claim(world: Any, *, statement: str = BRIDGE, topic: str = "Roads") -> Claim:
    claim = services.claim_create(
        organization=world.org,
        statement=statement,
        topic=topic,
        status="false",
        texts=TEXTS,
        sources=[{"label": "Traffic status", "url": "https://example.org/traffic"}],
        actor=world.responder,
    )
    services.claim_approve(version=claim.versions.get(), actor=world.approver)
    claim.refresh_from_db()
    return claim


def test_messages_repeating_a_claim_are_matched_as_they_arrive(world: Any) -> None:
    claim = published_claim(world)
    fr = make_message(
        channel=world.channel,
        text="Le pont nord s'est effondré et restera fermé pendant un an.",
        language="fr",
        category="rumour",
    )
    en = make_message(
        channel=world.channel, text="Heard the north bridge collapsed?? Closed for twelve months"
    )
    other = make_message(channel=world.channel, text="When does the library open on Sunday?")
    messages_understood([fr.pk, en.pk, other.pk])  # what ingest calls
    matched = dict(ClaimMatch.objects.values_list("message_id", "claim_id"))
    assert matched == {fr.pk: claim.pk, en.pk: claim.pk}
    assert all(m.state == MatchState.SUGGESTED for m in ClaimMatch.objects.all())
    # Twice is once.
    assert matching.match_messages([fr.pk, en.pk, other.pk]) == 0
    assert ClaimMatch.objects.count() == 2
    # Counted over time, by day.
    assert sum(d.count for d in selectors.trend(claim=claim)) == 2
    listed = selectors.claims_for(organization=world.org).get(pk=claim.pk)
    assert listed.to_check == 2 and listed.this_week == 2  # type: ignore[attr-defined]


def test_the_correction_is_offered_in_the_authors_language(world: Any) -> None:
    claim = published_claim(world)
    fr = make_message(
        channel=world.channel,
        text="Le pont nord s'est effondré, il sera fermé un an !",
        language="fr",
    )
    es = make_message(
        channel=world.channel,
        text="El puente norte se derrumbó y estará cerrado un año.",
        language="es",
    )
    matching.match_messages([fr.pk, es.pk])
    [offer] = selectors.correction_offers(message=fr)
    assert offer.claim == claim and offer.language == "fr" and offer.in_author_language
    assert offer.text == TEXTS["fr"]["correction"]
    # Spanish is no official language here: the first official one is offered.
    [offer] = selectors.correction_offers(message=es)
    assert offer.language == "en" and not offer.in_author_language
    # A rejected match offers nothing.
    services.match_decide(
        match=ClaimMatch.objects.get(message=fr), confirmed=False, actor=world.responder
    )
    assert selectors.correction_offers(message=fr) == []


def test_unpublished_claims_offer_no_correction(world: Any) -> None:
    services.claim_create(
        organization=world.org, statement=BRIDGE, texts=TEXTS, actor=world.responder
    )
    message = make_message(channel=world.channel, text="The north bridge collapsed, closed a year")
    matching.match_messages([message.pk])
    assert ClaimMatch.objects.filter(message=message).exists()
    assert selectors.correction_offers(message=message) == []


def test_decisions_teach_the_matcher(world: Any) -> None:
    claim = services.claim_create(organization=world.org, statement=BRIDGE, actor=world.responder)
    # Confirmed: a paraphrase far from the statement becomes an example.
    slang = "north bridge gone lol, no crossing till next year"
    first = make_message(channel=world.channel, text=slang)
    services.match_add(claim=claim, message=first, actor=world.responder)
    again = make_message(
        channel=world.channel, text="north bridge gone lol, no crossing till next year!!"
    )
    matching.match_messages([again.pk])
    assert ClaimMatch.objects.get(message=again).claim == claim

    # Rejected: a message close to the rejected one needs a closer match.
    traffic = "The north bridge is closed this morning because of a crash, one lane for a year?"
    rejected = make_message(channel=world.channel, text=traffic)
    matching.match_messages([rejected.pk])
    match = ClaimMatch.objects.filter(message=rejected).first()
    if match is None:  # not matched in the first place: add and reject it by hand
        match = services.match_add(claim=claim, message=rejected, actor=world.responder)
    services.match_decide(match=match, confirmed=False, actor=world.responder)
    assert ClaimMatch.objects.get(pk=match.pk).state == MatchState.REJECTED
    twin = make_message(channel=world.channel, text=traffic)
    matching.match_messages([twin.pk])
    assert not ClaimMatch.objects.filter(message=twin).exists()
    actions = list(
        AuditEvent.objects.filter(organization=world.org, action__startswith="claim.").values_list(
            "action", flat=True
        )
    )
    assert {"claim.create", "claim.match_add", "claim.match_reject"} <= set(actions)


def test_approval_rules(world: Any) -> None:
    claim = services.claim_create(
        organization=world.org, statement=BRIDGE, texts={"en": TEXTS["en"]}, actor=world.approver
    )
    version = claim.versions.get()
    with pytest.raises(PermissionDenied):
        services.claim_approve(version=version, actor=world.author)  # no approving role
    with pytest.raises(PermissionDenied):
        services.claim_approve(version=version, actor=world.approver)  # wrote it
    with pytest.raises(ValidationError, match="FR"):
        services.claim_approve(version=version, actor=world.manager)  # French missing
    draft = services.claim_update(
        claim=claim,
        statement=BRIDGE,
        topic="Roads",
        owner=world.responder,
        status="false",
        texts=TEXTS,
        sources=[],
        help_links=[],
        actor=world.responder,
    )
    assert ClaimVersion.objects.get(pk=version.pk).state == VersionState.RETIRED
    services.claim_approve(version=draft, actor=world.manager)
    claim.refresh_from_db()
    assert claim.published == draft and claim.status == "false" and claim.published_at
    with pytest.raises(ValidationError):
        services.claim_approve(version=draft, actor=world.admin)  # no longer a draft
    services.claim_unpublish(claim=claim, actor=world.approver)
    claim.refresh_from_db()
    assert claim.published is None
    assert {"claim.update", "claim.approve", "claim.unpublish"} <= set(
        AuditEvent.objects.filter(organization=world.org).values_list("action", flat=True)
    )


def test_bad_input_is_refused_with_a_reason(world: Any) -> None:
    with pytest.raises(ValidationError):
        services.claim_create(organization=world.org, statement="  ", actor=world.responder)
    with pytest.raises(ValidationError, match="web address"):
        services.parse_links("Our page javascript:alert(1)")
    assert services.parse_links("Traffic | https://example.org/t\n\nhttps://example.org/x") == [
        {"label": "Traffic", "url": "https://example.org/t"},
        {"label": "https://example.org/x", "url": "https://example.org/x"},
    ]
    with pytest.raises(PermissionDenied):
        services.claim_create(organization=world.org, statement=BRIDGE, actor=world.viewer)
    with pytest.raises(PermissionDenied):
        services.claim_create(organization=world.org, statement=BRIDGE, actor=world.outsider)


RUMOURS = [
    "They are putting chemicals in the reservoir to make people sleepy, don't drink the water",
    "Don't drink the water, they added chemicals to the reservoir to make us sleepy!",
    "Ne buvez pas l'eau, ils ont mis des produits chimiques dans le réservoir pour nous endormir.",
]


def test_a_cluster_of_new_rumours_is_proposed_and_becomes_a_claim(world: Any) -> None:
    messages = [
        make_message(channel=world.channel, text=text, category="rumour", language=lang)
        for text, lang in zip(RUMOURS, ["en", "en", "fr"], strict=True)
    ]
    ordinary = make_message(
        channel=world.channel, text="Thanks for fixing the road!", category="praise"
    )
    matching.match_messages([messages[0].pk, ordinary.pk])
    assert RumourCandidate.objects.count() == 1  # praise is no rumour
    assert not ClaimProposal.objects.exists()  # one rumour is no cluster
    matching.match_messages([m.pk for m in messages[1:]])
    [proposal] = ClaimProposal.objects.all()
    [(listed, size)] = selectors.open_proposals(organization=world.org, user=world.responder)
    assert listed == proposal and size == 3
    claim = services.proposal_accept(
        proposal=proposal, statement="The reservoir water is drugged.", actor=world.responder
    )
    assert set(ClaimMatch.objects.filter(claim=claim).values_list("message_id", flat=True)) == {
        m.pk for m in messages
    }
    assert ClaimProposal.objects.get().state == ProposalState.ACCEPTED
    with pytest.raises(ValidationError):
        services.proposal_accept(proposal=proposal, statement="again", actor=world.responder)


def test_a_new_claim_adopts_recent_rumours(world: Any) -> None:
    rumour = make_message(
        channel=world.channel,
        text="Le pont nord s'est effondré et restera fermé un an.",
        category="rumour",
        language="fr",
    )
    matching.match_messages([rumour.pk])
    assert RumourCandidate.objects.filter(pk=rumour.pk).exists()
    claim = services.claim_create(organization=world.org, statement=BRIDGE, actor=world.responder)
    assert ClaimMatch.objects.get(message=rumour).claim == claim
    assert not RumourCandidate.objects.filter(pk=rumour.pk).exists()


def test_desk_pages_and_permissions(world: Any, client: Client) -> None:
    claim = published_claim(world)
    message = make_message(
        channel=world.channel,
        text="<script>alert(1)</script> north bridge collapsed, closed a year",
    )
    matching.match_messages([message.pk])
    match = ClaimMatch.objects.get(message=message)
    client.force_login(world.responder)
    page = client.get(reverse("claim", args=[claim.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert "&lt;script&gt;" in body and "<script>alert" not in body
    # The form to change it starts from the claim and its newest entry.
    assert TEXTS["en"]["correction"] in body and 'value="Roads"' in body
    # The list, the form and the decision.
    assert client.get(reverse("claims", args=[world.org.pk])).status_code == 200
    assert client.get(reverse("claims-home")).status_code == 302
    response = client.post(reverse("claim-match-decide", args=[match.pk]), {"decision": "confirm"})
    assert response.status_code == 302
    assert ClaimMatch.objects.get(pk=match.pk).state == MatchState.CONFIRMED
    response = client.post(
        reverse("claim-new", args=[world.org.pk]),
        {"statement": "Buses are free this week.", "status": "unverified", "sources": "not a link"},
    )
    assert response.status_code == 200 and "web address" in response.content.decode()
    assert not Claim.objects.filter(statement="Buses are free this week.").exists()
    response = client.post(
        reverse("claim-new", args=[world.org.pk]),
        {"statement": "Buses are free this week.", "status": "unverified", "title_en": "Buses"},
    )
    assert response.status_code == 302
    # The conversation page offers the correction beside the saved replies.
    page = client.get(reverse("conversation", args=[message.conversation_id]))
    assert b"claim-corrections" in page.content
    filled = client.get(
        reverse("conversation", args=[message.conversation_id]),
        {"to": message.pk, "correction": claim.pk},
    )
    assert TEXTS["en"]["correction"].encode() in filled.content
    # Outsiders see nothing; a viewer cannot decide.
    client.force_login(world.outsider)
    assert client.get(reverse("claim", args=[claim.pk])).status_code == 404
    assert client.get(reverse("claims", args=[world.org.pk])).status_code == 404
    client.force_login(world.viewer)
    assert client.get(reverse("claim", args=[claim.pk])).status_code == 404
    ClaimMatch.objects.filter(pk=match.pk).update(state=MatchState.SUGGESTED)
    client.force_login(world.author)  # works claims, but does not answer on the brand
    client.post(reverse("claim-match-decide", args=[match.pk]), {"decision": "reject"})
    assert ClaimMatch.objects.get(pk=match.pk).state == MatchState.SUGGESTED


def test_old_candidates_do_not_form_proposals(world: Any) -> None:
    old = timezone.now() - timedelta(days=30)
    messages = [
        make_message(channel=world.channel, text=text, category="rumour", sent_at=old)
        for text in RUMOURS
    ]
    matching.match_messages([m.pk for m in messages])
    assert not ClaimProposal.objects.exists()


def test_proposal_screen_accepts_and_dismisses(world: Any, client: Client) -> None:
    messages = [
        make_message(channel=world.channel, text=text, category="rumour") for text in RUMOURS
    ]
    matching.match_messages([m.pk for m in messages])
    [proposal] = ClaimProposal.objects.all()
    client.force_login(world.responder)
    listing = client.get(reverse("claims", args=[world.org.pk])).content.decode()
    assert reverse("claim-proposal", args=[proposal.pk]) in listing
    page = client.get(reverse("claim-proposal", args=[proposal.pk])).content.decode()
    assert "reservoir" in page
    response = client.post(
        reverse("claim-proposal", args=[proposal.pk]),
        {"decision": "accept", "statement": "The reservoir water is drugged."},
    )
    claim = Claim.objects.get(statement="The reservoir water is drugged.")
    assert response["Location"] == reverse("claim", args=[claim.pk])
    # Handled once: a second answer is refused with a reason, nothing changes.
    response = client.post(
        reverse("claim-proposal", args=[proposal.pk]), {"decision": "dismiss"}, follow=True
    )
    assert "already handled" in response.content.decode()
    assert ClaimProposal.objects.get().state == ProposalState.ACCEPTED
    client.force_login(world.outsider)
    assert client.get(reverse("claim-proposal", args=[proposal.pk])).status_code == 404
