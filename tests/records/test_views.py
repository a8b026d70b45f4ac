"""The Records screens: who may open them, the search, the export download, rules and holds."""

from __future__ import annotations

import zipfile
from io import BytesIO
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from civicdesk.accounts.language import profile_language_set
from civicdesk.core import archive
from civicdesk.organizations.models import AuditEvent, Role
from civicdesk.records.export import verify_export
from civicdesk.records.models import LegalHold, RetentionRule
from tests.factories import World, make_member, make_message


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_only_admins_and_records_officers_open_the_records(world: World) -> None:
    url = reverse("records-archive", args=[world.org.pk])
    keeper = make_member(organization=world.org, role=Role.RECORDS_OFFICER, username="keeper")
    for person, status in (
        (world.admin, 200),
        (keeper, 200),
        (world.manager, 403),
        (world.author, 403),
        (world.outsider, 404),
    ):
        assert signed_in(person).get(url).status_code == status, person
    menu = signed_in(keeper).get(reverse("dashboard")).content.decode()
    assert reverse("records") in menu
    assert (
        reverse("records")
        not in signed_in(world.manager).get(reverse("dashboard")).content.decode()
    )


@pytest.mark.django_db
def test_search_export_rules_and_holds_from_the_screens(world: World) -> None:
    message = make_message(
        channel=world.channel,
        text="<script>alert('x')</script> flood on my street",
        author_handle="eve",
    )
    archive.note("messages", message.pk)
    client = signed_in(world.admin)
    url = reverse("records-archive", args=[world.org.pk])
    page = client.get(url, {"words": "flood"}).content.decode()
    assert "&lt;script&gt;" in page and "<script>alert" not in page
    assert 'data-thread="conversation:' in page
    bad = client.get(url, {"date_from": "2026-05-02", "date_to": "2026-05-01"})
    assert "The end date is before the start date." in bad.content.decode()

    download = client.post(
        reverse("records-export", args=[world.org.pk]), {"words": "flood", "redact": "on"}
    )
    assert download.status_code == 200
    assert download["Content-Type"] == "application/zip"
    assert verify_export(download.content).ok
    names = zipfile.ZipFile(BytesIO(download.content)).namelist()
    assert any(n.startswith("threads/conversation-") for n in names)
    assert AuditEvent.objects.filter(organization=world.org, action="records.export").exists()

    rules = {
        f"{c}-days": "30"
        for c in ("published_posts", "inbound_messages", "direct_messages", "drafts", "attachments")
    }
    rules |= {
        f"{c}-action": "keep"
        for c in ("published_posts", "direct_messages", "drafts", "attachments")
    }
    rules["inbound_messages-action"] = "delete"
    response = client.post(reverse("records-retention", args=[world.org.pk]), rules)
    assert response.status_code == 302
    assert (
        RetentionRule.objects.get(organization=world.org, record_class="inbound_messages").action
        == "delete"
    )
    rules["attachments-action"] = "anonymize"
    refused = client.post(reverse("records-retention", args=[world.org.pk]), rules)
    assert refused.status_code == 400

    holds_url = reverse("records-holds", args=[world.org.pk])
    placed = client.post(
        holds_url,
        {
            "name": "Flood inquiry",
            "reason": "Ombudsman request",
            "words": "flood",
            "channels": [world.channel.pk],
        },
    )
    assert placed.status_code == 302
    hold = LegalHold.objects.get(organization=world.org)
    page = client.get(url, {"words": "flood"}).content.decode()
    assert "On legal hold: Flood inquiry" in page
    # The held conversation says so where the team works on it.
    inbox_page = client.get(reverse("conversation", args=[message.conversation_id]))
    assert "Held by Flood inquiry" in inbox_page.content.decode()
    client.post(reverse("records-hold-release", args=[world.org.pk, hold.pk]))
    hold.refresh_from_db()
    assert hold.released_at is not None
    assert AuditEvent.objects.filter(action="records.hold_release").count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "expected"),
    [("fr", "Chercher dans les archives"), ("ar", "البحث في الأرشيف")],
)
def test_the_records_screens_speak_the_readers_language(
    world: World, language: str, expected: str
) -> None:
    profile_language_set(user=world.admin, language=language)
    client = signed_in(world.admin)
    archive_page = client.get(reverse("records-archive", args=[world.org.pk]), {"words": "x"})
    text = archive_page.content.decode()
    assert expected in text
    for english in ("Search the archive", "Export for a request", "Legal holds", "Retention"):
        assert english not in text, english
    for name in ("records-retention", "records-holds"):
        page = client.get(reverse(name, args=[world.org.pk])).content.decode()
        for english in ("Save the rules", "Place a hold", "Drafts never published", "Keep for"):
            assert english not in page, (name, english)
