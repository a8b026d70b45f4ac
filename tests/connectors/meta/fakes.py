"""Fake Graph API servers for Facebook Pages, Instagram and Threads, over real HTTP.

No machine-readable contract of these APIs exists, so each fake follows the documented
endpoints and answers with the recorded responses kept in tests/contracts (from
python-facebook's test data). Faults are queued per route: the next matching call gets
the fault.

A fake answers in the server's thread. An error raised there (a failed assertion, a
pytest.skip) must not reach the server, which would drop the connection and leave the
test with a transport error far from its cause: the fake answers 500 and keeps the error,
and the ``graph`` fixture raises it in the test's own thread.

A ``Held`` fault keeps its answer back until the test releases it (``graph.holds``), so a
timeout costs the test only the client's own, small, timeout.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.connectors.holds import FakePlatformServer, Holds
from tests.connectors.peers import contract

Handler = Callable[[Request, "re.Match[str]"], Response]


def recorded(*parts: str) -> Any:
    """A recorded Graph answer, from python-facebook's test data in tests/contracts."""
    path: Path = contract("fixtures", "python_facebook_testdata", *parts)
    return json.loads(path.read_text(encoding="utf-8"))


def answer(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        json.dumps(body), status=status, headers=headers or {}, content_type="application/json"
    )


def graph_error(
    code: int,
    message: str = "error",
    *,
    status: int = 400,
    subcode: int = 0,
    headers: dict[str, str] | None = None,
    transient: bool = False,
) -> Response:
    error: dict[str, Any] = {
        "message": message,
        "type": "OAuthException",
        "code": code,
        "fbtrace_id": "AbCdEf",
    }
    if subcode:
        error["error_subcode"] = subcode
    if transient:
        error["is_transient"] = True
    return answer({"error": error}, status=status, headers=headers)


@dataclass(frozen=True)
class Held:
    """A fault: the answer (``then``) is kept back until the test releases it."""

    then: Response | None = None


HELD = Held()


@dataclass
class Call:
    method: str
    path: str
    args: dict[str, str]
    form: dict[str, str]
    files: dict[str, bytes]
    json: Any
    headers: dict[str, str]


@dataclass
class FakeGraph:
    server: HTTPServer
    routes: list[tuple[str, re.Pattern[str], Handler]] = field(default_factory=list)
    faults: list[list[Any]] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    ids: Iterator[int] = field(default_factory=lambda: itertools.count(17900000000000001))
    lock: threading.Lock = field(default_factory=threading.Lock)
    errors: list[BaseException] = field(default_factory=list)
    holds: Holds = field(default_factory=Holds)

    @property
    def url(self) -> str:
        return self.server.url_for("/v24.0").rstrip("/")

    def route(self, method: str, pattern: str, handler: Handler) -> None:
        self.routes.append((method, re.compile(f"^/v\\d+\\.\\d+{pattern}$"), handler))

    def fault(
        self,
        method: str,
        pattern: str,
        response: Response | Held | Callable[[], Response],
        times: int = 1,
    ) -> None:
        self.faults.append([method, re.compile(f"^/v\\d+\\.\\d+{pattern}$"), response, times])

    def new_id(self) -> str:
        return str(next(self.ids))

    def made(self, method: str, pattern: str) -> list[Call]:
        regex = re.compile(f"^/v\\d+\\.\\d+{pattern}$")
        return [c for c in self.calls if c.method == method and regex.match(c.path)]

    def dispatch(self, request: Request) -> Response:
        """Answer from the queued faults, then the routes (the server's handler)."""
        return self.answer_safely(self._answer, request)

    def serve(self, respond: Callable[[Request], Response]) -> None:
        """Answer every request with ``respond`` instead of the routes, just as safely."""
        self.server.clear()
        self.server.expect_request(re.compile(".*")).respond_with_handler(
            lambda request: self.answer_safely(respond, request)
        )

    def answer_safely(self, respond: Callable[[Request], Response], request: Request) -> Response:
        """Record the call and answer it; an error in ``respond`` becomes a 500 answer.

        BaseException on purpose: pytest's skip and fail are BaseExceptions, and the server
        drops the connection on anything it does not catch.
        """
        try:
            call = Call(
                request.method,
                request.path,
                dict(request.args),
                dict(request.form),
                {k: v.read() for k, v in request.files.items()},
                request.get_json(silent=True),
                dict(request.headers),
            )
            with self.lock:
                self.calls.append(call)
            return respond(request)
        except BaseException as error:  # noqa: BLE001 - kept for the test's thread
            with self.lock:
                self.errors.append(error)
            return graph_error(1, f"the fake failed: {error!r}", status=500)

    def raise_errors(self) -> None:
        """In the test's thread: raise the first error a handler met, if any."""
        with self.lock:
            errors, self.errors = self.errors, []
        if errors:
            raise errors[0]

    def _answer(self, request: Request) -> Response:
        with self.lock:
            for fault in self.faults:
                method, regex, response, times = fault
                if method == request.method and regex.match(request.path) and times > 0:
                    fault[3] -= 1
                    chosen = response
                    break
            else:
                chosen = None
        if isinstance(chosen, Held):
            self.holds.hold()
            return chosen.then or answer({"id": "late"})
        if chosen is not None:
            return chosen if isinstance(chosen, Response) else chosen()
        for method, regex, handler in self.routes:
            match = regex.match(request.path)
            if method == request.method and match:
                with self.lock:
                    return handler(request, match)
        return graph_error(100, f"Unsupported {request.method} request {request.path}")


def start_server() -> FakePlatformServer:
    server = FakePlatformServer()
    server.start()
    return server


def token_of(request: Request) -> str:
    header = request.headers.get("Authorization", "")
    return header.removeprefix("Bearer ") or request.args.get("access_token", "")


def require_token(token: str) -> Callable[[Handler], Handler]:
    def wrap(handler: Handler) -> Handler:
        def checked(request: Request, match: re.Match[str]) -> Response:
            if token_of(request) != token:
                return graph_error(190, "Error validating access token", status=400, subcode=463)
            return handler(request, match)

        return checked

    return wrap


def now_graph(offset: float = 0) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S+0000", time.gmtime(time.time() + offset))


def _epoch(graph_time: str) -> int:
    import calendar

    return calendar.timegm(time.strptime(graph_time[:19], "%Y-%m-%dT%H:%M:%S"))


def _since(request: Request) -> int:
    raw = request.args.get("since", "")
    return int(raw) if raw.isdigit() else 0


class FacebookFake:
    """A Page with a feed, comments (recorded), Messenger conversations and insights."""

    TOKEN = "page-token"
    RECORDED_POST = "19292868552_10158407654328553"

    def __init__(self, graph: FakeGraph) -> None:
        self.graph = graph
        accounts = recorded("base", "user_accounts_token.json")
        self.page_id = accounts["data"][0]["id"]
        self.posts: list[dict[str, Any]] = []  # newest first
        self.replies: list[dict[str, Any]] = []
        self.hidden: dict[str, bool] = {}
        self.sent: list[dict[str, Any]] = []
        # Comments the Page has been shown, and those it deleted (moderation).
        self.listed_comments: set[str] = set()
        self.deleted_comments: list[str] = []
        # Videos uploaded (their bytes) and the caption files added to them.
        self.videos: dict[str, bytes] = {}
        self.captions: list[dict[str, Any]] = []
        auth = require_token(self.TOKEN)
        page = re.escape(self.page_id)
        graph.route("POST", f"/{page}/feed", auth(self.create_post))
        graph.route("POST", f"/{page}/photos", auth(self.upload_photo))
        graph.route("POST", f"/{page}/videos", auth(self.upload_video))
        graph.route("POST", r"/(?P<id>\d+)/captions", auth(self.add_captions))
        graph.route("GET", f"/{page}/published_posts", auth(self.list_posts))
        graph.route("GET", f"/{page}/feed", auth(self.feed))
        graph.route("GET", f"/{page}/conversations", auth(self.conversations))
        graph.route("POST", f"/{page}/messages", auth(self.send_message))
        graph.route("GET", f"/{page}/insights", auth(self.page_insights))
        graph.route("GET", f"/{page}", auth(self.page))
        graph.route("GET", r"/(?P<id>[\d_]+)/comments", auth(self.comments))
        graph.route("POST", r"/(?P<id>[\d_]+)/comments", auth(self.comment))
        graph.route("GET", r"/(?P<id>[\d_]+)/insights", auth(self.post_insights))
        graph.route("GET", r"/(?P<id>[\d_]+)", auth(self.post_counts))
        graph.route("POST", r"/(?P<id>[\d_]+)", auth(self.hide))
        graph.route("DELETE", r"/(?P<id>[\d_]+)", auth(self.delete))

    def _new_post(self, message: str) -> str:
        post_id = f"{self.page_id}_{self.graph.new_id()}"
        self.posts.insert(
            0,
            {
                "id": post_id,
                "message": message,
                "created_time": now_graph(),
                "permalink_url": f"https://www.facebook.com/{post_id}",
            },
        )
        return post_id

    def create_post(self, request: Request, match: re.Match[str]) -> Response:
        return answer({"id": self._new_post(request.form.get("message", ""))})

    def upload_photo(self, request: Request, match: re.Match[str]) -> Response:
        if "source" not in request.files and "url" not in request.form:
            return graph_error(324, "Requires upload file")
        photo_id = self.graph.new_id()
        if request.form.get("published") == "false":
            return answer({"id": photo_id})
        return answer({"id": photo_id, "post_id": self._new_post(request.form.get("message", ""))})

    def upload_video(self, request: Request, match: re.Match[str]) -> Response:
        if "source" not in request.files:
            return graph_error(100, "Requires upload file")
        video_id = self.graph.new_id()
        self._new_post(request.form.get("description", ""))
        # The bytes were read when the call was recorded (``Call.files``).
        self.videos[video_id] = self.graph.calls[-1].files["source"]
        return answer({"id": video_id})

    def add_captions(self, request: Request, match: re.Match[str]) -> Response:
        if match["id"] not in self.videos or "captions_file" not in request.files:
            return graph_error(100, "Invalid parameter")
        upload = request.files["captions_file"]
        self.captions.append(
            {
                "video": match["id"],
                "filename": upload.filename,
                "srt": self.graph.calls[-1].files["captions_file"].decode(),
                "default_locale": request.form.get("default_locale"),
            }
        )
        return answer({"success": True})

    def list_posts(self, request: Request, match: re.Match[str]) -> Response:
        since = _since(request)
        return answer({"data": [p for p in self.posts if _epoch(p["created_time"]) >= since]})

    def feed(self, request: Request, match: re.Match[str]) -> Response:
        data = [{"id": p["id"], "updated_time": p["created_time"]} for p in self.posts]
        data.append({"id": self.RECORDED_POST, "updated_time": "2021-12-31T00:00:00+0000"})
        return answer({"data": data, "paging": {"cursors": {"before": "b", "after": "a"}}})

    def comments(self, request: Request, match: re.Match[str]) -> Response:
        if match["id"] != self.RECORDED_POST:
            return answer({"data": [r for r in self.replies if r["post"] == match["id"]]})
        page = "comments_p2.json" if request.args.get("after") else "comments_p1.json"
        body = recorded("facebook", "apidata", "comments", page)
        since = _since(request)
        # The recordings were trimmed of the ids they were asked for; restore them from
        # each permalink, as Graph would have answered.
        kept = []
        for item in body["data"]:
            found = dict(re.findall(r"(comment_id|reply_comment_id)=(\d+)", item["permalink_url"]))
            post = match["id"].split("_")[1]
            item["id"] = f"{post}_{found.get('reply_comment_id') or found['comment_id']}"
            self.listed_comments.add(item["id"])
            if "reply_comment_id" in found:
                item["parent"] = {"id": f"{post}_{found['comment_id']}"}
            if _epoch(item["created_time"]) >= since:
                kept.append(item)
        body["data"] = kept
        return answer(body)

    def comment(self, request: Request, match: re.Match[str]) -> Response:
        reply_id = f"{match['id'].split('_')[-1]}_{self.graph.new_id()}"
        self.replies.append(
            {
                "post": match["id"],
                "id": reply_id,
                "message": request.form.get("message", ""),
                "created_time": now_graph(),
                "from": {"id": self.page_id, "name": "MyLife"},
            }
        )
        return answer({"id": reply_id})

    def conversations(self, request: Request, match: re.Match[str]) -> Response:
        conversation = dict(recorded("facebook", "apidata", "conversations", "cvs_info.json"))
        messages = list(recorded("facebook", "apidata", "messages", "messages_info.json").values())
        conversation["messages"] = {"data": messages}
        return answer({"data": [conversation]})

    def send_message(self, request: Request, match: re.Match[str]) -> Response:
        body = request.get_json()
        self.sent.append(body)
        return answer({"recipient_id": body["recipient"]["id"], "message_id": "m_new1"})

    def page(self, request: Request, match: re.Match[str]) -> Response:
        return answer(
            {"id": self.page_id, "name": "MyLife", "followers_count": 1520, "fan_count": 1490}
        )

    def page_insights(self, request: Request, match: re.Match[str]) -> Response:
        asked = request.args.get("metric", "").split(",")
        retired = {"page_impressions", "page_fans"} & set(asked)
        if retired:
            return graph_error(
                100, f"(#100) The value must be a valid insights metric: {retired.pop()}"
            )
        data = [
            {
                "name": name,
                "period": "days_28",
                "values": [
                    {"value": 10, "end_time": "2025-11-01T07:00:00+0000"},
                    {"value": 25, "end_time": "2025-11-02T07:00:00+0000"},
                ],
            }
            for name in asked
            if name != "page_post_engagements"
        ]
        return answer({"data": data})

    def post_insights(self, request: Request, match: re.Match[str]) -> Response:
        asked = request.args.get("metric", "").split(",")
        values = {"post_media_view": 340, "post_total_media_view_unique": 210, "post_clicks": 12}
        return answer(
            {
                "data": [
                    {"name": name, "period": "lifetime", "values": [{"value": v}]}
                    for name, v in values.items()
                    if name in asked
                ]
            }
        )

    def post_counts(self, request: Request, match: re.Match[str]) -> Response:
        if not any(p["id"] == match["id"] for p in self.posts):
            return graph_error(100, "Object does not exist", subcode=33)
        return answer(
            {
                "id": match["id"],
                "comments": {"data": [], "summary": {"total_count": 4}},
                "reactions": {"data": [], "summary": {"total_count": 9}},
            }
        )

    def hide(self, request: Request, match: re.Match[str]) -> Response:
        self.hidden[match["id"]] = request.form.get("is_hidden") == "true"
        return answer({"success": True})

    def delete(self, request: Request, match: re.Match[str]) -> Response:
        if match["id"] in self.listed_comments - set(self.deleted_comments):
            self.deleted_comments.append(match["id"])
            return answer({"success": True})
        before = len(self.posts)
        self.posts = [p for p in self.posts if p["id"] != match["id"]]
        if len(self.posts) == before:
            return graph_error(100, "Object does not exist", subcode=33)
        return answer({"success": True})


class InstagramFake:
    """An Instagram professional account: containers, media, comments, tags, insights."""

    TOKEN = "page-token"

    def __init__(self, graph: FakeGraph) -> None:
        self.graph = graph
        self.user = recorded("instagram", "apidata", "users", "user_fields.json")
        self.ig_id = self.user["id"]
        self.page_id = "2121008874780932"
        self.containers: dict[str, dict[str, Any]] = {}
        self.media: list[dict[str, Any]] = []  # newest first, published by us
        self.image_urls: list[str] = []  # recorded, never fetched
        self.replies: list[tuple[str, str]] = []
        self.hidden: dict[str, bool] = {}
        self.deleted_comments: list[str] = []
        self.quota_usage = 0
        self.processing_polls = 0  # how many status reads answer IN_PROGRESS first
        auth = require_token(self.TOKEN)
        ig = re.escape(self.ig_id)
        graph.route("GET", f"/{ig}/content_publishing_limit", auth(self.limit))
        graph.route("POST", f"/{ig}/media", auth(self.create_container))
        graph.route("POST", f"/{ig}/media_publish", auth(self.publish))
        graph.route("GET", f"/{ig}/media", auth(self.list_media))
        graph.route("GET", f"/{ig}/tags", auth(self.tags))
        graph.route("GET", f"/{ig}/insights", auth(self.account_insights))
        graph.route("GET", f"/{ig}", auth(self.account))
        graph.route("GET", r"/(?P<id>\d+)/comments", auth(self.comments))
        graph.route("POST", r"/(?P<id>\d+)/replies", auth(self.reply))
        graph.route("GET", r"/(?P<id>\d+)/insights", auth(self.media_insights))
        graph.route("GET", r"/(?P<id>\d+)", auth(self.node))
        graph.route("POST", r"/(?P<id>\d+)", auth(self.hide))
        graph.route("DELETE", r"/(?P<id>\d+)", auth(self.delete_comment))

    def limit(self, request: Request, match: re.Match[str]) -> Response:
        body = recorded("instagram", "apidata", "publish", "publish_limit_resp.json")
        body["data"][0]["quota_usage"] = self.quota_usage
        return answer(body)

    def create_container(self, request: Request, match: re.Match[str]) -> Response:
        form = dict(request.form)
        if form.get("media_type") != "CAROUSEL" and not form.get("image_url"):
            return graph_error(
                9004, "Only photo or video can be accepted as media type.", subcode=2207052
            )
        if form.get("image_url"):
            self.image_urls.append(form["image_url"])
        container_id = (
            recorded("instagram", "apidata", "publish", "create_photo.json")["id"]
            if not self.containers
            else self.graph.new_id()
        )
        self.containers[container_id] = form | {"polls": self.processing_polls}
        return answer({"id": container_id})

    def publish(self, request: Request, match: re.Match[str]) -> Response:
        container = self.containers.get(request.form.get("creation_id", ""))
        if container is None or container.get("published"):
            return graph_error(9007, "Media ID is not available", subcode=2207027)
        container["published"] = True
        media_id = self.graph.new_id()
        self.media.insert(
            0,
            {
                "id": media_id,
                "caption": container.get("caption", ""),
                "timestamp": now_graph(),
                "comments_count": 0,
                "permalink": f"https://www.instagram.com/p/{media_id}/",
            },
        )
        self.quota_usage += 1
        return answer({"id": media_id})

    def list_media(self, request: Request, match: re.Match[str]) -> Response:
        recorded_media = recorded("instagram", "apidata", "users", "medias_p1.json")["data"]
        return answer({"data": self.media + recorded_media})

    def tags(self, request: Request, match: re.Match[str]) -> Response:
        body = recorded("instagram", "apidata", "users", "tagged_medias.json")
        for item in body["data"]:
            item.setdefault("username", "ikroskun")
        return answer(body)

    def comments(self, request: Request, match: re.Match[str]) -> Response:
        page = "comments_p2.json" if request.args.get("after") else "comments_p1.json"
        body = recorded("instagram", "apidata", "medias", page)
        replies = recorded("instagram", "apidata", "comments", "replies.json")
        names = recorded("instagram", "apidata", "comments", "comments_fields.json")
        for item in body["data"]:
            item["username"] = names.get(item["id"], {}).get("username", "visitor")
        body["data"][0]["replies"] = replies
        return answer(body)

    def reply(self, request: Request, match: re.Match[str]) -> Response:
        self.replies.append((match["id"], request.form.get("message", "")))
        return answer({"id": self.graph.new_id()})

    def node(self, request: Request, match: re.Match[str]) -> Response:
        container = self.containers.get(match["id"])
        if container is not None:
            if container["polls"] > 0:
                container["polls"] -= 1
                return answer({"id": match["id"], "status_code": "IN_PROGRESS"})
            return answer(
                recorded("instagram", "apidata", "publish", "container_info.json")
                | {"id": match["id"]}
            )
        for item in self.media:
            if item["id"] == match["id"]:
                return answer(item)
        return graph_error(100, "Object does not exist", subcode=33)

    def hide(self, request: Request, match: re.Match[str]) -> Response:
        self.hidden[match["id"]] = request.form.get("hide") == "true"
        return answer({"success": True})

    def delete_comment(self, request: Request, match: re.Match[str]) -> Response:
        known = {
            c["id"] for c in recorded("instagram", "apidata", "medias", "comments_p1.json")["data"]
        }
        if match["id"] not in known or match["id"] in self.deleted_comments:
            return graph_error(100, "Object does not exist", subcode=33)
        self.deleted_comments.append(match["id"])
        return answer({"success": True})

    def media_insights(self, request: Request, match: re.Match[str]) -> Response:
        # The recording predates "views": it reports impressions, reach and saved only.
        return answer(recorded("instagram", "apidata", "medias", "insights.json"))

    def account(self, request: Request, match: re.Match[str]) -> Response:
        return answer(self.user)

    def account_insights(self, request: Request, match: re.Match[str]) -> Response:
        return answer(recorded("instagram", "apidata", "users", "user_insights_new.json"))


class ThreadsFake:
    """A Threads profile: containers, posts, conversations, mentions, insights, tokens."""

    TOKEN = "th-long"
    USER = "12345678"

    def __init__(self, graph: FakeGraph) -> None:
        self.graph = graph
        self.containers: dict[str, dict[str, Any]] = {}
        self.posts: list[dict[str, Any]] = []
        self.replies: list[dict[str, Any]] = [
            {
                "id": "18000000000000001",
                "text": "When does the road reopen?",
                "username": "marie_t",
                "timestamp": now_graph(-60),
                "is_reply_owned_by_me": False,
            },
        ]
        self.hidden: dict[str, bool] = {}
        self.deleted: list[str] = []
        auth = require_token(self.TOKEN)
        user = re.escape(self.USER)
        graph.route("POST", f"/{user}/threads", auth(self.create_container))
        graph.route("POST", f"/{user}/threads_publish", auth(self.publish))
        graph.route("GET", f"/{user}/threads", auth(self.list_posts))
        graph.route("GET", f"/{user}/mentions", auth(self.mentions))
        graph.route("GET", f"/{user}/threads_insights", auth(self.user_insights))
        graph.route("GET", r"/(?P<id>\d+)/conversation", auth(self.conversation))
        graph.route("GET", r"/(?P<id>\d+)/insights", auth(self.insights))
        graph.route("POST", r"/(?P<id>\d+)/manage_reply", auth(self.hide))
        graph.route("GET", r"/(?P<id>\d+)", auth(self.node))
        graph.route("DELETE", r"/(?P<id>\d+)", auth(self.delete))

    def create_container(self, request: Request, match: re.Match[str]) -> Response:
        form = dict(request.form)
        if form.get("media_type") == "IMAGE" and not form.get("image_url"):
            return graph_error(100, "image_url is required")
        container_id = self.graph.new_id()
        self.containers[container_id] = form
        return answer({"id": container_id})

    def publish(self, request: Request, match: re.Match[str]) -> Response:
        container = self.containers.get(request.form.get("creation_id", ""))
        if container is None or container.get("published"):
            return graph_error(24, "The requested resource does not exist", subcode=4279009)
        container["published"] = True
        post_id = self.graph.new_id()
        self.posts.insert(
            0,
            {
                "id": post_id,
                "text": container.get("text", ""),
                "timestamp": now_graph(),
                "reply_to": container.get("reply_to_id"),
                "permalink": f"https://www.threads.net/@civic/post/{post_id}",
            },
        )
        return answer({"id": post_id})

    def list_posts(self, request: Request, match: re.Match[str]) -> Response:
        return answer(
            {
                "data": [p for p in self.posts if not p["reply_to"]],
                "paging": {"cursors": {"before": "b", "after": "a"}},
            }
        )

    def mentions(self, request: Request, match: re.Match[str]) -> Response:
        return answer(
            {
                "data": [
                    {
                        "id": "18000000000000009",
                        "text": "@civic is the bridge open?",
                        "username": "pat",
                        "timestamp": now_graph(-30),
                        "permalink": "https://www.threads.net/@pat/post/x",
                    }
                ]
            }
        )

    def conversation(self, request: Request, match: re.Match[str]) -> Response:
        data = [
            r | {"root_post": {"id": match["id"]}, "replied_to": {"id": match["id"]}}
            for r in self.replies
        ]
        return answer({"data": data})

    def insights(self, request: Request, match: re.Match[str]) -> Response:
        return answer(
            {
                "data": [
                    {"name": "views", "period": "lifetime", "values": [{"value": 120}]},
                    {"name": "likes", "period": "lifetime", "values": [{"value": 7}]},
                    {"name": "replies", "period": "lifetime", "values": [{"value": 2}]},
                    {"name": "reposts", "period": "lifetime", "values": [{"value": 1}]},
                    {"name": "quotes", "period": "lifetime", "values": [{"value": 0}]},
                ]
            }
        )

    def user_insights(self, request: Request, match: re.Match[str]) -> Response:
        return answer(
            {
                "data": [
                    {
                        "name": "views",
                        "period": "day",
                        "values": [
                            {"value": 10, "end_time": "2025-01-01T08:00:00+0000"},
                            {"value": 15, "end_time": "2025-01-02T08:00:00+0000"},
                        ],
                    },
                    {"name": "followers_count", "period": "day", "total_value": {"value": 880}},
                ]
            }
        )

    def hide(self, request: Request, match: re.Match[str]) -> Response:
        self.hidden[match["id"]] = request.form.get("hide") == "true"
        return answer({"success": True})

    def node(self, request: Request, match: re.Match[str]) -> Response:
        if match["id"] in self.containers:
            return answer({"id": match["id"], "status": "FINISHED"})
        for post in self.posts:
            if post["id"] == match["id"]:
                return answer(post)
        return graph_error(100, "Object does not exist", subcode=33)

    def delete(self, request: Request, match: re.Match[str]) -> Response:
        self.deleted.append(match["id"])
        self.posts = [p for p in self.posts if p["id"] != match["id"]]
        return answer({"success": True, "deleted_id": match["id"]})
