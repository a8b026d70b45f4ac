"""X's own grammar for links, mentions, hashtags and cashtags (twitter-text's published rules).

X counts every link as 23, so what X takes for a link decides a post's length; the rules here
are checked against every case of twitter-text's conformance suite (extract.yml, validate.yml
and tlds.yml, see tests/rules/test_x_conformance.py). In short:

- A link starts after a character that is not a letter or digit of ASCII, ``@``, ``$`` or
  ``#`` (bidirectional controls are allowed). Its host ends in a top-level domain of X's list
  (``x_tlds.yaml``) or in punycode; without ``https://`` only its ASCII part is a link, so a
  link stops where CJK text begins. The path keeps letters, digits, Cyrillic, Latin accents
  and URL punctuation, balanced parentheses, and never ends on ``.``, ``,``, ``!`` and the
  like. Hosts must survive IDNA (labels of at most 63 characters once encoded); ``t.co``
  links stop after their slug.
- A mention is ``@`` or ``＠`` and 1-15 of ``A-Za-z0-9_``, not after an ASCII letter or digit
  (except "RT"), never followed by ``@``, an accented Latin letter or ``://``; ``@user/list``
  mentions a list.
- A hashtag is ``#`` or ``＃`` and letters, marks, digits, underscores and a few joiners, with
  at least one letter; it may follow an emoji (variation selectors included), not a letter,
  digit or ``&``, and is no hashtag when ``#`` or ``://`` follows.

Offsets are code points, as everywhere in the rules.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

import regex
import yaml

from .types import Entity

TLD_FILE = Path(__file__).with_name("x_tlds.yaml")

_SPACES = "\t\n\x0b\x0c\r \x85\xa0\u1680\u180e\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_DIRECTIONAL = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_INVALID = "\ufffe\ufeff\uffff"
_PUNCTUATION = r"""!"#$%&'()*+,\-./:;<=>?@\[\]^_`{|}~"""
_LATIN_ACCENTS = (
    "\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff\u0100-\u024f\u0253\u0254\u0256\u0257\u0259\u025b"
    "\u0263\u0268\u026f\u0272\u0289\u028b\u02bb\u0300-\u036f\u1e00-\u1eff"
)
_DOMAIN_CHAR = rf"[^{_DIRECTIONAL}{_PUNCTUATION}{_SPACES}\x00-\x1f\x7f{_INVALID}\ud800-\udfff]"

MAX_URL_LENGTH = 4096
MAX_TCO_SLUG_LENGTH = 40
MAX_SCREEN_NAME = 15


@cache
def x_tlds() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(country, generic) top-level domains X links, from ``x_tlds.yaml``."""
    data = yaml.safe_load(TLD_FILE.read_text(encoding="utf-8"))
    return tuple(data["country"]), tuple(data["generic"])


@dataclass(frozen=True, slots=True)
class _Tlds:
    names: frozenset[str]  # folded with ``fold``
    lengths: tuple[int, ...]  # longest first, as twitter-text tries them
    fold: dict[int, str]  # each character to the one standing for its case class
    first: frozenset[str]  # the first characters of ``names``


@cache
def _tlds() -> _Tlds:
    """X's top-level domains as a set, matched without case as the regex engine would.

    A set lookup replaces an alternation of 1,500 names, which takes a second to compile and
    is slow to try. Case classes come from the engine itself, so ``K`` (Kelvin sign) still
    matches ``k`` as it does in ``(?i:...)``.
    """
    country, generic = x_tlds()
    names = {*country, *generic}
    chars = sorted({c for name in names for c in name})
    any_char = regex.compile("(?i)[" + "".join(regex.escape(c) for c in chars) + "]")
    universe = "".join(chr(x) for x in range(0x20000) if not 0xD800 <= x < 0xE000)
    fold: dict[int, str] = {}
    for x in set(any_char.findall(universe)):
        variants = {x, x.lower(), x.upper(), x.casefold(), x.title()}
        near = [c for c in chars if c in variants or c.upper() in variants]
        same = [c for c in near if regex.fullmatch("(?i)" + regex.escape(c), x)]
        if not same:
            same = [c for c in chars if regex.fullmatch("(?i)" + regex.escape(c), x)]
        fold[ord(x)] = min(same)
    folded = frozenset(name.translate(fold) for name in names)
    lengths = tuple(sorted({len(n) for n in names}, reverse=True))
    return _Tlds(folded, lengths, fold, frozenset(name[0] for name in folded))


_TLD_FOLLOWER = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz@+-")
_PUNYCODE = regex.compile(r"(?i:xn--[\-0-9a-z]+)")


def _tld_end(text: str, pos: int) -> int | None:
    """End of the top-level domain at ``pos``: the longest of X's not followed by a letter,
    digit, ``@``, ``+`` or ``-``, else punycode."""
    tlds = _tlds()
    folded = text[pos : pos + tlds.lengths[0]].translate(tlds.fold)
    if folded[:1] in tlds.first:
        size = len(text)
        for length in tlds.lengths:
            end = pos + length
            if end > size or (end < size and text[end] in _TLD_FOLLOWER):
                continue
            if folded[:length] in tlds.names:
                return end
    punycode = _PUNYCODE.match(text, pos)
    return None if punycode is None else punycode.end()


@dataclass(frozen=True, slots=True)
class LinkGrammar:
    """Which links a platform built on twitter-text's rules finds."""

    protocol: regex.Pattern[str]
    bare_domains: bool
    path_char: regex.Pattern[str]
    path_end: regex.Pattern[str]
    query_char: regex.Pattern[str]
    # X shortens t.co links to their slug; platforms that keep the link as written do not.
    tco_slugs: bool = True


_HOST_RUN = regex.compile(rf"(?:{_DOMAIN_CHAR}|[._\-])+")
# One label and its dot; a label has at most 63 characters (longer ones fail IDNA anyway), a
# host at most 127 labels, which keeps a hostile run of dots from costing quadratic time.
_LABEL = regex.compile(rf"(?:{_DOMAIN_CHAR}|[_\-]){{1,63}}+\.")
_MAX_LABELS = 127


def _match_host(text: str, pos: int) -> tuple[int, int] | None:
    """(start, end) of the host at ``pos``: labels, then one of X's top-level domains.

    Subdomains may hold ``_``, the name before the top-level domain may not; no label starts
    or ends with ``_`` or ``-``. As a greedy pattern would, it takes as many labels as it can
    and gives them back one at a time until a top-level domain follows.
    """
    labels: list[tuple[int, int]] = []
    at = pos
    while len(labels) < _MAX_LABELS and (label := _LABEL.match(text, at)):
        labels.append((at, label.end() - 1))
        at = label.end()
    subdomains = 0
    for start, dot in labels[: _MAX_LABELS - 1]:
        if text[start] in "_-" or text[dot - 1] in "_-":
            break
        subdomains += 1
    for index in range(min(subdomains, len(labels) - 1), -1, -1):
        start, dot = labels[index]
        if text[start] in "_-" or text[dot - 1] in "_-" or "_" in text[start:dot]:
            continue
        end = _tld_end(text, dot + 1)
        if end is not None:
            return pos, end
    return None


_ASCII_LABEL = regex.compile(rf"[A-Za-z0-9\-_{_LATIN_ACCENTS}]+")


def _ascii_hosts(host: str) -> list[tuple[int, int]]:
    """The hosts spelled in ASCII and Latin letters inside ``host``, left to right.

    Each is labels of ``A-Za-z0-9-_`` and accented Latin letters and a top-level domain, the
    longest that starts leftmost, as a regular expression search would find them.
    """
    found: list[tuple[int, int]] = []
    parts: list[tuple[int, int]] = []  # (start, dot) of each dot-ended part
    start = 0
    for dot, char in enumerate(host):
        if char == ".":
            parts.append((start, dot))
            start = dot + 1

    def whole(index: int) -> bool:
        begin, dot = parts[index]
        label = _ASCII_LABEL.match(host, begin, dot)
        return label is not None and label.end() == dot

    pos = 0
    for index, (begin, dot) in enumerate(parts):
        if dot <= pos:
            continue
        # The leftmost start in this part from which ASCII letters run up to its dot.
        first = dot
        while first > max(begin, pos) and _ASCII_LABEL.match(host, first - 1, first):
            first -= 1
        if first >= dot:
            continue
        best = None
        last = index
        while True:
            end = _tld_end(host, parts[last][1] + 1)
            if end is not None:
                best = end
            if last + 1 >= len(parts) or not whole(last + 1):
                break
            last += 1
        if best is not None:
            found.append((first, best))
            pos = best
    return found


_PATH_X = regex.compile(rf"[A-Za-z\p{{Cyrillic}}0-9!*';:=+,.$/%#\[\]\p{{Pd}}_~&|@{_LATIN_ACCENTS}]")
_PATH_END_X = regex.compile(rf"[A-Za-z\p{{Cyrillic}}0-9=_#/+\-{_LATIN_ACCENTS}]")
_QUERY_X = regex.compile(r"[A-Za-z0-9!?*'();:&=+$/%#\[\]\-_.,~|@]")
_QUERY_END = regex.compile(r"[A-Za-z0-9_&=#/\-]")

X_LINKS = LinkGrammar(
    protocol=regex.compile(r"https?://", regex.IGNORECASE),
    bare_domains=True,
    path_char=_PATH_X,
    path_end=_PATH_END_X,
    query_char=_QUERY_X,
)
# Mastodon counts links with twitter-text's grammar as it patches it: more schemes, any
# non-space character in a path, and no link without a scheme.
MASTODON_LINKS = LinkGrammar(
    protocol=regex.compile(r"(?:https?|dat|dweb|ipfs|ipns|ssb|gopher|gemini)://", regex.IGNORECASE),
    bare_domains=False,
    path_char=regex.compile(r"[^\p{White_Space}<>()?]"),
    path_end=regex.compile(r"""[^\p{White_Space}()?!*"'「」<>;:=,.$%\[\]~&|@]"""),
    query_char=regex.compile(r"[A-Za-z0-9!?*'();:&=+$/%#\[\]\-_.,~|@^]"),
    tco_slugs=False,
)

_TCO = regex.compile(r"https?://t\.co/([A-Za-z0-9]+)", regex.IGNORECASE)
_PORT = regex.compile(r":[0-9]+")


@cache
def _balanced_parens(char: regex.Pattern[str]) -> regex.Pattern[str]:
    """``(...)`` in a path, one nested pair allowed, e.g. ``/wiki/Primer_(film)``."""
    c = char.pattern
    return regex.compile(rf"\((?:{c}++|{c}*+\({c}++\){c}*+)\)")


@cache
def _run_of(char: regex.Pattern[str]) -> regex.Pattern[str]:
    """A run of the characters ``char`` matches (possessive: it never gives any back)."""
    return regex.compile(rf"(?:{char.pattern})++")


def _last_end(text: str, start: int, end: int, ending: regex.Pattern[str]) -> int | None:
    """Offset just past the last character of ``text[start:end]`` that ``ending`` accepts."""
    while end > start:
        if ending.match(text, end - 1):
            return end
        end -= 1
    return None


def _path_end(text: str, pos: int, grammar: LinkGrammar) -> int:
    """End of a path starting with the ``/`` at ``pos``: it ends on an ending character."""
    i = good = pos + 1
    run_re = _run_of(grammar.path_char)
    while True:
        if run := run_re.match(text, i):
            good = _last_end(text, i, run.end(), grammar.path_end) or good
            i = run.end()
        if i < len(text) and text[i] == "(":
            parens = _balanced_parens(grammar.path_char).match(text, i)
            if parens is None:
                break
            i = good = parens.end()
        else:
            break
    return good


def _query_end(text: str, pos: int, grammar: LinkGrammar) -> int | None:
    """End of a query starting with the ``?`` at ``pos``, or None when it has no valid end."""
    run = _run_of(grammar.query_char).match(text, pos + 1)
    return None if run is None else _last_end(text, pos + 1, run.end(), _QUERY_END)


@lru_cache(maxsize=4096)
def _idna_length(host: str) -> int | None:
    """Length of ``host`` once IDNA-encoded, or None when IDNA refuses it (Python's codec is
    slow, and a text tends to repeat its hosts)."""
    try:
        return len(host.encode("idna"))
    except UnicodeError:
        return None


def _valid_host(url_length: int, host: str, *, protocol: bool) -> bool:
    """The host survives IDNA (labels of 1-63 characters) and the link stays under 4096."""
    encoded_length = _idna_length(host)
    if encoded_length is None:
        return False
    url_length += max(0, encoded_length - len(host))
    if not protocol:
        url_length += len("https://")
    return url_length <= MAX_URL_LENGTH


# A host's first label (at most 63 characters), its dot and the next label's first character:
# the host pattern, with its long list of top-level domains, is tried only where this matches.
_FIRST_LABEL = regex.compile(rf"{_DOMAIN_CHAR}(?:{_DOMAIN_CHAR}|[_\-]){{0,62}}\.(?:{_DOMAIN_CHAR})")


@cache
def _candidates(grammar: LinkGrammar) -> regex.Pattern[str]:
    """Where a link search may do something: every other offset is skipped without a look.

    A link starts only after a character that is not an ASCII letter or digit, ``@``, ``$``,
    ``#`` or a non-character, and only where a scheme or a host's first label begins; a
    scheme-less start right after ``-``, ``_``, ``.`` or ``/`` skips the host it is in.
    """
    starts = [rf"(?i:{grammar.protocol.pattern})"]
    if grammar.bare_domains:
        starts += [rf"(?<=[\-_./])(?:{_DOMAIN_CHAR}|[._\-])", _FIRST_LABEL.pattern]
    return regex.compile(rf"(?<![A-Za-z0-9@＠$#＃{_INVALID}])(?=" + "|".join(starts) + ")")


def _host_at(text: str, pos: int) -> tuple[int, int] | None:
    if not _FIRST_LABEL.match(text, pos):
        return None
    return _match_host(text, pos)


def find_urls(text: str, grammar: LinkGrammar = X_LINKS) -> list[Entity]:
    """Links in ``text`` as the grammar's platform finds them.

    The search jumps from one possible start to the next (see ``_candidates``), so its cost
    grows with the number of places a link could begin, not with the length of the text.
    """
    if "." not in text:
        return []
    found: list[Entity] = []
    candidates = _candidates(grammar)
    resume = 0
    i = 0
    while (candidate := candidates.search(text, i)) is not None:
        i = candidate.start()
        if 0 < i <= resume:
            i += 1
            continue  # the character before belongs to the previous match
        protocol = grammar.protocol.match(text, i)
        domain = _host_at(text, protocol.end()) if protocol else None
        if domain is None:
            if not grammar.bare_domains:
                i += 1
                continue
            if i > 0 and text[i - 1] in "-_./":
                # A link without a scheme never starts here; skip the host it would take.
                run = _HOST_RUN.match(text, i)
                if run is None:
                    i += 1
                else:
                    resume = i = run.end()
                continue
            protocol = None
            domain = _host_at(text, i)
        if domain is None:
            i += 1
            continue
        host_start, end = domain
        host = text[host_start:end]
        if port := _PORT.match(text, end):
            end = port.end()
        has_path = end < len(text) and text[end] == "/"
        if has_path:
            end = _path_end(text, end, grammar)
        if end < len(text) and text[end] == "?":
            end = _query_end(text, end, grammar) or end
        resume = i = end
        url = text[host_start if protocol is None else protocol.start() : end]
        if protocol is None:
            last: Entity | None = None
            for ascii_start, ascii_end in _ascii_hosts(host):
                name = host[ascii_start:ascii_end]
                if _valid_host(len(url), name, protocol=False):
                    start = host_start + ascii_start
                    last = Entity("url", name, start, host_start + ascii_end)
                    found.append(last)
            if last is not None and has_path:
                found[-1] = Entity("url", text[last.start : end], last.start, end)
            continue
        if grammar.tco_slugs and (tco := _TCO.match(url)):
            if len(tco.group(1)) > MAX_TCO_SLUG_LENGTH:
                continue
            tco_end = tco.end()
            if tco_end < len(url) and url[tco_end] == "?":
                tco_end = _query_end(url, tco_end, grammar) or tco_end
            url = url[:tco_end]
            end = protocol.start() + tco_end
        if _valid_host(len(url), host, protocol=True):
            found.append(Entity("url", url, protocol.start(), end))
    return found


# Mentions -------------------------------------------------------------------------------

_MENTION = regex.compile(
    r"(?:(?<=^|[^A-Za-z0-9_!#$%&*@＠])|(?<=(?:^|[^A-Za-z0-9_+~.\-])[rR][tT]:?))"
    rf"[@＠]([A-Za-z0-9_]{{1,{MAX_SCREEN_NAME}}})(?![A-Za-z0-9_])"
    r"(/[A-Za-z][A-Za-z0-9_\-]{0,24})?",
    regex.VERSION0,
)
_END_MENTION = regex.compile(rf"[@＠{_LATIN_ACCENTS}]|://")
_REPLY = regex.compile(
    rf"[{_SPACES}{_DIRECTIONAL}]*[@＠]([A-Za-z0-9_]{{1,{MAX_SCREEN_NAME}}})(?![A-Za-z0-9_])"
)


def find_mentions(text: str, *, lists: bool = True) -> list[Entity]:
    """Mentions (and, with ``lists``, ``@user/list`` list mentions) in ``text``."""
    if "@" not in text and "＠" not in text:
        return []
    found = []
    for match in _MENTION.finditer(text):
        if _END_MENTION.match(text, match.end()):
            continue
        if match.group(2) and not lists:
            continue
        found.append(Entity("mention", match.group(), match.start(), match.end()))
    return found


def find_reply(text: str) -> str | None:
    """The screen name a post begins by answering, or None."""
    match = _REPLY.match(text)
    if match is None or _END_MENTION.match(text, match.end()):
        return None
    return match.group(1)


# Hashtags and cashtags ------------------------------------------------------------------

_TAG_CHARS = (
    r"\p{L}\p{M}\p{Nd}_\u200c\u200d\ua67e\u05be\u05f3\u05f4\uff5e\u301c\u309b\u309c\u30a0"
    r"\u30fb\u3003\u0f0b\u0f0c\u00b7"
)
_HASHTAG = regex.compile(
    rf"(?:(?<=^)|(?<=[\ufe0e\ufe0f])|(?<=[^&{_TAG_CHARS}]))[#＃](?![\ufe0f\u20e3])([{_TAG_CHARS}]++)"
)
_TAG_LETTER = regex.compile(r"[\p{L}\p{M}]")
_END_HASHTAG = regex.compile(r"[#＃]|://")
_CASHTAG = regex.compile(
    rf"(?:(?<=^)|(?<=[{_SPACES}{_DIRECTIONAL}]))\$([A-Za-z]{{1,6}}(?:[._][A-Za-z]{{1,2}})?)"
    rf"(?=$|[ \t\n\x0b\x0c\r]|[{_PUNCTUATION}])",
    regex.MULTILINE,
)


def _outside(entities: list[Entity], urls: list[Entity]) -> list[Entity]:
    """The entities that overlap none of ``urls`` (links never overlap one another)."""
    if not urls:
        return entities
    spans = sorted((u.start, u.end) for u in urls)
    starts = [start for start, _end in spans]
    kept = []
    for entity in entities:
        # The last link starting before the entity's end is the only one that can overlap it.
        index = bisect_left(starts, entity.end) - 1
        if index < 0 or spans[index][1] <= entity.start:
            kept.append(entity)
    return kept


def find_hashtags(text: str, urls: list[Entity] | None = None) -> list[Entity]:
    """Hashtags in ``text``, leaving out those inside ``urls`` (found here when not given)."""
    if "#" not in text and "＃" not in text:
        return []
    found = []
    for match in _HASHTAG.finditer(text):
        if not _TAG_LETTER.search(match.group(1)) or _END_HASHTAG.match(text, match.end()):
            continue
        found.append(Entity("hashtag", match.group(), match.start(), match.end()))
    return _outside(found, find_urls(text) if urls is None else urls)


def find_cashtags(text: str, urls: list[Entity] | None = None) -> list[Entity]:
    """Cashtags (``$TICKER``) in ``text``."""
    if "$" not in text:
        return []
    found = [Entity("cashtag", m.group(), m.start(), m.end()) for m in _CASHTAG.finditer(text)]
    return _outside(found, find_urls(text) if urls is None else urls)


def extract_x(text: str) -> tuple[list[Entity], list[Entity], list[Entity]]:
    """(urls, mentions, hashtags) in ``text`` as X finds them."""
    urls = find_urls(text)
    return urls, _outside(find_mentions(text), urls), find_hashtags(text, urls)


# Validation (twitter-text's isValid* checks) ---------------------------------------------

_UNRESERVED = r"[A-Za-z\p{Cyrillic}0-9\p{Pd}._~]"
_PCT = r"%[0-9A-Fa-f]{2}"
_SUB_DELIMS = r"[!$&'()*+,;=]"
_PCHAR = rf"(?:{_UNRESERVED}|{_PCT}|{_SUB_DELIMS}|[:|@])"
_URL_PARTS = regex.compile(r"(?:([^:/?#]+)://)?([^/?#]*)([^?#]*)(?:\?([^#]*))?(?:#(.*))?", regex.S)
_VALID_PATH = regex.compile(rf"(?:/{_PCHAR}*)*")
_VALID_QUERY = regex.compile(rf"(?:{_PCHAR}|/|\?)*")
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9][0-9]|[0-9])"
_U = r"[^\x00-\x7f]"
_VALID_AUTHORITY = regex.compile(
    rf"(?:(?:{_UNRESERVED}|{_PCT}|{_SUB_DELIMS}|:)*@)?"
    rf"(?:{_OCTET}(?:\.{_OCTET}){{3}}|\[[A-Fa-f0-9:.]+\]"
    rf"|(?:(?:[A-Za-z0-9]|{_U})(?:(?:[A-Za-z0-9_\-]|{_U})*(?:[A-Za-z0-9]|{_U}))?\.)*"
    rf"(?:(?:[A-Za-z0-9]|{_U})(?:(?:[A-Za-z0-9\-]|{_U})*(?:[A-Za-z0-9]|{_U}))?\.)"
    rf"(?:[A-Za-z]|{_U})(?:(?:[A-Za-z0-9\-]|{_U})*(?:[A-Za-z0-9]|{_U}))?)"
    r"(?::[0-9]{1,5})?"
)


def is_valid_url(url: str, *, require_protocol: bool = True) -> bool:
    """True when ``url`` on its own is a well-formed http(s) link (RFC 3986, Unicode hosts)."""
    parts = _URL_PARTS.fullmatch(url) if url else None
    if parts is None:
        return False
    scheme, authority, path, query, fragment = parts.groups()
    if require_protocol and (scheme is None or scheme.lower() not in {"http", "https"}):
        return False
    if not _VALID_PATH.fullmatch(path):
        return False
    if any(part is not None and not _VALID_QUERY.fullmatch(part) for part in (query, fragment)):
        return False
    return bool(_VALID_AUTHORITY.fullmatch(authority))


def is_valid_username(text: str) -> bool:
    found = find_mentions(text, lists=False)
    return len(found) == 1 and found[0].text == text


def is_valid_list(text: str) -> bool:
    found = find_mentions(text)
    return len(found) == 1 and found[0].text == text and "/" in text


def is_valid_hashtag(text: str) -> bool:
    found = find_hashtags(text)
    return len(found) == 1 and found[0].text == text
