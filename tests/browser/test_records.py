"""Records in Chromium at phone width: a records officer finds a post's versions and a
public comment's edit in the archive, places a legal hold that shows on the thread, and
downloads an export that ``civicdesk records verify`` accepts, and refuses once changed."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from civicdesk.core import archive
from civicdesk.organizations.models import Role
from civicdesk.publishing import services as publishing
from tests.factories import PASSWORD, make_member, make_message, make_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 812}


def _fits(page) -> bool:  # noqa: ANN001
    return page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1"
    )


def test_search_hold_and_export_on_a_phone(
    live_server,  # noqa: ANN001
    browser,  # noqa: ANN001
    tmp_path: Path,
    settings,  # noqa: ANN001
) -> None:
    settings.DATA_DIR = tmp_path
    world = make_world(prefix="rec")
    keeper = make_member(organization=world.org, role=Role.RECORDS_OFFICER, username="keeper")
    draft = publishing.Draft(
        title="Flood warning",
        texts={"en": "Flood warning for the river.", "fr": "Alerte crue sur la rivière."},
        channels=[world.channel],
    )
    post = publishing.post_create(brand=world.brand, actor=world.author, draft=draft)
    publishing.post_update(
        post=post,
        actor=world.author,
        draft=publishing.Draft(
            title="Flood warning",
            texts={"en": "Flood warning: stay away.", "fr": "Alerte crue : éloignez-vous."},
            channels=[world.channel],
        ),
    )
    comment = make_message(
        channel=world.channel, text="Is the flood <b>over</b>?", author_handle="marie_t"
    )
    archive.note("messages", comment.pk)
    archive.note("message_edited", comment.pk, detail={"text": "Is the flood over yet?"})

    base = live_server.url
    context = browser.new_context(viewport=PHONE, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(f"{base}/login/")
        page.fill("#id_login", keeper.get_username())
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/")
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Records").click()
        page.wait_for_url(f"{base}/records/{world.org.pk}/")
        assert _fits(page)

        page.fill("#id_words", "flood")
        page.get_by_role("button", name="Search").click()
        threads = page.locator(".records-threads > li")
        assert threads.count() == 2
        versions = page.locator(f'[data-thread="post:{post.pk}"] [data-kind="post_version"]')
        assert versions.count() == 2
        conversation = page.locator(f'[data-thread="conversation:{comment.conversation_id}"]')
        assert "Is the flood <b>over</b>?" in conversation.inner_text()
        assert "Is the flood over yet?" in conversation.inner_text()
        assert _fits(page)

        page.get_by_role("link", name="Legal holds").click()
        page.fill("#id_name", "River inquiry")
        page.fill("#id_reason", "Ombudsman file 2026-12")
        page.fill("#id_words", "flood")
        page.get_by_role("button", name="Place the hold").click()
        assert page.locator('[data-hold="River inquiry"]').count() == 1
        assert _fits(page)

        page.get_by_role("link", name="Retention").click()
        assert page.locator("#retention-rules fieldset").count() == 5
        assert _fits(page)

        page.get_by_role("link", name="Archive").click()
        page.fill("#id_words", "flood")
        page.get_by_role("button", name="Search").click()
        assert page.get_by_text("On legal hold: River inquiry").count() == 2
        page.check("#records-export input[name=redact]")
        with page.expect_download() as download_info:
            page.get_by_role("button", name="Download the export").click()
        saved = tmp_path / "export.zip"
        download_info.value.save_as(saved)
    finally:
        context.close()

    out = StringIO()
    call_command("records", "verify", str(saved), stdout=out)
    assert "verified" in out.getvalue()
    data = bytearray(saved.read_bytes())
    data[len(data) // 3] ^= 0x20
    changed = tmp_path / "changed.zip"
    changed.write_bytes(bytes(data))
    with pytest.raises(CommandError):
        call_command("records", "verify", str(changed), stdout=StringIO())
