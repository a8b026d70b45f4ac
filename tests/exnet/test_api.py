"""The exercise network's JSON API: auth, posts, idempotency, messages, metrics, limits."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from django.test import Client
from django.test.client import encode_multipart

from civicdesk.exnet.models import NetAccount, NetEvent, NetFollow, NetMedia, NetPost
from civicdesk.exnet.services import create_account, hash_token

pytestmark = pytest.mark.django_db


def call(
    client: Client, method: str, path: str, token: str = "", body: Any = None, **headers: str
) -> Any:
    extra = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    extra |= {f"HTTP_{k.upper()}": v for k, v in headers.items()}
    kwargs: dict[str, Any] = {}
    if body is not None:
        kwargs = {
            "data": json.dumps(body) if not isinstance(body, str) else body,
            "content_type": "application/json",
        }
    return getattr(client, method.lower())(f"/exnet/api{path}", **kwargs, **extra)


def test_token_is_stored_hashed_and_required(client: Client) -> None:
    account, token = create_account(handle="transport_gov", display_name="Transport")
    assert account.token_hash == hash_token(token) and token not in account.token_hash
    for bad in ("", "nope"):
        response = call(client, "GET", "/me", bad)
        assert response.status_code == 401
        assert response.json()["error"] == "unauthorized"
    response = client.get("/exnet/api/me", HTTP_AUTHORIZATION=f"Basic {token}")
    assert response.status_code == 401
    me = call(client, "GET", "/me", token).json()
    assert me["handle"] == "transport_gov" and me["id"] == str(account.pk)
    assert me["followers"] == 0


def test_create_get_list_delete_post(client: Client) -> None:
    _, token = create_account(handle="transport_gov")
    response = call(client, "POST", "/posts", token, {"text": "Route 9 is open again."})
    assert response.status_code == 201
    post = response.json()
    assert post["text"] == "Route 9 is open again."
    assert post["url"] == f"http://testserver/exnet/@transport_gov/posts/{post['id']}/"
    assert call(client, "GET", f"/posts/{post['id']}", token).json()["id"] == post["id"]
    listed = call(client, "GET", "/posts", token).json()["posts"]
    assert [p["id"] for p in listed] == [post["id"]]
    assert call(client, "DELETE", f"/posts/{post['id']}", token).status_code == 204
    assert call(client, "DELETE", f"/posts/{post['id']}", token).status_code == 204
    assert call(client, "GET", f"/posts/{post['id']}", token).status_code == 404


def test_only_own_posts_can_be_deleted(client: Client) -> None:
    _, gov = create_account(handle="transport_gov")
    _, other = create_account(handle="someone")
    post = call(client, "POST", "/posts", gov, {"text": "hello"}).json()
    response = call(client, "DELETE", f"/posts/{post['id']}", other)
    assert response.status_code == 403
    assert NetPost.objects.get(pk=post["id"]).deleted_at is None


def test_repeated_idempotency_key_returns_the_original_post(client: Client) -> None:
    _, token = create_account(handle="transport_gov")
    first = call(client, "POST", "/posts", token, {"text": "one"}, Idempotency_Key="k-1")
    again = call(client, "POST", "/posts", token, {"text": "one"}, Idempotency_Key="k-1")
    assert first.status_code == 201 and again.status_code == 200
    assert first.json()["id"] == again.json()["id"]
    assert NetPost.objects.count() == 1
    found = call(client, "GET", "/posts?client_ref=k-1", token).json()["posts"]
    assert [p["id"] for p in found] == [first.json()["id"]]
    assert call(client, "GET", "/posts?idempotency_key=k-1", token).json()["posts"]
    assert call(client, "GET", "/posts?client_ref=other", token).json() == {"posts": []}
    # Keys are per account: another account may use the same one.
    _, other = create_account(handle="someone")
    assert (
        call(client, "POST", "/posts", other, {"text": "x"}, Idempotency_Key="k-1").status_code
        == 201
    )


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ("not json", "not valid JSON"),
        ([1, 2], "JSON object"),
        ({"text": 5}, "must be a string"),
        ({"text": ""}, "needs text or media"),
        ({"text": "x" * 501}, "longer than 500"),
        ({"text": "x" * 5001}, "longer than 5000"),
        ({"text": "hi", "in_reply_to": "abc"}, "post id"),
        ({"text": "hi", "in_reply_to": 999999}, "no such post"),
        ({"text": "hi", "media": "x"}, "media must be a list"),
        ({"text": "hi", "media": [{"content_type": "image/png", "data_base64": "%%"}]}, "base64"),
    ],
)
def test_bad_input_is_a_clear_400(client: Client, body: Any, fragment: str) -> None:
    _, token = create_account(handle="transport_gov")
    response = call(client, "POST", "/posts", token, body)
    assert response.status_code == 400, response.content
    assert fragment in response.json()["detail"]


def test_links_count_as_23_characters(client: Client) -> None:
    _, token = create_account(handle="transport_gov")
    text = "x" * 470 + " https://example.org/" + "a" * 200
    assert call(client, "POST", "/posts", token, {"text": text}).status_code == 201


def test_media_as_base64_and_multipart(client: Client) -> None:
    _, token = create_account(handle="transport_gov")
    png = b"\x89PNG\r\n\x1a\n" + b"0" * 100
    body = {
        "text": "Map",
        "media": [
            {
                "content_type": "image/png",
                "data_base64": base64.b64encode(png).decode(),
                "alt_text": "Map of the detour",
            }
        ],
    }
    post = call(client, "POST", "/posts", token, body).json()
    assert post["media"] == [
        {
            "content_type": "image/png",
            "size": 108,
            "alt_text": "Map of the detour",
            "captions": False,
        }
    ]
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("a.jpg", b"\xff\xd8" + b"1" * 50, content_type="image/jpeg")
    response = client.post(
        "/exnet/api/posts",
        data=encode_multipart("BoUnDaRy", {"text": "Photo", "alt_text": "Bridge", "media": upload}),
        content_type="multipart/form-data; boundary=BoUnDaRy",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 201, response.content
    assert response.json()["media"][0]["alt_text"] == "Bridge"
    assert NetMedia.objects.count() == 2
    bad = {"text": "x", "media": [{"content_type": "text/html", "data_base64": "PGI+"}]}
    assert call(client, "POST", "/posts", token, bad).status_code == 415


def test_oversized_body_is_refused(client: Client) -> None:
    _, token = create_account(handle="transport_gov")
    response = call(client, "POST", "/posts", token, {"text": "x", "pad": "y" * (2 * 1024 * 1024)})
    assert response.status_code == 413


def test_dms_likes_reposts_follows_and_metrics(client: Client) -> None:
    gov, gov_token = create_account(handle="transport_gov")
    fan, fan_token = create_account(handle="fan")
    post = call(client, "POST", "/posts", gov_token, {"text": "Ferry schedule"}).json()
    assert call(client, "POST", f"/posts/{post['id']}/like", fan_token).status_code == 201
    assert call(client, "POST", f"/posts/{post['id']}/like", fan_token).status_code == 200
    assert call(client, "POST", f"/posts/{post['id']}/repost", fan_token).status_code == 201
    assert (
        call(
            client, "POST", "/posts", fan_token, {"text": "Thanks!", "in_reply_to": post["id"]}
        ).status_code
        == 201
    )
    assert call(client, "POST", "/accounts/transport_gov/follow", fan_token).status_code == 201
    call(client, "GET", f"/posts/{post['id']}", fan_token)  # a view by someone else
    metrics = call(client, "GET", f"/posts/{post['id']}/metrics", gov_token).json()
    assert metrics == {
        "id": post["id"],
        "impressions": 1,
        "likes": 1,
        "reposts": 1,
        "replies": 1,
        "engagements": 3,
    }
    account = call(client, "GET", "/me/metrics", gov_token).json()
    assert account == {
        "followers": 1,
        "following": 0,
        "posts": 1,
        "impressions": 1,
        "engagements": 3,
    }
    dm = call(
        client,
        "POST",
        "/dms",
        fan_token,
        {"to": "@transport_gov", "text": "Help?"},
        Idempotency_Key="dm-1",
    )
    assert dm.status_code == 201
    assert dm.json()["conversation"] == f"dm:{min(gov.pk, fan.pk)}:{max(gov.pk, fan.pk)}"
    again = call(
        client,
        "POST",
        "/dms",
        fan_token,
        {"to": "transport_gov", "text": "Help?"},
        Idempotency_Key="dm-1",
    )
    assert again.status_code == 200 and again.json()["id"] == dm.json()["id"]
    assert NetEvent.objects.filter(recipient=gov, kind="direct").count() == 1
    assert call(client, "POST", "/dms", fan_token, {"to": "nobody", "text": "x"}).status_code == 404
    assert NetFollow.objects.filter(follower=fan, followee=gov).exists()


def test_unknown_method_and_fault_header_errors(client: Client) -> None:
    _, token = create_account(handle="transport_gov")
    assert call(client, "PUT", "/posts", token).status_code == 405
    response = call(client, "GET", "/me", token, X_Exnet_Fault="explode")
    assert response.status_code == 400 and "unknown fault kind" in response.json()["detail"]


def test_request_faults_can_be_switched_off(client: Client, settings: Any) -> None:
    settings.EXNET_ALLOW_REQUEST_FAULTS = False
    _, token = create_account(handle="transport_gov")
    assert call(client, "GET", "/me", token, X_Exnet_Fault="server_error").status_code == 200


def test_accounts_are_unique_case_insensitively() -> None:
    create_account(handle="Transport_Gov")
    from civicdesk.exnet.services import NetError

    with pytest.raises(NetError):
        create_account(handle="transport_gov")
    with pytest.raises(NetError):
        create_account(handle="bad handle!")
    assert NetAccount.objects.count() == 1
