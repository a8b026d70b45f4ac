"""Public pages of the exercise network: open to all, and hostile text stays text."""

from __future__ import annotations

import pytest
from django.test import Client

from civicdesk.exnet.models import NetPost
from civicdesk.exnet.services import create_account, create_post

pytestmark = pytest.mark.django_db

HOSTILE = "<script>alert('x')</script><img src=x onerror=alert(1)> \u202eevil & \"quoted\""


def test_pages_escape_user_text_and_need_no_login(client: Client) -> None:
    gov, _ = create_account(handle="transport_gov", display_name="<b>Ministry</b>")
    troll, _ = create_account(handle="troll", display_name="<script>x</script>")
    post = create_post(account=gov, text="Closure tonight").obj
    create_post(account=troll, text=HOSTILE, in_reply_to=post.pk)
    pages = [
        "/exnet/",
        "/exnet/@troll/",
        f"/exnet/@transport_gov/posts/{post.pk}/",
    ]
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        html = response.content.decode()
        assert "<script>" not in html and "<img src=x" not in html, path
        assert "&lt;script&gt;" in html, path
    page = client.get(f"/exnet/@transport_gov/posts/{post.pk}/").content.decode()
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "&lt;b&gt;Ministry&lt;/b&gt;" in page


def test_viewing_a_post_counts_an_impression_and_missing_pages_are_404(client: Client) -> None:
    gov, _ = create_account(handle="transport_gov")
    post = create_post(account=gov, text="hello").obj
    client.get(f"/exnet/@transport_gov/posts/{post.pk}/")
    client.get(f"/exnet/@transport_gov/posts/{post.pk}/")
    assert NetPost.objects.get(pk=post.pk).impressions == 2
    assert client.get(f"/exnet/@someone_else/posts/{post.pk}/").status_code == 404
    assert client.get("/exnet/@nobody/").status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/exnet/@nul%00/",
        "/exnet/@%ED%A0%80/",
        "/exnet/@a%0A/",
        "/exnet/@transport_gov/posts/99999999999999999999999/",
        "/exnet/@nul%00/posts/1/",
    ],
)
def test_a_path_naming_nothing_possible_is_404(client: Client, path: str) -> None:
    create_account(handle="transport_gov")
    assert client.get(path).status_code == 404
