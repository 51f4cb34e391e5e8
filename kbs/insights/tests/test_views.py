"""The dashboard, its CSV files and "how we measure": who may see them (analysts everything, leads their
own agency, nobody else), the filters and their errors, small numbers suppressed the same way on the
page and in the CSV, and a fixed number of queries however much data there is."""

import csv
import html
import io
from collections.abc import Callable
from datetime import timedelta
from html.parser import HTMLParser
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kbs.accounts.models import Agency, Team, User
from kbs.audit.models import AuditEvent
from kbs.contacts import actions as contact_actions
from kbs.families.models import Family
from kbs.insights import rollups
from kbs.insights.forms import default_period
from kbs.insights.measures import MEASURES, OBJECTIVES
from kbs.insights.models import ALL_AGENCIES, ALL_DISTRICTS, Cell
from kbs.insights.query import add_months, month_key
from kbs.workforce.models import TrainingRecord

DASHBOARD = reverse("insights:dashboard")
HOW = reverse("insights:how_we_measure")
FIRST, LAST = default_period()
REFUSED = ["health_visitor", "midwife", "police", "outsider"]
URLS = [DASHBOARD, HOW, reverse("insights:measure_csv", args=["carers-reached"])]


def _client(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _text(response: Any) -> str:
    return html.unescape(response.content.decode())


def cell(key: str, value: int, breakdown: str = "", *, month: str = LAST, agency_id: int = ALL_AGENCIES,
         district: str = ALL_DISTRICTS) -> Cell:
    return Cell.objects.create(key=key, value=value, breakdown=breakdown, month=month, agency_id=agency_id, district=district)


class Tables(HTMLParser):
    """Every <table> on a page: its caption and its rows of cell texts."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[dict[str, Any]] = []
        self.cell: list[str] | None = None
        self.in_caption = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.tables.append({"caption": "", "rows": []})
        elif tag == "caption":
            self.in_caption = True
        elif tag == "tr" and self.tables:
            self.tables[-1]["rows"].append([])
        elif tag in ("th", "td") and self.tables:
            self.cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "caption":
            self.in_caption = False
        elif tag in ("th", "td") and self.cell is not None:
            self.tables[-1]["rows"][-1].append(" ".join("".join(self.cell).split()))
            self.cell = None

    def handle_data(self, data: str) -> None:
        if self.in_caption:
            self.tables[-1]["caption"] += data
        elif self.cell is not None:
            self.cell.append(data)


def tables(response: Any) -> dict[str, list[list[str]]]:
    parser = Tables()
    parser.feed(response.content.decode())
    return {" ".join(t["caption"].split()): t["rows"] for t in parser.tables}


def table_for(response: Any, title: str) -> list[list[str]]:
    found = [rows for caption, rows in tables(response).items() if caption.startswith(f"{title}, ") and not caption.endswith("month by month")]
    assert len(found) == 1, f"no single table for {title!r} in {list(tables(response))}"
    return found[0]


@pytest.fixture
def carers(agencies: dict[str, Agency]) -> None:
    """Parents and carers for health visiting (40 recorded) and the police (70), across the partnership."""
    for agency_id, recorded, seen in ((agencies["hv"].pk, 40, 30), (agencies["police"].pk, 70, 66), (ALL_AGENCIES, 110, 96)):
        cell("carers.recorded", recorded, "mother", agency_id=agency_id)
        cell("carers.seen", seen, "mother", agency_id=agency_id)
        cell("carers.any_message", 3, "mother", agency_id=agency_id)


# --- who may see it ------------------------------------------------------------------------------


def test_dashboard_shows_every_objective_and_measure_to_an_analyst(cast: dict[str, User], carers: None) -> None:
    client = _client(cast["analyst"])
    audited = AuditEvent.objects.count()
    response = client.get(DASHBOARD)
    assert response.status_code == 200
    page = _text(response)
    for measure in MEASURES:
        assert f">{measure.title}</h3>" in page
        assert f'href="{HOW}#{measure.slug}"' in page
        assert reverse("insights:measure_csv", args=[measure.slug]) + "?from_month=" in page
    for number in {m.objectives[0] for m in MEASURES}:
        assert OBJECTIVES[number] in page
    for headline in ("Babies given all three messages at the new baby review", "Babies whose every parent and carer had all three messages",
                     "Babies born with all five ICON touchpoints", "Median ICON touchpoints per baby born",
                     "Safer sleep assessments with a safe sleep plan", "Urgent bruising assessments with same-day steps"):
        assert headline in page
    assert "Training and champions" in page
    assert 'name="agency"' in page
    assert "All agencies" in page
    assert table_for(response, "Parents and carers reached")[1][:4] == ["Recorded", "110", "110", "100%"]
    assert 'role="img"' in page
    assert AuditEvent.objects.count() == audited  # no audit row per view: nothing personal is shown


def test_analyst_chooses_an_agency(cast: dict[str, User], agencies: dict[str, Agency], carers: None) -> None:
    response = _client(cast["analyst"]).get(DASHBOARD, {"agency": agencies["police"].pk})
    assert response.status_code == 200
    assert table_for(response, "Parents and carers reached")[1][:2] == ["Recorded", "70"]
    assert "Test Police;" in _text(response)


def test_lead_sees_only_their_own_agency_whatever_they_ask_for(cast: dict[str, User], agencies: dict[str, Agency], carers: None) -> None:
    client = _client(cast["lead"])
    for query in ({}, {"agency": agencies["police"].pk}, {"agency": "not-a-number"}, {"district": "NG7"}):
        response = client.get(DASHBOARD, query)
        assert response.status_code == 200
        assert table_for(response, "Parents and carers reached")[1][:2] == ["Recorded", "40"]
        page = _text(response)
        assert 'name="agency"' not in page
        assert 'name="district"' not in page  # figures are not kept for an agency within an area
        assert "Test Health Visiting" in page
        assert "Test Police" not in page
        csv_link = client.get(reverse("insights:measure_csv", args=["carers-reached"]), query)
        assert list(csv.reader(io.StringIO(csv_link.content.decode())))[1][:2] == ["Recorded", "40"]
    assert "Test Health Visiting" in _text(client.get(HOW))


@pytest.mark.parametrize("url", URLS)
@pytest.mark.parametrize("persona", REFUSED)
def test_everyone_else_is_refused(cast: dict[str, User], persona: str, url: str) -> None:
    response = _client(cast[persona]).get(url)
    assert response.status_code == 403
    assert "You cannot see this page" in _text(response)


@pytest.mark.parametrize("url", URLS)
def test_anonymous_is_sent_to_sign_in(db: Any, url: str) -> None:
    response = Client().get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:sign_in") + "?next=")


def test_navigation_and_overview_link_to_the_dashboard(cast: dict[str, User]) -> None:
    link = f'href="{DASHBOARD}"'
    assert link in _client(cast["analyst"]).get(reverse("core:overview")).content.decode()
    assert link in _client(cast["lead"]).get(reverse("families:mine")).content.decode()
    assert link not in _client(cast["health_visitor"]).get(reverse("families:mine")).content.decode()


# --- the filters ---------------------------------------------------------------------------------


def test_filters_default_to_the_last_twelve_complete_months(cast: dict[str, User]) -> None:
    response = _client(cast["analyst"]).get(DASHBOARD)
    this_month = month_key(timezone.localdate())
    assert LAST == add_months(this_month, -1)
    assert FIRST == add_months(this_month, -12)
    page = response.content.decode()
    assert f'name="from_month" type="text" value="{int(FIRST[5:])}"' in page
    assert f'name="to_year" type="text" value="{LAST[:4]}"' in page


def test_filters_narrow_to_an_area_and_a_contact_point(cast: dict[str, User]) -> None:
    for point, babies, all_three in (("new_baby_review", 50, 40), ("antenatal", 30, 10)):
        cell("point.babies", babies, point, district="DE1")
        cell("point.all_three", all_three, point, district="DE1")
    cell("point.babies", 99, "new_baby_review")
    client = _client(cast["analyst"])
    response = client.get(DASHBOARD, {"district": " de1 ", "point": "new_baby_review", "from_month": "1", "from_year": FIRST[:4],
                                      "to_month": LAST[5:], "to_year": LAST[:4]})
    assert response.status_code == 200
    rows = table_for(response, "Babies given all three messages at each universal contact")
    assert [r[:4] for r in rows[1:]] == [["New baby review", "40", "50", "80%"]]
    assert "area DE1" in _text(response)
    assert 'value="DE1"' in response.content.decode()
    # The contact point does not narrow the measures that are not counted at a contact point.
    assert len(table_for(response, "Parents and carers given all three messages, by who they are")) == 4


@pytest.mark.parametrize(("query", "message"), [
    ({"from_month": "13"}, "The month the period starts must be a number from 1 to 12"),
    ({"to_month": "0"}, "The month the period ends must be a number from 1 to 12"),
    ({"to_month": "May"}, "The month the period ends must be a number from 1 to 12"),
    ({"from_year": "25"}, "The year the period starts must have 4 numbers, like 2025"),
    ({"to_year": "20266"}, "The year the period ends must have 4 numbers, like 2025"),
    ({"from_month": "", "from_year": ""}, "Enter the month and year the period starts"),
    ({"to_year": ""}, "The end of the period must include a year"),
    ({"from_month": "1", "from_year": "2026", "to_month": "12", "to_year": "2025"}, "The start of the period must be the same as or before the end"),
    ({"from_month": "1", "from_year": "2020", "to_month": "1", "to_year": "2023"}, "The period must be 36 months or shorter"),
    ({"agency": "999999"}, "Select an agency from the list"),
    ({"agency": "police"}, "Select an agency from the list"),
    ({"district": "DE1 2AB"}, "Enter a postcode district like DE1 or SK13: 1 or 2 letters, then 1 or 2 numbers"),
    ({"district": "1DE"}, "Enter a postcode district like DE1 or SK13: 1 or 2 letters, then 1 or 2 numbers"),
    ({"district": "DE123"}, "Enter a postcode district like DE1 or SK13: 1 or 2 letters, then 1 or 2 numbers"),
    ({"point": "bath_time"}, "Select a contact point from the list"),
])
def test_bad_filters_are_refused_with_a_specific_message(cast: dict[str, User], carers: None, query: dict[str, str], message: str) -> None:
    client = _client(cast["analyst"])
    response = client.get(DASHBOARD, query)
    assert response.status_code == 400
    page = _text(response)
    assert "There is a problem" in page
    assert message in page
    assert page.count(message) == 2  # in the summary and beside the field
    assert "<title>Error: Dashboard" in page
    assert "Parents and carers reached" not in page  # no figures from bad input
    download = client.get(reverse("insights:measure_csv", args=["carers-reached"]), query)
    assert download.status_code == 400
    assert download["Content-Type"].startswith("text/plain")
    assert message in download.content.decode()


def test_an_agency_and_an_area_together_are_refused(cast: dict[str, User], agencies: dict[str, Agency]) -> None:
    response = _client(cast["analyst"]).get(DASHBOARD, {"agency": agencies["hv"].pk, "district": "DE1"})
    assert response.status_code == 400
    assert "Choose an agency or an area, not both" in _text(response)


def test_a_36_month_period_is_allowed(cast: dict[str, User]) -> None:
    response = _client(cast["analyst"]).get(DASHBOARD, {"from_month": "1", "from_year": "2023", "to_month": "12", "to_year": "2025"})
    assert response.status_code == 200
    assert "Figures for January 2023 to December 2025" in _text(response)


# --- small numbers, the CSV ------------------------------------------------------------------------


def test_small_numbers_show_as_under_five_and_percentages_not_shown(cast: dict[str, User], carers: None) -> None:
    cell("carers.recorded", 20, "mother", month=add_months(FIRST, -1))
    response = _client(cast["analyst"]).get(DASHBOARD)
    rows = table_for(response, "Parents and carers reached")
    assert rows[0][:4] == ["What is counted", "Parents and carers", "Out of", "Percentage"]
    assert rows[0][4].startswith("Previous period (")
    assert rows[1] == ["Recorded", "110", "110", "100%", "100%", "No change"]
    assert rows[2][:4] == ["Seen at a contact", "96", "110", "87%"]
    assert rows[3][:4] == ["Given at least one message", "<5", "110", "Not shown (small numbers)"]
    assert rows[3][5] == "Not shown"
    svg = response.content.decode().split('id="chart-carers-reached-title"')[0].rsplit("<svg", 1)[1]
    assert "Not shown" in response.content.decode().split('id="chart-carers-reached-title"')[1].split("</svg>")[0]
    assert "role=\"img\"" in svg


def test_csv_holds_exactly_what_the_table_shows(cast: dict[str, User], carers: None) -> None:
    cell("carers.recorded", 3, "father_or_partner")
    cell("carers.all_three", 2, "father_or_partner")
    cell("concerns.raised", 3, "neglect")
    client = _client(cast["analyst"])
    query = {"from_month": FIRST[5:], "from_year": FIRST[:4], "to_month": LAST[5:], "to_year": LAST[:4]}
    page = client.get(DASHBOARD, query)
    for measure in MEASURES:
        response = client.get(reverse("insights:measure_csv", args=[measure.slug]), query)
        assert response.status_code == 200
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert response["Content-Disposition"] == f'attachment; filename="kbs-{measure.slug}-{FIRST}-to-{LAST}.csv"'
        assert list(csv.reader(io.StringIO(response.content.decode()))) == table_for(page, measure.title), measure.slug
    by_group = list(csv.reader(io.StringIO(client.get(reverse("insights:measure_csv", args=["carers-by-group"]), query).content.decode())))
    assert by_group[2][:4] == ["Fathers and partners", "<5", "<5", "Not shown (small numbers)"]


def test_csv_link_on_the_page_keeps_the_filters(cast: dict[str, User], carers: None) -> None:
    client = _client(cast["analyst"])
    page = client.get(DASHBOARD, {"district": "de1", "point": "antenatal"}).content.decode()
    href = html.unescape(page.split('href="/dashboard/carers-reached.csv?')[1].split('"')[0])
    assert "district=DE1" in href
    assert "point=antenatal" in href
    assert f"to_year={LAST[:4]}" in href
    assert client.get(f"/dashboard/carers-reached.csv?{href}").status_code == 200


def test_csv_of_an_unknown_measure_is_not_found(cast: dict[str, User]) -> None:
    assert _client(cast["analyst"]).get("/dashboard/no-such-thing.csv").status_code == 404


# --- how we measure ------------------------------------------------------------------------------------


def test_how_we_measure_explains_every_measure(cast: dict[str, User]) -> None:
    response = _client(cast["analyst"]).get(HOW)
    assert response.status_code == 200
    page = _text(response)
    for measure in MEASURES:
        assert f'<h3 id="{measure.slug}">{measure.title}</h3>' in page
        assert " ".join(measure.paragraphs[0].split()) in page
    for part in ("What it shows", "Numerator", "Denominator", "Period"):
        assert f'<dt class="nhsuk-summary-list__key">{part}</dt>' in page
    assert "manage.py rebuild_rollups" in page
    assert "is shown as \"<5\"" in page


# --- real records, and the cost of the page ---------------------------------------------------------


def test_figures_from_real_contacts_after_the_rollups_refresh(cast: dict[str, User], family: Family) -> None:
    mother = family.people.get(relationship="birth_mother")
    contact_actions.record_contact(
        by=cast["health_visitor"], family=family,
        details={"at": timezone.now() - timedelta(hours=1), "contact_type": "new_baby_review", "setting": "home",
                 "baby_seen": True, "sleep_place_observed": "cot", "language": "English", "interpreter_used": False,
                 "notes": "", "shared": True},
        present=[mother],
        deliveries=[{"person": mother, "message": m, "leaflet_given": True, "understanding_checked": True}
                    for m in ("safe_sleep", "safe_handling", "safe_space")],
        life_events=[],
    )
    rollups.refresh_pending()
    this_month = month_key(timezone.localdate())
    response = _client(cast["analyst"]).get(DASHBOARD, {"to_month": this_month[5:], "to_year": this_month[:4],
                                                        "from_month": this_month[5:], "from_year": this_month[:4]})
    assert response.status_code == 200
    rows = table_for(response, "Babies given all three messages at each universal contact")
    assert rows[3][:4] == ["New baby review", "<5", "<5", "Not shown (small numbers)"]
    assert "Not shown</p>" in _text(response)  # the headline: neither the share nor the counts


def _more_data(agencies: dict[str, Agency], make_user: Callable[..., User]) -> None:
    months = [add_months(FIRST, -n) for n in range(24)]
    Cell.objects.bulk_create([
        Cell(agency_id=agency_id, district=district, month=month, key=key, breakdown=breakdown, value=n + 5)
        for n, month in enumerate(months)
        for agency_id in (ALL_AGENCIES, agencies["hv"].pk)
        for district in (ALL_DISTRICTS, "DE1", "DE22")
        for key, breakdown in (("carers.recorded", "mother"), ("point.babies", "antenatal"), ("contacts.recorded", "police"))
    ])
    for n in range(15):
        user = make_user(f"hv-{n}", "health-visitor", agencies["hv"])
        TrainingRecord.objects.create(user=user, level=2, completed_on=timezone.localdate() - timedelta(days=n),
                                      expires_on=timezone.localdate() + timedelta(days=300))
        Team.objects.create(agency=agencies["police"], name=f"Police team {n}")


@pytest.mark.parametrize("persona", ["analyst", "lead"])
def test_the_dashboard_runs_the_same_queries_however_much_data(cast: dict[str, User], agencies: dict[str, Agency],
                                                               make_user: Callable[..., User], persona: str) -> None:
    client = _client(cast[persona])
    client.get(DASHBOARD)  # the first request of a session may do one-off work

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(DASHBOARD).status_code == 200
        return len(queries.captured_queries)

    small = count()
    _more_data(agencies, make_user)
    assert count() == small
    # session, user, roles, agencies (analyst) or the lead's agency, the one fetch of cells, and six
    # for the training figures (roles, staff, training, teams, champions, ratings), the header's agency.
    assert small <= 13
    with CaptureQueriesContext(connection) as queries:
        client.get(DASHBOARD)
    tables_read = {q["sql"].split('FROM "')[1].split('"')[0] for q in queries.captured_queries if 'FROM "' in q["sql"]}
    assert not tables_read & {"contacts_contact", "contacts_messagedelivery", "audit_auditevent", "families_family"}
