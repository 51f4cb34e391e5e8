"""The languages the public pages and the family's printed plans come in, and how the language written
on a family's record picks one of them.

English pages have no language in their URL; the others carry their code (`/keeping-babies-safe/pl/`).
Nothing about language is ever kept in a cookie or a session.
"""

import re
import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class Language:
    code: str  # in URLs and in locale/<code>/: "pl"
    name: str  # in English, for staff pages: "Polish"
    native_name: str  # in the language itself, for the language links: "Polski"
    rtl: bool = False
    # Words a practitioner might type in the family's "language" field (compared without accents).
    aliases: tuple[str, ...] = ()

    @property
    def django_code(self) -> str:
        """The code Django's translation machinery knows (settings.LANGUAGES)."""
        return "en-gb" if self.code == "en" else self.code

    @property
    def html_lang(self) -> str:
        return "en-GB" if self.code == "en" else self.code

    @property
    def direction(self) -> str:
        return "rtl" if self.rtl else "ltr"

    @property
    def is_english(self) -> bool:
        return self.code == "en"


ENGLISH = Language("en", "English", "English", aliases=("english", "eng", "en", "british"))
POLISH = Language("pl", "Polish", "Polski", aliases=("polish", "polski", "polska", "pl", "pol"))
URDU = Language("ur", "Urdu", "اردو", rtl=True, aliases=("urdu", "اردو", "ur", "urd"))
ROMANIAN = Language("ro", "Romanian", "Română", aliases=("romanian", "romana", "romaneste", "ro", "ron", "rum", "moldovan"))

LANGUAGES = (ENGLISH, POLISH, URDU, ROMANIAN)
TRANSLATED = (POLISH, URDU, ROMANIAN)
BY_CODE = {language.code: language for language in LANGUAGES}


def _fold(text: str) -> str:
    """Lower case without accents, so that "Română", "romana" and "ROMANA" read the same."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


_ALIASES = {_fold(alias): language for language in LANGUAGES for alias in language.aliases}


def language_for(recorded: str | None) -> Language:
    """The language a family's record names, in English or in the language itself ("Polish",
    "polski", "Urdu", "اردو", "Română"). The first word that names one wins; anything we have no
    translation for is English, so a plan is never printed in a language the family did not ask for."""
    for word in re.findall(r"\w+", _fold(recorded or "")):
        if word in _ALIASES:
            return _ALIASES[word]
    return ENGLISH
