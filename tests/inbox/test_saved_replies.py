"""Saved replies: written as drafts, approved only by an approver or an admin, an edit is a new
draft that responders do not see until approved; offered in the author's language first,
inserted with {name} filled from the author; each reply sent with one counts."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from civicdesk.inbox import saved_replies
from civicdesk.inbox.models import Reply, SavedReply, SavedReplyState, SavedReplyVersion
from civicdesk.organizations.models import AuditEvent
from tests.factories import World, make_message, make_world

pytestmark = pytest.mark.django_db

HOURS = {
    "en": "Hello {name}, the pool opens at 9. Case {case_number}: {link}",
    "fr": "Bonjour {name}, la piscine ouvre à 9 h. Dossier {case_number} : {link}",
}


def _saved(world: World, title: str = "Pool hours", **kwargs: object) -> SavedReply:
    return saved_replies.saved_reply_create(
        organization=world.org,
        brand=kwargs.pop("brand", world.brand),
        title=title,
        texts=kwargs.pop("texts", HOURS),
        link="https://example.org/pool",
        actor=kwargs.pop("actor", world.responder),
    )


def test_drafts_are_approved_by_approvers_and_an_edit_waits_for_approval(world: World) -> None:
    saved = _saved(world)
    message = make_message(channel=world.channel, text="Quand ouvre la piscine ?", language="fr")
    assert saved_replies.offers_for(message=message) == []  # a draft is not offered
    first = saved.versions.get()
    with pytest.raises(PermissionDenied):
        saved_replies.saved_reply_approve(version=first, actor=world.responder)
    saved_replies.saved_reply_approve(version=first, actor=world.approver)
    with pytest.raises(ValidationError):
        saved_replies.saved_reply_approve(version=first, actor=world.approver)
    [offer] = saved_replies.offers_for(message=message)
    assert (offer.language, offer.in_author_language) == ("fr", True)

    second = saved_replies.saved_reply_edit(
        saved_reply=saved, texts={"en": "Changed {name}"}, actor=world.responder
    )
    assert second.state == SavedReplyState.DRAFT and second.number == 2
    # Responders still get the approved wording.
    assert saved_replies.insertion(saved_reply_id=saved.pk, message=message).startswith("Bonjour")
    third = saved_replies.saved_reply_edit(
        saved_reply=saved, texts={"en": "Changed again {name}"}, actor=world.responder
    )
    saved_replies.saved_reply_approve(version=third, actor=world.admin)
    states = dict(SavedReplyVersion.objects.values_list("number", "state"))
    assert states == {1: "retired", 2: "retired", 3: "approved"}
    # No French text any more: offered in English, after those in the author's language.
    [offer] = saved_replies.offers_for(message=message)
    assert (offer.language, offer.in_author_language) == ("en", False)
    assert list(
        AuditEvent.objects.filter(action__startswith="saved_reply.")
        .order_by("sequence")
        .values_list("action", flat=True)
    ) == [
        "saved_reply.create",
        "saved_reply.approve",
        "saved_reply.edit",
        "saved_reply.edit",
        "saved_reply.approve",
    ]


def test_what_a_saved_reply_may_say_and_who_may_write_it(world: World) -> None:
    with pytest.raises(ValidationError):
        _saved(world, texts={"en": "Hello {firstname}"})
    with pytest.raises(ValidationError):
        _saved(world, texts={"de": "Hallo"})  # not an official language
    with pytest.raises(PermissionDenied):
        _saved(world, actor=world.viewer)
    with pytest.raises(PermissionDenied):
        _saved(world, brand=None)  # every brand: an organization-wide role writes it
    elsewhere = make_world(prefix="s")
    with pytest.raises(ValidationError):
        _saved(world, brand=elsewhere.brand)
    assert not SavedReply.objects.exists()
    assert (
        saved_replies.fill(
            "{name} {case_number} {link} {other}", name="A", case_number="7", link="L"
        )
        == "A 7 L {other}"
    )


def test_offers_come_in_the_authors_language_first(world: World) -> None:
    english = _saved(world, "Bus times", texts={"en": "Buses run every 10 minutes."})
    both = _saved(world, "Pool hours")
    everywhere = _saved(world, "Thanks", brand=None, texts={"fr": "Merci !"}, actor=world.admin)
    theirs = _saved(world, "Other brand", brand=world.other_brand, actor=world.admin)
    for saved in (english, both, everywhere, theirs):
        saved_replies.saved_reply_approve(version=saved.versions.get(), actor=world.admin)
    message = make_message(channel=world.channel, text="Piscine ?", language="fr")
    offers = saved_replies.offers_for(message=message)
    assert [(o.saved_reply.title, o.language) for o in offers] == [
        ("Pool hours", "fr"),
        ("Thanks", "fr"),
        ("Bus times", "en"),
    ]


def test_inserting_fills_the_fields_and_sending_counts_the_use(
    client: Client, world: World
) -> None:
    saved = _saved(world)
    saved_replies.saved_reply_approve(version=saved.versions.get(), actor=world.approver)
    message = make_message(
        channel=world.channel,
        text="Quand ouvre la piscine ?",
        language="fr",
        author_handle="marie",
        author_name="Marie Curie",
    )
    url = f"/inbox/c/{message.conversation_id}/"
    client.force_login(world.responder)
    page = client.get(url).content.decode()
    assert "Saved replies" in page and "Pool hours" in page
    page = client.get(f"{url}?to={message.pk}&saved={saved.pk}").content.decode()
    case = f"{message.conversation_id:06d}"
    filled = (
        f"Bonjour Marie Curie, la piscine ouvre à 9 h. Dossier {case} : https://example.org/pool"
    )
    assert f">{filled}</textarea>" in page
    assert f'name="saved" value="{saved.pk}"' in page
    response = client.post(
        f"{url}reply/", {"message": message.pk, "text": filled, "saved": saved.pk, "seen": 0}
    )
    assert response.status_code == 302
    reply = Reply.objects.get()
    saved.refresh_from_db()
    assert reply.text == filled and reply.saved_reply_id == saved.approved_id
    assert saved.usage_count == 1
    # A saved reply of another brand is neither offered nor counted here.
    theirs = _saved(world, "Theirs", brand=world.other_brand, actor=world.admin)
    saved_replies.saved_reply_approve(version=theirs.versions.get(), actor=world.admin)
    page = client.get(f"{url}?to={message.pk}&saved={theirs.pk}").content.decode()
    assert "Theirs" not in page
    client.post(f"{url}reply/", {"message": message.pk, "text": "Hi", "saved": theirs.pk})
    theirs.refresh_from_db()
    assert theirs.usage_count == 0


def test_the_saved_replies_screen(client: Client, world: World) -> None:
    url = f"/settings/{world.org.pk}/saved-replies/"
    client.force_login(world.responder)
    response = client.post(
        url,
        {
            "title": "Pool hours",
            "brand": world.brand.pk,
            "link": "https://example.org/pool",
            "text_en": HOURS["en"],
            "text_fr": HOURS["fr"],
        },
    )
    assert response.status_code == 302
    saved = SavedReply.objects.get()
    page = client.get(url).content.decode()
    assert "Draft version 1" in page and "Waiting for an approver." in page
    assert (
        client.post(f"{url}{saved.pk}/approve/", {"version": saved.versions.get().pk}).status_code
        == 302
    )
    assert SavedReply.objects.get().approved_id is None  # a responder does not approve
    client.force_login(world.approver)
    client.post(f"{url}{saved.pk}/approve/", {"version": saved.versions.get().pk})
    assert SavedReply.objects.get().approved_id == saved.versions.get().pk
    page = client.get(url).content.decode()
    assert "Approved version 1" in page
    # Editing writes a new draft from the latest wording.
    edit = client.get(f"{url}{saved.pk}/").content.decode()
    assert "la piscine ouvre" in edit
    client.post(f"{url}{saved.pk}/", {"text_en": "New {name}", "link": ""})
    assert saved.versions.count() == 2
    assert "Draft version 2" in client.get(url).content.decode()
    client.force_login(world.viewer)
    assert client.get(url).status_code == 403
    client.force_login(world.outsider)
    assert client.get(url).status_code == 404
    client.force_login(world.approver)
    client.post(f"{url}{saved.pk}/delete/")
    assert not SavedReply.objects.exists()
