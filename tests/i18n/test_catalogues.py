"""The interface's text reaches the translators, and what they translate reaches the screens.

Every template string people read is inside a translate tag; each catalogue's compiled .mo
says exactly what its .po says (the .mo files are committed, so a fresh install needs no
GNU gettext); and, once the translators are done, every message has a translation.
"""

from __future__ import annotations

from pathlib import Path

import polib
import pytest
from django.conf import settings

from tests.i18n.unmarked import (
    TEMPLATE_ROOT,
    Offender,
    all_offenders,
    offenders_in,
    templates,
)

LOCALE = Path(settings.LOCALE_PATHS[0])
TRANSLATED = [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]


def _catalogue(language: str) -> Path:
    return LOCALE / language / "LC_MESSAGES" / "django.po"


def _entries(catalogue: polib._BaseFile) -> dict[tuple[str | None, str], object]:
    """What a catalogue translates: (context, msgid) to its translation(s)."""
    found: dict[tuple[str | None, str], object] = {}
    for entry in catalogue:
        if entry.obsolete or "fuzzy" in entry.flags or not entry.msgid:
            continue
        if entry.msgid_plural:
            forms = tuple(entry.msgstr_plural[i] for i in sorted(entry.msgstr_plural))
            if all(forms):
                found[(entry.msgctxt, entry.msgid)] = forms
        elif entry.msgstr:
            found[(entry.msgctxt, entry.msgid)] = entry.msgstr
    return found


def test_every_template_string_is_marked_for_translation() -> None:
    offenders = all_offenders()
    assert not offenders, "Text outside translate tags:\n" + "\n".join(map(str, offenders))


def test_the_template_check_finds_unmarked_text(tmp_path: Path) -> None:
    # The check itself: it must see bare text, visible attributes and printed literals,
    # and leave alone what is marked, commented out, a script or a brand name.
    root = tmp_path / "civicdesk"
    page = root / "demo" / "templates" / "demo" / "page.html"
    page.parent.mkdir(parents=True)
    page.write_text(
        "{% load i18n %}<h1>Civic Desk</h1>\n"
        "<p>{% translate 'Marked' %} · {{ count }}</p>\n"
        "<p>Bare words</p>\n"
        '<img alt="A bare description" src="x.png">\n'
        "{% comment %}Notes for developers{% endcomment %}\n"
        "<script>const hidden = 'not shown';</script>\n"
        '{{ value|default:"none given" }} {{ value|default:_("none") }}\n'
        "{% blocktranslate %}Whole {{ count }} sentence{% endblocktranslate %}\n",
        encoding="utf-8",
    )
    found = offenders_in(page, root=root)
    assert [(o.line, o.text) for o in found] == [
        (7, 'value|default:"none given"'),
        (3, "Bare words"),
        (4, 'alt="A bare description"'),
    ]
    assert all(isinstance(o, Offender) for o in found)


def test_the_template_check_reads_every_app() -> None:
    apps = {path.relative_to(TEMPLATE_ROOT).parts[0] for path in templates()}
    assert {"pages", "policies", "accounts", "exnet"} <= apps


@pytest.mark.parametrize("language", TRANSLATED)
def test_each_compiled_catalogue_says_what_its_source_says(language: str) -> None:
    source = _catalogue(language)
    compiled = source.with_suffix(".mo")
    assert source.exists(), f"{source} is missing: run makemessages"
    assert compiled.exists(), f"{compiled} is missing: run compilemessages"
    po = polib.pofile(str(source))
    mo = polib.mofile(str(compiled))
    assert _entries(mo) == _entries(po), (
        f"{compiled.name} for {language} differs from its .po: run compilemessages"
    )
    # The plural rule must reach the .mo too, or Arabic gets English's two forms.
    assert mo.metadata.get("Plural-Forms") == po.metadata.get("Plural-Forms")
    assert po.metadata.get("Language") == language


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_catalogues_hold_the_interface(language: str) -> None:
    ids = {entry.msgid for entry in polib.pofile(str(_catalogue(language)))}
    # A few strings from the menu, a template, a form and a flash message.
    assert {
        "Dashboard",
        "Audit log",
        "Interface language",
        "Your interface language is saved.",
    } <= (ids)
    assert len(ids) > 500


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_message_is_translated(language: str) -> None:
    catalogue = polib.pofile(str(_catalogue(language)))
    missing = [
        entry.msgid
        for entry in catalogue
        if not entry.obsolete
        and (
            "fuzzy" in entry.flags
            or (entry.msgid_plural and not all(entry.msgstr_plural.values()))
            or (not entry.msgid_plural and not entry.msgstr)
        )
    ]
    assert not missing, f"{len(missing)} untranslated in {language}, e.g. {missing[:5]}"
