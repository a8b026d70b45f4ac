"""The policy pages as every kind of visitor, and what admins do there."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from civicdesk.policies.models import PolicyVersion
from civicdesk.policies.selectors import policy_current, shipped_document
from civicdesk.policies.services import policy_save
from tests.factories import World, make_message
from tests.policies.conftest import with_forbidden

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Case:
    view: str
    method: str
    url: str
    data: dict
    write: bool
    ok: int  # the status the allowed visitor gets


def cases(world: World) -> list[Case]:
    """Every policy page; writes are for organization admins only."""
    o = world.org.pk
    return [
        Case("policy-home", "get", "/policy/", {}, False, 302),
        Case("policy", "get", f"/policy/{o}/", {}, False, 200),
        Case("policy-version", "get", f"/policy/{o}/versions/1/", {}, False, 200),
        Case("policy-export", "get", f"/policy/{o}/export/", {}, False, 200),
        Case(
            "policy-save",
            "post",
            f"/policy/{o}/save/",
            {"document": with_forbidden("certainly"), "note": "n", "base": 1},
            True,
            302,
        ),
        Case(
            "policy-validate",
            "post",
            f"/policy/{o}/validate/",
            {"document": "name: x\n"},
            True,
            200,
        ),
        Case("policy-import", "post", f"/policy/{o}/import/", {}, True, 302),
        # The form editor itself is for admins only (its saves: test_form_editor).
        Case("policy-form", "get", f"/policy/{o}/form/", {}, True, 200),
        Case("policy-restore", "post", f"/policy/{o}/versions/0/restore/", {}, True, 302),
    ]


@pytest.fixture
def saved(world: World) -> PolicyVersion:
    return policy_save(
        organization=world.org,
        actor=world.admin,
        yaml_text=with_forbidden("guaranteed"),
        note="No promises",
    )


def _send(client: Client, case: Case) -> int:
    data = dict(case.data)
    if case.view == "policy-import":
        data = {"file": SimpleUploadedFile("p.yaml", with_forbidden("surely").encode())}
    return getattr(client, case.method)(case.url, data).status_code


VIEWS = [
    "policy-home",
    "policy",
    "policy-version",
    "policy-export",
    "policy-save",
    "policy-validate",
    "policy-import",
    "policy-restore",
    "policy-form",
]


@pytest.mark.parametrize("view", VIEWS)
def test_every_view_for_every_visitor(world: World, saved: PolicyVersion, view: str) -> None:
    case = next(c for c in cases(world) if c.view == view)
    client = Client()
    response = getattr(client, case.method)(case.url, case.data)
    assert response.status_code == 302 and response.url.startswith("/login/"), "anonymous"
    client.force_login(world.outsider)
    assert _send(client, case) == 404
    # Members who are not organization admins: brand roles and an org-wide manager.
    for member in (world.viewer, world.other_member, world.manager):
        client.force_login(member)
        assert _send(client, case) == (403 if case.write else case.ok), member
    assert PolicyVersion.objects.count() == 1
    client.force_login(world.admin)
    assert _send(client, case) == case.ok


def test_members_read_the_policy_in_a_readable_form(
    client: Client, world: World, saved: PolicyVersion
) -> None:
    client.force_login(world.viewer)
    body = client.get(f"/policy/{world.org.pk}/").content.decode()
    assert "Version 1 of the policy" in body and "No promises" in body
    assert "guaranteed" in body and "public bodies do not promise outcomes." in body
    assert "Abuse and harassment" in body and "Injures et harcèlement" in body
    assert "at most 2, in CamelCase, at the end" in body
    # Readers get no editor.
    assert 'name="document"' not in body and "Restore" not in body


def test_admins_get_the_editor_with_the_document_in_force(
    client: Client, world: World, saved: PolicyVersion
) -> None:
    client.force_login(world.admin)
    body = client.get(f"/policy/{world.org.pk}/").content.decode()
    assert 'name="document"' in body and "hx-post" in body
    assert "- id: promises" in body
    assert 'name="base" value="1"' in body


def test_saving_from_the_editor(client: Client, world: World, saved: PolicyVersion) -> None:
    client.force_login(world.admin)
    response = client.post(
        f"/policy/{world.org.pk}/save/",
        {
            "document": with_forbidden("certainly").replace("\n", "\r\n"),
            "note": "Stronger",
            "base": 1,
        },
        follow=True,
    )
    assert "Version 2 saved." in response.content.decode()
    assert policy_current(world.org).forbidden[0].terms == ["certainly"]
    assert PolicyVersion.objects.get(number=2).note == "Stronger"


def test_an_error_is_shown_next_to_the_editor_with_the_field(client: Client, world: World) -> None:
    client.force_login(world.admin)
    bad = "name: x\naccessibility:\n  max_hashtags: <b>two</b>\n"
    response = client.post(f"/policy/{world.org.pk}/save/", {"document": bad, "base": 0})
    body = response.content.decode()
    assert response.status_code == 200
    assert "accessibility.max_hashtags (line 3): expected an integer" in body
    assert "&lt;b&gt;two&lt;/b&gt;" in body and "<b>two</b>" not in body  # kept, escaped
    assert not PolicyVersion.objects.exists()


def test_validate_as_you_type_returns_a_partial(client: Client, world: World) -> None:
    client.force_login(world.admin)
    url = f"/policy/{world.org.pk}/validate/"
    bad = client.post(
        url, {"document": "links:\n  require_https: maybe\n"}, headers={"HX-Request": "true"}
    ).content.decode()
    assert "<html" not in bad and 'id="policy-problems"' in bad
    assert "links.require_https (line 2): expected true or false" in bad
    good = client.post(url, {"document": "name: x\n"}, headers={"HX-Request": "true"})
    assert "valid policy" in good.content.decode()


def test_download_the_yaml(client: Client, world: World, saved: PolicyVersion) -> None:
    client.force_login(world.viewer)
    response = client.get(f"/policy/{world.org.pk}/export/")
    assert response["Content-Type"].startswith("application/yaml")
    assert "attachment" in response["Content-Disposition"]
    assert response.content.decode() == saved.document


def test_upload_refuses_other_files_with_a_message(client: Client, world: World) -> None:
    client.force_login(world.admin)
    upload = SimpleUploadedFile("policy.pdf", b"%PDF-1.7")
    response = client.post(f"/policy/{world.org.pk}/import/", {"file": upload}, follow=True)
    assert "Upload a policy as a .yaml or .yml file." in response.content.decode()
    upload = SimpleUploadedFile("policy.yml", b"name: Uploaded\n")
    response = client.post(f"/policy/{world.org.pk}/import/", {"file": upload}, follow=True)
    assert "Version 1 saved." in response.content.decode()
    assert policy_current(world.org).name == "Uploaded"


def test_history_diff_and_restore(client: Client, world: World, saved: PolicyVersion) -> None:
    policy_save(
        organization=world.org,
        actor=world.admin,
        yaml_text=with_forbidden("<script>x</script>"),
        note="Oops",
    )
    client.force_login(world.admin)
    body = client.get(f"/policy/{world.org.pk}/versions/2/").content.decode()
    assert '<span class="diff-remove">−     terms: [guaranteed]' in body
    assert "&lt;script&gt;x&lt;/script&gt;" in body and "<script>x" not in body
    partial = client.get(
        f"/policy/{world.org.pk}/versions/1/", headers={"HX-Request": "true"}
    ).content.decode()
    assert "<html" not in partial and "diff-add" in partial
    response = client.post(f"/policy/{world.org.pk}/versions/1/restore/", follow=True)
    assert "Version 3 saved (a copy of version 1)." in response.content.decode()
    assert PolicyVersion.objects.get(number=3).document == saved.document
    page = client.get(f"/policy/{world.org.pk}/").content.decode()
    assert "Restored version 1" in page and "Oops" in page


def test_restoring_the_defaults(client: Client, world: World, saved: PolicyVersion) -> None:
    client.force_login(world.admin)
    client.post(f"/policy/{world.org.pk}/versions/0/restore/")
    assert PolicyVersion.objects.get(number=2).document == shipped_document()


def test_the_conversation_page_still_renders_with_the_moderation_control(
    client: Client, world: World
) -> None:
    message = make_message(channel=world.channel, text="Hello")
    client.force_login(world.viewer)
    body = client.get(f"/inbox/c/{message.conversation_id}/").content.decode()
    assert "Hide message" not in body  # a viewer cannot moderate
    client.force_login(world.responder)
    body = client.get(f"/inbox/c/{message.conversation_id}/").content.decode()
    assert "Hide message" in body and "Abuse and harassment" in body
    # Clauses that do not allow hiding are not offered for hiding (only for deleting).
    hide_form = body.split('value="hide"')[1].split("</form>")[0]
    assert "Abuse and harassment" in hide_form and "Illegal content" not in hide_form
    delete_form = body.split('value="delete"')[1].split("</form>")[0]
    assert "Illegal content" in delete_form


def test_every_policy_route_is_in_the_permission_table() -> None:
    from civicdesk.policies import urls

    names = {p.name for p in urls.urlpatterns} - {"message-moderate"}  # see test_moderation
    assert names == set(VIEWS)
