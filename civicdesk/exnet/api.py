"""The exercise network's JSON API: bearer tokens, clear errors, faults on demand.

Each view is wrapped by ``endpoint``, which authenticates the token, applies any injected
fault around the action, and turns a ``NetError`` into a JSON error with its status.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from civicdesk.exnet import faults, selectors, services
from civicdesk.exnet.models import NetAccount
from civicdesk.exnet.services import MediaUpload, NetError

MAX_JSON_BYTES = 2 * 1024 * 1024
MAX_MULTIPART_BYTES = 22 * 1024 * 1024

ApiView = Callable[..., HttpResponse]


def error(message: str, *, status: int, code: str) -> JsonResponse:
    return JsonResponse({"error": code, "detail": message}, status=status)


def endpoint(methods: dict[str, tuple[str, bool]]) -> Callable[[ApiView], ApiView]:
    """Route by method to (operation name, is-a-write) and run the view for the token's account."""

    def decorate(view: ApiView) -> ApiView:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            response: HttpResponse
            if request.method not in methods:
                response = error("method not allowed", status=405, code="method_not_allowed")
                response["Allow"] = ", ".join(methods)
                return response
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


def _content_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _json_body(request: HttpRequest) -> dict[str, Any]:
    if _content_length(request) > MAX_JSON_BYTES:
        raise NetError(
            "a JSON body is at most 2 MB; send large media as multipart",
            status=413,
            code="too_large",
        )
    try:
        body = json.loads(request.body or b"{}")
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise NetError("the body is not valid JSON", code="bad_json") from None
    if not isinstance(body, dict):
        raise NetError("the body must be a JSON object", code="bad_json")
    return body


def _text_field(body: dict[str, Any], name: str) -> str:
    value = body.get(name, "")
    if not isinstance(value, str):
        raise NetError(f"{name} must be a string")
    return value


def _optional_id(value: Any, name: str) -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        raise NetError(f"{name} must be a post id")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise NetError(f"{name} must be a post id") from None


def _idempotency_key(request: HttpRequest) -> str:
    return request.headers.get("Idempotency-Key", "").strip()


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
    client_ref = request.GET.get("client_ref") or request.GET.get("idempotency_key") or ""
    found = selectors.own_posts(account=account, client_ref=client_ref.strip())
    absolute = _absolute(request)
    return JsonResponse({"posts": [selectors.post_payload(p, absolute) for p in found]})


def _create_post(request: HttpRequest, account: NetAccount) -> HttpResponse:
    if request.content_type == "multipart/form-data":
        if _content_length(request) > MAX_MULTIPART_BYTES:
            raise NetError("the upload is too large", status=413, code="too_large")
        text = request.POST.get("text", "")
        in_reply_to = _optional_id(request.POST.get("in_reply_to"), "in_reply_to")
        alt_texts = request.POST.getlist("alt_text")
        media = [
            MediaUpload(
                content_type=upload.content_type or "",
                data=upload.read(services.MAX_MEDIA_BYTES + 1),
                alt_text=alt_texts[index] if index < len(alt_texts) else "",
            )
            for index, upload in enumerate(request.FILES.getlist("media"))
        ]
    else:
        body = _json_body(request)
        text = _text_field(body, "text")
        in_reply_to = _optional_id(body.get("in_reply_to"), "in_reply_to")
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


@endpoint({"GET": ("get_post", False), "DELETE": ("delete_post", True)})
def post_detail(request: HttpRequest, account: NetAccount, post_id: int) -> HttpResponse:
    if request.method == "DELETE":
        services.delete_post(account=account, post_id=post_id)
        return HttpResponse(status=204)
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


@endpoint({"POST": ("create_dm", True)})
def direct_messages(request: HttpRequest, account: NetAccount) -> HttpResponse:
    body = _json_body(request)
    handle, to_id = body.get("to"), body.get("to_id")
    if isinstance(handle, str) and handle.strip():
        recipient = NetAccount.objects.filter(handle__iexact=handle.strip().lstrip("@")).first()
    elif isinstance(to_id, str | int) and not isinstance(to_id, bool) and str(to_id).isdigit():
        recipient = NetAccount.objects.filter(pk=int(to_id)).first()
    else:
        raise NetError("to (a handle) or to_id (an account id) is required")
    if recipient is None:
        raise NetError("no such recipient", status=404, code="not_found")
    result = services.send_direct_message(
        sender=account,
        recipient=recipient,
        text=_text_field(body, "text"),
        client_ref=_idempotency_key(request),
    )
    return JsonResponse(selectors.dm_payload(result.obj), status=201 if result.created else 200)


@endpoint({"GET": ("inbox", False)})
def inbox(request: HttpRequest, account: NetAccount) -> HttpResponse:
    try:
        after = int(request.GET.get("after") or 0)
        limit = int(request.GET.get("limit") or 100)
    except ValueError:
        raise NetError("after and limit must be integers") from None
    if after < 0 or not 1 <= limit <= selectors.MAX_INBOX_PAGE:
        raise NetError(f"after must be >= 0 and limit between 1 and {selectors.MAX_INBOX_PAGE}")
    return JsonResponse(
        selectors.inbox_page(account=account, after=after, limit=limit, absolute=_absolute(request))
    )
