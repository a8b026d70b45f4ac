"""The menu offers exactly what each role opens; refusals and errors are styled pages that
keep the menu and say why; the 500 page needs no database; /favicon.ico is answered."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import path

from civicdesk import urls as project_urls
from civicdesk.organizations.access import require
from civicdesk.organizations.models import Role
from tests.factories import World, make_member, make_organization

ALL = [
    "dashboard",
    "posts",
    "post-new",
    "inbox",
    "influencers",
    "saved-replies",
    "channels",
    "analytics",
    "claims",
    "listening",
    "incidents",
    "exercises",
    "policy-home",
    "audit",
    "records",
    "settings",
]
URLS = {
    "dashboard": "/",
    "posts": "/posts/",
    "post-new": "/posts/new/",
    "inbox": "/inbox/",
    "influencers": "/inbox/influencers/",
    "saved-replies": "/inbox/saved-replies/",
    "channels": "/channels/",
    "analytics": "/analytics/",
    "claims": "/claims/",
    "listening": "/listening/",
    "incidents": "/incidents/",
    "exercises": "/exercises/",
    "policy-home": "/policy/",
    "audit": "/audit/",
    "records": "/records/",
    "settings": "/settings/",
}
MEMBER = ["dashboard", "posts", "inbox", "influencers", "channels", "incidents", "policy-home"]
# Listening: for every member who sees a brand.
SEES = [*MEMBER[:5], "listening", *MEMBER[5:]]
# Saved replies: written by whoever answers, approved by approvers.
KEEPER = [
    "dashboard",
    "posts",
    "inbox",
    "influencers",
    "saved-replies",
    "channels",
    "claims",
    "listening",
    "incidents",
    "policy-home",
]
EXPECTED = {
    "admin": ALL,
    "manager": [e for e in ALL if e not in ("audit", "records", "settings")],
    "author": [
        e
        for e in ALL
        if e not in ("saved-replies", "analytics", "exercises", "audit", "records", "settings")
    ],
    "approver": KEEPER,
    "responder": KEEPER,
    # Analytics: for whoever has the analytics permission on a brand.
    "analyst": [
        "dashboard",
        "posts",
        "inbox",
        "influencers",
        "channels",
        "analytics",
        "listening",
        "incidents",
        "policy-home",
    ],
    "viewer": SEES,
    # The archive, retention and holds, organization-wide; otherwise what any member sees.
    "records_officer": [*SEES, "records"],
    "outsider": ["dashboard", "posts", "inbox", "influencers", "channels"],
}


def _person(world: World, role: str):  # noqa: ANN202
    if role == "analyst":
        return make_member(organization=world.org, role=Role.ANALYST, brand=world.brand)
    if role == "records_officer":
        return make_member(organization=world.org, role=Role.RECORDS_OFFICER)
    return getattr(world, role)


def _menu(body: str) -> list[str]:
    """The addresses of the main menu, in order, as the page shows them."""
    menu = re.search(r'<ul class="nav">(.*?)</ul>', body, re.S)
    assert menu, "the page has no main menu"
    return re.findall(r'<a href="([^"]+)"', menu.group(1))


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(EXPECTED))
def test_the_menu_offers_exactly_what_the_role_opens(
    client: Client, world: World, role: str
) -> None:
    client.force_login(_person(world, role))
    shown = _menu(client.get("/").content.decode())
    assert shown == [URLS[name] for name in EXPECTED[role]]
    # No other link on the plan leads to a refusal either.
    plan = client.get("/posts/").content.decode()
    assert ('href="/posts/new/' in plan) == ("post-new" in EXPECTED[role])
    for name in ALL:
        answer = client.get(URLS[name], follow=True)
        if name in EXPECTED[role]:
            assert answer.status_code == 200, (role, name)
        else:
            assert answer.status_code in (403, 404), (role, name, answer.status_code)


@pytest.mark.django_db
def test_an_author_of_an_organization_without_brands_is_not_offered_the_composer(
    client: Client,
) -> None:
    author = make_member(organization=make_organization(), role=Role.AUTHOR)
    client.force_login(author)
    assert _menu(client.get("/").content.decode()) == [URLS[name] for name in MEMBER]
    assert client.get("/posts/new/").status_code == 403


@pytest.mark.django_db
def test_the_current_entry_is_marked(client: Client, world: World) -> None:
    client.force_login(world.author)
    body = client.get("/inbox/").content.decode()
    assert re.search(r'<a href="/inbox/" aria-current="page">Inbox', body)
    assert body.count('aria-current="page"') == 1
    body = client.get("/posts/new/").content.decode()
    assert '<a href="/posts/new/" aria-current="page">' in body


@pytest.mark.django_db
def test_saved_replies_have_their_own_entry_for_those_who_keep_them(
    client: Client, world: World
) -> None:
    # An approver, who has no settings, reaches them from the menu, without admin tabs.
    client.force_login(world.approver)
    answer = client.get("/inbox/saved-replies/", follow=True)
    assert answer.redirect_chain[-1][0] == f"/settings/{world.org.pk}/saved-replies/"
    body = answer.content.decode()
    assert re.search(r'<a href="/inbox/saved-replies/" aria-current="page">Saved replies', body)
    assert body.count('aria-current="page"') == 1
    assert f"/settings/{world.org.pk}/routing/" not in body
    # An admin sees the settings tabs there, and the menu marks Saved replies, not Settings.
    client.force_login(world.admin)
    body = client.get(f"/settings/{world.org.pk}/saved-replies/").content.decode()
    assert f"/settings/{world.org.pk}/routing/" in body
    assert re.search(r'<a href="/inbox/saved-replies/" aria-current="page">', body)
    assert '<a href="/settings/" aria-current="page">' not in body
    # An author neither writes nor approves them.
    client.force_login(world.author)
    assert client.get("/inbox/saved-replies/").status_code == 403


@pytest.mark.django_db
def test_a_refusal_is_a_styled_page_with_the_menu_and_the_reason(
    client: Client, world: World
) -> None:
    client.force_login(world.manager)
    answer = client.get("/audit/")
    assert answer.status_code == 403
    body = answer.content.decode()
    assert "civicdesk/desk.css" in body and 'class="sidebar"' in body
    assert _menu(body)[0] == "/"
    assert "Only organization admins can read the audit log." in body


@pytest.mark.django_db
def test_a_refused_form_is_the_styled_refusal_page(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.author)
    answer = client.post("/posts/new/", {"title": "No token"})
    assert answer.status_code == 403
    body = answer.content.decode()
    assert "This form had expired" in body and 'class="sidebar"' in body
    assert "CSRF verification" not in body and "token missing" not in body


@pytest.mark.django_db
def test_a_role_refusal_names_the_brand_and_the_action(client: Client, world: World) -> None:
    client.force_login(world.approver)
    answer = client.get(f"/posts/new/?brand={world.brand.pk}")
    assert answer.status_code == 403
    body = answer.content.decode()
    assert f"Your role on {world.brand.name} does not allow writing or changing posts." in body
    assert "(compose)" not in body


@pytest.mark.django_db
def test_require_explains_refusals_in_words_not_codes(world: World) -> None:
    with pytest.raises(PermissionDenied) as refused:
        require(world.viewer, world.brand, "reply")  # type: ignore[arg-type]
    assert str(refused.value) == (
        f"Your role on {world.brand.name} does not allow answering or moderating messages."
    )


@pytest.mark.django_db
def test_not_found_is_a_styled_page_with_the_menu(client: Client, world: World) -> None:
    client.force_login(world.viewer)
    answer = client.get("/no-such-page/")
    assert answer.status_code == 404
    body = answer.content.decode()
    assert "There is nothing here" in body and 'class="sidebar"' in body
    assert _menu(body) == [URLS[name] for name in EXPECTED["viewer"]]
    assert "Resolver404" not in body and "tried" not in body
    # A message raised for people is shown as it is.
    assert "No such conversation" in client.get("/inbox/c/999999/").content.decode()


@pytest.mark.django_db
def test_not_found_when_signed_out_has_no_menu(client: Client) -> None:
    answer = client.get("/no-such-page/")
    assert answer.status_code == 404
    body = answer.content.decode()
    assert "There is nothing here" in body and "civicdesk/desk.css" in body
    assert '<ul class="nav">' not in body


@login_not_required
def _boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("the database fell over")


urlpatterns = [path("boom/", _boom), *project_urls.urlpatterns]
handler403 = project_urls.handler403
handler404 = project_urls.handler404
handler500 = project_urls.handler500


@pytest.mark.django_db
def test_server_error_is_styled_and_needs_no_database(
    settings: object, django_assert_num_queries: object
) -> None:
    settings.ROOT_URLCONF = __name__  # type: ignore[attr-defined]
    client = Client(raise_request_exception=False)
    with django_assert_num_queries(0):  # type: ignore[operator]
        answer = client.get("/boom/")
    assert answer.status_code == 500
    body = answer.content.decode()
    assert "Something went wrong on our side" in body and "civicdesk/desk.css" in body
    assert "the database fell over" not in body


@pytest.mark.django_db
def test_favicon_is_answered(client: Client) -> None:
    answer = client.get("/favicon.ico")
    assert answer.status_code == 301
    icon = client.get(answer["Location"])
    assert icon.status_code == 200
    assert b"".join(icon.streaming_content)[:4] == b"\x00\x00\x01\x00"  # an ICO header
    svg = client.get("/static/civicdesk/favicon.svg")
    assert svg.status_code == 200 and svg["Content-Type"].startswith("image/svg+xml")
    login = client.get("/login/").content.decode()
    assert '<link rel="icon" href="/static/civicdesk/favicon.svg" type="image/svg+xml">' in login


@pytest.mark.django_db
def test_every_page_links_the_icon(client: Client, world: World) -> None:
    client.force_login(world.viewer)
    body = client.get("/").content.decode()
    assert '<link rel="icon" href="/static/civicdesk/favicon.svg" type="image/svg+xml">' in body
