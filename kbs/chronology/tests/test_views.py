"""The chronology pages and exports: every URL for every persona, filters, visibility, audit, and cost.

The same rule decides what the page, the CSV and the PDF show, so each visibility test checks all
three. PDFs are read back with `pdftotext`, as a person reading the printout would.
"""

import csv
import html
import io
import re
import subprocess
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import uuid4

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kbs.accounts.models import User
from kbs.audit.models import Action, AuditEvent
from kbs.chronology.actions import add_entry
from kbs.chronology.models import Entry, Kind, Significance
from kbs.families.models import Family

URLS = ["family", "family_csv", "family_pdf", "baby", "baby_csv", "baby_pdf"]
REFUSED = ["police", "analyst", "outsider", "admin"]
QUERY_BUDGET = 10


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def notes(family: Family, cast: dict[str, User]) -> dict[str, Entry]:
    """A private note from each involved agency, and a shared one from maternity."""
    baby = family.babies.get()
    return {
        "hv_private": add_entry(by=cast["health_visitor"], family=family, baby=baby, kind=Kind.CONTACT,
                                summary="Health visiting private note", shared=False),
        "maternity_private": add_entry(by=cast["midwife"], family=family, kind=Kind.CONCERN,
                                       significance=Significance.SIGNIFICANT, summary="Maternity private note", shared=False),
        "maternity_shared": add_entry(by=cast["midwife"], family=family, kind=Kind.CONTACT,
                                      significance=Significance.NOTABLE, summary="Maternity shared note",
                                      link="/families/"),
    }


def _url(name: str, family: Family, query: str = "") -> str:
    subject = family.babies.get() if name.startswith("baby") else family
    return reverse(f"chronology:{name}", args=[subject.public_id]) + (f"?{query}" if query else "")


def _client(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def _page_summaries(response: Any) -> list[str]:
    """The summary of every entry on the page, in order."""
    cells = re.findall(r'<tr class="nhsuk-table__row kbs-chronology-entry">.*?</tr>', response.content.decode(), re.S)
    summaries = []
    for cell in cells:
        last = re.findall(r'<td class="nhsuk-table__cell">(.*?)</td>', cell, re.S)[-1]
        summaries.append(html.unescape(re.split(r"<br>", last)[0]).strip())
    return summaries


def _csv(response: Any) -> list[list[str]]:
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


def _pdf_text(response: Any) -> str:
    done = subprocess.run(["pdftotext", "-layout", "-", "-"], input=response.content, capture_output=True, check=True)
    return " ".join(done.stdout.decode().split())


def _date_query(name: str, day: date) -> str:
    return f"{name}-day={day.day}&{name}-month={day.month}&{name}-year={day.year}"


# --- who may use each URL --------------------------------------------------------------------


@pytest.mark.parametrize("name", URLS)
def test_chronology_url_health_visitor_gets_it(client: Client, family: Family, cast: dict[str, User], name: str) -> None:
    response = _client(client, cast["health_visitor"]).get(_url(name, family))
    assert response.status_code == 200
    if name.endswith("_csv"):
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert response["Content-Disposition"].startswith('attachment; filename="chronology-')
        assert response["Cache-Control"] == "no-store"
    elif name.endswith("_pdf"):
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith('attachment; filename="chronology-')
        assert response.content.startswith(b"%PDF")
    else:
        assert "Chronology for" in response.content.decode()


@pytest.mark.parametrize("persona", REFUSED)
@pytest.mark.parametrize("name", URLS)
def test_chronology_url_refused_persona_gets_not_found(
    client: Client, family: Family, cast: dict[str, User], name: str, persona: str
) -> None:
    response = _client(client, cast[persona]).get(_url(name, family))
    assert response.status_code == 404
    missing = client.get(reverse(f"chronology:{name}", args=[uuid4()]))
    assert missing.status_code == 404
    assert "Page not found" in response.content.decode()
    assert not AuditEvent.objects.filter(actor=cast[persona], action__in=[Action.VIEW, Action.EXPORT]).exists()


@pytest.mark.parametrize("name", URLS)
def test_chronology_url_anonymous_is_sent_to_sign_in(client: Client, family: Family, name: str) -> None:
    url = _url(name, family)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:sign_in") + "?next=")


@pytest.mark.parametrize("name", URLS)
def test_chronology_url_refuses_post(client: Client, family: Family, cast: dict[str, User], name: str) -> None:
    assert _client(client, cast["health_visitor"]).post(_url(name, family)).status_code == 405


def test_chronology_url_police_with_emergency_access_sees_shared_entries_only(
    client: Client, family: Family, cast: dict[str, User], notes: Any
) -> None:
    from kbs.families import actions

    actions.take_break_glass(by=cast["police"], family=family, reason="Welfare check at the address tonight")
    response = _client(client, cast["police"]).get(_url("family", family))
    assert response.status_code == 200
    assert "Maternity shared note" in _page_summaries(response)
    assert "Maternity private note" not in response.content.decode()
    assert "Health visiting private note" not in response.content.decode()


# --- visibility: page, CSV and PDF alike -----------------------------------------------------


@pytest.mark.parametrize("subject", ["family", "baby"])
def test_chronology_other_agencys_unshared_entry_never_appears(
    client: Client, family: Family, cast: dict[str, User], notes: Any, subject: str
) -> None:
    c = _client(client, cast["health_visitor"])
    page = c.get(_url(subject, family))
    assert "Maternity shared note" in _page_summaries(page)
    assert "Health visiting private note" in _page_summaries(page)
    assert "Maternity private note" not in page.content.decode()

    csv_summaries = [row[6] for row in _csv(c.get(_url(f"{subject}_csv", family)))[1:]]
    assert "Maternity shared note" in csv_summaries
    assert "Health visiting private note" in csv_summaries
    assert "Maternity private note" not in csv_summaries

    text = _pdf_text(c.get(_url(f"{subject}_pdf", family)))
    assert "Maternity shared note" in text
    assert "Health visiting private note" in text
    assert "Maternity private note" not in text


def test_chronology_own_agencys_unshared_entry_appears_for_that_agency(
    client: Client, family: Family, cast: dict[str, User], notes: Any
) -> None:
    c = _client(client, cast["midwife"])
    assert "Maternity private note" in _page_summaries(c.get(_url("family", family)))
    assert "Health visiting private note" not in c.get(_url("family", family)).content.decode()
    assert "Maternity private note" in [row[6] for row in _csv(c.get(_url("family_csv", family)))]
    assert "Maternity private note" in _pdf_text(c.get(_url("family_pdf", family)))


def test_chronology_safeguarding_lead_sees_own_agencys_unshared_entry(
    client: Client, family: Family, cast: dict[str, User], notes: Any
) -> None:
    page = _client(client, cast["lead"]).get(_url("family", family))
    assert "Health visiting private note" in _page_summaries(page)
    assert "Maternity private note" not in page.content.decode()


def test_chronology_agency_filter_lists_only_agencies_seen(
    client: Client, family: Family, cast: dict[str, User]
) -> None:
    # The police are not involved and kept their note to themselves: their name must not leak.
    add_entry(by=cast["police"], family=family, kind=Kind.CONTACT, summary="Police note", shared=False)
    page = _client(client, cast["health_visitor"]).get(_url("family", family)).content.decode()
    assert "Test Health Visiting" in page
    assert "Test Police" not in page


# --- what the page shows ---------------------------------------------------------------------


def test_chronology_page_shows_each_entrys_details(client: Client, family: Family, cast: dict[str, User], notes: Any) -> None:
    page = _client(client, cast["health_visitor"]).get(_url("family", family)).content.decode()
    row = next(r for r in re.findall(r'<tr class="nhsuk-table__row kbs-chronology-entry">.*?</tr>', page, re.S)
               if "Maternity shared note" in r)
    local = timezone.localtime(notes["maternity_shared"].at)
    assert f"{local.day} {local:%B %Y}" in row
    assert f"{local:%H:%M}" in row
    assert "Test Maternity" in row
    assert "Mw Tester" in row
    assert 'nhsuk-tag nhsuk-tag--blue">Contact<' in row
    assert re.search(r'nhsuk-tag--orange[^"]*">Notable<', row)
    assert '<a href="/families/">See the record' in row


def test_chronology_page_significant_entries_are_red(client: Client, family: Family, cast: dict[str, User]) -> None:
    add_entry(by=cast["health_visitor"], family=family, kind=Kind.CONCERN, significance=Significance.SIGNIFICANT,
              summary="Bruise on a non-mobile baby")
    page = _client(client, cast["health_visitor"]).get(_url("family", family)).content.decode()
    assert re.search(r'nhsuk-tag--red[^"]*">Significant<', page)


def test_chronology_page_link_only_for_internal_paths(client: Client, family: Family, cast: dict[str, User]) -> None:
    add_entry(by=cast["health_visitor"], family=family, kind=Kind.CONTACT, summary="Odd link", link="javascript:alert(1)")
    add_entry(by=cast["health_visitor"], family=family, kind=Kind.CONTACT, summary="Other site", link="//example.com/")
    page = _client(client, cast["health_visitor"]).get(_url("family", family)).content.decode()
    assert "javascript:alert" not in page
    assert "//example.com" not in page


def test_chronology_page_is_paginated_fifty_newest_first(client: Client, family: Family, cast: dict[str, User]) -> None:
    start = timezone.now() - timedelta(days=100)
    for i in range(60):
        add_entry(by=cast["health_visitor"], family=family, kind=Kind.CONTACT, summary=f"Visit {i:02d}",
                  at=start + timedelta(hours=i))
    total = Entry.objects.filter(family=family).count()
    c = _client(client, cast["health_visitor"])
    first = _page_summaries(c.get(_url("family", family)))
    second = _page_summaries(c.get(_url("family", family, "page=2")))
    assert len(first) == 50
    assert len(first) + len(second) == total
    # The entries made by registration are newer than the 60 back-dated visits.
    visits = [s for s in first + second if s.startswith("Visit")]
    assert visits == [f"Visit {i:02d}" for i in reversed(range(60))]


def test_chronology_page_pagination_keeps_filters(client: Client, family: Family, cast: dict[str, User]) -> None:
    for i in range(55):
        add_entry(by=cast["health_visitor"], family=family, kind=Kind.CONTACT, summary=f"Visit {i}")
    page = _client(client, cast["health_visitor"]).get(_url("family", family, "kind=contact")).content.decode()
    assert "?kind=contact&amp;page=2" in page


# --- filters ---------------------------------------------------------------------------------


@pytest.fixture
def spread(family: Family, cast: dict[str, User]) -> dict[str, Entry]:
    """Entries across agencies, kinds, significance and dates, older than anything else on the family."""
    def at(day: date) -> datetime:
        return timezone.make_aware(datetime.combine(day, time(10, 30)))

    return {
        "jan": add_entry(by=cast["health_visitor"], family=family, kind=Kind.CONTACT, summary="January visit",
                         at=at(date(2024, 1, 15))),
        "feb": add_entry(by=cast["midwife"], family=family, kind=Kind.CONCERN, significance=Significance.SIGNIFICANT,
                         summary="February concern", at=at(date(2024, 2, 10))),
        "mar": add_entry(by=cast["health_visitor"], family=family, kind=Kind.ASSESSMENT,
                         significance=Significance.NOTABLE, summary="March assessment", at=at(date(2024, 3, 31))),
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("kind=concern", ["February concern"]),
        ("significance=notable&kind=assessment", ["March assessment"]),
        (_date_query("date_from", date(2024, 2, 10)) + "&" + _date_query("date_to", date(2024, 3, 31)),
         ["March assessment", "February concern"]),
        (_date_query("date_to", date(2024, 1, 15)), ["January visit"]),
    ],
)
def test_chronology_filters_select_matching_entries(
    client: Client, family: Family, cast: dict[str, User], spread: Any, query: str, expected: list[str]
) -> None:
    response = _client(client, cast["health_visitor"]).get(_url("family", family, query))
    assert response.status_code == 200
    assert _page_summaries(response) == expected


def test_chronology_filter_by_agency(client: Client, family: Family, cast: dict[str, User], spread: Any) -> None:
    maternity = cast["midwife"].agency_id
    response = _client(client, cast["health_visitor"]).get(_url("family", family, f"agency={maternity}"))
    summaries = _page_summaries(response)
    assert "February concern" in summaries
    assert not {"January visit", "March assessment"} & set(summaries)
    assert Entry.objects.filter(family=family, agency_id=maternity).count() == len(summaries)


def test_chronology_filter_date_range_backwards_is_an_error(
    client: Client, family: Family, cast: dict[str, User], spread: Any
) -> None:
    query = _date_query("date_from", date(2024, 3, 1)) + "&" + _date_query("date_to", date(2024, 2, 1))
    c = _client(client, cast["health_visitor"])
    for name in ("family", "family_csv", "family_pdf"):
        response = c.get(_url(name, family, query))
        assert response.status_code == 400
        page = response.content.decode()
        error = re.search(r'id="id_date_to-error"\s*>\s*<span class="nhsuk-u-visually-hidden">Error: </span>(.*?)</span>', page, re.S)
        assert error, "no error next to the 'to' date"
        assert "must be the same as or after" in html.unescape(error.group(1))
        assert "There is a problem" in page
        assert _page_summaries(response) == []
    assert not AuditEvent.objects.filter(actor=cast["health_visitor"], action__in=[Action.VIEW, Action.EXPORT]).exists()


def test_chronology_filter_unknown_agency_is_an_error(client: Client, family: Family, cast: dict[str, User]) -> None:
    police = cast["police"].agency_id
    response = _client(client, cast["health_visitor"]).get(_url("family", family, f"agency={police}"))
    assert response.status_code == 400


@pytest.mark.parametrize("subject", ["family", "baby"])
@pytest.mark.parametrize("query", ["", "kind=contact", "significance=notable", _date_query("date_from", date(2024, 2, 1))])
def test_chronology_csv_rows_match_page_rows(
    client: Client, family: Family, cast: dict[str, User], notes: Any, spread: Any, subject: str, query: str
) -> None:
    c = _client(client, cast["health_visitor"])
    page = _page_summaries(c.get(_url(subject, family, query)))
    rows = _csv(c.get(_url(f"{subject}_csv", family, query)))
    assert rows[0] == ["Date", "Time", "Agency", "Who", "Kind", "Significance", "Summary"]
    assert [row[6] for row in rows[1:]] == page
    assert page  # every query here matches something


def test_chronology_csv_columns(client: Client, family: Family, cast: dict[str, User], spread: Any) -> None:
    rows = _csv(_client(client, cast["health_visitor"]).get(_url("family_csv", family, "kind=concern")))
    assert rows[1] == ["2024-02-10", "10:30", "Test Maternity", "Mw Tester", "Concern", "Significant", "February concern"]


def test_chronology_csv_defuses_spreadsheet_formulas(client: Client, family: Family, cast: dict[str, User]) -> None:
    add_entry(by=cast["health_visitor"], family=family, kind=Kind.CONTACT, summary="=HYPERLINK(\"http://x\")")
    rows = _csv(_client(client, cast["health_visitor"]).get(_url("family_csv", family)))
    assert "'=HYPERLINK(\"http://x\")" in [row[6] for row in rows]


def test_chronology_pdf_has_title_marking_filters_and_entries(
    client: Client, family: Family, cast: dict[str, User], spread: Any
) -> None:
    c = _client(client, cast["health_visitor"])
    text = _pdf_text(c.get(_url("baby_pdf", family, "significance=significant")))
    assert "OFFICIAL-SENSITIVE" in text
    assert "Chronology for Amelia Hart" in text
    assert "by Hv Tester (Test Health Visiting)" in text
    assert "Significance: Significant" in text
    assert "February concern" in text
    assert "January visit" not in text

    text = _pdf_text(c.get(_url("family_pdf", family)))
    assert "Chronology for family at DE1 2AB" in text
    assert "None, every entry shown" in text
    for summary in ("January visit", "February concern", "March assessment"):
        assert summary in text


# --- audit -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "action", "words"), [
    ("family", Action.VIEW, "Viewed the chronology of the family at DE1 2AB"),
    ("baby", Action.VIEW, "Viewed the chronology of Amelia Hart"),
    ("family_csv", Action.EXPORT, "as CSV"),
    ("baby_csv", Action.EXPORT, "as CSV"),
    ("family_pdf", Action.EXPORT, "as PDF"),
    ("baby_pdf", Action.EXPORT, "as PDF"),
])
def test_chronology_writes_one_audit_row(
    client: Client, family: Family, cast: dict[str, User], name: str, action: Action, words: str
) -> None:
    user = cast["health_visitor"]
    c = _client(client, user)  # signing in writes its own row
    before = AuditEvent.objects.filter(actor=user).count()
    c.get(_url(name, family, "kind=contact"))
    events = list(AuditEvent.objects.filter(actor=user).order_by("-id"))
    assert len(events) == before + 1
    event = events[0]
    assert event.action == action
    assert words in event.summary
    assert event.family_id == family.pk
    assert event.detail["filters"] == {"Kind of entry": "Contact"}


# --- cost ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["family", "baby"])
def test_chronology_page_queries_do_not_grow_with_entries(
    client: Client, family: Family, cast: dict[str, User], name: str,
    django_assert_max_num_queries: Callable[..., Any],
) -> None:
    c = _client(client, cast["health_visitor"])
    baby = family.babies.get()

    def add(n: int) -> None:
        for i in range(n):
            add_entry(by=cast["midwife"] if i % 2 else cast["health_visitor"], family=family,
                      baby=baby if i % 3 else None, kind=Kind.CONTACT, summary=f"Entry {i}", link="/families/")

    url = _url(name, family)
    add(5)
    # Session, user, roles, the family or baby, the agency list, the count, the audit row, the page
    # of entries, and the viewer's agency for the explanation at the top.
    with django_assert_max_num_queries(QUERY_BUDGET):
        few = c.get(url)
    with CaptureQueriesContext(connection) as small:
        c.get(url)
    add(55)
    with django_assert_max_num_queries(QUERY_BUDGET):
        many = c.get(url)
    with CaptureQueriesContext(connection) as large:
        c.get(url)
    assert few.status_code == many.status_code == 200
    assert len(_page_summaries(few)) < 50
    assert len(_page_summaries(many)) == 50
    assert len(small) == len(large)
