"""The exercise network's JSON API: bearer tokens, clear errors, faults on demand.

Each view is wrapped by ``endpoint``, which authenticates the token, applies any injected
fault around the action, and turns a ``NetError`` into a JSON error with its status. What a
client sends is read through ``bodies``, so a malformed request is a 4xx, never a 500.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import (
    BadRequest,
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.views.decorators.csrf import csrf_exempt

from civicdesk.exnet import bodies, faults, keys, selectors, services
from civicdesk.exnet.models import NetAccount
from civicdesk.exnet.services import MediaUpload, NetError

# Kept here too: callers and tests know the limits as the API's.
MAX_JSON_BYTES = bodies.MAX_JSON_BYTES
MAX_MULTIPART_BYTES = bodies.MAX_MULTIPART_BYTES

ApiView = Callable[..., HttpResponse]
# Django's own refusals of a malformed request, answered here as JSON like every other error.
MALFORMED_REQUEST = (MultiPartParserError, BadRequest, TooManyFieldsSent, TooManyFilesSent)


def error(message: str, *, status: int, code: str) -> JsonResponse:
    return JsonResponse({"error": code, "detail": message}, status=status)


def not_found_in_path(kwargs: dict[str, Any]) -> JsonResponse | None:
    """A 404 for a path that can name nothing: an id out of range, a handle of bad shape."""
    post_id = kwargs.get("post_id")
    if post_id is not None and not bodies.is_id(post_id):
        return error("no such post", status=404, code="not_found")
    handle = kwargs.get("handle")
    if handle is not None and not bodies.is_handle(handle):
        return error("no such account", status=404, code="not_found")
    return None


def _method_not_allowed(methods: dict[str, Any]) -> HttpResponse:
    response = error("method not allowed", status=405, code="method_not_allowed")
    response["Allow"] = ", ".join(methods)
    return response


def endpoint(methods: dict[str, tuple[str, bool]]) -> Callable[[ApiView], ApiView]:
    """Route by method to (operation name, is-a-write) and run the view for the token's account."""

    def decorate(view: ApiView) -> ApiView:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            response: HttpResponse
            if request.method not in methods:
                return _method_not_allowed(methods)
            missing = not_found_in_path(kwargs)
            if missing is not None:
                return missing
            account = _authenticate(request)
            if account is None:
                response = error(
                    "a valid bearer token is required", status=401, code="unauthorized"
                )
                response["WWW-Authenticate"] = 'Bearer realm="exnet"'
                return response
            operation, write = methods[request.method]
            try:
                fault = faults.request_fault(request) or faults.take_fault(
                    account, operation, write=write
                )
            except NetError as exc:
                return error(exc.message, status=exc.status, code="bad_fault")
            if fault is not None:
                early = faults.before_action(fault)
                if early is not None:
                    return early
            try:
                response = view(request, account, *args, **kwargs)
            except NetError as exc:
                return error(exc.message, status=exc.status, code=exc.code)
            except RequestDataTooBig:
                return error("the request body is too large", status=413, code="too_large")
            except MALFORMED_REQUEST as exc:
                detail = f"the request is malformed: {exc}"[:300]
                return error(detail, status=400, code="bad_request")
            if fault is not None:
                response = faults.after_action(fault, request, response)
            return response

        return csrf_exempt(login_not_required(wrapper))

    return decorate


def _authenticate(request: HttpRequest) -> NetAccount | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return services.account_for_token(token.strip())


def _absolute(request: HttpRequest) -> selectors.Absolute:
    return request.build_absolute_uri


def _idempotency_key(request: HttpRequest) -> str:
    return bodies.header_text(request, "Idempotency-Key")


@csrf_exempt
@login_not_required
def accounts(request: HttpRequest) -> HttpResponse:
    """Open an account; only the installation serving the network may (see ``keys``).

    Anyone else's sign-up would let a stranger fill the network with accounts; an existing
    handle is a 409, never a new token, so no one takes over an account by signing up again.
    """
    if request.method != "POST":
        return _method_not_allowed({"POST": None})
    scheme, _, key = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not keys.is_signup_key(key.strip()):
        response = error(
            "opening an account needs this installation's sign-up key",
            status=401,
            code="unauthorized",
        )
        response["WWW-Authenticate"] = 'Bearer realm="exnet"'
        return response
    try:
        body = bodies.json_body(request)
        handle = bodies.text_field(body, "handle", required=True).strip().lstrip("@")
        display_name = bodies.text_field(body, "display_name").strip()
        account, token = services.create_account(handle=handle, display_name=display_name or handle)
    except NetError as exc:
        return error(exc.message, status=exc.status, code=exc.code)
    except RequestDataTooBig:
        return error("the request body is too large", status=413, code="too_large")
    payload = selectors.me_payload(account, _absolute(request)) | {"token": token}
    return JsonResponse(payload, status=201)


@endpoint({"GET": ("me", False)})
def me(request: HttpRequest, account: NetAccount) -> HttpResponse:
    return JsonResponse(selectors.me_payload(account, _absolute(request)))


@endpoint({"GET": ("account_metrics", False)})
def me_metrics(request: HttpRequest, account: NetAccount) -> HttpResponse:
    return JsonResponse(selectors.account_metrics(account))


@endpoint({"GET": ("list_posts", False), "POST": ("create_post", True)})
def posts(request: HttpRequest, account: NetAccount) -> HttpResponse:
    if request.method == "POST":
        return _create_post(request, account)
    client_ref = bodies.query_text(request, "client_ref", "idempotency_key")
    found = selectors.own_posts(account=account, client_ref=client_ref)
    absolute = _absolute(request)
    return JsonResponse({"posts": [selectors.post_payload(p, absolute) for p in found]})


def _create_post(request: HttpRequest, account: NetAccount) -> HttpResponse:
    if request.content_type == "multipart/form-data":
        if bodies.content_length(request) > MAX_MULTIPART_BYTES:
            raise NetError("the upload is too large", status=413, code="too_large")
        text = services.check_text(request.POST.get("text", ""), "text")
        in_reply_to = bodies.optional_id(
            request.POST.get("in_reply_to"), "in_reply_to", what="a post id"
        )
        alt_texts = [services.check_text(a, "alt_text") for a in request.POST.getlist("alt_text")]
        media = [
            MediaUpload(
                content_type=upload.content_type or "",
                data=upload.read(services.MAX_MEDIA_BYTES + 1),
                alt_text=alt_texts[index] if index < len(alt_texts) else "",
            )
            for index, upload in enumerate(request.FILES.getlist("media"))
        ]
    else:
        body = bodies.json_body(request)
        text = bodies.text_field(body, "text")
        in_reply_to = bodies.optional_id(body.get("in_reply_to"), "in_reply_to", what="a post id")
        media = services.decode_media(body.get("media"))
    result = services.create_post(
        account=account,
        text=text,
        in_reply_to=in_reply_to,
        media=media,
        client_ref=_idempotency_key(request),
    )
    return JsonResponse(
        selectors.post_payload(result.obj, _absolute(request)),
        status=201 if result.created else 200,
    )


@endpoint(
    {
        "GET": ("get_post", False),
        "PATCH": ("edit_post", True),
        "DELETE": ("delete_post", True),
    }
)
def post_detail(request: HttpRequest, account: NetAccount, post_id: int) -> HttpResponse:
    if request.method == "DELETE":
        services.delete_post(account=account, post_id=post_id)
        return HttpResponse(status=204)
    if request.method == "PATCH":
        body = bodies.json_body(request)
        edited = services.edit_post(
            account=account,
            post_id=post_id,
            text=bodies.text_field(body, "text", required=True),
        )
        return JsonResponse(selectors.post_payload(edited, _absolute(request)))
    post = services.visible_post(post_id)
    if post.account_id != account.pk:
        services.record_impressions(post_ids=[post.pk])
    return JsonResponse(selectors.post_payload(post, _absolute(request)))


@endpoint({"GET": ("post_metrics", False)})
def post_metrics(request: HttpRequest, account: NetAccount, post_id: int) -> HttpResponse:
    return JsonResponse(selectors.post_metrics(services.visible_post(post_id)))


@endpoint({"POST": ("like", True)})
def post_like(request: HttpRequest, account: NetAccount, post_id: int) -> HttpResponse:
    created = services.like_post(account=account, post=services.visible_post(post_id))
    return JsonResponse({"id": str(post_id), "liked": True}, status=201 if created else 200)


@endpoint({"POST": ("repost", True)})
def post_repost(request: HttpRequest, account: NetAccount, post_id: int) -> HttpResponse:
    created = services.repost_post(account=account, post=services.visible_post(post_id))
    return JsonResponse({"id": str(post_id), "reposted": True}, status=201 if created else 200)


@endpoint({"POST": ("follow", True)})
def follow(request: HttpRequest, account: NetAccount, handle: str) -> HttpResponse:
    followee = NetAccount.objects.filter(handle__iexact=handle).first()
    if followee is None:
        raise NetError(f"no account @{handle[:30]}", status=404, code="not_found")
    created = services.follow_account(follower=account, followee=followee)
    return JsonResponse({"following": followee.handle}, status=201 if created else 200)


@endpoint({"POST": ("hide_reply", True)})
def post_hide(request: HttpRequest, account: NetAccount, post_id: int) -> HttpResponse:
    body = bodies.json_body(request)
    hidden = body.get("hidden", True)
    if not isinstance(hidden, bool):
        raise NetError("hidden must be true or false")
    post = services.hide_reply(account=account, post_id=post_id, hidden=hidden)
    return JsonResponse({"id": str(post.pk), "hidden": post.hidden_at is not None})


@endpoint({"GET": ("list_blocks", False), "POST": ("block", True)})
def blocks(request: HttpRequest, account: NetAccount) -> HttpResponse:
    if request.method == "GET":
        blocked = account.blocking.select_related("blocked").order_by("pk")
        return JsonResponse({"accounts": [selectors.account_payload(b.blocked) for b in blocked]})
    body = bodies.json_body(request)
    account_id = bodies.optional_id(body.get("account_id"), "account_id", what="an account id")
    if account_id is None:
        raise NetError("account_id is required", code="missing")
    target = NetAccount.objects.filter(pk=account_id).first()
    if target is None:
        raise NetError("no such account", status=404, code="not_found")
    created = services.block_account(blocker=account, blocked=target)
    return JsonResponse(
        {"blocked": selectors.account_payload(target)}, status=201 if created else 200
    )


@endpoint({"POST": ("create_dm", True)})
def direct_messages(request: HttpRequest, account: NetAccount) -> HttpResponse:
    body = bodies.json_body(request)
    handle = bodies.text_field(body, "to").strip().lstrip("@")
    recipient: NetAccount | None = None
    if handle:
        if bodies.is_handle(handle):
            recipient = NetAccount.objects.filter(handle__iexact=handle).first()
    elif (
        to_id := bodies.optional_id(body.get("to_id"), "to_id", what="an account id")
    ) is not None:
        recipient = NetAccount.objects.filter(pk=to_id).first()
    else:
        raise NetError("to (a handle) or to_id (an account id) is required", code="missing")
    if recipient is None:
        raise NetError("no such recipient", status=404, code="not_found")
    result = services.send_direct_message(
        sender=account,
        recipient=recipient,
        text=bodies.text_field(body, "text", required=True),
        client_ref=_idempotency_key(request),
    )
    return JsonResponse(selectors.dm_payload(result.obj), status=201 if result.created else 200)


@endpoint({"GET": ("inbox", False)})
def inbox(request: HttpRequest, account: NetAccount) -> HttpResponse:
    after = bodies.query_int(request, "after", 0)
    limit = bodies.query_int(request, "limit", 100)
    if not 1 <= limit <= selectors.MAX_INBOX_PAGE:
        raise NetError(f"after must be >= 0 and limit between 1 and {selectors.MAX_INBOX_PAGE}")
    return JsonResponse(
        selectors.inbox_page(account=account, after=after, limit=limit, absolute=_absolute(request))
    )


@endpoint({"GET": ("search", False)})
def search(request: HttpRequest, account: NetAccount) -> HttpResponse:
    """Public posts that use a keyword (``type=keyword``, the default) or a hashtag
    (``type=hashtag``, ``q`` without its #), or that an account wrote (``type=account``),
    after the post id ``after``: listening, for any account."""
    kind = bodies.query_text(request, "type") or "keyword"
    if kind not in selectors.SEARCH_TYPES:
        raise NetError(f"type must be one of {', '.join(selectors.SEARCH_TYPES)}")
    query = bodies.query_text(request, "q", limit=100).lstrip("#@" if kind != "keyword" else "")
    if not query:
        raise NetError("q (what to search for) is required", code="missing")
    after = bodies.query_int(request, "after", 0)
    limit = bodies.query_int(request, "limit", 50)
    if after < 0 or not 1 <= limit <= selectors.MAX_SEARCH_PAGE:
        raise NetError(f"after must be >= 0 and limit between 1 and {selectors.MAX_SEARCH_PAGE}")
    return JsonResponse(
        selectors.search_page(
            account=account,
            query=query,
            kind=kind,
            after=after,
            limit=limit,
            absolute=_absolute(request),
        )
    )
