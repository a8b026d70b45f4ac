"""Any text at all gives a valid answer, never an exception."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from civicdesk.understanding import KINDS, URGENCIES, mask_pii, understand, understand_batch

ODD = [
    "",
    "   ",
    "😀🎉🔥",
    "\ud800 lone surrogate \udfff",
    "<script>alert(1)</script><b>help</b> &amp; &lt;",
    "\x00\x01\x02 control \x1b[31m",
    "mixed Русский 中文 العربية עברית English",
    "a" * 100_000,
    ("help fire 4111111111111111 +33 6 12 34 56 78 " * 2500),
]


def _valid(u):
    assert u.kind in KINDS and u.urgency in URGENCIES
    assert set(u.kind_scores) == set(KINDS)
    assert isinstance(u.language, str) and 0.0 <= u.language_confidence <= 1.0
    for span in u.pii:
        assert 0 <= span.start < span.end


def test_odd_inputs():
    for text in ODD:
        _valid(understand(text, incident=True))
        u = understand(text)
        mask_pii(text, u.pii)
    assert len(understand_batch(ODD)) == len(ODD)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=st.characters(codec=None, blacklist_categories=()), max_size=400))
def test_any_text(text):
    u = understand(text, languages=("en", "fr"), incident=True)
    _valid(u)
    masked = mask_pii(text, u.pii)
    assert isinstance(masked, str)
