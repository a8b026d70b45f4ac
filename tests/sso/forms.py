"""Reading the HTML forms a sign-in dance goes through, as a browser would submit them."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin

import httpx


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append(Form(a.get("action", ""), a.get("method", "get").lower()))
        elif tag == "input" and self.forms and a.get("name"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.forms[-1].fields[a["name"]] = a.get("value", "")


def forms_of(response: httpx.Response) -> list[Form]:
    parser = _Forms()
    parser.feed(response.text)
    for form in parser.forms:
        form.action = urljoin(str(response.url), form.action or str(response.url))
    return parser.forms


def submit(
    client: httpx.Client, response: httpx.Response, *, action_contains: str = "", **values: str
) -> httpx.Response:
    """Submit the page's first form whose action contains ``action_contains``."""
    found = [f for f in forms_of(response) if action_contains in f.action]
    if not found:
        raise AssertionError(
            f"no form posting to {action_contains!r} at {response.url}:\n{response.text[:3000]}"
        )
    form = found[0]
    data = {**form.fields, **values}
    if form.method == "post":
        return client.post(form.action, data=data)
    return client.get(form.action, params=data)
