"""Signing in and approving on the local PDS's authorization page, without a browser.

The page is a small app over a JSON API of the PDS's OAuth provider
(``/@atproto/oauth-provider/~api``): it loads with device and CSRF cookies, signs in
(``/sign-in``), approves (``/consent``, which answers with the redirect page's URL) and
the redirect page answers 303 to the client's ``redirect_uri`` with ``code``, ``state``
and ``iss``. We make the same requests with the headers a browser sends. Cookies are
kept by hand: the provider marks them ``Secure``, which a browser honours on
``localhost`` and httpx's cookie jar does not.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx

API = "/@atproto/oauth-provider/~api"


class ConsentPage:
    def __init__(self, authorize_url: str) -> None:
        parts = urlsplit(authorize_url)
        self.url = authorize_url
        self.origin = f"{parts.scheme}://{parts.netloc}"
        self.cookies: dict[str, str] = {}
        self.http = httpx.Client(timeout=20, follow_redirects=False)

    def __enter__(self) -> ConsentPage:
        return self

    def __exit__(self, *exc: object) -> None:
        self.http.close()

    def _keep(self, response: httpx.Response) -> httpx.Response:
        for raw in response.headers.get_list("set-cookie"):
            name, _, rest = raw.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response

    def _cookie(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items() if v)

    def open(self) -> httpx.Response:
        return self._keep(
            self.http.get(
                self.url,
                headers={
                    "sec-fetch-mode": "navigate",
                    "sec-fetch-dest": "document",
                    "sec-fetch-site": "cross-site",
                    "user-agent": "Mozilla/5.0 (X11; Linux x86_64) civicdesk-tests",
                },
            )
        )

    def api(self, endpoint: str, body: dict[str, Any]) -> httpx.Response:
        return self._keep(
            self.http.post(
                f"{self.origin}{API}/{endpoint}",
                json=body,
                headers={
                    "origin": self.origin,
                    "referer": self.url,
                    "sec-fetch-mode": "same-origin",
                    "sec-fetch-site": "same-origin",
                    "sec-fetch-dest": "empty",
                    "x-csrf-token": self.cookies.get("csrf-token", ""),
                    "cookie": self._cookie(),
                },
            )
        )

    def follow(self, url: str) -> httpx.Response:
        return self.http.get(
            url,
            headers={
                "sec-fetch-mode": "navigate",
                "sec-fetch-dest": "document",
                "sec-fetch-site": "same-origin",
                "referer": self.url,
                "cookie": self._cookie(),
            },
        )


def approve(authorize_url: str, username: str, password: str) -> dict[str, str]:
    """Sign in and approve; the query the browser would bring back to the redirect URI."""
    return _decide(authorize_url, username, password, approve=True)


def reject(authorize_url: str, username: str, password: str) -> dict[str, str]:
    return _decide(authorize_url, username, password, approve=False)


def _decide(authorize_url: str, username: str, password: str, *, approve: bool) -> dict[str, str]:
    with ConsentPage(authorize_url) as page:
        opened = page.open()
        assert opened.status_code == 200, opened.text[:500]
        signed = page.api(
            "sign-in",
            {"locale": "en", "username": username, "password": password, "remember": True},
        )
        assert signed.status_code == 200, signed.text[:500]
        did = signed.json()["account"]["did"]
        decided = page.api("consent", {"did": did}) if approve else page.api("reject", {})
        assert decided.status_code == 200, decided.text[:500]
        redirect = page.follow(decided.json()["url"])
        assert redirect.status_code in (302, 303), redirect.text[:500]
        return dict(parse_qsl(urlsplit(redirect.headers["location"]).query))
