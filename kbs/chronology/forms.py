"""The chronology's filters: one GET form shared by the page and both exports."""

from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from kbs.chronology.models import Entry, Kind, Significance
from kbs.core.forms import DateField


class FilterForm(forms.Form):
    agency = forms.ChoiceField(label="Agency", required=False)
    kind = forms.ChoiceField(label="Kind of entry", required=False, choices=[("", "All kinds"), *Kind.choices])
    significance = forms.ChoiceField(
        label="Significance", required=False, choices=[("", "Any significance"), *Significance.choices]
    )
    date_from = DateField(label="From", required=False, help_text="For example, 15 3 2025")
    date_to = DateField(label="To", required=False, help_text="For example, 31 3 2025")

    def __init__(self, data: Any, *, agencies: list[tuple[int, str]]) -> None:
        """`agencies` are the (id, name) pairs of the agencies that appear in the entries the
        person may see, so the list never names an agency known only from a hidden entry."""
        super().__init__(data)
        self.fields["agency"].choices = [("", "All agencies"), *((str(pk), name) for pk, name in agencies)]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", "The ‘to’ date must be the same as or after the ‘from’ date")
        return cleaned

    def apply(self, entries: QuerySet[Entry]) -> QuerySet[Entry]:
        """The entries matching the filters. Call only on a valid form."""
        data = self.cleaned_data
        if data["agency"]:
            entries = entries.filter(agency_id=int(data["agency"]))
        if data["kind"]:
            entries = entries.filter(kind=data["kind"])
        if data["significance"]:
            entries = entries.filter(significance=data["significance"])
        # Whole local days, as a range on `at` itself so that the (family, -at) index still applies.
        if data["date_from"]:
            entries = entries.filter(at__gte=_start_of(data["date_from"]))
        if data["date_to"]:
            entries = entries.filter(at__lt=_start_of(data["date_to"] + timedelta(days=1)))
        return entries

    def applied(self) -> list[tuple[str, str]]:
        """The filters in use as (label, value) pairs, for the PDF and the audit trail."""
        if not self.is_valid():
            return []
        shown: list[tuple[str, str]] = []
        for name in ("agency", "kind", "significance"):
            value = self.cleaned_data[name]
            if value:
                choices = dict(self.fields[name].choices)  # type: ignore[attr-defined]
                shown.append((str(self.fields[name].label), str(choices.get(value, value))))
        for name in ("date_from", "date_to"):
            day = self.cleaned_data[name]
            if day:
                shown.append((str(self.fields[name].label), f"{day.day} {day:%B %Y}"))
        return shown

    def query_string(self) -> str:
        """The filters as a query string (without the page number), for links that keep them."""
        return urlencode(sorted((key, value) for key, value in self.data.items() if key != "page" and value))


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))
