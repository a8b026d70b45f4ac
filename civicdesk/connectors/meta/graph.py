"""The Graph API plumbing shared by the Facebook, Instagram and Threads connectors.

Meta answers most failures with HTTP 400 and a JSON body
``{"error": {"message", "type", "code", "error_subcode", "fbtrace_id"}}``; the code, not
the HTTP status, says what happened. Rate limits come with usage headers
(``x-app-usage``, ``x-page-usage``, ``x-business-use-case-usage``) whose
``estimated_time_to_regain_access`` (minutes) tells when calls will work again.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar, TypeGuard
from urllib.parse import parse_qsl, urlsplit

import httpx

from civicdesk.connectors.base import (
    AuthExpiredError,
    HttpConnector,
    OutcomeUnknownError,
    RejectedError,
    RetryableError,
    parse_retry_after,
)
from civicdesk.connectors.meta.shapes import ShapeError, list_of, object_of

logger = logging.getLogger(__name__)

# Throttling: 4 app, 17 user, 32 page, 613 custom, 80001-80014 business use cases.
RATE_LIMIT_CODES = frozenset({4, 17, 32, 613, *range(80001, 80015)})
# The token is invalid or expired, or the session was logged out.
AUTH_CODES = frozenset({190, 102, 463, 467})
# Unknown error / service temporarily unavailable.
SERVICE_CODES = frozenset({1, 2})
# Instagram's "published too many posts in 24 hours" (code 9, this subcode).
IG_PUBLISH_LIMIT_SUBCODE = 2207042
# Messenger / Instagram messaging: the 24-hour standard messaging window has closed.
MESSAGING_WINDOW_SUBCODES = frozenset({2018278, 2534022})
# When throttled without an estimate, wait at least this long.
RATE_LIMIT_FLOOR_SECONDS = 60.0
USAGE_HEADERS = ("x-app-usage", "x-page-usage", "x-ad-account-usage")


class GraphError:
    """The parts of a Graph error body that decide what a failure means."""

    def __init__(self, body: Any) -> None:
        error = body.get("error") if isinstance(body, dict) else None
        error = error if isinstance(error, dict) else {}
        self.present = bool(error)
        self.code = _int(error.get("code"))
        self.subcode = _int(error.get("error_subcode"))
        message = error.get("error_user_msg") or error.get("message") or ""
        self.message = str(message)[:300]
        self.transient = error.get("is_transient") is True
        self.trace = str(error.get("fbtrace_id") or "")[:40]

    @property
    def label(self) -> str:
        return f"{self.code}/{self.subcode}" if self.subcode else str(self.code)


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def _usage_entries(headers: httpx.Headers) -> Iterator[Mapping[str, Any]]:
    for name in USAGE_HEADERS:
        raw = headers.get(name)
        if raw:
            try:
                value = json.loads(raw)
            except ValueError:
                continue
            if isinstance(value, dict):
                yield value
    raw = headers.get("x-business-use-case-usage")
    if raw:
        try:
            value = json.loads(raw)
        except ValueError:
            return
        if isinstance(value, dict):
            for entries in value.values():
                if isinstance(entries, list):
                    yield from (e for e in entries if isinstance(e, dict))


def usage_percent(headers: httpx.Headers) -> int | None:
    """The highest usage percentage any usage header reports, if any."""
    highest: int | None = None
    for entry in _usage_entries(headers):
        for key in ("call_count", "total_time", "total_cputime", "acc_id_util_pct"):
            value = entry.get(key)
            if isinstance(value, int | float) and not isinstance(value, bool):
                highest = max(highest or 0, int(value))
    return highest


def usage_retry_after(headers: httpx.Headers) -> float | None:
    """Seconds until access returns, from the usage headers (and Retry-After)."""
    waits: list[float] = []
    for entry in _usage_entries(headers):
        minutes = entry.get("estimated_time_to_regain_access")
        if isinstance(minutes, int | float) and not isinstance(minutes, bool) and minutes > 0:
            waits.append(float(minutes) * 60)
    retry_after = parse_retry_after(headers.get("retry-after"))
    if retry_after is not None:
        waits.append(retry_after)
    if waits:
        return max(waits)
    percent = usage_percent(headers)
    return RATE_LIMIT_FLOOR_SECONDS if percent is not None and percent >= 100 else None


def next_page_params(body: Mapping[str, Any]) -> dict[str, str] | None:
    """The query of the next page, from ``paging.next`` (without the token), or None.

    The next URL is never followed as given: only its query is reused against our own
    base URL, so a token never travels to a host the channel was not configured with.
    """
    paging = body.get("paging")
    if not isinstance(paging, dict):
        return None
    next_url = paging.get("next")
    if not isinstance(next_url, str) or not next_url:
        return None
    params = {k: v for k, v in parse_qsl(urlsplit(next_url).query) if k != "access_token"}
    return params or None


class GraphConnector(HttpConnector):
    """A connector speaking Meta's Graph API dialect."""

    # Threads documents the token as a query parameter; graph.facebook.com takes a header.
    token_in_query: ClassVar[bool] = False
    max_concurrency: ClassVar[int] = 2
    # Container processing (Instagram, Threads): how often and how long to wait.
    poll_interval: float = 2.0
    poll_attempts: int = 10

    last_usage_percent: int | None = None

    def _token(self) -> str:
        token = self.credentials.get("access_token", "")
        if not token:
            raise AuthExpiredError(f"the {self.platform} channel has no access token; reconnect")
        return token

    def _headers(self) -> dict[str, str]:
        headers = {"Accept": "application/json"}
        if not self.token_in_query:
            headers["Authorization"] = f"Bearer {self._token()}"
        return headers

    def call(
        self,
        method: str,
        path: str,
        *,
        write: bool = False,
        params: Mapping[str, Any] | None = None,
        data: Mapping[str, Any] | None = None,
        json_body: Any = None,
        files: Any = None,
    ) -> Mapping[str, Any]:
        """One Graph call; returns the JSON object, or raises the right ConnectorError."""
        query = dict(params or {})
        if self.token_in_query:
            query["access_token"] = self._token()
        kwargs: dict[str, Any] = {"params": query}
        if data is not None:
            kwargs["data"] = dict(data)
        if json_body is not None:
            kwargs["json"] = json_body
        if files is not None:
            kwargs["files"] = files
        response = self.request(method, path, write=write, expected=(200, 201), **kwargs)
        self.last_usage_percent = usage_percent(response.headers)
        body = self.json_of(response, write=write)
        if not isinstance(body, dict):
            message = f"the answer to {method} {path} is not an object"
            if write:
                raise OutcomeUnknownError(message, status=response.status_code)
            raise RetryableError(message, status=response.status_code)
        return body

    def read(self, path: str, **params: Any) -> Mapping[str, Any]:
        return self.call("GET", path, params=params)

    def listing(
        self, path: str, params: Mapping[str, Any], *, max_pages: int = 5
    ) -> Iterator[Mapping[str, Any]]:
        """Every item of a Graph list (``{"data": [...], "paging": ...}``), page by page."""
        query: Mapping[str, Any] | None = params
        for _ in range(max_pages):
            body = self.call("GET", path, params=query)
            try:
                items = list_of(body.get("data"), "data")
            except ShapeError as exc:
                raise RetryableError(f"unexpected list from {path}: {exc}") from None
            yield from items
            query = next_page_params(body)
            if not query:
                return

    def raise_for_response(self, response: httpx.Response, *, write: bool) -> None:
        try:
            body = response.json()
        except ValueError:
            body = None
        error = GraphError(body)
        if not error.present or error.code is None:
            super().raise_for_response(response, write=write)
            return
        status = response.status_code
        detail = f"{error.message} (fbtrace {error.trace})" if error.trace else error.message
        code = error.label
        if error.code in RATE_LIMIT_CODES or (
            error.code == 9 and error.subcode == IG_PUBLISH_LIMIT_SUBCODE
        ):
            retry_after = usage_retry_after(response.headers)
            if error.code == 9 and retry_after is None:
                retry_after = 3600.0  # a rolling 24-hour publishing quota
            raise RetryableError(
                f"{self.platform} rate limit reached: {detail}",
                status=status,
                retry_after=retry_after or RATE_LIMIT_FLOOR_SECONDS,
                platform_code=code,
            )
        if error.code in AUTH_CODES:
            raise AuthExpiredError(
                f"{self.platform} no longer accepts this channel's authorization: {detail}",
                status=status,
                platform_code=code,
            )
        if error.code == 10 and error.subcode in MESSAGING_WINDOW_SUBCODES:
            raise RejectedError(
                "This person last wrote more than 24 hours ago: Meta allows a Page or "
                "account to answer a private message only within 24 hours of it.",
                status=status,
                platform_code=code,
            )
        if error.code == 10 or (error.code is not None and 200 <= error.code <= 299):
            raise RejectedError(
                f"The connected account has not given Civic Desk the permission this needs "
                f"on {self.platform}; reconnect it and accept every permission asked. "
                f"({detail})",
                status=status,
                platform_code=code,
            )
        if error.code in SERVICE_CODES or error.transient:
            if write:
                raise OutcomeUnknownError(
                    f"{self.platform} reported a temporary error during a write: {detail}",
                    status=status,
                    platform_code=code,
                )
            raise RetryableError(
                f"{self.platform} is temporarily unavailable: {detail}",
                status=status,
                retry_after=parse_retry_after(response.headers.get("retry-after")),
                platform_code=code,
            )
        if error.code == 506:
            raise RejectedError(
                f"{self.platform} refused a duplicate of a recent post: {detail}",
                status=status,
                platform_code=code,
            )
        if status >= 500:
            super().raise_for_response(response, write=write)
        raise RejectedError(
            f"{self.platform} refused the request: {detail}", status=status, platform_code=code
        )


def is_missing_object(error: RejectedError) -> bool:
    """A refusal meaning "this object does not exist (any more)"."""
    return error.status == 404 or (error.platform_code or "").endswith("/33")


def is_invalid_metric(error: RejectedError) -> bool:
    """Code 100 on an insights call: a metric was retired or does not apply here."""
    return (error.platform_code or "").split("/")[0] == "100" and not is_missing_object(error)


def insight_values(body: Mapping[str, Any]) -> dict[str, int]:
    """``{metric name: value}`` from an insights answer.

    Each entry carries either ``total_value.value`` or a ``values`` series (lifetime
    metrics have one value; daily ones are summed). Missing metrics are simply absent.
    """
    result: dict[str, int] = {}
    for entry in list_of(body.get("data"), "data"):
        name = entry.get("name")
        if not isinstance(name, str):
            raise ShapeError("an insight has no name")
        total = entry.get("total_value")
        value = total.get("value") if isinstance(total, dict) else None
        if _is_count(value):
            result[name] = value
            continue
        values = entry.get("values")
        if isinstance(values, list):
            numbers = [object_of(v, "a value").get("value") for v in values]
            counted = [int(n) for n in numbers if _is_count(n)]
            if counted:
                result[name] = sum(counted)
    return result


def _is_count(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0
