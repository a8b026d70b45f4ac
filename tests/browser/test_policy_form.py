"""The policy's form editor in a real browser, on a phone's width: an admin adds a forbidden word
and changes an approver's words, sees a mistake beside its field with nothing lost, saves, and
finds the new version in the history."""

from __future__ import annotations

import pytest

from civicdesk.policies.models import PolicyVersion
from civicdesk.policies.selectors import policy_current, shipped_document
from civicdesk.policies.services import policy_save
from tests.factories import make_world

from .test_core_loop import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WITH_APPROVAL = shipped_document().replace(
    "approvals: []",
    "approvals:\n  - id: legal\n    topic: legal proceedings\n    approver: legal counsel\n"
    "    terms: [lawsuit, court case]\n",
)


def no_sideways_scroll(page) -> bool:  # noqa: ANN001
    return page.evaluate(
        "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


def test_an_admin_edits_words_through_the_form_on_a_phone(live_server, page, shot) -> None:  # noqa: ANN001
    base = live_server.url
    world = make_world(prefix="pf")
    policy_save(organization=world.org, actor=world.admin, yaml_text=WITH_APPROVAL, note="Legal")
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, base, world.admin)

    page.goto(f"{base}/policy/{world.org.pk}/")
    page.click("a:has-text('Edit the policy')")
    page.wait_for_url(f"**/policy/{world.org.pk}/form/")
    assert no_sideways_scroll(page)
    assert page.input_value("#id_approvals-0-terms") == "lawsuit\ncourt case"

    # The approver's words change; a forbidden word is added in a new rule ("Add another").
    page.fill("#id_approvals-0-terms", "lawsuit\ncourt case\ntribunal")
    page.fill("#id_forbidden-0-terms", "guaranteed")
    page.fill("#id_forbidden-0-reason_en", "Public bodies do not promise outcomes.")
    page.click("button[data-add=forbidden]")
    page.locator("#id_forbidden-1-terms").wait_for()
    page.fill("#id_forbidden-1-terms", "100% safe")
    # A mistake: a negative number of hashtags.
    page.fill("#id_max_hashtags", "-2")
    page.fill("#id_note", "Tribunal needs legal; no promises")
    page.click("button:has-text('Save as a new version')")

    page.wait_for_selector("text=Nothing was saved: correct the fields marked below.")
    error = page.locator(".field.has-error", has=page.locator("#id_max_hashtags"))
    assert "greater than or equal to 0" in error.inner_text()
    assert page.input_value("#id_forbidden-0-terms") == "guaranteed"
    assert page.input_value("#id_forbidden-1-terms") == "100% safe"
    assert page.input_value("#id_note") == "Tribunal needs legal; no promises"
    assert no_sideways_scroll(page)
    shot("policy_form_error_390")
    assert PolicyVersion.objects.filter(organization=world.org).count() == 1

    page.fill("#id_max_hashtags", "2")
    page.click("button:has-text('Save as a new version')")
    page.wait_for_url(f"**/policy/{world.org.pk}/")
    page.wait_for_selector("text=Version 2 saved.")
    history = page.locator("section[aria-labelledby=h-history]")
    assert "Tribunal needs legal; no promises" in history.inner_text()
    forbidden = page.inner_text("section[aria-labelledby=h-forbidden]")
    assert "guaranteed" in forbidden and "100% safe" in forbidden
    assert "tribunal" in page.inner_text("section[aria-labelledby=h-approvals]")
    shot("policy_form_saved_390")
    assert no_sideways_scroll(page)

    policy = policy_current(world.org)
    assert policy.approvals[0].terms == ["lawsuit", "court case", "tribunal"]
    assert [r.terms for r in policy.forbidden] == [["guaranteed"], ["100% safe"]]
    assert policy.forbidden[0].reason == {"en": "Public bodies do not promise outcomes."}
    version = PolicyVersion.objects.get(organization=world.org, number=2)
    assert version.created_by == world.admin
