"""Find text in the templates that people read but translators never see.

Each template is split with Django's own Lexer. Everything inside ``{% translate %}``,
``{% blocktranslate %}`` and ``{% comment %}`` is set aside, every other tag and variable
becomes a placeholder, and what is left is read as HTML: its text (outside ``<script>`` and
``<style>``) and the attributes people read or hear (alt, title, placeholder, aria-label)
must hold no letters. Literal arguments of filters that print them (``default``,
``yesno``) must be wrapped in ``_()``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from django.template.base import Lexer, TokenType

TEMPLATE_ROOT = Path(__file__).resolve().parents[2] / "civicdesk"
# Names and symbols that stay as they are in every language.
ALLOWED = {"Civic Desk", "Civic", "Desk", "htmx"}
VISIBLE_ATTRIBUTES = {
    "alt",
    "title",
    "placeholder",
    "aria-label",
    "aria-description",
    "data-confirm",
}
PLACEHOLDER = "\x1f"
LETTERS = re.compile(r"[^\W\d_]", re.UNICODE)
PRINTED_LITERAL = re.compile(r"\|(?:default|default_if_none|yesno):(\"[^\"]*\"|'[^']*')")
OPENS = {
    "translate": None,
    "trans": None,
    "blocktranslate": "endblocktranslate",
    "blocktrans": "endblocktrans",
    "comment": "endcomment",
}


@dataclass(frozen=True)
class Offender:
    template: str
    line: int
    text: str

    def __str__(self) -> str:
        return f"{self.template}:{self.line}: {self.text!r}"


def templates() -> list[Path]:
    return sorted(TEMPLATE_ROOT.glob("*/templates/**/*.html"))


def _has_words(text: str) -> bool:
    text = " ".join(text.replace(PLACEHOLDER, " ").split())
    for allowed in sorted(ALLOWED, key=len, reverse=True):
        text = text.replace(allowed, " ")
    return bool(LETTERS.search(text))


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str]] = []
        self.hidden = 0

    def _line(self) -> int:
        return self.getpos()[0]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"script", "style"}:
            self.hidden += 1
        for name, value in attrs:
            if name in VISIBLE_ATTRIBUTES and value and _has_words(value):
                self.found.append((self._line(), f'{name}="{value}"'))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag in {"script", "style"}:
            self.hidden -= 1

    def handle_endtag(self, tag: str) -> None:
        if tag in {"script", "style"} and self.hidden:
            self.hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self.hidden and _has_words(data):
            self.found.append((self._line(), " ".join(data.replace(PLACEHOLDER, " ").split())))


def offenders_in(path: Path, root: Path = TEMPLATE_ROOT) -> list[Offender]:
    source = path.read_text(encoding="utf-8")
    name = str(path.relative_to(root))
    found: list[Offender] = []
    pieces: list[str] = []
    closing: str | None = None
    for token in Lexer(source).tokenize():
        # Whatever is set aside keeps its line breaks: the parser's lines are the template's.
        breaks = "\n" * token.contents.count("\n")
        if closing is not None:
            if token.token_type == TokenType.BLOCK and token.contents.split()[0] == closing:
                closing = None
            pieces.append(breaks)
            continue
        if token.token_type == TokenType.TEXT:
            pieces.append(token.contents)
            continue
        if token.token_type == TokenType.BLOCK:
            tag = token.contents.split()[0] if token.contents else ""
            if tag in OPENS:
                closing = OPENS[tag]
        if token.token_type in (TokenType.VAR, TokenType.BLOCK):
            for literal in PRINTED_LITERAL.findall(token.contents):
                if _has_words(literal[1:-1]):
                    found.append(Offender(name, token.lineno, token.contents))
        pieces.append(PLACEHOLDER + breaks)
    reader = _Reader()
    reader.feed("".join(pieces))
    reader.close()
    found.extend(Offender(name, line, text) for line, text in reader.found)
    return found


def all_offenders() -> list[Offender]:
    return [offender for path in templates() for offender in offenders_in(path)]
