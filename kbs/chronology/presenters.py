"""Display values for chronology entries, shared by the page, the CSV and the PDF."""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.utils import timezone

from kbs.chronology.models import Entry, Significance

SIGNIFICANCE_TAG = {
    Significance.SIGNIFICANT: "nhsuk-tag--red",
    Significance.NOTABLE: "nhsuk-tag--orange",
    Significance.ROUTINE: "nhsuk-tag--grey",
}

CSV_HEADER = ["Date", "Time", "Agency", "Who", "Kind", "Significance", "Summary"]

# A spreadsheet runs a cell that starts with one of these as a formula; summaries are typed by people.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Row:
    day: str
    iso_day: str
    time: str
    agency: str
    who: str
    kind: str
    significance: str
    significance_tag: str
    summary: str
    baby: str
    link: str


def row(entry: Entry) -> Row:
    local = timezone.localtime(entry.at)
    return Row(
        day=f"{local.day} {local:%B %Y}",
        iso_day=f"{local:%Y-%m-%d}",
        time=f"{local:%H:%M}",
        agency=entry.agency.name if entry.agency else "Not recorded",
        who=entry.actor_name or "Not recorded",
        kind=entry.get_kind_display(),
        significance=entry.get_significance_display(),
        significance_tag=SIGNIFICANCE_TAG.get(Significance(entry.significance), "nhsuk-tag--grey"),
        summary=entry.summary,
        baby=entry.baby.display_name if entry.baby else "",
        link=_internal(entry.link),
    )


def rows(entries: Iterable[Entry]) -> list[Row]:
    return [row(entry) for entry in entries]


def csv_rows(entries: Iterable[Entry]) -> Iterator[list[str]]:
    """Dates as YYYY-MM-DD and times as HH:MM (local), which every spreadsheet reads as such."""
    yield CSV_HEADER
    for entry in entries:
        r = row(entry)
        yield [r.iso_day, r.time, _cell(r.agency), _cell(r.who), r.kind, r.significance, _cell(r.summary)]


def _cell(text: str) -> str:
    return f"'{text}" if text.startswith(_FORMULA_STARTS) else text


def _internal(link: str) -> str:
    """Only a path inside KBS becomes a link: never another site, never a script."""
    return link if link.startswith("/") and not link.startswith("//") else ""
