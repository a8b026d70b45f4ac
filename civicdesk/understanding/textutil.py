"""Making arbitrary public text safe to analyse."""

from __future__ import annotations

import html
import re
import unicodedata

#: Models look at no more than this many characters; PII scanning sees the whole text.
MODEL_CHARS = 2000

_TAG = re.compile(r"<[^>]{0,200}>")
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_MENTION = re.compile(r"(?<!\w)@\w{1,30}")
_SPACE = re.compile(r"\s+")


def scrub(text: object) -> str:
    """Return text without lone surrogates, control characters or HTML tags, trimmed for models."""
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    text = text[: MODEL_CHARS * 4]
    if any("\ud800" <= ch <= "\udfff" for ch in text):
        text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
        text = "".join(ch for ch in text if not ("\ud800" <= ch <= "\udfff"))
    if "<" in text:
        text = _TAG.sub(" ", text)
    if "&" in text:
        text = html.unescape(text)
    text = "".join(ch if ch in "\t\n" or unicodedata.category(ch)[0] != "C" else " " for ch in text)
    return _SPACE.sub(" ", text).strip()[:MODEL_CHARS]


def normalise_for_model(text: str) -> str:
    """Lower-case text with URLs and user mentions replaced by placeholders."""
    text = _URL.sub(" httpurl ", text)
    text = _MENTION.sub(" @user ", text)
    return text.lower()
