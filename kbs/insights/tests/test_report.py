"""The Evaluation and Impact Report, on a small hand-made set of cells with known answers: the PDF read
back with `pdftotext` (as a reader of the printout would), the web page, who may see it, bad input,
and a query count that does not grow with the data."""

import subprocess
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, include, path, reverse
from django.utils import timezone

import kbs.urls
from kbs.accounts.models import Agency, User
from kbs.insights import report as report_views
from kbs.insights import urls as insights_urls
from kbs.insights.measures import BY_SLUG, OBJECTIVES, Cells
from kbs.insights.models import ALL_AGENCIES, ALL_DISTRICTS, Cell
from kbs.insights.report import (
    HEADLINES,
    SMALL_NUMBERS_NOTE,
    TITLE,
    FinancialYear,
    financial_year_of,
)
from kbs.workforce.models import CourseCode, RecordSource, TrainingRecord

# Until kbs/insights/urls.py names the report, these tests add it (see `_report_urls`).
urlpatterns = [
    *[p for p in kbs.urls.urlpatterns if getattr(p, "namespace", None) != "insights"],
    path("", include(([
        *insights_urls.urlpatterns,
        path("dashboard/report/", report_views.report, name="report"),
        path("dashboard/report.pdf", report_views.report_pdf, name="report_pdf"),
    ], "insights"))),
]


@pytest.fixture(autouse=True)
def _report_urls(settings: Any) -> None:
    try:
        reverse("insights:report_pdf")
    except NoReverseMatch:
        settings.ROOT_URLCONF = __name__


THIS = FinancialYear(2025)  # April 2025 to March 2026
LAST = THIS.previous


def put(month: str, key: str, value: int, breakdown: str = "", agency: int = ALL_AGENCIES) -> None:
    Cell.objects.create(agency_id=agency, district=ALL_DISTRICTS, month=month, key=key, breakdown=breakdown, value=value)


@pytest.fixture
def known(agencies: dict[str, Agency]) -> None:
    """Known answers. Every agency: the new baby review gave all three messages to 45 of 50 babies
    this year (90%) and 40 of 50 last year (80%); 3 safer sleep assessments this year; 60 babies born,
    57 of them contacted. Health visiting alone: 20 of 20 this year."""
    put("2025-06", "point.babies", 50, "new_baby_review")
    put("2025-06", "point.all_three", 45, "new_baby_review")
    put("2024-06", "point.babies", 50, "new_baby_review")
    put("2024-06", "point.all_three", 40, "new_baby_review")
    put("2025-07", "ssa.completed", 3, "standard")
    put("2025-08", "babies.recorded", 60, "born")
    put("2025-08", "babies.contacted", 57)
    hv = agencies["hv"].pk
    put("2025-06", "point.babies", 20, "new_baby_review", agency=hv)
    put("2025-06", "point.all_three", 20, "new_baby_review", agency=hv)


def pdf_lines(pdf: bytes) -> list[str]:
    """The PDF's lines as laid out on the page (a table row on one line), spaces collapsed."""
    done = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True, timeout=60)
    return [" ".join(line.split()) for line in done.stdout.decode().splitlines()]


def pdf_text(pdf: bytes) -> str:
    return " ".join(pdf_lines(pdf))


def row(lines: list[str], label: str) -> str:
    """The figures of the table row whose label starts with `label` (a long label wraps onto the next
    line; its figures stay on the first), such as "90% 80% Up 10 points"."""
    found = [line[len(label):].strip() for line in lines if line.startswith(label + " ")]
    assert found, label
    return " | ".join(found)


def page_text(response: Any) -> str:
    return " ".join(response.content.decode().split())


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- the PDF ---------------------------------------------------------------------------------------


def test_report_pdf_has_the_known_figures_by_objective(known: None, cast: dict[str, User]) -> None:
    response = signed_in(cast["analyst"]).get(reverse("insights:report_pdf"), {"year": "2025"})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert 'filename="evaluation-and-impact-report-2025-26.pdf"' in response["Content-Disposition"]
    lines = pdf_lines(response.content)
    text = " ".join(lines)
    assert TITLE in text
    assert "April 2025 to March 2026" in text
    assert "April 2024 to March 2025" in text
    assert "Every agency in the partnership" in text
    for number, title in OBJECTIVES.items():
        assert f"Objective {number}: {title}" in text
    # The new baby review: 90% this year, 80% last year, up 10 points.
    assert "90% 80% Up 10 points" in row(lines, "New baby review")
    assert row(lines, "Babies given all three messages at the").endswith("90% 80% Up 10 points")
    assert "45 of 50 40 of 50" in lines  # the counts under the percentages
    assert "<5 0 Not shown" in row(lines, "Completed")  # 3 safer sleep assessments
    assert "Of these, <5 had no contact recorded" in text  # 60 babies, 57 contacted
    assert " ".join(SMALL_NUMBERS_NOTE.split()) in text
    assert "Child Death Overview Panel" in text
    assert "Page 1 of" in text
    assert "Numerator:" not in text
    assert "Numerator" in text


def test_report_pdf_lists_each_objective_in_its_contents_with_a_page(known: None, cast: dict[str, User]) -> None:
    response = signed_in(cast["analyst"]).get(reverse("insights:report_pdf"), {"year": "2025"})

    done = subprocess.run(["pdftotext", "-layout", "-f", "2", "-l", "2", "-", "-"], input=response.content,
                          capture_output=True, check=True, timeout=60)
    contents = " ".join(done.stdout.decode().split())
    assert "Contents" in contents
    for number in OBJECTIVES:
        assert f"Objective {number}:" in contents
    assert "About these figures" in contents


def test_report_pdf_bad_year_is_plain_text_400(cast: dict[str, User]) -> None:
    response = signed_in(cast["analyst"]).get(reverse("insights:report_pdf"), {"year": "25"})

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain")
    assert "Enter the financial year as 4 numbers" in response.content.decode()


# --- the page --------------------------------------------------------------------------------------


def test_report_page_shows_the_figures_and_links_to_the_pdf(known: None, cast: dict[str, User]) -> None:
    response = signed_in(cast["analyst"]).get(reverse("insights:report"), {"year": "2025"})

    assert response.status_code == 200
    text = page_text(response)
    assert TITLE in text
    assert "April 2025 to March 2026" in text
    assert f'href="{reverse("insights:report_pdf")}?year=2025"' in text
    assert "Download the report (PDF)" in text
    assert "90%" in text
    assert "80%" in text
    assert "Up 10 points" in text
    for number in OBJECTIVES:
        assert f'id="objective-{number}"' in text
    assert '<svg' in text  # the charts
    # A measure serving several objectives is shown once and pointed to from the others.
    assert text.count('id="measure-three-messages-at-contacts"') == 1
    assert 'href="#measure-three-messages-at-contacts"' in text


def test_report_page_without_a_year_shows_the_latest_complete_year_with_figures(cast: dict[str, User]) -> None:
    latest = financial_year_of(timezone.localdate()).previous
    put(latest.first, "babies.recorded", 12, "born")

    text = page_text(signed_in(cast["analyst"]).get(reverse("insights:report")))

    assert f"{latest.label} ({latest.short})" in text


def test_report_page_without_a_year_or_figures_shows_the_current_year(cast: dict[str, User]) -> None:
    current = financial_year_of(timezone.localdate())

    text = page_text(signed_in(cast["analyst"]).get(reverse("insights:report")))

    assert f"{current.label} ({current.short}), the year so far" in text


def test_report_for_one_agency_when_an_analyst_chooses_it(known: None, cast: dict[str, User],
                                                         agencies: dict[str, Agency]) -> None:
    response = signed_in(cast["analyst"]).get(reverse("insights:report"), {"year": "2025", "agency": agencies["hv"].pk})

    text = page_text(response)
    assert "Test Health Visiting, in every area" in text
    assert "100%" in text
    assert "90%" not in text
    assert f"year=2025&amp;agency={agencies['hv'].pk}" in text


@pytest.mark.parametrize(("year", "message"), [
    ("20x5", "Enter the financial year as 4 numbers, for example 2025"),
    ("202", "Enter the financial year as 4 numbers, for example 2025"),
    ("1999", "The financial year must be 2000 or later"),
])
def test_report_page_bad_year_is_400_with_the_reason(cast: dict[str, User], year: str, message: str) -> None:
    response = signed_in(cast["analyst"]).get(reverse("insights:report"), {"year": year})

    assert response.status_code == 400
    text = page_text(response)
    assert "There is a problem" in text
    assert message in text
    assert 'href="#id_year"' in text


def test_report_page_future_year_is_400(cast: dict[str, User]) -> None:
    next_year = financial_year_of(timezone.localdate()).start + 1

    response = signed_in(cast["analyst"]).get(reverse("insights:report"), {"year": str(next_year)})

    assert response.status_code == 400
    assert "The financial year cannot be in the future" in page_text(response)


def test_report_page_unknown_agency_is_400(cast: dict[str, User]) -> None:
    response = signed_in(cast["analyst"]).get(reverse("insights:report"), {"year": "2025", "agency": "999999"})

    assert response.status_code == 400
    assert "Select an agency from the list" in page_text(response)


# --- a safeguarding lead ---------------------------------------------------------------------------


def test_lead_report_is_their_own_agency_whatever_is_asked(known: None, cast: dict[str, User],
                                                           agencies: dict[str, Agency]) -> None:
    client = signed_in(cast["lead"])

    for params in ({"year": "2025"}, {"year": "2025", "agency": agencies["maternity"].pk}):
        response = client.get(reverse("insights:report"), params)
        assert response.status_code == 200
        text = page_text(response)
        assert "Test Health Visiting, in every area" in text
        assert "100%" in text  # health visiting's own 20 of 20
        assert "90%" not in text  # the partnership's figure
        assert "Test Maternity" not in text
        assert "Every agency in the partnership" not in text

    pdf = pdf_text(client.get(reverse("insights:report_pdf"), {"year": "2025"}).content)
    assert "Test Health Visiting" in pdf
    assert "90%" not in pdf


def test_lead_report_counts_their_agency_training_at_the_year_end(
    cast: dict[str, User], agencies: dict[str, Agency], make_user: Callable[..., User]
) -> None:
    staff = [make_user(f"hv{n}-staff", "health-visitor", agencies["hv"]) for n in range(8)]  # 10 with the cast's two
    for user in staff[:5]:
        TrainingRecord.objects.create(user=user, course_code=CourseCode.L2_PBFH, level=2, completed_on=date(2025, 5, 1),
                                      expires_on=date(2028, 5, 1), source=RecordSource.IMPORT)
    make_user("mw-extra", "midwife", agencies["maternity"])

    lines = pdf_lines(signed_in(cast["lead"]).get(reverse("insights:report_pdf"), {"year": "2025"}).content)

    assert row(lines, "Trained at Level 2") == "50% 0% Up 50 points"
    assert row(lines, "Staff who meet families trained").endswith("50% 0% Up 50 points")
    assert "5 of 10 0 of 10" in lines


# --- who may see it --------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["health_visitor", "police", "midwife", "outsider"])
@pytest.mark.parametrize("name", ["insights:report", "insights:report_pdf"])
def test_report_refused_without_dashboard_access(cast: dict[str, User], persona: str, name: str) -> None:
    response = signed_in(cast[persona]).get(reverse(name), {"year": "2025"})

    assert response.status_code == 403
    assert b"%PDF" not in response.content[:10]


@pytest.mark.parametrize("name", ["insights:report", "insights:report_pdf"])
def test_report_asks_anonymous_people_to_sign_in(db: Any, name: str) -> None:
    response = Client().get(reverse(name))

    assert response.status_code == 302
    assert reverse("accounts:sign_in") in response["Location"]


# --- cost and building blocks ----------------------------------------------------------------------


def _queries_for_report(client: Client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("insights:report"), {"year": "2025"}).status_code == 200
    return len(queries)


def test_report_query_count_does_not_grow_with_the_cells(known: None, cast: dict[str, User]) -> None:
    client = signed_in(cast["analyst"])
    few = _queries_for_report(client)
    for month in range(1, 13):
        for key in ("point.babies", "point.all_three", "carers.recorded", "messages.given", "contacts.recorded"):
            put(f"2025-{month:02d}", key, 7 + month, "six_eight_week")
            put(f"2024-{month:02d}", key, 7 + month, "antenatal")

    assert _queries_for_report(client) == few


def test_report_writes_no_audit_row(known: None, cast: dict[str, User]) -> None:
    from kbs.audit.models import AuditEvent

    client = signed_in(cast["analyst"])  # signing in is audited
    before = AuditEvent.objects.count()
    client.get(reverse("insights:report_pdf"), {"year": "2025"})

    assert AuditEvent.objects.count() == before


def test_every_headline_names_a_row_its_measure_has() -> None:
    cells = Cells({})
    for slug, label, _ in HEADLINES:
        assert label in {r.label for r in BY_SLUG[slug].rows(cells, ["2025-04"])}, (slug, label)


def test_financial_year_runs_april_to_march() -> None:
    assert financial_year_of(date(2026, 3, 31)) == FinancialYear(2025)
    assert financial_year_of(date(2026, 4, 1)) == FinancialYear(2026)
    assert (THIS.first, THIS.last, THIS.short, LAST.label) == ("2025-04", "2026-03", "2025/26", "April 2024 to March 2025")
    assert THIS.last_day - THIS.first_day == timedelta(days=364)


def test_report_shows_learning_from_reviews_put_into_practice(known: None, cast: dict[str, User]) -> None:
    from datetime import date

    from kbs.learning import actions as learning

    admin = cast["admin"]
    review = learning.add_review(by=admin, title="Out of routine", scope="national", summary="Sleep away from home.",
                                 published_on=date(2020, 7, 1))
    rec = learning.add_recommendation(by=admin, review=review, text="Plan for sleep when the routine changes.")
    learning.record_change(by=admin, recommendation=rec, kind="message", reference="safe_sleep",
                           changed_on=date(2025, 9, 1), note="Out-of-routine questions added")
    learning.record_change(by=admin, recommendation=rec, kind="message", reference="safe_handling",
                           changed_on=date(2024, 9, 1))  # last year: counted for comparison only
    text = pdf_text(signed_in(cast["analyst"]).get(reverse("insights:report_pdf"), {"year": "2025"}).content)
    assert "Learning from reviews put into practice" in text
    assert "made 1 change to practice" in text
    assert "against 1 change the year before" in text
    assert "Out of routine (national review), recommendation 1" in text
    assert "1 September 2025" in text
    assert "1 September 2024" not in text
