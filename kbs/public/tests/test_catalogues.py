"""The translation catalogues: every message translated in every language, the compiled .mo files
current, the placeholders kept, and `translation_status` saying so."""

import gettext as python_gettext
import re
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from kbs.public.catalogues import all_completeness, completeness, parse_po, po_path
from kbs.public.extract import catalogue_differences, find_messages
from kbs.public.languages import TRANSLATED

CODES = [lang.code for lang in TRANSLATED]
PLACEHOLDER = re.compile(r"%\(\w+\)s")


@pytest.mark.parametrize("code", CODES)
def test_every_message_is_translated(code: str) -> None:
    counts = completeness(code)
    print(counts)  # the closing note's figures: `pytest -s` shows them
    untranslated = [entry.msgid for entry in parse_po(po_path(code).read_text(encoding="utf-8")) if not entry.translated]
    assert counts.total > 250
    assert not untranslated, f"{code}: {len(untranslated)} untranslated, first {untranslated[:3]}"
    assert counts.complete


def test_catalogues_hold_exactly_the_marked_messages() -> None:
    """Run `make messages` after marking new text: a catalogue that misses a message shows it in English."""
    for code, (missing, obsolete) in catalogue_differences().items():
        assert not missing, f"{code} lacks {len(missing)} marked message(s), first {missing[:2]}: run `make messages`"
        assert not obsolete, f"{code} holds {len(obsolete)} message(s) no longer used, first {obsolete[:2]}"


def test_marked_text_includes_the_plans_and_the_tool_messages_for_parents() -> None:
    places = {place.split(":")[0] for message in find_messages() for place in message.places}
    for path in ("kbs/tools/jinja2/tools/plan_print.jinja", "kbs/contacts/jinja2/contacts/crying_plan_print.jinja",
                 "kbs/tools/jinja2/tools/support_plan_print.jinja", "kbs/tools/plans.py", "kbs/contacts/crying_plans.py",
                 "kbs/tools/support_plans.py", "kbs/tools/specs/safer-sleep.yaml", "kbs/public/jinja2/public/safer_sleep.jinja"):
        assert path in places


@pytest.mark.parametrize("code", CODES)
def test_translations_keep_their_placeholders(code: str) -> None:
    for entry in parse_po(po_path(code).read_text(encoding="utf-8")):
        assert sorted(PLACEHOLDER.findall(entry.msgid)) == sorted(PLACEHOLDER.findall(entry.msgstr[0])), entry.msgid
        assert "%" not in PLACEHOLDER.sub("", entry.msgstr[0]), f"a stray % breaks the template's formatting: {entry.msgid}"


@pytest.mark.parametrize("code", CODES)
def test_compiled_catalogue_matches_the_po_file(code: str) -> None:
    """The committed .mo files are what Django reads: `make messages` must have been run after editing."""
    with po_path(code).with_suffix(".mo").open("rb") as handle:
        compiled = python_gettext.GNUTranslations(handle)
    for entry in parse_po(po_path(code).read_text(encoding="utf-8")):
        if entry.msgctxt:
            assert compiled.pgettext(entry.msgctxt, entry.msgid) == entry.msgstr[0]
        else:
            assert compiled.gettext(entry.msgid) == entry.msgstr[0], entry.msgid


def test_translation_status_prints_each_language(db: Any) -> None:
    out = StringIO()
    call_command("translation_status", stdout=out)
    lines = out.getvalue().splitlines()
    assert [line.split(":")[0] for line in lines] == CODES
    for line, counts in zip(lines, all_completeness(), strict=True):
        assert line == f"{counts.code}: {counts.translated}/{counts.total} translated (awaiting review)"


def test_parse_po_reads_continued_strings_contexts_and_fuzzy_entries() -> None:
    text = '''msgid ""
msgstr "Language: pl\\n"

#, fuzzy
msgid "Hello"
msgstr "Cześć"

msgctxt "page 1 of 2"
msgid "of"
msgstr "z"

msgid ""
"A long "
"line"
msgstr ""
"Długi "
"\\"wiersz\\""
'''
    entries = parse_po(text)
    assert [(e.msgctxt, e.msgid, e.msgstr, e.translated) for e in entries] == [
        (None, "Hello", ["Cześć"], False),
        ("page 1 of 2", "of", ["z"], True),
        (None, "A long line", ['Długi "wiersz"'], True),
    ]
