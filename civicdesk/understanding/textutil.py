"""Making arbitrary public text safe to analyse."""

from __future__ import annotations

import html
import re
import unicodedata

#: Models look at no more than this many characters; PII scanning sees the whole text.
MODEL_CHARS = 2000

_TAG = re.compile(r"<[^>]{0,200}>")
#: The address of an HTML link is kept (as text) when the tags are removed.
_HREF = re.compile(r"""<a\b[^>]{0,200}?\bhref\s*=\s*["']([^"'>]{1,300})["'][^>]{0,200}>""", re.I)
#: Common top-level domains: "bit.ly/x", "example.com" are links even without "http".
_TLD = (
    "com|net|org|info|biz|ly|me|in|nl|co|io|tv|us|uk|de|ru|gl|tk|be|fm|to|cc|gg|eu|es|fr|it|"
    "pl|br|ws|gov|edu|pt|mx|ar|cl|ca|au|ch|at|se|no|dk|fi|ie|jp|cn|kr|app|xyz|site|online|link"
)
_URL = re.compile(
    rf"(?:https?://|www\.)\S+|(?<![\w.@])[a-z0-9][\w-]*(?:\.[\w-]+)*\.(?-i:{_TLD})\b"
    rf"(?:\s?[/\\]\S*)?",
    re.IGNORECASE,
)
_MENTION = re.compile(r"(?<!\w)@\w{1,30}")
_SPACE = re.compile(r"\s+")
_SURROGATE = re.compile("[\ud800-\udfff]")


class _ControlTable(dict):
    """``str.translate`` table: a control or other category C character (but a tab or a line
    break) becomes a space, the rest stays; each code point's category is looked up once."""

    def __missing__(self, code: int) -> int:
        ch = chr(code)
        value = 32 if ch not in "\t\n" and unicodedata.category(ch)[0] == "C" else code
        self[code] = value
        return value


_CONTROLS = _ControlTable()


def scrub(text: object) -> str:
    """Return text without lone surrogates, control characters or HTML tags, trimmed for models."""
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    text = text[: MODEL_CHARS * 4]
    if not text.isascii() and _SURROGATE.search(text):
        text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
        text = "".join(ch for ch in text if not ("\ud800" <= ch <= "\udfff"))
    if "<" in text:
        text = _HREF.sub(lambda m: " " + m.group(1) + " ", text)
        text = _TAG.sub(" ", text)
    if "&" in text:
        text = html.unescape(text)
    if text.isprintable():
        # no control (category C) character, and no white space but the ASCII space
        if "  " in text:
            text = _SPACE.sub(" ", text)
    else:
        text = _SPACE.sub(" ", text.translate(_CONTROLS))
    return text.strip()[:MODEL_CHARS]


def count_links(text: str) -> int:
    return len(_URL.findall(unicodedata.normalize("NFKC", text)))


def normalise_for_model(text: str) -> str:
    """Lower-case, NFKC-folded text with links (also bare domains such as "bit.ly/x") and user
    mentions replaced by placeholders."""
    return model_text(unicodedata.normalize("NFKC", text))[0]


def model_text(folded: str) -> tuple[str, int]:
    """:func:`normalise_for_model` of text already NFKC-folded, and the number of links in it
    (:func:`count_links`): the feature builder folds each text once and reads both."""
    text, links = _URL.subn(" httpurl ", folded)
    return _MENTION.sub(" @user ", text).lower(), links
