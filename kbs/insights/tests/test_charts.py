"""The SVG charts: accessible (role, title, description), NHS colours, scaled by viewBox, small numbers
never drawn, nothing drawn when there is nothing to plot, and text that survives into a PDF."""

import re
import subprocess

from markupsafe import Markup

from kbs.core.pdf import render_pdf
from kbs.insights import charts
from kbs.insights.measures import BY_SLUG, Cells, Row
from kbs.insights.query import Filters, Result, Series, results


def _bars(svg: str, colour: str) -> int:
    return len(re.findall(rf'<rect [^>]*fill="{colour}"', svg))


def _assert_accessible(svg: str, title: str) -> None:
    assert svg.startswith("<svg ")
    assert 'role="img"' in svg
    assert 'width="100%"' in svg
    assert re.search(r'viewBox="0 0 320 [\d.]+"', svg)
    ident = re.search(r'aria-labelledby="([^"]+)-title"', svg)
    assert ident, svg[:300]
    assert f'aria-describedby="{ident.group(1)}-desc"' in svg
    assert f'<title id="{ident.group(1)}-title">{title}</title>' in svg
    assert f'<desc id="{ident.group(1)}-desc">' in svg


def test_bar_chart_is_an_accessible_svg_with_a_bar_per_row() -> None:
    rows = [Row("Antenatal", 40, 80), Row("New baby review", 90, 100)]
    svg = str(charts.bar_chart(rows, title="Messages at contacts"))
    _assert_accessible(svg, "Messages at contacts")
    assert _bars(svg, charts.BLUE) == 2
    assert _bars(svg, charts.LIGHT_GREY) == 2  # the 100% band behind each percentage
    assert ">50%</text>" in svg
    assert ">90%</text>" in svg
    assert ">Antenatal</text>" in svg
    assert ">New baby review</text>" in svg
    assert "Antenatal: 50%; New baby review: 90%" in svg  # the description says the figures


def test_bar_chart_draws_no_bar_for_a_small_number() -> None:
    rows = [Row("Fathers", 3, 40), Row("Mothers", 30, 40), Row("Others", 38, 40), Row("Completed", 2)]
    svg = str(charts.bar_chart(rows, title="Carers"))
    _assert_accessible(svg, "Carers")
    # 3 of 40 and 38 of 40 (2 left over) could reveal small numbers; a count of 2 is small.
    assert _bars(svg, charts.BLUE) == 1
    assert _bars(svg, charts.GREY) == 0
    assert svg.count(">Not shown</text>") == 3
    assert ">75%</text>" in svg


def test_bar_chart_scales_counts_against_the_largest_and_says_so_when_mixed() -> None:
    svg = str(charts.bar_chart([Row("Completed", 40), Row("Urgent", 20), Row("Same day", 15, 20)], title="Bruising"))
    widths = [float(w) for w in re.findall(rf'<rect [^>]*width="([\d.]+)" [^>]*fill="{charts.GREY}"', svg)]
    track = charts.WIDTH - charts.VALUE_ROOM
    assert widths == [track, track / 2]
    assert ">40</text>" in svg
    assert ">20</text>" in svg
    assert ">75%</text>" in svg
    assert "dark grey bars are" in svg  # the note says which bars are which


def test_bar_chart_is_empty_with_nothing_to_plot() -> None:
    assert charts.bar_chart([], title="Nothing") == Markup("")
    assert charts.bar_chart([Row("Completed", 0), Row("High risk", 0, 0)], title="Nothing") == Markup("")


def test_bar_chart_escapes_labels_and_wraps_long_ones() -> None:
    label = "A very long label <b>with markup</b> that goes on far beyond the width of a phone screen"
    svg = str(charts.bar_chart([Row(label, 10, 20)], title="Tom & Jerry"))
    assert "<b>" not in svg
    assert "&lt;b&gt;" in svg
    assert "<title id=\"chart-tom-jerry-bars-title\">Tom &amp; Jerry</title>" in svg
    lines = re.findall(rf'font-size="{charts.FONT_SIZE}" fill="#212b32">([^<]*)</text>', svg)
    assert len(lines) >= 2
    assert all(len(line) <= charts.WRAP + 10 for line in lines)


def test_funnel_chart_shows_each_stage_count_and_share_of_the_first() -> None:
    rows = [Row("Recorded", 200, 200), Row("Seen", 150, 200), Row("Given one", 3, 200), Row("Given all three", 0, 200)]
    svg = str(charts.funnel_chart(rows, title="Carers reached"))
    _assert_accessible(svg, "Carers reached")
    assert ">200 (100%)</text>" in svg
    assert ">150 (75% of the first)</text>" in svg
    assert ">Not shown</text>" in svg  # 3 is a small number
    widths = [float(w) for w in re.findall(rf'<rect [^>]*width="([\d.]+)" [^>]*fill="{charts.PURPLE}"', svg)]
    assert widths == [320, 240]  # decreasing; none for the small or empty stage
    assert charts.funnel_chart([Row("Recorded", 0, 0)], title="None") == Markup("")


def test_trend_chart_leaves_gaps_where_months_are_suppressed() -> None:
    series = Series([("2026-01", 10, 20), ("2026-02", 12, 20), ("2026-03", 2, 20), ("2026-04", 0, 0),
                     ("2026-05", 15, 30), ("2026-06", 24, 30)])
    svg = str(charts.trend_chart(series, title="All three, month by month"))
    _assert_accessible(svg, "All three, month by month")
    assert svg.count("<polyline") == 2  # January–February, then May–June
    assert svg.count("<circle") == 4
    assert ">Jan 2026</text>" in svg
    assert ">Jun 2026</text>" in svg
    assert ">100%</text>" in svg
    assert ">0%</text>" in svg
    assert "2 months not shown" in svg
    assert "50% in January 2026, 80% in June 2026" in svg


def test_trend_chart_of_counts_and_with_nothing_to_plot() -> None:
    svg = str(charts.trend_chart(Series([("2026-01", 30, None), ("2026-02", 3, None), ("2026-03", 35, None)]), title="Counts"))
    assert svg.count("<circle") == 2
    assert "<polyline" not in svg
    assert ">40</text>" in svg  # the axis runs to a round number above the largest count
    assert charts.trend_chart(Series([("2026-01", 2, 10), ("2026-02", 0, 0)]), title="Gaps") == Markup("")


def _result(slug: str, values: dict[tuple[str, str, str], int]) -> Result:
    found = results(Filters("2026-01", "2026-03"), Cells(values))
    return next(r for r in found if r.measure.slug == slug)


def test_chart_for_and_trend_for_pick_by_measure() -> None:
    funnel = _result("carers-reached", {("carers.recorded", "2026-01", "mother"): 40,
                                        ("carers.seen", "2026-01", "mother"): 30,
                                        ("carers.all_three", "2026-02", "mother"): 20,
                                        ("carers.recorded", "2026-02", "mother"): 30})
    chart = str(charts.chart_for(funnel))
    _assert_accessible(chart, BY_SLUG["carers-reached"].title)
    assert charts.PURPLE in chart
    assert 'id="chart-carers-reached-title"' in chart
    trend = str(charts.trend_for(funnel))
    _assert_accessible(trend, "Parents and carers given all three messages, month by month")
    assert 'id="trend-carers-reached-title"' in trend

    bars = _result("teach-back", {("messages.given", "2026-01", "safe_sleep"): 10,
                                  ("messages.teach_back", "2026-01", "safe_sleep"): 5})
    assert charts.BLUE in str(charts.chart_for(bars))
    assert charts.trend_for(bars) == Markup("")  # teach-back has no month-by-month headline
    empty = _result("safer-sleep", {})
    assert charts.chart_for(empty) == Markup("")
    assert charts.trend_for(empty) == Markup("")


def test_chart_text_is_real_text_in_a_pdf() -> None:
    svg = charts.bar_chart([Row("New baby review", 90, 100), Row("Antenatal", 2, 100)], title="Messages")
    pdf = render_pdf(f"<html><body><div style='width: 320px'>{svg}</div></body></html>")
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True, timeout=30).stdout.decode()
    assert "New baby review" in text
    assert "90%" in text
    assert "Not shown" in text
