"""A fake YouTube Data API v3 and Google OAuth server, held to the discovery document.

Every API request is checked against YouTube's discovery document before it is answered
(see contract.py); a request that does not fit is answered 400 and recorded in
``violations``, which every test's teardown requires to be empty. Faults can be queued per
method: an HTTP status with a Google error body, a held (timed out) answer, malformed JSON,
or a well-formed JSON body of the wrong shape.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from werkzeug import Request, Response

from tests.connectors.holds import Holds

from . import contract

CHANNEL_ID = "UCroadwatch0000000000000"


def google_error(status: int, reason: str, message: str = "") -> dict[str, Any]:
    message = message or reason
    return {
        "error": {
            "code": status,
            "message": message,
            "errors": [{"message": message, "domain": "youtube", "reason": reason}],
        }
    }


def comment(
    comment_id: str,
    text: str,
    *,
    author: str,
    name: str,
    published: str,
    video: str,
    parent: str = "",
) -> dict[str, Any]:
    snippet: dict[str, Any] = {
        "authorDisplayName": name,
        "authorChannelId": {"value": author},
        "authorChannelUrl": f"http://www.youtube.com/channel/{author}",
        "channelId": CHANNEL_ID,
        "videoId": video,
        "textDisplay": text,
        "textOriginal": text,
        "canRate": True,
        "viewerRating": "none",
        "likeCount": 0,
        "publishedAt": published,
        "updatedAt": published,
    }
    if parent:
        snippet["parentId"] = parent
    return {"kind": "youtube#comment", "etag": "e", "id": comment_id, "snippet": snippet}


@dataclass
class Fault:
    status: int = 0
    body: Any = None
    hold: bool = False  # the work is done, but the answer waits for a release
    malformed: bool = False
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class YouTubeFake:
    threads: list[dict[str, Any]] = field(default_factory=list)  # newest first
    more_replies: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    videos: dict[str, dict[str, str]] = field(default_factory=dict)
    channel_statistics: dict[str, Any] = field(default_factory=dict)
    moderation: dict[str, str] = field(default_factory=dict)
    inserted: dict[str, dict[str, Any]] = field(default_factory=dict)
    deleted: list[str] = field(default_factory=list)
    banned: list[str] = field(default_factory=list)  # comments whose author was banned
    faults: dict[str, list[Fault]] = field(default_factory=lambda: defaultdict(list))
    violations: list[str] = field(default_factory=list)
    calls: list[tuple[str, dict[str, list[str]]]] = field(default_factory=list)
    codes: dict[str, str] = field(default_factory=dict)  # authorization code -> challenge
    tokens: list[dict[str, str]] = field(default_factory=list)
    stale_tokens: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)
    holds: Holds = field(default_factory=Holds)
    # Uploads: sessions started (address -> what they are for), videos made (their
    # metadata and bytes) and caption tracks added (their metadata and text).
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    uploaded: dict[str, dict[str, Any]] = field(default_factory=dict)
    captions: list[dict[str, Any]] = field(default_factory=list)

    # Building the world

    def add_thread(
        self,
        thread_id: str,
        text: str,
        *,
        published: str,
        video: str = "vid1",
        author: str = "UCviewer1",
        name: str = "@viewer",
        replies: list[dict[str, Any]] | None = None,
        shown_replies: int | None = None,
    ) -> None:
        replies = replies or []
        shown = replies if shown_replies is None else replies[:shown_replies]
        thread = {
            "kind": "youtube#commentThread",
            "etag": "e",
            "id": thread_id,
            "snippet": {
                "channelId": CHANNEL_ID,
                "videoId": video,
                "canReply": True,
                "isPublic": True,
                "totalReplyCount": len(replies),
                "topLevelComment": comment(
                    thread_id, text, author=author, name=name, published=published, video=video
                ),
            },
        }
        if shown:
            thread["replies"] = {"comments": shown}
        self.threads.insert(0, thread)
        self.threads.sort(
            key=lambda t: t["snippet"]["topLevelComment"]["snippet"]["publishedAt"], reverse=True
        )
        self.more_replies[thread_id] = replies

    def fail(self, method_id: str, fault: Fault, times: int = 1) -> None:
        self.faults[method_id].extend([fault] * times)

    def authorize(self, challenge: str) -> str:
        code = f"code-{len(self.codes) + 1}"
        self.codes[code] = challenge
        return code

    # Serving

    def handle(self, request: Request) -> Response:
        path = request.path
        if path == "/token":
            return self._token(request)
        if path == "/revoke":
            return Response(status=200)
        if path.startswith("/upload/session/"):
            return self._upload_session(request)
        query = {k: request.args.getlist(k) for k in request.args}
        body = request.get_data()
        # Uploads go to their own address, with the method's metadata and parameters.
        checked = path.removeprefix("/upload") if path.startswith("/upload/youtube/") else path
        method, problems = contract.check_request(request.method, checked, query, body)
        if path.startswith("/upload/") and query.get("uploadType") != ["resumable"]:
            problems.append(f"{path}: only resumable uploads are served here")
        auth = request.headers.get("Authorization", "")
        if not auth.startswith("Bearer "):
            problems.append("no bearer token")
        with self.lock:
            self.calls.append((method.id if method else path, query))
            if problems:
                self.violations.extend(problems)
                return _json(google_error(400, "badRequest", "; ".join(problems)), 400)
            assert method is not None
            fault = self.faults[method.id].pop(0) if self.faults[method.id] else None
        if auth == "Bearer expired":
            return _json(google_error(401, "authError", "Invalid Credentials"), 401)
        if fault and fault.status:
            return _json(
                fault.body or google_error(fault.status, "backendError"),
                fault.status,
                fault.headers,
            )
        if fault and fault.malformed:
            return Response('{"items": [', status=200, content_type="application/json")
        if fault and fault.body is not None:
            return _json(fault.body, 200)
        if path.startswith("/upload/"):
            return self._start_upload(method.id, request, json.loads(body))
        handler = getattr(self, "_" + method.id.split(".", 1)[1].replace(".", "_"))
        with self.lock:
            status, payload = handler(query, json.loads(body) if body else None)
        if fault and fault.hold:
            self.holds.hold()  # the work is done; only the answer is late
        if status >= 400:
            return _json(payload, status)
        if payload is None:
            return Response(status=204)
        problems = contract.check_response(method, payload)
        if problems:  # the fake itself drifted from the contract
            self.violations.extend(f"fake answer: {p}" for p in problems)
        return _json(payload, status)

    def _start_upload(self, method_id: str, request: Request, metadata: Any) -> Response:
        with self.lock:
            session = f"/upload/session/{len(self.sessions) + 1}"
            self.sessions[session] = {
                "method": method_id,
                "metadata": metadata,
                "type": request.headers.get("X-Upload-Content-Type", ""),
                "length": int(request.headers.get("X-Upload-Content-Length", "-1")),
            }
        return Response(
            status=200, headers={"Location": f"{request.host_url.rstrip('/')}{session}"}
        )

    def _upload_session(self, request: Request) -> Response:
        with self.lock:
            session = self.sessions.get(request.path)
            data = request.get_data()
            if session is None or request.method != "PUT":
                return _json(google_error(404, "notFound"), 404)
            if len(data) != session["length"] or request.content_type != session["type"]:
                return _json(google_error(400, "badContent", "not what the session was for"), 400)
            fault = self.faults[session["method"] + ".media"]
            if fault:
                found = fault.pop(0)
                if found.malformed:
                    return Response('{"id": ', status=200, content_type="application/json")
                return _json(found.body or google_error(found.status, "backendError"), found.status)
            metadata = session["metadata"]
            if session["method"] == "youtube.videos.insert":
                video_id = f"vid{len(self.uploaded) + 1:08d}"
                self.uploaded[video_id] = {"metadata": metadata, "data": data}
                return _json({"kind": "youtube#video", "etag": "e", "id": video_id}, 200)
            snippet = metadata["snippet"]
            if snippet["videoId"] not in self.uploaded:
                return _json(google_error(404, "videoNotFound"), 404)
            self.captions.append({"snippet": snippet, "text": data.decode()})
            caption = {"kind": "youtube#caption", "etag": "e", "id": f"cap{len(self.captions)}"}
            return _json(caption | {"snippet": snippet}, 200)

    def _playlistItems_list(self, query: dict[str, list[str]], body: Any) -> tuple[int, Any]:
        if query.get("playlistId") != ["UU" + CHANNEL_ID[2:]]:
            return 404, google_error(404, "playlistNotFound")
        items = [
            {
                "kind": "youtube#playlistItem",
                "etag": "e",
                "id": f"item-{video_id}",
                "snippet": {
                    "title": made["metadata"]["snippet"]["title"],
                    "description": made["metadata"]["snippet"]["description"],
                    "resourceId": {"kind": "youtube#video", "videoId": video_id},
                },
            }
            for video_id, made in reversed(self.uploaded.items())
        ]
        return 200, {"kind": "youtube#playlistItemListResponse", "etag": "e", "items": items}

    def _commentThreads_list(self, query: dict[str, list[str]], body: Any) -> tuple[int, Any]:
        if query.get("allThreadsRelatedToChannelId") != [CHANNEL_ID]:
            return 403, google_error(403, "forbidden")
        token = query.get("pageToken", ["p0"])[0]
        if token in self.stale_tokens or not token.startswith("p"):
            return 400, google_error(400, "invalidPageToken")
        start = int(token[1:])
        size = int(query.get("maxResults", ["20"])[0])
        page = self.threads[start : start + size]
        parts = query["part"][0].split(",")
        items = [
            t if "replies" in parts else {k: v for k, v in t.items() if k != "replies"}
            for t in page
        ]
        payload: dict[str, Any] = {
            "kind": "youtube#commentThreadListResponse",
            "items": items,
            "pageInfo": {"totalResults": len(self.threads), "resultsPerPage": size},
        }
        if start + size < len(self.threads):
            payload["nextPageToken"] = f"p{start + size}"
        return 200, payload

    def _comments_list(self, query: dict[str, list[str]], body: Any) -> tuple[int, Any]:
        replies = self.more_replies.get(query.get("parentId", [""])[0], [])
        start = int(query.get("pageToken", ["0"])[0])
        size = int(query.get("maxResults", ["20"])[0])
        payload: dict[str, Any] = {
            "kind": "youtube#commentListResponse",
            "items": replies[start : start + size],
        }
        if start + size < len(replies):
            payload["nextPageToken"] = str(start + size)
        return 200, payload

    def _comments_insert(self, query: dict[str, list[str]], body: Any) -> tuple[int, Any]:
        snippet = body.get("snippet", {})
        parent = snippet.get("parentId", "")
        if parent not in {t["id"] for t in self.threads}:
            return 400, google_error(400, "invalidCommentMetadata", "no such parent comment")
        text = snippet.get("textOriginal", "")
        if not text:
            return 400, google_error(400, "commentTextRequired")
        comment_id = f"{parent}.reply{len(self.inserted) + 1}"
        created = comment(
            comment_id,
            text,
            author=CHANNEL_ID,
            name="@roadwatch",
            published="2026-11-20T12:00:00Z",
            video="vid1",
            parent=parent,
        )
        self.inserted[comment_id] = created
        return 200, created

    def _comments_setModerationStatus(
        self, query: dict[str, list[str]], body: Any
    ) -> tuple[int, Any]:
        ids = query["id"][0].split(",")
        known = {t["id"] for t in self.threads} | {
            r["id"] for replies in self.more_replies.values() for r in replies
        }
        for comment_id in ids:
            if comment_id not in known:
                return 404, google_error(404, "commentNotFound")
            self.moderation[comment_id] = query["moderationStatus"][0]
            if query.get("banAuthor", ["false"])[0] == "true":
                self.banned.append(comment_id)
        return 204, None

    def _comments_delete(self, query: dict[str, list[str]], body: Any) -> tuple[int, Any]:
        comment_id = query["id"][0]
        if comment_id in self.inserted:
            del self.inserted[comment_id]
            self.deleted.append(comment_id)
            return 204, None
        if comment_id in {t["id"] for t in self.threads}:
            return 403, google_error(403, "forbidden", "only the author can delete")
        return 404, google_error(404, "commentNotFound")

    def _videos_list(self, query: dict[str, list[str]], body: Any) -> tuple[int, Any]:
        ids = [i for raw in query.get("id", []) for i in raw.split(",")]
        items = [
            {"kind": "youtube#video", "etag": "e", "id": i, "statistics": self.videos[i]}
            for i in ids
            if i in self.videos
        ]
        return 200, {"kind": "youtube#videoListResponse", "items": items}

    def _channels_list(self, query: dict[str, list[str]], body: Any) -> tuple[int, Any]:
        if query.get("mine") != ["true"] and query.get("id") != [CHANNEL_ID]:
            return 200, {"kind": "youtube#channelListResponse", "items": []}
        item: dict[str, Any] = {"kind": "youtube#channel", "etag": "e", "id": CHANNEL_ID}
        parts = query["part"][0].split(",")
        if "snippet" in parts:
            item["snippet"] = {"title": "Road Watch", "customUrl": "@roadwatch"}
        if "statistics" in parts:
            item["statistics"] = self.channel_statistics
        return 200, {"kind": "youtube#channelListResponse", "items": [item]}

    def _token(self, request: Request) -> Response:
        form = parse_qs(request.get_data(as_text=True))
        grant = form.get("grant_type", [""])[0]
        if form.get("client_id") != ["app-id"] or form.get("client_secret") != ["app-secret"]:
            return _json({"error": "invalid_client"}, 401)
        if grant == "authorization_code":
            challenge = self.codes.pop(form.get("code", [""])[0], None)
            verifier = form.get("code_verifier", [""])[0]
            digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
            if challenge is None or digest.rstrip(b"=").decode() != challenge:
                return _json(
                    {"error": "invalid_grant", "error_description": "bad code or verifier"}, 400
                )
            token = {
                "access_token": "at-1",
                "expires_in": 3599,
                "refresh_token": "rt-1",
                "scope": "https://www.googleapis.com/auth/youtube.force-ssl",
                "token_type": "Bearer",
            }
        elif grant == "refresh_token":
            if form.get("refresh_token") != ["rt-1"]:
                return _json(
                    {
                        "error": "invalid_grant",
                        "error_description": "Token has been expired or revoked.",
                    },
                    400,
                )
            # Google does not rotate refresh tokens: none comes back.
            token = {
                "access_token": f"at-{len(self.tokens) + 2}",
                "expires_in": 3599,
                "scope": "https://www.googleapis.com/auth/youtube.force-ssl",
                "token_type": "Bearer",
            }
        else:
            return _json({"error": "unsupported_grant_type"}, 400)
        self.tokens.append(token)
        return _json(token, 200)


def _json(payload: Any, status: int, headers: dict[str, str] | None = None) -> Response:
    return Response(
        json.dumps(payload), status=status, headers=headers or {}, content_type="application/json"
    )
