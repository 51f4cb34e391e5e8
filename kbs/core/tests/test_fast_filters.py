"""The fast `indent` filter gives exactly what Jinja's own gives, for safe and unsafe strings."""

from hypothesis import given
from hypothesis import strategies as st
from jinja2.filters import do_indent
from markupsafe import Markup

from kbs.core.fast_filters import indent

text = st.text(alphabet=st.sampled_from(list("ab <>&\n\r\t")), max_size=40)


@given(s=text, width=st.one_of(st.integers(0, 6), st.sampled_from(["", "  ", "\t", "<i>"])),
       first=st.booleans(), blank=st.booleans(), safe=st.booleans())
def test_same_as_jinja(s: str, width: int | str, first: bool, blank: bool, safe: bool) -> None:
    value = Markup(s) if safe else s  # noqa: S704 - test input
    ours, theirs = indent(value, width, first, blank), do_indent(value, width, first, blank)
    assert ours == theirs
    assert isinstance(ours, Markup) == isinstance(theirs, Markup)


def test_a_component_is_indented() -> None:
    assert indent(Markup("<div>\n<p>x</p>\n</div>"), 2) == Markup("<div>\n  <p>x</p>\n  </div>")
