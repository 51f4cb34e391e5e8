"""Reading our gettext catalogues (locale/<code>/LC_MESSAGES/django.po): how complete each one is.

A small reader of the subset of the PO format that scripts/extract-messages.py writes (and msgfmt
reads): comments, msgctxt, msgid, msgid_plural, msgstr and msgstr[n], with continued strings.
"""

import ast
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from kbs.public.languages import TRANSLATED


@dataclass
class Entry:
    msgid: str
    msgstr: list[str] = field(default_factory=list)
    msgctxt: str | None = None
    msgid_plural: str | None = None
    comments: list[str] = field(default_factory=list)
    fuzzy: bool = False

    @property
    def translated(self) -> bool:
        return not self.fuzzy and bool(self.msgstr) and all(s.strip() for s in self.msgstr)


def _unquote(text: str) -> str:
    return str(ast.literal_eval(text))  # PO strings are C-like: "…" with \" \n \\ escapes


def parse_po(text: str) -> list[Entry]:
    """Every entry but the header (msgid ""), in file order."""
    entries: list[Entry] = []
    current: Entry | None = None
    comments: list[str] = []
    target: tuple[str, int] | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#~"):
            continue  # obsolete
        if line.startswith("#"):
            if current is not None and target is not None and target[0] == "msgstr":
                entries.append(current)
                current, target = None, None
            comments.append(line)
            continue
        keyword, _, rest = line.partition(" ")
        if line.startswith('"'):
            if current is None or target is None:
                raise ValueError(f"a continued string with nothing to continue: {raw!r}")
            name, index = target
            value = _unquote(line)
            if name == "msgstr":
                current.msgstr[index] += value
            else:
                setattr(current, name, (getattr(current, name) or "") + value)
            continue
        if keyword in {"msgctxt", "msgid"} and current is not None and target is not None and target[0] == "msgstr":
            entries.append(current)
            current = None
        if current is None:
            current = Entry(msgid="", comments=comments, fuzzy=any("fuzzy" in c for c in comments if c.startswith("#,")))
            comments = []
        if keyword in {"msgctxt", "msgid", "msgid_plural"}:
            setattr(current, keyword, _unquote(rest))
            target = (keyword, 0)
        elif keyword.startswith("msgstr"):
            index = int(keyword[7:-1]) if "[" in keyword else 0
            while len(current.msgstr) <= index:
                current.msgstr.append("")
            current.msgstr[index] = _unquote(rest)
            target = ("msgstr", index)
        else:
            raise ValueError(f"not a PO line: {raw!r}")
    if current is not None:
        entries.append(current)
    return [entry for entry in entries if entry.msgid]


def po_path(code: str) -> Path:
    return Path(settings.LOCALE_PATHS[0]) / code / "LC_MESSAGES" / "django.po"


@dataclass(frozen=True)
class Completeness:
    code: str
    translated: int
    total: int

    @property
    def complete(self) -> bool:
        return self.total > 0 and self.translated == self.total

    def __str__(self) -> str:
        return f"{self.code}: {self.translated}/{self.total} translated"


def completeness(code: str) -> Completeness:
    """How many of a language's messages are translated (fuzzy ones do not count)."""
    path = po_path(code)
    entries = parse_po(path.read_text(encoding="utf-8")) if path.exists() else []
    return Completeness(code, sum(entry.translated for entry in entries), len(entries))


def all_completeness() -> list[Completeness]:
    return [completeness(lang.code) for lang in TRANSLATED]
