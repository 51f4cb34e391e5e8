"""A faster `indent` filter with the same output as Jinja's.

The NHS.UK frontend macros indent every component's HTML to keep the page source tidy. Jinja's
`indent` works line by line on `Markup`, escaping and copying each line, which made a form's date
input cost about 15 ms. This does the same on plain `str` and marks the result safe once, when the
input was safe. Tested against Jinja's own filter.
"""

from markupsafe import Markup


def indent(s: str, width: int | str = 4, first: bool = False, blank: bool = False) -> str:
    safe = isinstance(s, Markup)
    indention = width if isinstance(width, str) else " " * width
    text = str(s) + "\n"  # as Jinja does, so that a trailing newline survives splitlines
    lines = text.splitlines()
    if blank:
        rv = ("\n" + indention).join(lines)
    else:
        rv = lines[0]
        if len(lines) > 1:
            rv += "\n" + "\n".join(indention + line if line else line for line in lines[1:])
    if first:
        rv = indention + rv
    return Markup(rv) if safe else rv  # noqa: S704 - the input was already safe markup
