"""Charts for the dashboard and the report, drawn on the server as SVG: no JavaScript, no library.

Each chart is a `Markup` string: an `<svg role="img">` with a `<title>` and a `<desc>` that says the
figures in words, real `<text>` (so a PDF made by WeasyPrint keeps it as text), NHS colours, and a
`viewBox` 320 units wide drawn at `width="100%"`, so it is exactly legible on a 320 px phone and
scales up with its container. The data table beneath each chart is the accessible equivalent; the
charts never show a number the table would hide: a percentage that could reveal a small number, or
a count from 1 to 4, is drawn as no bar with the words "Not shown".

`chart_for(result)` and `trend_for(result)` pick the chart for a measure's `Result`; both give
empty `Markup` when there is nothing to plot.
"""

from collections.abc import Sequence
from datetime import date

from django.utils.text import slugify
from markupsafe import Markup, escape

from kbs.insights.measures import Row
from kbs.insights.query import Result, Series, count_text, is_small, percent_text, percent_value

BLUE = "#005eb8"
PURPLE = "#330072"
GREY = "#425563"
LIGHT_GREY = "#d8dde0"
TEXT = "#212b32"

WIDTH = 320
FONT = "Frutiger W01, Arial, sans-serif"
FONT_SIZE = 16  # 14.4 px on a 320 px phone (the chart is 288 px wide there)
SMALL_FONT = 14
LINE = 20  # the height of a line of text
BAR = 22  # the thickness of a bar
VALUE_ROOM = 52  # room kept at the right of a bar for its value ("100%")
WRAP = 34  # characters of a label per line, at FONT_SIZE in a 320-wide chart

NOT_SHOWN = "Not shown"
NO_RECORDS = "No records"

# What each measure's month-by-month line shows (its `trend` keys), for the trend chart's title.
TREND_LABELS = {
    "three-messages-at-contacts": "Babies given all three messages at a universal contact",
    "carers-reached": "Parents and carers given all three messages",
    "every-carer-reached": "Babies whose every parent and carer had all three messages",
    "icon": "Babies with all five ICON touchpoints",
    "safer-sleep": "Safer sleep assessments that found a high risk",
    "bruising": "Urgent bruising assessments with both same-day steps",
    "prebirth": "Pre-birth cases referred by 16 weeks",
    "concerns": "Concerns that went past their clock",
}


def _wrap(text: str, width: int = WRAP) -> list[str]:
    """Split a label into lines of at most `width` characters, at spaces."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    return [*lines, current] if current else lines or [""]


def _num(x: float) -> str:
    """A coordinate, short."""
    return f"{x:.1f}".rstrip("0").rstrip(".")


def _text(x: float, y: float, text: str, *, anchor: str = "start", size: int = FONT_SIZE, weight: str = "normal",
          fill: str = TEXT) -> str:
    bold = ' font-weight="bold"' if weight == "bold" else ""
    return (f'<text x="{_num(x)}" y="{_num(y)}" text-anchor="{anchor}" font-size="{size}"{bold} '
            f'fill="{fill}">{escape(text)}</text>')


def _rect(x: float, y: float, w: float, h: float, fill: str) -> str:
    return f'<rect x="{_num(x)}" y="{_num(y)}" width="{_num(w)}" height="{_num(h)}" fill="{fill}"/>'


def chart_id(title: str, kind: str) -> str:
    return f"chart-{slugify(title)[:48]}-{kind}"


def _svg(ident: str, title: str, desc: str, height: float, body: list[str]) -> Markup:
    return Markup(  # noqa: S704 - every piece of text in it is escaped above or here
        f'<svg xmlns="http://www.w3.org/2000/svg" class="kbs-chart" viewBox="0 0 {WIDTH} {_num(height)}" '
        f'width="100%" role="img" aria-labelledby="{ident}-title" aria-describedby="{ident}-desc" '
        f'focusable="false" font-family="{FONT}">'
        f'<title id="{ident}-title">{escape(title)}</title><desc id="{ident}-desc">{escape(desc)}</desc>'
        + "".join(body) + "</svg>"
    )


# --- bars ---------------------------------------------------------------------------------------


def bar_value(row: Row) -> tuple[float | None, str]:
    """What a bar shows: (the percentage, or the count, to draw; its text). None draws no bar."""
    if row.denominator is not None:
        if not row.denominator:
            return None, NO_RECORDS
        value = percent_value(row.numerator, row.denominator)
        return (None, NOT_SHOWN) if value is None else (value, f"{value:.0f}%")
    if is_small(row.numerator):
        return None, NOT_SHOWN
    return float(row.numerator), count_text(row.numerator)


def _nothing_to_plot(rows: Sequence[Row]) -> bool:
    return all(r.numerator == 0 and not r.denominator for r in rows)


def bar_chart(rows: Sequence[Row], *, title: str, ident: str | None = None) -> Markup:
    """Horizontal bars, one per row: its percentage against a grey band for 100% when the row has a
    denominator, else its count against the largest count (in grey). Labels sit above the bars so
    that long ones fit a phone."""
    if not rows or _nothing_to_plot(rows):
        return Markup("")
    ident = ident or chart_id(title, "bars")
    values = [bar_value(r) for r in rows]
    counts = [v for r, (v, _) in zip(rows, values, strict=True) if r.denominator is None and v is not None]
    most = max(counts, default=0) or 1
    track = WIDTH - VALUE_ROOM
    body: list[str] = []
    y = 4.0
    for row, (value, text) in zip(rows, values, strict=True):
        for line in _wrap(row.label):
            y += LINE
            body.append(_text(0, y - 4, line))
        y += 2
        if row.denominator is not None:
            body.append(_rect(0, y, track, BAR, LIGHT_GREY))
            length = track * (value or 0) / 100
            colour = BLUE
        else:
            length = track * (value or 0) / most
            colour = GREY
        if value:
            body.append(_rect(0, y, max(length, 1.5), BAR, colour))
        # A figure not shown sits in the empty band; a shown one just past its bar (or the band).
        text_x = 6 if value is None else (track if row.denominator is not None else length) + 6
        body.append(_text(text_x, y + BAR - 6, text, weight="bold"))
        y += BAR + 12
    mixed = bool(counts) and any(r.denominator is not None for r in rows)
    if mixed:
        for line in _wrap("Blue bars are percentages (the grey band is 100%); dark grey bars are numbers.", 38):
            y += LINE
            body.append(_text(0, y - 4, line, size=SMALL_FONT, fill=GREY))
        y += 4
    figures = "; ".join(f"{r.label}: {text}" for r, (_, text) in zip(rows, values, strict=True))
    desc = f"Bar chart. {figures}. The table below gives the same figures."
    return _svg(ident, title, desc, y, body)


# --- funnel -------------------------------------------------------------------------------------


def funnel_chart(rows: Sequence[Row], *, title: str, ident: str | None = None) -> Markup:
    """Stages as centred bars, each as wide as its share of the first stage, with its count and that
    share."""
    if not rows or rows[0].numerator == 0:
        return Markup("")
    ident = ident or chart_id(title, "funnel")
    first = rows[0].numerator
    body: list[str] = []
    parts: list[str] = []
    y = 4.0
    for index, row in enumerate(rows):
        share = percent_value(row.numerator, first)
        if is_small(row.numerator) or (index and share is None):
            text = NOT_SHOWN
        elif index == 0:
            text = f"{count_text(row.numerator)} (100%)"
        else:
            text = f"{count_text(row.numerator)} ({percent_text(row.numerator, first)} of the first)"
        parts.append(f"{row.label}: {text}")
        for line in _wrap(row.label):
            y += LINE
            body.append(_text(0, y - 4, line, weight="bold"))
        y += LINE
        body.append(_text(0, y - 4, text))
        y += 2
        if text != NOT_SHOWN:
            length = max(WIDTH * row.numerator / first, 1.5) if row.numerator else 0
            if length:
                body.append(_rect((WIDTH - length) / 2, y, length, BAR + 4, PURPLE))
            else:
                body.append(_rect(0, y + (BAR + 4) / 2, WIDTH, 1, LIGHT_GREY))
        y += BAR + 4 + 12
    desc = f"Funnel chart, each stage a part of the one before. {'; '.join(parts)}. The table below gives the same figures."
    return _svg(ident, title, desc, y, body)


# --- trend --------------------------------------------------------------------------------------

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def month_label(month: str, *, short: bool = True) -> str:
    year, mon = (int(p) for p in month.split("-"))
    if short:
        return f"{MONTHS[mon - 1]} {year}"
    return date(year, mon, 1).strftime("%B %Y")


def trend_value(numerator: int, denominator: int | None) -> float | None:
    """A month's point: its percentage, or its count when there is no denominator; None (a gap) when
    there are no records or the number is small."""
    if denominator is None:
        return None if is_small(numerator) else float(numerator)
    return percent_value(numerator, denominator)


def _nice_ceiling(n: float) -> int:
    """The smallest of 4, 10, 20, 40, 60, 100, 200, … that is at least n: round, with a whole half-way mark."""
    if n <= 4:
        return 4
    step = 10
    while True:
        for m in (1, 2, 4, 6):
            if step * m >= n:
                return step * m
        step *= 10


def trend_chart(series: Series, *, title: str, ident: str | None = None) -> Markup:
    """The headline month by month: a line of the percentage (or the count, when it has no
    denominator), broken where a month has no records or small numbers."""
    points = series.points
    values = [trend_value(n, d) for _, n, d in points]
    if not points or all(v is None for v in values):
        return Markup("")
    ident = ident or chart_id(title, "trend")
    percent = any(d is not None for _, _, d in points)
    top = 100 if percent else _nice_ceiling(max(v for v in values if v is not None))
    left, right, y_top, y_bottom = 50.0, WIDTH - 8.0, 12.0, 160.0

    def y_of(v: float) -> float:
        return y_bottom - (y_bottom - y_top) * v / top

    n = len(points)

    def x_of(i: int) -> float:
        return (left + right) / 2 if n == 1 else left + (right - left) * i / (n - 1)

    body: list[str] = []
    for fraction in (0, 0.5, 1):
        mark = top * fraction
        y = y_of(mark)
        body.append(f'<line x1="{_num(left)}" y1="{_num(y)}" x2="{_num(right)}" y2="{_num(y)}" '
                    f'stroke="{LIGHT_GREY if fraction else GREY}" stroke-width="1"/>')
        label = f"{mark:.0f}%" if percent else f"{mark:,.0f}"
        body.append(_text(left - 6, y + 5, label, anchor="end", size=SMALL_FONT, fill=GREY))
    for i in range(n):
        body.append(f'<line x1="{_num(x_of(i))}" y1="{_num(y_bottom)}" x2="{_num(x_of(i))}" y2="{_num(y_bottom + 4)}" '
                    f'stroke="{GREY}" stroke-width="1"/>')
    labelled = sorted({0, n - 1} | ({(n - 1) // 2} if n >= 5 else set()))
    for i in labelled:
        anchor = "middle" if n == 1 else "start" if i == 0 else "end" if i == n - 1 else "middle"
        x = x_of(i) - (4 if anchor == "start" and n > 1 else 0) + (4 if anchor == "end" else 0)
        body.append(_text(x, y_bottom + 22, month_label(points[i][0]), anchor=anchor, size=SMALL_FONT, fill=TEXT))
    # Unbroken runs of months are joined by a line; a gap is left where a month is not shown.
    run: list[tuple[float, float]] = []
    runs: list[list[tuple[float, float]]] = []
    for i, v in enumerate(values):
        if v is None:
            if run:
                runs.append(run)
            run = []
        else:
            run.append((x_of(i), y_of(v)))
    if run:
        runs.append(run)
    for r in runs:
        if len(r) > 1:
            coords = " ".join(f"{_num(x)},{_num(y)}" for x, y in r)
            body.append(f'<polyline points="{coords}" fill="none" stroke="{BLUE}" stroke-width="2.5" '
                        'stroke-linejoin="round" stroke-linecap="round"/>')
        for x, y in r:
            body.append(f'<circle cx="{_num(x)}" cy="{_num(y)}" r="3.5" fill="{BLUE}"/>')
    gaps = sum(v is None for v in values)
    height = y_bottom + 32
    if gaps:
        note = f"Gaps: {gaps} month{'s' if gaps != 1 else ''} with no records or small numbers."
        for line in _wrap(note, 38):
            height += LINE
            body.append(_text(0, height - 4, line, size=SMALL_FONT, fill=GREY))
        height += 4
    shown = [(m, v) for (m, _, _), v in zip(points, values, strict=True) if v is not None]

    def fmt(value: float) -> str:
        return f"{value:.0f}%" if percent else f"{value:,.0f}"

    first_month, first_value = shown[0]
    last_month, last_value = shown[-1]
    desc = (f"Line chart, {month_label(points[0][0], short=False)} to {month_label(points[-1][0], short=False)}. "
            f"{fmt(first_value)} in {month_label(first_month, short=False)}"
            + (f", {fmt(last_value)} in {month_label(last_month, short=False)}" if len(shown) > 1 else "")
            + (f"; {gaps} month{'s' if gaps != 1 else ''} not shown (no records or small numbers)" if gaps else "")
            + ". The month-by-month table gives the same figures.")
    return _svg(ident, title, desc, height, body)


# --- by measure -----------------------------------------------------------------------------------


def chart_for(result: Result) -> Markup:
    """The chart for a measure's rows, by its kind: a funnel, or bars (for "bars" and "distribution")."""
    m = result.measure
    if m.chart == "funnel":
        return funnel_chart(result.rows, title=m.title, ident=f"chart-{m.slug}")
    return bar_chart(result.rows, title=m.title, ident=f"chart-{m.slug}")


def trend_title(result: Result) -> str:
    return f"{TREND_LABELS.get(result.measure.slug, result.measure.title)}, month by month"


def trend_for(result: Result) -> Markup:
    """The month-by-month line of a measure's headline, when it has one with anything to plot."""
    if result.series is None:
        return Markup("")
    return trend_chart(result.series, title=trend_title(result), ident=f"trend-{result.measure.slug}")
