"""Hashed word and character n-gram features (no vocabulary is stored) plus a small block of
surface features (links, length, capitals, repeated characters, emoji, self-promotion phrases).

The surface block was chosen by leave-one-video-out cross-validation on the spam training
videos (see docs/understanding.md); only the heads trained with it give it weight. How the
counts are turned into features (raw or sublinear term frequency, an IDF weighting) is a
per-head setting recorded in the artifact.
"""

from __future__ import annotations

import math
import re
import string
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.utils import murmurhash3_32

from .textutil import model_text

WORD_BITS = 16
CHAR_BITS = 17


def _phrases(*patterns: str) -> re.Pattern:
    return re.compile(r"(?<!\w)(?:" + "|".join(patterns) + r")(?!\w)", re.IGNORECASE)


#: Self-promotion phrase groups (each one binary feature), written from what spam on social
#: platforms generally asks for: subscriptions, a visit to one's own page, money, engagement bait.
PROMOTION = (
    (
        "subscription request",
        _phrases(
            r"sub(?:scribe|scribers?|scribing|s)?\b(?:\s+(?:to\s+)?me)?",
            r"sub\s*4\s*sub",
            r"follow\s*(?:4|for)\s*follow",
            r"like\s*(?:4|for)\s*like",
            r"follow\s+me",
            r"add\s+me",
        ),
    ),
    (
        "own page",
        _phrases(
            r"my\s+(?:new\s+)?(?:channel|video|videos|blog|profile|page|playlist|track|song|music|"
            r"cover|website|site|account|instagram|twitter|facebook|vlog|stream)"
        ),
    ),
    (
        "go and look",
        _phrases(
            r"check\s+(?:it\s+)?out",
            r"look\s+(?:it\s+|me\s+|her\s+|him\s+)?up",
            r"search\s+(?:for\s+)?",
            r"visit",
            r"click",
            r"go\s+to",
            r"watch\s+my",
            r"see\s+my",
            r"chec?k(?:ing)?\s+(?:out\s+)?(?:my|our|me)",
            r"(?:my|our)\s+(?:first|new|newest|latest)\s+(?:video|song|channel|track|sound)",
            r"come\s+and\s+watch",
        ),
    ),
    (
        "money",
        _phrases(
            r"money",
            r"earn",
            r"cash",
            r"gift\s*cards?",
            r"free",
            r"win",
            r"prize",
            r"paypal|pay\s*pal",
            r"price",
            r"cheap",
            r"discount",
            r"offer",
            r"income",
            r"donate",
            r"bitcoins?",
            r"\$\s?\d+|\d+\s?\$",
        ),
    ),
    (
        "engagement bait",
        _phrases(
            r"thumbs?\s+up\s+if",
            r"like\s+this\s+comment",
            r"if\s+i\s+(?:get|reach)",
            r"please\s+(?:vote|share|like|help)",
            r"share\s+this",
        ),
    ),
    (
        "self-introduction",
        _phrases(
            r"i'?m\s+a\s+(?:rapper|singer|musician|youtuber|producer|artist)",
            r"i\s+(?:make|made|do|did)\s+(?:a\s+)?(?:covers?|videos|music|beats|a\s+cover)",
            r"upcoming\s+(?:artist|rapper)",
        ),
    ),
)
_REPEAT = re.compile(r"(.)\1{3,}")
_LONG_NUMBER = re.compile(r"\d{6,}")
_EMOJI = re.compile("[\U0001f300-\U0001faff\u2600-\u27bf]")
N_SURFACE = 12 + len(PROMOTION)
N_FEATURES = 2**WORD_BITS + 2**CHAR_BITS + N_SURFACE

WORD_DIM = 2**WORD_BITS
CHAR_DIM = 2**CHAR_BITS
#: Columns of the word and character blocks together (the surface block follows them).
TEXT_DIM = WORD_DIM + CHAR_DIM

#: Raw hashed counts; each head normalises them its own way (see :func:`assemble`).
_word = HashingVectorizer(
    analyzer="word",
    ngram_range=(1, 2),
    n_features=WORD_DIM,
    alternate_sign=False,
    norm=None,
    lowercase=False,
    token_pattern=r"(?u)[@#]?\b\w+\b|[!?¿¡]",
    dtype=np.float32,
)
_char = HashingVectorizer(
    analyzer="char_wb",
    ngram_range=(2, 5),
    n_features=CHAR_DIM,
    alternate_sign=False,
    norm=None,
    lowercase=False,
    dtype=np.float32,
)


#: Per word, the columns of its space-padded character 2-5-grams in ``_char``'s hashing space
#: (as ``_char`` computes them; int32 bytes), kept because a stream of messages repeats most of
#: its words: building and hashing every n-gram of every message was the feature builder's
#: largest cost.
_char_columns: dict[str, bytes] = {}
#: The cache is emptied when it reaches this many words (some 10 MB).
CHAR_CACHE_WORDS = 50_000


def _word_char_columns(word: str) -> bytes:
    cols = _char_columns.get(word)
    if cols is None:
        padded = f" {word} "
        size = len(padded)
        grams: list[str] = []
        for n in range(2, 6):
            if size <= n:  # a short word counts once, whole
                grams.append(padded)
                break
            grams += [padded[i : i + n] for i in range(size - n + 1)]
        # the feature hasher's column: |signed 32-bit MurmurHash3 of the UTF-8 bytes| mod width
        hashed = [abs(murmurhash3_32(g, seed=0)) % CHAR_DIM for g in grams]
        cols = np.array(hashed, dtype=np.int32).tobytes()
        if len(_char_columns) >= CHAR_CACHE_WORDS:
            _char_columns.clear()
        _char_columns[word] = cols
    return cols


def char_counts(texts: Sequence[str]) -> sp.csr_matrix:
    """``_char.transform(texts)`` (hashed character n-gram counts within words), computed from
    the cached columns of each word."""
    parts: list[bytes] = []
    ends = [0]
    size = 0
    for text in texts:
        for word in text.split():
            cols = _word_char_columns(word)
            parts.append(cols)
            size += len(cols)
        ends.append(size // 4)
    indices = np.frombuffer(b"".join(parts), dtype=np.int32).copy()
    m = sp.csr_matrix(
        (np.ones(len(indices), dtype=np.float32), indices, np.array(ends, dtype=np.int32)),
        shape=(len(texts), CHAR_DIM),
    )
    m.sum_duplicates()  # as the hasher: one entry a column, sorted
    return m


@dataclass
class Counts:
    """Hashed word and character n-gram counts and the surface block of a batch of texts."""

    word: sp.csr_matrix
    char: sp.csr_matrix
    surface: sp.csr_matrix
    #: The scrubbed texts the counts were made from, kept so that heads reading the sentence
    #: embedding can compute it when the caller did not (None for counts built by hand).
    texts: tuple[str, ...] | None = None

    def rows(self, index) -> Counts:
        texts = None
        if self.texts is not None:
            texts = tuple(np.asarray(self.texts, dtype=object)[index].tolist())
        return Counts(self.word[index], self.char[index], self.surface[index], texts)


def surface(text: str) -> list[float]:
    """Surface features of one scrubbed text, each scaled to about [0, 1]."""
    folded = unicodedata.normalize("NFKC", text)
    return _surface(text, folded, model_text(folded)[1])


_ASCII_LETTERS = string.ascii_letters.encode()
_ASCII_UPPER = string.ascii_uppercase.encode()
_ASCII_DIGITS = string.digits.encode()
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def _char_counts(text: str) -> tuple[int, int, int, int]:
    """Letters, upper-case letters, digits (``str.isdigit``) and non-ASCII characters of
    ``text``: the ASCII part is counted by byte deletion, only the other characters one by one
    (a per-character Python loop was the feature builder's largest cost)."""
    ascii_part = text.encode("ascii", "ignore")
    n = len(ascii_part)
    letters = n - len(ascii_part.translate(None, _ASCII_LETTERS))
    upper = n - len(ascii_part.translate(None, _ASCII_UPPER))
    digits = n - len(ascii_part.translate(None, _ASCII_DIGITS))
    others = _NON_ASCII.findall(text) if n < len(text) else []
    for c in others:
        if c.isalpha():
            letters += 1
            upper += c.isupper()
        digits += c.isdigit()
    return letters, upper, digits, len(others)


def _surface(text: str, folded: str, links: int) -> list[float]:
    """:func:`surface` given the text's NFKC form and its number of links."""
    n = max(len(text), 1)
    n_letters, n_upper, n_digits, n_other = _char_counts(text)
    upper = n_upper / max(n_letters, 1)
    return [
        min(links, 3) / 3,
        float(links > 0),
        math.log1p(len(text)) / 7,
        upper,
        float(upper > 0.6 and n_letters > 8),
        min(text.count("!"), 5) / 5,
        min(text.count("?"), 5) / 5,
        n_digits / n,
        float(bool(_REPEAT.search(text))),
        min(len(_EMOJI.findall(text)), 5) / 5,
        n_other / n,
        float(bool(_LONG_NUMBER.search(text))),
    ] + [float(bool(pattern.search(folded))) for _, pattern in PROMOTION]


def counts(texts: Sequence[str]) -> Counts:
    """Hashed counts and surface features of already scrubbed texts (computed once per batch)."""
    folded = [unicodedata.normalize("NFKC", t) for t in texts]
    model = [model_text(f) for f in folded]
    norm = [m[0] for m in model]
    block = np.array(
        [_surface(t, f, m[1]) for t, f, m in zip(texts, folded, model, strict=True)],
        dtype=np.float32,
    ).reshape(-1, N_SURFACE)
    return Counts(
        _word.transform(norm).tocsr(),
        char_counts(norm),
        sp.csr_matrix(block),
        tuple(texts),
    )


def _l2_rows(m: sp.csr_matrix) -> sp.csr_matrix:
    """``m`` with each row scaled to unit length, in place (empty rows stay empty)."""
    lengths = np.diff(m.indptr)
    rows = np.repeat(np.arange(len(lengths)), lengths)
    sq = np.bincount(rows, weights=m.data * m.data, minlength=len(lengths))
    scale = np.where(sq > 0, 1.0 / np.sqrt(np.maximum(sq, 1e-30)), 0.0).astype(np.float32)
    m.data *= np.repeat(scale, lengths)
    return m


def hstack_rows(blocks: Sequence[sp.csr_matrix | np.ndarray]) -> sp.csr_matrix:
    """The blocks side by side as one float32 CSR matrix (each row's entries block by block).

    Equivalent to ``scipy.sparse.hstack(blocks, format="csr")`` for CSR and dense blocks, built
    with a handful of array operations: scipy's general path costs about a millisecond of
    checks and conversions per call, which one message at a time pays on every head."""
    parts = []
    for block in blocks:
        if isinstance(block, np.ndarray):
            dense = np.asarray(block, dtype=np.float32)
            n, k = dense.shape
            parts.append(
                (
                    np.arange(0, n * k + 1, k, dtype=np.int64),
                    np.tile(np.arange(k, dtype=np.int64), n),
                    dense.ravel(),
                    k,
                )
            )
        else:
            csr = block.tocsr()
            parts.append((csr.indptr.astype(np.int64), csr.indices, csr.data, csr.shape[1]))
    n = len(parts[0][0]) - 1
    indptr = np.zeros(n + 1, dtype=np.int64)
    for ptr, _, _, _ in parts:
        indptr += ptr
    total = int(indptr[-1])
    indices = np.empty(total, dtype=np.int32 if total < 2**31 else np.int64)
    data = np.empty(total, dtype=np.float32)
    before = indptr[:-1].copy()  # where each row's next block begins in the output
    offset = 0
    for ptr, idx, values, width in parts:
        lengths = np.diff(ptr)
        if len(idx):
            # the k-th entry of a row in this block lands after that row's earlier blocks
            dest = np.repeat(before - ptr[:-1], lengths) + np.arange(len(idx))
            indices[dest] = idx + offset
            data[dest] = values
        before += lengths
        offset += width
    out = sp.csr_matrix((data, indices, indptr.astype(indices.dtype)), shape=(n, offset))
    return out


def assemble(
    c: Counts, sublinear: bool = False, idf: np.ndarray | None = None, surface_block: bool = True
) -> sp.csr_matrix:
    """Feature rows from counts: optionally log(1 + tf) ("sublinear") and an IDF weighting
    (``idf`` has TEXT_DIM entries: word columns, then character columns); the word and character
    blocks are L2-normalised separately."""
    blocks: list[sp.csr_matrix | np.ndarray] = []
    for block, offset in ((c.word, 0), (c.char, WORD_DIM)):
        b = block.astype(np.float32, copy=True)
        if sublinear:
            b.data = np.log1p(b.data)
        if idf is not None:
            b.data *= idf[offset + b.indices]
        blocks.append(_l2_rows(b))
    if surface_block:
        blocks.append(c.surface)
    else:
        blocks.append(sp.csr_matrix((c.surface.shape[0], c.surface.shape[1]), dtype=np.float32))
    return hstack_rows(blocks)


def featurize(
    texts: Sequence[str], sublinear: bool = False, idf: np.ndarray | None = None
) -> sp.csr_matrix:
    """Sparse feature rows for already scrubbed texts."""
    return assemble(counts(texts), sublinear, idf)
