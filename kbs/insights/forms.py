"""The dashboard's filters (a GET form): the period, the agency, the area and the contact point.

The period is two months given as a month and a year each, NHS date-input style. Anything left out
of the query string takes its default (the last 12 complete months, every agency, every area,
every contact point), so a link may give only the filters it cares about. A safeguarding lead has no
agency field: their own agency is fixed (see `kbs.insights.access`).
"""

import re
from datetime import date
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.core.exceptions import ValidationError

from kbs.core.validators import today
from kbs.insights.access import Scope
from kbs.insights.facts import POINTS
from kbs.insights.models import ALL_DISTRICTS
from kbs.insights.query import Filters, add_months, month_key, months_between

LONGEST_PERIOD = 36  # months
DISTRICT = re.compile(r"[A-Z]{1,2}[0-9]{1,2}")
ENDS = {"from": "start", "to": "end"}


def default_period(on: date | None = None) -> tuple[str, str]:
    """The last 12 complete months before `on` (today)."""
    last = add_months(month_key(on or today()), -1)
    return add_months(last, -11), last


def _month_input(**attrs: Any) -> forms.TextInput:
    return forms.TextInput(attrs={"inputmode": "numeric", **attrs})


class FilterForm(forms.Form):
    from_month = forms.CharField(label="Month", required=False, widget=_month_input())
    from_year = forms.CharField(label="Year", required=False, widget=_month_input())
    to_month = forms.CharField(label="Month", required=False, widget=_month_input())
    to_year = forms.CharField(label="Year", required=False, widget=_month_input())
    agency = forms.ChoiceField(label="Agency", required=False,
                               error_messages={"invalid_choice": "Select an agency from the list"})
    district = forms.CharField(label="Area (postcode district)", required=False,
                               help_text="The first part of a postcode, like DE1 or SK13. Leave empty for every area.",
                               widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}))
    point = forms.ChoiceField(label="Contact point", required=False,
                              error_messages={"invalid_choice": "Select a contact point from the list"})

    def __init__(self, query: Any, *, scope: Scope, on: date | None = None) -> None:
        first, last = default_period(on)
        data: dict[str, str] = {
            "from_month": str(int(first[5:])), "from_year": first[:4],
            "to_month": str(int(last[5:])), "to_year": last[:4],
            "agency": "", "district": "", "point": "",
        }
        # What the query string gives replaces the defaults; the rest of it is ignored.
        data.update({name: str(query.get(name, "")).strip() for name in data if name in query})
        data["district"] = "".join(data["district"].split()).upper()  # " de1 " is DE1
        super().__init__(data)
        self.scope = scope
        if scope.partnership_wide:
            self._choice("agency").choices = [("", "All agencies"), *((str(a.pk), a.name) for a in scope.agencies)]
        else:
            # A lead sees their agency as a whole: figures are not kept for an agency within an area.
            del self.fields["agency"]
            del self.fields["district"]
        self._choice("point").choices = [("", "All contact points"), *((slug, label) for slug, (label, _) in POINTS.items())]

    def _choice(self, name: str) -> forms.ChoiceField:
        choice = self.fields[name]
        assert isinstance(choice, forms.ChoiceField)
        return choice

    # --- validation ---

    def _month_of(self, end: str) -> str | None:
        """"YYYY-MM" for one end of the period, or None after adding an error to its month or year."""
        month = self.cleaned_data.get(f"{end}_month", "")
        year = self.cleaned_data.get(f"{end}_year", "")
        which = ENDS[end]
        if not month and not year:
            self.add_error(f"{end}_month", f"Enter the month and year the period {'starts' if end == 'from' else 'ends'}")
            return None
        if not month:
            self.add_error(f"{end}_month", f"The {which} of the period must include a month")
            return None
        if not year:
            self.add_error(f"{end}_year", f"The {which} of the period must include a year")
            return None
        ok = True
        if not month.isdigit() or not 1 <= int(month) <= 12:
            self.add_error(f"{end}_month", f"The month the period {'starts' if end == 'from' else 'ends'} must be a number from 1 to 12")
            ok = False
        if not (year.isdigit() and len(year) == 4):
            self.add_error(f"{end}_year", f"The year the period {'starts' if end == 'from' else 'ends'} must have 4 numbers, like 2025")
            ok = False
        return f"{year}-{int(month):02d}" if ok else None

    def clean_district(self) -> str:
        value: str = self.cleaned_data.get("district", "")
        if value and not DISTRICT.fullmatch(value):
            raise ValidationError("Enter a postcode district like DE1 or SK13: 1 or 2 letters, then 1 or 2 numbers",
                                  code="invalid")
        return value

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first, last = self._month_of("from"), self._month_of("to")
        if first and last:
            if first > last:
                self.add_error("from_month", "The start of the period must be the same as or before the end")
            elif len(months_between(first, last)) > LONGEST_PERIOD:
                self.add_error("from_month", f"The period must be {LONGEST_PERIOD} months or shorter")
        if cleaned.get("agency") and cleaned.get("district"):
            # The rollups keep each agency and each area, not each agency within each area (ADR 9).
            self.add_error("district", "Choose an agency or an area, not both: figures are kept for each agency "
                                       "and for each area, not for an agency within an area")
        cleaned["first"], cleaned["last"] = first, last
        return cleaned

    # --- what it yields ---

    @property
    def filters(self) -> Filters:
        """The filters asked for (only once the form is valid); a lead's agency whatever was asked."""
        data = self.cleaned_data
        chosen = int(data["agency"]) if data.get("agency") else None
        return Filters(data["first"], data["last"], self.scope.agency_id_for(chosen),
                       data.get("district") or ALL_DISTRICTS, data["point"])

    @property
    def query_string(self) -> str:
        """The valid filters as a query string, for links that keep them (the CSV downloads)."""
        data = self.cleaned_data
        params = {
            "from_month": str(int(data["first"][5:])), "from_year": data["first"][:4],
            "to_month": str(int(data["last"][5:])), "to_year": data["last"][:4],
        }
        for name in ("agency", "district", "point"):
            if data.get(name):
                params[name] = data[name]
        return urlencode(params)

    @property
    def agency_name(self) -> str:
        if self.scope.fixed_agency is not None:
            return self.scope.fixed_agency.name
        chosen = self.cleaned_data.get("agency")
        return next((a.name for a in self.scope.agencies if str(a.pk) == chosen), "All agencies")

    @property
    def point_label(self) -> str:
        point = self.cleaned_data.get("point")
        return POINTS[point][0] if point else "All contact points"

    def error_items(self) -> list[dict[str, str]]:
        """The error summary's links, each to the input with the problem."""
        return [{"text": str(bf.errors[0]), "href": f"#{bf.auto_id}"} for bf in self if bf.errors]

    def error_lines(self) -> list[str]:
        return [str(bf.errors[0]) for bf in self if bf.errors]

    def period_params(self, end: str) -> dict[str, Any]:
        """The NHS.UK date-input parameters for one end of the period ("from" or "to")."""
        month, year = self[f"{end}_month"], self[f"{end}_year"]
        error = month.errors or year.errors
        return {
            "id": f"period-{end}",
            "fieldset": {"legend": {"text": "From" if end == "from" else "To", "size": "s"}},
            "hint": {"text": "For example, 4 2025" if end == "from" else "For example, 3 2026"},
            "errorMessage": {"text": str(error[0])} if error else False,
            "items": [
                {"id": month.auto_id, "name": month.html_name, "label": "Month", "value": month.value() or "",
                 "width": 2, "classes": "nhsuk-input--error" if month.errors else ""},
                {"id": year.auto_id, "name": year.html_name, "label": "Year", "value": year.value() or "",
                 "width": 4, "classes": "nhsuk-input--error" if year.errors else ""},
            ],
        }
