"""Finding every message marked for translation, and writing the catalogues
(locale/<code>/LC_MESSAGES/django.po) without losing a translation already made.

Django's makemessages cannot read Jinja templates, so this does the extraction itself:
- templates (kbs/**/jinja2/**/*.jinja): Jinja's own extractor, which needs no Babel;
- Python (kbs/**/*.py, not tests or migrations): calls to _(), gettext(), gettext_lazy(),
  gettext_noop(), pgettext() and pgettext_lazy() with literal strings, found with `ast`;
- the tool specs whose messages for parents appear on printed plans (they are data, not code).

`scripts/extract-messages.py` runs it; `make messages` also compiles the catalogues.
"""

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from jinja2.ext import babel_extract

from kbs.public.catalogues import Entry, parse_po, po_path
from kbs.public.languages import TRANSLATED

# The tools whose plans the family takes home print these rules' messages for parents.
PRINTED_SPECS = ("safer-sleep", "every-baby-matters")

PYTHON_FUNCTIONS = {"_": False, "gettext": False, "gettext_lazy": False, "gettext_noop": False,
                    "pgettext": True, "pgettext_lazy": True}  # True: the first argument is a context

PLURAL_FORMS = {
    "pl": "nplurals=3; plural=(n==1 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);",
    "ur": "nplurals=2; plural=(n != 1);",
    "ro": "nplurals=3; plural=(n==1 ? 0 : (n==0 || (n%100 > 0 && n%100 < 20)) ? 1 : 2);",
}


@dataclass
class Message:
    msgid: str
    context: str | None = None
    places: list[str] = field(default_factory=list)

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.context, self.msgid)


def _root() -> Path:
    return Path(settings.BASE_DIR)


def _template_messages(path: Path) -> Iterator[tuple[int, str | None, str]]:
    with path.open("rb") as handle:
        for line, function, message, _comments in babel_extract(
            handle, keywords=("_", "gettext", "pgettext"), comment_tags=(), options={"extensions": "jinja2.ext.i18n"}
        ):
            # Keyword arguments (the newstyle placeholders) show up as trailing Nones.
            parts = message if isinstance(message, tuple) else (message,)
            if function == "pgettext" and len(parts) >= 2 and isinstance(parts[0], str) and isinstance(parts[1], str):
                yield line, parts[0], parts[1]
            elif function != "pgettext" and isinstance(parts[0], str):
                yield line, None, parts[0]


def _python_messages(path: Path) -> Iterator[tuple[int, str | None, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in PYTHON_FUNCTIONS):
            continue
        wanted = 2 if PYTHON_FUNCTIONS[node.func.id] else 1
        values = [a.value for a in node.args[:wanted] if isinstance(a, ast.Constant) and isinstance(a.value, str)]
        if len(values) == wanted:
            yield node.lineno, (values[0] if wanted == 2 else None), values[-1]


def _spec_messages() -> Iterator[tuple[str, int, str | None, str]]:
    from kbs.tools.spec import get_spec

    for slug in PRINTED_SPECS:
        spec = get_spec(slug)
        where = Path(spec.path).relative_to(_root()) if spec.path else Path(f"kbs/tools/specs/{slug}.yaml")
        for rule in spec.rules:
            if rule.message_for_parents.strip():
                yield str(where), 0, None, rule.message_for_parents.strip()


def find_messages() -> list[Message]:
    """Every message marked for translation, in the order first met (files sorted by path)."""
    root = _root()
    found: dict[tuple[str | None, str], Message] = {}

    def add(place: str, context: str | None, msgid: str) -> None:
        if not msgid:
            return
        message = found.setdefault((context, msgid), Message(msgid, context))
        message.places.append(place)

    for path in sorted(root.glob("kbs/**/jinja2/**/*.jinja")):
        for line, context, msgid in _template_messages(path):
            add(f"{path.relative_to(root)}:{line}", context, msgid)
    for path in sorted(root.glob("kbs/**/*.py")):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        for line, context, msgid in _python_messages(path):
            add(f"{path.relative_to(root)}:{line}", context, msgid)
    for where, _line, context, msgid in _spec_messages():
        add(where, context, msgid)
    return list(found.values())


def _quote(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    return f'"{escaped}"'


def render_po(code: str, messages: list[Message], existing: list[Entry]) -> str:
    """The catalogue for `code`: the messages found, each with the translation it already had."""
    old = {(entry.msgctxt, entry.msgid): entry for entry in existing}
    lines = [
        "# Keeping Babies Safe: public pages and printed plans.",
        "# Written by the project team; awaiting review by a qualified translator.",
        "# Made by scripts/extract-messages.py: edit the msgstr lines only, then run `make messages`.",
        'msgid ""',
        'msgstr ""',
        '"Project-Id-Version: kbs\\n"',
        f'"Language: {code}\\n"',
        '"MIME-Version: 1.0\\n"',
        '"Content-Type: text/plain; charset=UTF-8\\n"',
        '"Content-Transfer-Encoding: 8bit\\n"',
        f'"Plural-Forms: {PLURAL_FORMS[code]}\\n"',
    ]
    for message in messages:
        entry = old.get(message.key)
        lines.append("")
        lines.extend(f"#: {place}" for place in message.places)
        flags = (["fuzzy"] if entry is not None and entry.fuzzy else []) + (["python-format"] if "%(" in message.msgid else [])
        if flags:
            lines.append("#, " + ", ".join(flags))
        if message.context is not None:
            lines.append(f"msgctxt {_quote(message.context)}")
        lines.append(f"msgid {_quote(message.msgid)}")
        lines.append(f"msgstr {_quote(entry.msgstr[0] if entry is not None and entry.msgstr else '')}")
    return "\n".join(lines) + "\n"


def write_catalogues(*, check: bool = False) -> dict[str, tuple[int, int, bool]]:
    """Write (or, with check=True, only compare) every translated language's catalogue.
    Returns {code: (messages, translations dropped because their message is gone, changed)}."""
    messages = find_messages()
    wanted = {message.key for message in messages}
    result = {}
    for language in TRANSLATED:
        path = po_path(language.code)
        before = path.read_text(encoding="utf-8") if path.exists() else ""
        existing = parse_po(before) if before else []
        dropped = sum(1 for entry in existing if (entry.msgctxt, entry.msgid) not in wanted and entry.translated)
        after = render_po(language.code, messages, existing)
        changed = after != before
        if changed and not check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(after, encoding="utf-8")
        result[language.code] = (len(messages), dropped, changed)
    return result


def catalogue_differences() -> dict[str, tuple[list[str], list[str]]]:
    """For each language: the marked messages its catalogue lacks, and the catalogue's messages that
    are no longer marked anywhere. (Places and line numbers may drift; only the messages matter.)"""
    wanted = {message.key for message in find_messages()}
    result = {}
    for language in TRANSLATED:
        path = po_path(language.code)
        have = {(e.msgctxt, e.msgid) for e in parse_po(path.read_text(encoding="utf-8"))} if path.exists() else set()
        result[language.code] = (sorted(m for _, m in wanted - have), sorted(m for _, m in have - wanted))
    return result
