"""Which language a family's recorded language picks for their printed plans."""

import pytest

from kbs.public.languages import BY_CODE, ENGLISH, POLISH, ROMANIAN, URDU, language_for


@pytest.mark.parametrize(("recorded", "expected"), [
    ("Polish", POLISH), ("polski", POLISH), ("POLSKI", POLISH), ("Język polski", POLISH), ("Polish (needs interpreter)", POLISH),
    ("Urdu", URDU), ("urdu ", URDU), ("اردو", URDU),
    ("Romanian", ROMANIAN), ("Română", ROMANIAN), ("romana", ROMANIAN), ("limba română", ROMANIAN),
    ("English", ENGLISH), ("british english", ENGLISH),
    ("Polish and English", POLISH), ("English, some Polish", ENGLISH),
])
def test_language_for_recognises_names_in_english_and_in_the_language(recorded: str, expected: object) -> None:
    assert language_for(recorded) is expected


@pytest.mark.parametrize("recorded", ["", None, "French", "Punjabi", "Tigrinya", "sign language", "   "])
def test_language_for_unknown_language_is_english(recorded: str | None) -> None:
    assert language_for(recorded) is ENGLISH


def test_only_urdu_reads_right_to_left() -> None:
    assert [code for code, lang in BY_CODE.items() if lang.rtl] == ["ur"]
    assert URDU.direction == "rtl"
    assert POLISH.direction == "ltr"
    assert ENGLISH.django_code == "en-gb"
    assert ENGLISH.html_lang == "en-GB"
