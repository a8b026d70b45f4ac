"""Whatever a client sends the exercise network's API, the answer is never a 5xx.

Property-based: hypothesis throws random JSON (huge and out-of-range numbers, NaN, lists
where objects belong), random Unicode (lone surrogates, NUL, huge strings), invalid UTF-8,
deep nesting and random multipart at every route, in paths, query strings, headers and
bodies. The examples are derived from the test's name (derandomize), so a run is
repeatable; widen the search locally with a larger FUZZ_EXAMPLES.

A few named cases (the defects that started this) are also sent over real HTTP.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from civicdesk.exnet.keys import signup_key
from civicdesk.exnet.models import NetAccount, NetPost
from civicdesk.exnet.services import create_account, create_post

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "50"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    # One set of accounts serves every example of a test; each example only adds rows.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# (method, path with {id} / {handle} placeholders, what the body is)
ROUTES = [
    ("POST", "/accounts", "json"),
    ("GET", "/me", ""),
    ("GET", "/me/metrics", ""),
    ("GET", "/posts", ""),
    ("POST", "/posts", "json"),
    ("POST", "/posts", "multipart"),
    ("GET", "/posts/{id}", ""),
    ("DELETE", "/posts/{id}", ""),
    ("GET", "/posts/{id}/metrics", ""),
    ("POST", "/posts/{id}/like", "json"),
    ("POST", "/posts/{id}/repost", "json"),
    ("POST", "/accounts/{handle}/follow", "json"),
    ("POST", "/dms", "json"),
    ("GET", "/inbox", ""),
]

NASTY = [
    "\x00",
    "\ud800",
    "\udfff",
    "a\ud83d",
    "nul\x00inside",
    "\u2028",
    "\ufeff",
    "💥",
    "@city_hall",
    "marie_t",
    "https://example.test/x",
    "",
    " ",
    "²",
    "١٢",
]
alphabet = st.characters() | st.characters(categories=["Cs"]) | st.just("\x00")
small_text = st.text(alphabet, max_size=30) | st.sampled_from(NASTY)
huge_text = st.builds(
    lambda piece, times: piece * times,
    st.sampled_from(["a", "\x00", "\ud800", "é", "https://x.test "]),
    st.sampled_from([600, 5_001, 300_000, 700_000]),
)
text = small_text | huge_text
numbers = (
    st.integers()
    | st.sampled_from([0, -1, 1, 2**31, 2**63 - 1, 2**63, 2**64, 10**30, -(2**63) - 1])
    | st.floats(allow_nan=False, allow_infinity=False)
)
scalars = st.none() | st.booleans() | numbers | small_text
FIELDS = ["text", "in_reply_to", "media", "to", "to_id", "handle", "display_name"]
json_values = st.recursive(
    scalars,
    lambda kids: (
        st.lists(kids, max_size=4)
        | st.dictionaries(st.sampled_from(FIELDS) | small_text, kids, max_size=4)
    ),
    max_leaves=12,
)
media_items = st.lists(
    st.fixed_dictionaries(
        {},
        optional={
            "content_type": st.sampled_from(["image/png", "video/mp4", "text/html"]) | text,
            "data_base64": st.sampled_from(["iVBORw0KGgo=", "", "!!", "AAAA" * 10]) | text,
            "alt_text": text,
        },
    )
    | json_values,
    max_size=6,
)
ids = st.sampled_from(["1", "2", "3", "0", "-1", "9" * 19, "9" * 40, "²", " 1"]) | numbers
shaped = st.fixed_dictionaries(
    {},
    optional={
        "text": text | json_values,
        "in_reply_to": ids | json_values,
        "media": media_items | json_values,
        "to": text | json_values,
        "to_id": ids | json_values,
        "handle": text | json_values,
        "display_name": text | json_values,
    },
)


def _json(value: Any) -> bytes:
    return json.dumps(value).encode()  # lone surrogates travel as \ud800 escapes


def _raw_utf8(value: Any) -> bytes:
    # The same text sent unescaped: a lone surrogate becomes invalid UTF-8 on the wire.
    return json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass")


json_bodies = st.one_of(
    st.builds(_json, shaped),
    st.builds(_json, json_values),
    st.builds(_raw_utf8, shaped),
    st.builds(
        lambda opener, depth, close: opener * depth + (close * depth if close else b""),
        st.sampled_from([b"[", b'{"a":', b'{"text":[']),
        st.sampled_from([19, 21, 50, 1_000, 100_000]),
        st.sampled_from([b"", b"]"]),
    ),
    st.sampled_from(
        [
            b"",
            b"null",
            b'{"text": NaN}',
            b'{"in_reply_to": Infinity}',
            b'{"in_reply_to": ' + b"9" * 5000 + b"}",
            b'{"text": "\\ud800"}',
            b'{"text": "a\\u0000b"}',
            b'{"\\u0000": 1}',
            b"\xff\xfe\x00",
        ]
    ),
    st.binary(max_size=200),
)


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    content_type: str = "application/json"


def _quoted(value: str) -> str:
    return quote(value.encode("utf-8", "surrogatepass"), safe="")


def _multipart(fields: list[tuple[str, str]], files: list[tuple[str, bytes]]) -> bytes:
    boundary = b"fuzzboundary"
    parts = []
    for name, value in fields:
        parts.append(
            b"--"
            + boundary
            + b'\r\nContent-Disposition: form-data; name="'
            + name.encode()
            + b'"\r\n\r\n'
            + value.encode("utf-8", "surrogatepass")
            + b"\r\n"
        )
    for content_type, data in files:
        parts.append(
            b"--" + boundary + b'\r\nContent-Disposition: form-data; name="media"; '
            b'filename="m.bin"\r\nContent-Type: '
            + content_type.encode("utf-8", "surrogatepass")
            + b"\r\n\r\n"
            + data
            + b"\r\n"
        )
    return b"".join(parts) + b"--" + boundary + b"--\r\n"


multipart_bodies = st.builds(
    _multipart,
    st.lists(st.tuples(st.sampled_from(["text", "in_reply_to", "alt_text"]), text), max_size=6),
    st.lists(
        st.tuples(
            st.sampled_from(["image/png", "application/x-evil", "\x00"]), st.binary(max_size=50)
        ),
        max_size=6,
    ),
) | st.binary(max_size=300)


@st.composite
def requests(draw: st.DrawFn, route: tuple[str, str, str], token: str) -> Request:
    method, template, body_kind = route
    post_id = draw(st.sampled_from(["{post}", "{other_post}", "999999", "0", "9" * 19, "9" * 30]))
    handle = draw(st.sampled_from(["marie_t", "transport_gov", "nobody"]) | small_text)
    path = template.replace("{id}", post_id).replace("{handle}", _quoted(handle))
    # Mostly a valid token, so the request reaches the route's own checks.
    if template == "/accounts":
        auth = draw(st.sampled_from([signup_key(), signup_key(), token, ""]) | small_text)
    else:
        auth = draw(st.sampled_from([token, token, token, ""]) | small_text)
    request = Request(
        method=draw(st.sampled_from([method, method, method, "PUT", "PATCH"])),
        path=path,
        headers={"HTTP_AUTHORIZATION": f"Bearer {auth}"},
    )
    if draw(st.booleans()):
        request.headers["HTTP_IDEMPOTENCY_KEY"] = draw(text)
    names = ["client_ref", "idempotency_key", "after", "limit"]
    request.query = draw(st.dictionaries(st.sampled_from(names), text | ids.map(str), max_size=3))
    if body_kind == "json":
        request.body = draw(json_bodies)
        request.content_type = draw(
            st.sampled_from(["application/json", "application/json", "text/plain"])
        )
    elif body_kind == "multipart":
        request.body = draw(multipart_bodies)
        request.content_type = "multipart/form-data; boundary=fuzzboundary"
    return request


@dataclass
class Network:
    token: str
    post: int
    other_post: int


@pytest.fixture
def network() -> Network:
    ministry, token = create_account(handle="transport_gov", display_name="Transport")
    citizen, _ = create_account(handle="marie_t", display_name="Marie")
    own = create_post(account=ministry, text="Route 9 is open again.").obj
    other = create_post(account=citizen, text="Thanks @transport_gov").obj
    return Network(token=token, post=own.pk, other_post=other.pk)


def send(client: Client, network: Network, request: Request) -> Any:
    path = request.path.replace("{post}", str(network.post))
    path = path.replace("{other_post}", str(network.other_post))
    query = "&".join(f"{_quoted(k)}={_quoted(v)}" for k, v in request.query.items())
    url = f"/exnet/api{path}" + (f"?{query}" if query else "")
    extra: dict[str, Any] = dict(request.headers)
    if request.body is not None:
        extra |= {"data": request.body, "content_type": request.content_type}
    return client.generic(request.method, url, **extra)


def assert_not_server_error(response: Any, request: Request) -> None:
    shown = (request.method, request.path, (request.body or b"")[:200])
    assert response.status_code < 500, shown
    if response.status_code >= 400 and response["Content-Type"] == "application/json":
        assert isinstance(response.json().get("detail"), str), shown


@pytest.mark.parametrize("route", ROUTES, ids=[f"{m} {p} {k}" for m, p, k in ROUTES])
def test_no_request_is_a_server_error(
    client: Client, network: Network, route: tuple[str, str, str]
) -> None:
    # The token is known only once the fixture ran, so the strategy is built here.
    @FUZZ
    @given(request=requests(route, network.token))
    def check(request: Request) -> None:
        assert_not_server_error(send(client, network, request), request)

    check()
    # The network still answers its holder: the fuzzing broke nothing for good.
    me = client.get("/exnet/api/me", HTTP_AUTHORIZATION=f"Bearer {network.token}")
    assert me.status_code == 200


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"[" * 100_000, "too_deep"),
        (b'{"text": ' + b"[" * 100 + b"]" * 100 + b"}", "too_deep"),
        (b'{"text": "\\ud800"}', "bad_unicode"),
        (b'{"text": "Route 9\\u0000"}', "bad_text"),
        (b'{"text": "ok", "alt": {"\\udfff": 1}}', "bad_unicode"),
        (b'{"text": "x\xed\xa0\x80"}', "bad_unicode"),
        (b'{"text": NaN}', "bad_json"),
        (b'{"text": "ok", "in_reply_to": 99999999999999999999}', "invalid"),
        (b'{"text": 7}', "invalid"),
        (b"[]", "bad_json"),
    ],
)
def test_the_reported_bodies_get_a_reason_over_http(
    live_server: Any, transactional_db: Any, body: bytes, code: str
) -> None:
    _, token = create_account(handle="transport_gov")
    response = httpx.post(
        f"{live_server.url}/exnet/api/posts",
        content=body,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    assert response.status_code == 400, response.text
    assert response.json()["error"] == code
    assert not NetPost.objects.exists()


def test_a_dm_without_text_or_recipient_says_what_is_missing(
    client: Client, network: Network
) -> None:
    auth = {"HTTP_AUTHORIZATION": f"Bearer {network.token}"}
    missing = client.post("/exnet/api/dms", {}, content_type="application/json", **auth)
    assert missing.status_code == 400 and missing.json()["error"] == "missing"
    no_text = client.post(
        "/exnet/api/dms", {"to": "marie_t"}, content_type="application/json", **auth
    )
    assert no_text.status_code == 400 and no_text.json()["error"] == "missing"
    weird = client.post(
        "/exnet/api/dms",
        {"to": "marie\x00", "text": "hi"},
        content_type="application/json",
        **auth,
    )
    assert weird.status_code == 400 and weird.json()["error"] == "bad_text"
    assert NetAccount.objects.count() == 2
