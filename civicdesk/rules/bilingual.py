"""One post carrying several languages: how the versions are joined.

A bilingual post gives each official-language version in full, in the organization's order,
separated by a blank line, the way institutions' bilingual accounts write them (the English
paragraph, then the French one). Image descriptions are joined the same way with " / ", as
one description says both. The composer, the checks and the publisher all join here, so the
text measured is the text sent.
"""

from __future__ import annotations

from collections.abc import Sequence

# Between two language versions of a post's text.
SEPARATOR = "\n\n"
# Between two language versions of an image's description (one line where they are read).
ALT_SEPARATOR = " / "


def join_versions(texts: Sequence[str]) -> str:
    """The text of a bilingual post: each version, trimmed, in the order given."""
    return SEPARATOR.join(text.strip() for text in texts if text.strip())


def join_alt_texts(texts: Sequence[str]) -> str:
    """One image description from its versions (those left empty are skipped)."""
    return ALT_SEPARATOR.join(text.strip() for text in texts if text.strip())


def version_spans(versions: Sequence[tuple[str, str]]) -> list[tuple[str, int, int]]:
    """(language, start, end) of each version within the text ``join_versions`` makes."""
    spans = []
    offset = 0
    for language, text in versions:
        if not text.strip():
            continue
        length = len(text.strip())
        spans.append((language, offset, offset + length))
        offset += length + len(SEPARATOR)
    return spans
