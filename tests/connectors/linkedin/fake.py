"""A fake LinkedIn Community Management API and OAuth server, built from LinkedIn's docs.

LinkedIn publishes no machine-readable contract, so the fake enforces what its
documentation says: every /rest call carries ``LinkedIn-Version: YYYYMM``,
``X-Restli-Protocol-Version: 2.0.0`` and a bearer token; URNs in paths and queries are
percent-encoded; a post's commentary is valid "little text" (reserved characters
escaped); a created post answers 201 with no body and its URN in ``x-restli-id``; images
are initialized, then uploaded, then referenced. Anything else is recorded in
``violations`` (every test's teardown requires it empty). Faults can be queued per route;
a held answer is kept back until the test (or its teardown) releases ``holds``.
"""

from __future__ import annotations

import json
import re
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote

from werkzeug import Request, Response

from civicdesk.rules.counting import LINKEDIN_RESERVED
from tests.connectors.holds import Holds

ORG = "urn:li:organization:2414183"
OTHER_ORG = "urn:li:organization:1000"


@dataclass
class Fault:
    status: int = 0
    body: Any = None
    hold: bool = False  # done on the platform, but the answer waits for a release
    malformed: bool = False
    drop_id: bool = False  # a 201 without x-restli-id
    headers: dict[str, str] = field(default_factory=dict)


def little_text_problems(text: str) -> list[str]:
    problems, i = [], 0
    while i < len(text):
        if text[i] == "\\":
            if i + 1 >= len(text) or text[i + 1] not in LINKEDIN_RESERVED:
                problems.append(f"a lone backslash at {i}")
            i += 2
            continue
        if text[i] in LINKEDIN_RESERVED:
            problems.append(f"unescaped {text[i]!r} at {i}")
        i += 1
    return problems


def unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


@dataclass
class LinkedInFake:
    url: str = ""
    posts: list[dict[str, Any]] = field(default_factory=list)  # newest first
    images: dict[str, bytes | None] = field(default_factory=dict)
    comments: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    statistics: dict[str, dict[str, Any]] = field(default_factory=dict)
    organization_statistics: dict[str, Any] = field(default_factory=dict)
    followers: int = 0
    faults: dict[str, list[Fault]] = field(default_factory=lambda: defaultdict(list))
    violations: list[str] = field(default_factory=list)
    calls: list[tuple[str, str]] = field(default_factory=list)
    refresh_tokens: bool = False
    codes: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)
    holds: Holds = field(default_factory=Holds)
    clock: int = 1_763_600_000_000

    def fail(self, route: str, fault: Fault, times: int = 1) -> None:
        self.faults[route].extend([fault] * times)

    def tick(self) -> int:
        self.clock += 1000
        return self.clock

    def add_post(self, text: str, *, author: str = ORG) -> str:
        with self.lock:
            return self._store_post(
                {
                    "author": author,
                    "commentary": text,
                    "visibility": "PUBLIC",
                    "lifecycleState": "PUBLISHED",
                }
            )

    def add_comment(
        self,
        post: str,
        text: str,
        *,
        actor: str = "urn:li:person:abc",
        parent: str = "",
        when: int | None = None,
    ) -> str:
        with self.lock:
            return self._store_comment(
                post, {"actor": actor, "object": post, "message": {"text": text}}, parent, when
            )

    # Serving

    ROUTES = [
        ("POST", r"/rest/posts", "create_post"),
        ("GET", r"/rest/posts", "find_posts"),
        ("DELETE", r"/rest/posts/(?P<urn>[^/]+)", "delete_post"),
        ("POST", r"/rest/images", "init_image"),
        ("PUT", r"/upload/(?P<n>\d+)", "upload"),
        ("GET", r"/rest/socialActions/(?P<urn>[^/]+)/comments", "list_comments"),
        ("POST", r"/rest/socialActions/(?P<urn>[^/]+)/comments", "create_comment"),
        ("GET", r"/rest/organizationalEntityShareStatistics", "statistics"),
        ("GET", r"/rest/networkSizes/(?P<urn>[^/]+)", "network_size"),
        ("GET", r"/rest/organizationAcls", "acls"),
        ("GET", r"/rest/organizations/(?P<id>\d+)", "organization"),
        ("POST", r"/oauth/v2/accessToken", "token"),
        ("POST", r"/oauth/v2/revoke", "revoke"),
    ]

    def handle(self, request: Request) -> Response:
        raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI") or ""
        raw_path, _, raw_query = raw.partition("?")
        routed = [
            (name, match)
            for verb, pattern, name in self.ROUTES
            if verb == request.method and (match := re.fullmatch(pattern, raw_path))
        ]
        if not routed:
            self.violations.append(f"no such endpoint: {request.method} {raw_path}")
            return _json({"status": 404, "message": "Not Found"}, 404)
        name, match = routed[0]
        problems = self._check_headers(request, raw_path)
        args = {k: unquote(v) for k, v in match.groupdict().items()}
        with self.lock:
            self.calls.append((name, raw))
            if problems:
                self.violations.extend(f"{name}: {p}" for p in problems)
                return _json({"status": 400, "message": "; ".join(problems)}, 400)
            fault = self.faults[name].pop(0) if self.faults[name] else None
        if request.headers.get("Authorization") == "Bearer expired":
            return _json(
                {
                    "status": 401,
                    "serviceErrorCode": 65601,
                    "code": "REVOKED_ACCESS_TOKEN",
                    "message": "The token used in the request has been revoked",
                },
                401,
            )
        if fault and fault.status:
            return _json(
                fault.body or {"status": fault.status, "message": "fault"},
                fault.status,
                fault.headers,
            )
        if fault and fault.malformed:
            return Response('{"elements": [', status=200, content_type="application/json")
        if fault and fault.body is not None:
            return _json(fault.body, 200)
        with self.lock:
            response = getattr(self, "_" + name)(request, raw_query, **args)
        if fault and fault.hold:
            self.holds.hold()  # done on the platform; only the answer is late
        if fault and fault.drop_id:
            response.headers.pop("x-restli-id", None)
        return response

    def _check_headers(self, request: Request, raw_path: str) -> list[str]:
        problems = []
        if raw_path.startswith("/oauth/"):
            return problems
        if not request.headers.get("Authorization", "").startswith("Bearer "):
            problems.append("no bearer token")
        if raw_path.startswith("/rest/"):
            if not re.fullmatch(r"20\d{4}", request.headers.get("LinkedIn-Version", "")):
                problems.append("LinkedIn-Version header missing or not YYYYMM")
            if request.headers.get("X-Restli-Protocol-Version") != "2.0.0":
                problems.append("X-Restli-Protocol-Version is not 2.0.0")
        if ":" in raw_path:
            problems.append(f"an unencoded URN in the path {raw_path}")
        return problems

    def _body(self, request: Request) -> dict[str, Any]:
        try:
            body = json.loads(request.get_data() or b"null")
        except ValueError:
            body = None
        if not isinstance(body, dict):
            self.violations.append("the body is not a JSON object")
            return {}
        return body

    def _create_post(self, request: Request, raw_query: str) -> Response:
        body = self._body(request)
        problems = []
        for key in ("author", "commentary", "visibility", "distribution", "lifecycleState"):
            if key not in body:
                problems.append(f"{key} is required")
        if body.get("author") != ORG:
            problems.append("author is not the organization")
        if body.get("visibility") not in ("PUBLIC", "CONNECTIONS", "LOGGED_IN"):
            problems.append("visibility is not valid")
        if body.get("lifecycleState") != "PUBLISHED":
            problems.append("lifecycleState is not PUBLISHED")
        if (body.get("distribution") or {}).get("feedDistribution") not in ("MAIN_FEED", "NONE"):
            problems.append("distribution.feedDistribution is not valid")
        problems += little_text_problems(str(body.get("commentary", "")))
        content = body.get("content") or {}
        media = (
            [content["media"]]
            if "media" in content
            else (content.get("multiImage") or {}).get("images", [])
        )
        for item in media:
            if self.images.get(item.get("id")) is None:
                problems.append(f"image {item.get('id')} was not uploaded")
        if problems:
            self.violations.extend(f"create_post: {p}" for p in problems)
            return _json({"status": 422, "message": "; ".join(problems)}, 422)
        for post in self.posts:
            if post["commentary"] == body["commentary"] and post["author"] == ORG:
                return _json(
                    {
                        "status": 422,
                        "code": "DUPLICATE_POST",
                        "message": f"Content is a duplicate of {post['id']}",
                    },
                    422,
                )
        urn = self._store_post(body)
        return Response(status=201, headers={"x-restli-id": urn})

    def _store_post(self, body: dict[str, Any]) -> str:
        urn = f"urn:li:share:{7000000000000000000 + len(self.posts) + 1}"
        when = self.tick()
        self.posts.insert(
            0, body | {"id": urn, "createdAt": when, "publishedAt": when, "lastModifiedAt": when}
        )
        return urn

    def _find_posts(self, request: Request, raw_query: str) -> Response:
        query = parse_qs(raw_query)
        if query.get("q") != ["author"] or "urn%3Ali%3Aorganization%3A" not in raw_query:
            self.violations.append(f"find_posts: bad query {raw_query}")
        author = query.get("author", [""])[0]
        count = int(query.get("count", ["10"])[0])
        if count > 100:
            self.violations.append("find_posts: count above 100")
        found = [p for p in self.posts if p["author"] == author][:count]
        return _json({"elements": found, "paging": {"start": 0, "count": count, "links": []}}, 200)

    def _delete_post(self, request: Request, raw_query: str, urn: str) -> Response:
        before = len(self.posts)
        self.posts = [p for p in self.posts if p["id"] != urn]
        if len(self.posts) == before:
            return _json({"status": 404, "message": "Not Found"}, 404)
        return Response(status=204)

    def _init_image(self, request: Request, raw_query: str) -> Response:
        if parse_qs(raw_query).get("action") != ["initializeUpload"]:
            self.violations.append("init_image: action is not initializeUpload")
        owner = (self._body(request).get("initializeUploadRequest") or {}).get("owner")
        if owner != ORG:
            self.violations.append("init_image: owner is not the organization")
        n = len(self.images) + 1
        image = f"urn:li:image:C4D10AQimg{n}"
        self.images[image] = None
        return _json(
            {
                "value": {
                    "uploadUrlExpiresAt": self.clock + 3_600_000,
                    "uploadUrl": f"{self.url}/upload/{n}",
                    "image": image,
                }
            },
            200,
        )

    def _upload(self, request: Request, raw_query: str, n: str) -> Response:
        image = f"urn:li:image:C4D10AQimg{n}"
        if image not in self.images:
            return _json({"status": 404, "message": "no such upload"}, 404)
        self.images[image] = request.get_data()
        return Response(status=201)

    def _list_comments(self, request: Request, raw_query: str, urn: str) -> Response:
        query = parse_qs(raw_query)
        start, count = int(query.get("start", ["0"])[0]), int(query.get("count", ["10"])[0])
        items = self.comments.get(urn, [])
        return _json(
            {
                "elements": items[start : start + count],
                "paging": {"start": start, "count": count, "total": len(items), "links": []},
            },
            200,
        )

    def _create_comment(self, request: Request, raw_query: str, urn: str) -> Response:
        body = self._body(request)
        if body.get("actor") != ORG:
            self.violations.append("create_comment: actor is not the organization")
        if not (body.get("message") or {}).get("text"):
            self.violations.append("create_comment: message.text is required")
        parent = body.get("parentComment", "")
        if parent and parent != urn:
            self.violations.append("create_comment: parentComment differs from the path")
        post = body.get("object", "")
        if not any(p["id"] == post for p in self.posts):
            return _json({"status": 404, "message": "no such post"}, 404)
        comment_urn = self._store_comment(post, body, parent, None)
        stored = next(c for c in self.comments[urn] if c["commentUrn"] == comment_urn)
        return _json(stored, 201, {"x-restli-id": stored["id"]})

    def _store_comment(self, post: str, body: dict[str, Any], parent: str, when: int | None) -> str:
        number = sum(len(v) for v in self.comments.values()) + 1
        comment_id = str(6000000000000000000 + number)
        urn = f"urn:li:comment:({post},{comment_id})"
        created = {"actor": body["actor"], "time": when or self.tick()}
        comment = {
            "actor": body["actor"],
            "object": post,
            "id": comment_id,
            "commentUrn": urn,
            "$URN": urn,
            "message": body["message"],
            "created": created,
            "lastModified": created,
            "commentsSummary": {"totalFirstLevelComments": 0, "aggregatedTotalComments": 0},
        }
        if parent:
            comment["parentComment"] = parent
            self.comments[parent].append(comment)
            for top in self.comments[post]:
                if top["commentUrn"] == parent:
                    top["commentsSummary"]["totalFirstLevelComments"] += 1
        else:
            self.comments[post].append(comment)
        return urn

    def _statistics(self, request: Request, raw_query: str) -> Response:
        query = parse_qs(raw_query)
        if query.get("q") != ["organizationalEntity"] or query.get("organizationalEntity") != [ORG]:
            self.violations.append(f"statistics: bad query {raw_query}")
        lists = re.findall(r"(?:^|&)(shares|ugcPosts)=List\(([^)]*)\)", raw_query)
        if not lists:
            return _json(
                {
                    "elements": [
                        {
                            "organizationalEntity": ORG,
                            "totalShareStatistics": self.organization_statistics,
                        }
                    ]
                },
                200,
            )
        elements = []
        for key, inner in lists:
            for encoded in inner.split(","):
                if ":" in encoded:
                    self.violations.append("statistics: unencoded URN in List()")
                urn = unquote(encoded)
                if urn in self.statistics:
                    elements.append(
                        {
                            "organizationalEntity": ORG,
                            key[:-1]: urn,
                            "totalShareStatistics": self.statistics[urn],
                        }
                    )
        return _json({"elements": elements, "paging": {"start": 0, "count": 10, "links": []}}, 200)

    def _network_size(self, request: Request, raw_query: str, urn: str) -> Response:
        if parse_qs(raw_query).get("edgeType") != ["COMPANY_FOLLOWED_BY_MEMBER"]:
            self.violations.append("network_size: edgeType is not COMPANY_FOLLOWED_BY_MEMBER")
        return _json({"firstDegreeSize": self.followers}, 200)

    def _acls(self, request: Request, raw_query: str) -> Response:
        if parse_qs(raw_query).get("q") != ["roleAssignee"]:
            self.violations.append("acls: q is not roleAssignee")
        return _json(
            {
                "elements": [
                    {
                        "roleAssignee": "urn:li:person:admin1",
                        "state": "APPROVED",
                        "role": "ADMINISTRATOR",
                        "organization": ORG,
                    },
                    {
                        "roleAssignee": "urn:li:person:admin1",
                        "state": "APPROVED",
                        "role": "ADMINISTRATOR",
                        "organization": OTHER_ORG,
                    },
                ],
                "paging": {"start": 0, "count": 2, "total": 2},
            },
            200,
        )

    def _organization(self, request: Request, raw_query: str, id: str) -> Response:
        names = {
            "2414183": ("Ministry of Roads", "ministry-of-roads"),
            "1000": ("Road Safety Agency", "road-safety"),
        }
        if id not in names:
            return _json({"status": 404, "message": "Not Found"}, 404)
        name, vanity = names[id]
        return _json({"id": int(id), "localizedName": name, "vanityName": vanity}, 200)

    def _token(self, request: Request, raw_query: str) -> Response:
        form = parse_qs(request.get_data(as_text=True))
        if form.get("client_id") != ["li-app"] or form.get("client_secret") != ["li-secret"]:
            return _json({"error": "invalid_client"}, 401)
        grant = form.get("grant_type", [""])[0]
        if grant == "authorization_code":
            if form.get("code", [""])[0] not in self.codes:
                return _json(
                    {
                        "error": "invalid_request",
                        "error_description": "Unable to retrieve access token: "
                        "authorization code not found",
                    },
                    400,
                )
            self.codes.discard(form["code"][0])
        elif grant == "refresh_token":
            if form.get("refresh_token") != ["li-rt"]:
                return _json(
                    {
                        "error": "invalid_request",
                        "error_description": "The provided refresh token is invalid",
                    },
                    400,
                )
        else:
            return _json({"error": "unsupported_grant_type"}, 400)
        token: dict[str, Any] = {
            "access_token": "li-at",
            "expires_in": 5_184_000,
            "scope": "r_organization_social,rw_organization_admin,w_organization_social",
        }
        # LinkedIn answers a refresh without a new refresh token in this fake, so the
        # stored one must survive.
        if self.refresh_tokens and grant == "authorization_code":
            token |= {"refresh_token": "li-rt", "refresh_token_expires_in": 31_536_000}
        return _json(token, 200)

    def _revoke(self, request: Request, raw_query: str) -> Response:
        return Response(status=200)


def _json(payload: Any, status: int, headers: dict[str, str] | None = None) -> Response:
    return Response(
        json.dumps(payload), status=status, headers=headers or {}, content_type="application/json"
    )
