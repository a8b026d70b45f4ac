"""A ``requests`` session for allauth whose every connection goes through the guarded client.

allauth fetches an OpenID provider's discovery document, its keys and its token endpoint
with ``requests``; the installation's rule on which addresses may be reached lives in
``core.outbound`` (an ``httpx`` transport). This adapter hands each request to that client,
so redirects that ``requests`` follows are each checked too.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx
import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

from civicdesk.core.outbound import guarded_client

# An IdP's documents are small; a metadata file with many certificates stays far below.
MAX_BYTES = 1024 * 1024


def _timeout(value: Any, default: float) -> float:
    if isinstance(value, tuple):
        return float(max(v for v in value if v is not None)) if any(value) else default
    return float(value) if value is not None else default


class GuardedAdapter(BaseAdapter):
    def __init__(self, *, timeout: float) -> None:
        super().__init__()
        self.timeout = timeout
        self.client = guarded_client(timeout=timeout, max_bytes=MAX_BYTES)

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        verify: Any = True,
        cert: Any = None,
        proxies: Mapping[str, str] | None = None,
    ) -> requests.Response:
        try:
            answer = self.client.request(
                request.method or "GET",
                str(request.url),
                # requests allows bytes values; headers travel as Latin-1 either way.
                headers={
                    name: value if isinstance(value, str) else value.decode("latin-1")
                    for name, value in request.headers.items()
                },
                content=request.body,  # type: ignore[arg-type]
                timeout=_timeout(timeout, self.timeout),
            )
        except httpx.TimeoutException as exc:
            raise requests.Timeout(str(exc), request=request) from exc
        except httpx.HTTPError as exc:
            raise requests.ConnectionError(str(exc), request=request) from exc
        response = requests.Response()
        response.status_code = answer.status_code
        response.headers = CaseInsensitiveDict(answer.headers)
        response._content = answer.content
        response.encoding = answer.encoding
        response.reason = answer.reason_phrase
        response.url = str(request.url)
        response.request = request
        return response

    def close(self) -> None:
        self.client.close()


def guarded_session(*, timeout: float) -> requests.Session:
    session = requests.Session()
    session.trust_env = False
    adapter = GuardedAdapter(timeout=timeout)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session
