"""Reading the measures for a filter: one query on the cells, whatever the data size.

`results(filters)` gives every measure's rows for the chosen period and the period before it, and
the month-by-month series of each headline, ready for the dashboard, its CSV files and the report.
Suppression (numbers under 5 shown as "<5") is applied by `count_text` and `percent_text` when
numbers are shown, never to the numbers themselves.
"""

from dataclasses import dataclass
from datetime import date
from functools import cached_property

from kbs.insights.measures import MEASURES, Cells, Measure, Row
from kbs.insights.models import ALL_AGENCIES, ALL_DISTRICTS, Cell

SMALL_NUMBER = 5


def month_key(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def add_months(month: str, n: int) -> str:
    year, mon = (int(part) for part in month.split("-"))
    index = year * 12 + (mon - 1) + n
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def months_between(first: str, last: str) -> list[str]:
    """Every month from `first` to `last`, both included."""
    out = []
    month = first
    while month <= last:
        out.append(month)
        month = add_months(month, 1)
    return out


@dataclass(frozen=True)
class Filters:
    first: str  # YYYY-MM
    last: str  # YYYY-MM
    agency_id: int = ALL_AGENCIES
    district: str = ALL_DISTRICTS
    point: str = ""  # a contact point slug, or "" for all

    @cached_property
    def months(self) -> list[str]:
        return months_between(self.first, self.last)

    @cached_property
    def previous_months(self) -> list[str]:
        """The period of the same length just before this one."""
        n = len(self.months)
        return months_between(add_months(self.first, -n), add_months(self.first, -1))


@dataclass(frozen=True)
class Series:
    """A headline, month by month: (month, numerator, denominator or None)."""

    points: list[tuple[str, int, int | None]]


@dataclass(frozen=True)
class Result:
    measure: Measure
    rows: list[Row]
    previous: list[Row]
    series: Series | None

    @property
    def compared(self) -> list[tuple[Row, Row | None]]:
        before = {r.label: r for r in self.previous}
        return [(r, before.get(r.label)) for r in self.rows]


def fetch(filters: Filters) -> Cells:
    """The cells for the filter's agency and district over the period and the one before: one query."""
    months = filters.previous_months + filters.months
    rows = Cell.objects.filter(
        agency_id=filters.agency_id, district=filters.district, month__gte=months[0], month__lte=months[-1]
    ).values_list("key", "month", "breakdown", "value")
    return Cells({(k, m, b): v for k, m, b, v in rows})


def results(filters: Filters, cells: Cells | None = None) -> list[Result]:
    cells = cells if cells is not None else fetch(filters)
    out = []
    for m in MEASURES:
        series = None
        if m.trend is not None:
            numerator, denominator = m.trend
            breakdown = filters.point if (m.by_point and filters.point) else None
            series = Series([
                (month, cells.total(numerator, [month], breakdown),
                 cells.total(denominator, [month], breakdown) if denominator else None)
                for month in filters.months
            ])
        out.append(Result(m, m.rows(cells, filters.months, filters.point),
                          m.rows(cells, filters.previous_months, filters.point), series))
    return out


# --- showing numbers safely --------------------------------------------------------------------


def is_small(n: int | None) -> bool:
    return n is not None and 0 < n < SMALL_NUMBER


def count_text(n: int | None) -> str:
    """A count, or "<5" for 1 to 4 so that nobody can be picked out."""
    if n is None:
        return ""
    return "<5" if is_small(n) else f"{n:,}"


def numerator_text(numerator: int, denominator: int | None) -> str:
    """A count out of a total: "<5" when small, and "Not shown" when the total minus the count is
    from 1 to 4 (showing both would reveal that small number)."""
    if denominator is not None and not is_small(numerator) and is_small(denominator - numerator):
        return "Not shown"
    return count_text(numerator)


def percent_value(numerator: int, denominator: int | None) -> float | None:
    """The percentage, or None when it could reveal a small number: when the numerator, the
    denominator or the difference between them is from 1 to 4, or there is no denominator."""
    if not denominator:
        return None
    if is_small(numerator) or is_small(denominator) or is_small(denominator - numerator):
        return None
    return 100 * numerator / denominator


def percent_text(numerator: int, denominator: int | None) -> str:
    if not denominator:
        return "" if denominator is None else "No records"
    value = percent_value(numerator, denominator)
    return "Not shown (small numbers)" if value is None else f"{value:.0f}%"


def change_text(now: Row, before: Row | None) -> str:
    """The change from the previous period, in percentage points for a percentage, else in the count,
    in words ("Up 3 points"), so that a spreadsheet never reads it as a formula."""
    if before is None:
        return ""
    if now.denominator is not None:
        a = percent_value(now.numerator, now.denominator)
        b = percent_value(before.numerator, before.denominator or 0)
        if a is None or b is None:
            return "Not shown"
        points = round(a - b)
        return "No change" if points == 0 else f"{'Up' if points > 0 else 'Down'} {abs(points)} point{'s' if abs(points) != 1 else ''}"
    if is_small(now.numerator) or is_small(before.numerator):
        return "Not shown"
    diff = now.numerator - before.numerator
    return "No change" if diff == 0 else f"{'Up' if diff > 0 else 'Down'} {abs(diff):,}"
