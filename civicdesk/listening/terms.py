"""The words that label a topic: lower-cased words and hashtags of a message, without links,
mentions, numbers and the most common words of the four interface languages and their
neighbours (a label is read, so "the" or "que" never make one)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

STOPWORDS = frozenset(
    """
    a about above after again all also am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers him his how i if in into is it its itself
    just me more most my no nor not now of off on once only or other our out over own same
    she should so some such than that the their them then there these they this those
    through to too under until up very was we were what when where which while who whom why
    will with would you your yours rt via amp http https www com just get got like still
    le la les un une des du de et est en que qui dans pour pas sur au aux avec ce ces cette
    il elle ils elles nous vous ne se sa son ses leur leurs mais ou où donc car plus par
    être été sont ont fait très tout tous toute toutes même aussi comme y a été quand
    el los las del al y o es son por para con una uno unos unas lo le les su sus pero más
    como ya muy fue está están hay ser este esta estos estas ese esa eso qué cuando donde
    sin sobre entre también todo todos nos mi tu te
    في من على إلى عن مع هذا هذه ذلك التي الذي الذين كان كانت ما لا لم لن هو هي هم أن إن
    و أو ثم قد كل بعد قبل عند حتى بين أي
    die der und den das ist nicht ein eine zu mit auf für von im dem des sich
    di che il è per non una con sono del della gli le
    """.split()
)
_URL = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
_MENTION = re.compile(r"(?<!\w)@[\w.]+")
_WORD = re.compile(r"#?[^\W\d_][\w'’-]*", re.UNICODE)
TERMS_KEPT = 40


def words(text: str) -> list[str]:
    """The label-worthy words of one message, in order (a word once per message)."""
    text = _MENTION.sub(" ", _URL.sub(" ", text or ""))
    seen: dict[str, None] = {}
    for raw in _WORD.findall(text.lower()):
        word = raw.strip("'’-")
        bare = word.lstrip("#")
        if len(bare) < 3 or bare in STOPWORDS:
            continue
        seen.setdefault(word, None)
    return list(seen)


def merge(counts: dict[str, int], texts: Iterable[str]) -> dict[str, int]:
    """``counts`` plus the words of ``texts``, cut to the ``TERMS_KEPT`` most frequent."""
    total = Counter(counts)
    for text in texts:
        total.update(words(text))
    return dict(total.most_common(TERMS_KEPT))


def top(counts: dict[str, int], n: int = 5) -> list[str]:
    """The most frequent words, a hashtag and its bare word counted as one."""
    merged: Counter[str] = Counter()
    shown: dict[str, str] = {}
    for word, count in counts.items():
        bare = word.lstrip("#")
        merged[bare] += count
        if word.startswith("#") or bare not in shown:
            shown[bare] = word
    return [shown[bare] for bare, _ in merged.most_common(n)]


def label(counts: dict[str, int]) -> str:
    return " · ".join(top(counts, 4))
