"""Template helpers for text in the reader's language: dates written the local way, and translated
text put safely inside a printed page's CSS (its page footers)."""

import unicodedata
from datetime import date, datetime
from typing import Any

from django.utils import dateformat, timezone, translation
from django.utils.translation import gettext
from markupsafe import Markup, escape


def local_day(value: date | datetime | None) -> str:
    """A day as the active language writes it: "3 March 2025", "3 marca 2025", "3 مارچ 2025"."""
    if value is None:
        return gettext("Not recorded")
    if isinstance(value, datetime):
        value = timezone.localtime(value).date()
    text = dateformat.format(value, "j E Y")  # E: the month's name as it reads after a day number
    # Romanian writes month names in lower case; Django's catalogue gives them capitals.
    return text.lower() if translation.get_language() == "ro" else text


def css_string(value: Any) -> Markup:
    """A CSS string literal holding `value`, for `content:` in a <style> element, where HTML escapes
    mean nothing: quotes, backslashes, angle brackets and new lines become CSS escapes."""
    text = "".join(f"\\{ord(ch):x} " if ch in '"\\<>\n\r' else ch for ch in str(value))
    return Markup(f'"{text}"')  # noqa: S704 - every character that could end the string or the element is escaped


def text_dir(value: Any) -> str:
    """"rtl" or "ltr" from the first letter with a direction, like dir="auto" (which WeasyPrint
    ignores). What a practitioner typed keeps its own direction inside a page in the other: without
    it, "Put her in the cot." on an Urdu plan prints as ".Put her in the cot"."""
    for ch in str(value):
        kind = unicodedata.bidirectional(ch)
        if kind in ("R", "AL"):
            return "rtl"
        if kind == "L":
            return "ltr"
    return "ltr"


def bidi(value: Any) -> Markup:
    """`value` escaped, in a span with its own direction, to put inside a translated sentence."""
    return Markup('<span dir="{}">{}</span>').format(text_dir(value), escape(str(value)))


FILTERS = {"local_day": local_day, "css_string": css_string, "text_dir": text_dir, "bidi": bidi}
