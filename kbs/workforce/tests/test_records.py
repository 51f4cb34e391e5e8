"""Training records: the CSV import (each kind of problem, reported row by row; nothing half-imported)
and the record pages (a practitioner sees only their own; the training lead sees everyone's)."""

import html
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kbs.accounts.models import Agency, User
from kbs.audit.models import Action, AuditEvent
from kbs.workforce import records
from kbs.workforce.models import RecordSource, TrainingRecord

TODAY = timezone.localdate()
HEADINGS = "email or username,course code,level,completed_on,score,expires_on"


@pytest.fixture
def lead(agencies: dict[str, Agency], make_user: Callable[..., User]) -> User:
    return make_user("tl-tara", "training-lead", agencies["partnership"])


def _csv(*rows: str, headings: str = HEADINGS) -> bytes:
    return ("\n".join([headings, *rows]) + "\n").encode()


def _problems(data: bytes) -> list[tuple[int, str, str]]:
    return [(p.row, p.column, p.problem) for p in records.check_file(data).problems]


# --- checking a file -------------------------------------------------------------------------


def test_good_file_imports_every_row_in_one_go(cast: dict[str, User], lead: User) -> None:
    data = _csv(
        "hv-harriet@example.nhs.uk,L2-PBFH,2,2025-01-10,85,2028-01-10",
        "MW-MAYA,l3-kbs,3,2024-06-01,,",  # username, any case; no score; default expiry
        "pc-peter,L2-PBFH,2,2025-02-01,90%,",
    )
    result = records.import_training_records(by=lead, data=data, file_name="from-elsewhere.csv")
    assert result.problems == []
    assert len(result.records) == 3
    harriet = TrainingRecord.objects.get(user=cast["health_visitor"])
    assert (harriet.course_code, harriet.level, harriet.score, str(harriet.expires_on)) == ("L2-PBFH", 2, 85, "2028-01-10")
    assert harriet.source == RecordSource.IMPORT
    assert harriet.imported_by == lead
    maya = TrainingRecord.objects.get(user=cast["midwife"])
    assert (maya.course_code, maya.score, str(maya.expires_on)) == ("L3-KBS", None, "2027-06-01")
    assert TrainingRecord.objects.get(user=cast["police"]).score == 90
    event = AuditEvent.objects.get(action=Action.CREATE, actor=lead)
    assert event.summary == "Imported 3 training records from a CSV file"
    assert event.detail["file_name"] == "from-elsewhere.csv"
    assert len(event.detail["records"]) == 3


@pytest.mark.parametrize(("row", "column", "problem"), [
    ("nobody@example.org,L2-PBFH,2,2025-01-10,,", "email or username",
     'Nobody in KBS has the e-mail address or username "nobody@example.org"'),
    (",L2-PBFH,2,2025-01-10,,", "email or username", "Enter the person's e-mail address or KBS username"),
    ("hv-harriet,L4-XYZ,2,2025-01-10,,", "course code", '"L4-XYZ" is not a course KBS knows: use L2-PBFH or L3-KBS'),
    ("hv-harriet,,2,2025-01-10,,", "course code", "Enter the course code: L2-PBFH or L3-KBS"),
    ("hv-harriet,L2-PBFH,two,2025-01-10,,", "level", '"two" is not a level: use 2 or 3'),
    ("hv-harriet,L2-PBFH,3,2025-01-10,,", "level", "L2-PBFH is a Level 2 course, not Level 3"),
    ("hv-harriet,L2-PBFH,,2025-01-10,,", "level", "Enter the level: 2 or 3"),
    ("hv-harriet,L2-PBFH,2,10/01/2025,,", "completed_on", '"10/01/2025" is not a date written as YYYY-MM-DD, for example 2025-03-31'),
    ("hv-harriet,L2-PBFH,2,2025-02-30,,", "completed_on", "2025-02-30 is not a real date"),
    ("hv-harriet,L2-PBFH,2,,,", "completed_on", "Enter the date the course was completed, as YYYY-MM-DD"),
    (f"hv-harriet,L2-PBFH,2,{TODAY + timedelta(days=1)},,", "completed_on", f"{TODAY + timedelta(days=1)} is in the future"),
    ("hv-harriet,L2-PBFH,2,2025-01-10,101,", "score", '"101" is not a score: use a whole number from 0 to 100, or leave it blank'),
    ("hv-harriet,L2-PBFH,2,2025-01-10,good,", "score", '"good" is not a score: use a whole number from 0 to 100, or leave it blank'),
    ("hv-harriet,L2-PBFH,2,2025-01-10,,2025-01-01", "expires_on", "The expiry date must be after the completion date"),
    ("hv-harriet,L2-PBFH,2,2025-01-10,,soon", "expires_on", '"soon" is not a date written as YYYY-MM-DD, for example 2025-03-31'),
    ("hv-harriet,L2-PBFH,2,2025-01-10,,,extra", "", "This row has 7 cells but there are only 6 columns"),
])
def test_each_kind_of_row_problem_is_reported_with_row_and_column(
    cast: dict[str, User], row: str, column: str, problem: str
) -> None:
    assert _problems(_csv("mw-maya,L2-PBFH,2,2025-01-10,,", row)) == [(3, column, problem)]


def test_problems_are_listed_for_every_row_and_column(cast: dict[str, User]) -> None:
    data = _csv("hv-harriet,L9,7,yesterday,,", "mw-maya,L2-PBFH,2,2025-01-10,,", "nobody,L2-PBFH,2,2025-01-10,,")
    assert [(row, column) for row, column, _ in _problems(data)] == [
        (2, "course code"), (2, "level"), (2, "completed_on"), (4, "email or username"),
    ]


def test_ambiguous_and_closed_accounts_are_refused(cast: dict[str, User], make_user: Callable[..., User], agencies: dict[str, Agency]) -> None:
    make_user("other-harriet", "health-visitor", agencies["hv"]).__class__.objects.filter(username="other-harriet").update(
        email="hv-harriet@example.nhs.uk")
    cast["midwife"].is_active = False
    cast["midwife"].save()
    data = _csv("hv-harriet@example.nhs.uk,L2-PBFH,2,2025-01-10,,", "mw-maya,L2-PBFH,2,2025-01-10,,")
    assert [p for _, _, p in _problems(data)] == [
        'More than one person in KBS has "hv-harriet@example.nhs.uk": use their username instead',
        'The KBS account for "mw-maya" is closed',
    ]


def test_duplicate_rows_are_flagged(cast: dict[str, User], lead: User) -> None:
    records.import_training_records(by=lead, data=_csv("mw-maya,L2-PBFH,2,2025-01-10,,"))
    data = _csv(
        "hv-harriet,L2-PBFH,2,2025-01-10,80,",
        "HV-Harriet@example.nhs.uk,L2-PBFH,2,2025-01-10,90,",  # the same person written another way
        "mw-maya,L2-PBFH,2,2025-01-10,,",
    )
    assert _problems(data) == [
        (3, "", "This is the same person, course and completion date as row 2"),
        (4, "", "mw-maya already has a record of L2-PBFH completed on 2025-01-10 in KBS"),
    ]


@pytest.mark.parametrize(("data", "problem"), [
    (b"", "The file is empty"),
    (b"\n\n", "The file is empty"),
    (HEADINGS.encode() + b"\n", "The file has headings but no records"),
    ("email,course code,level,completed_on\nhv-harriet,L2-PBFH,2,2025-01-10,café\n".encode("latin-1"),
     'The file is not in the UTF-8 text encoding. In your spreadsheet, save it as "CSV UTF-8".'),
    (b"x" * (records.MAX_BYTES + 1), "The file is larger than 1 MB. Split it into smaller files and import each one."),
])
def test_problems_with_the_whole_file(cast: dict[str, User], data: bytes, problem: str) -> None:
    assert _problems(data) == [(0, "", problem)]


def test_problems_with_the_headings(cast: dict[str, User]) -> None:
    assert _problems(_csv("hv-harriet,L2-PBFH,2025-01-10", headings="email,course,finished")) == [
        (1, "finished", '"finished" is not a column KBS knows. The columns are: email or username, course code, level, completed_on, score, expires_on.'),
        (1, "level", "The level column is missing"),
        (1, "completed_on", "The completed_on column is missing"),
    ]
    assert _problems(_csv("a,b,c,d,e", headings="email,username,course code,level,completed_on"))[0] == (
        1, "username", "There are two columns for email or username")


def test_headings_in_any_case_and_order_with_a_byte_order_mark(cast: dict[str, User], lead: User) -> None:
    data = "\ufeffCompleted On,Level,Course_Code,Username\r\n2025-01-10,2,L2-PBFH,hv-harriet\r\n".encode()
    result = records.import_training_records(by=lead, data=data)
    assert result.problems == []
    assert TrainingRecord.objects.get().user == cast["health_visitor"]


def test_one_bad_row_imports_nothing_and_the_refusal_is_audited(cast: dict[str, User], lead: User) -> None:
    data = _csv(*[f"{u},L2-PBFH,2,2025-01-10,,," if u == "mw-maya" else f"{u},L2-PBFH,2,2025-01-10,,"
                  for u in ("hv-harriet", "lead-lucy", "mw-maya", "pc-peter")])
    result = records.import_training_records(by=lead, data=data, file_name="bad.csv")
    assert result.records == []
    assert [p.row for p in result.problems] == [4]
    assert TrainingRecord.objects.count() == 0
    refused = AuditEvent.objects.get(action=Action.REFUSED, actor=lead)
    assert refused.detail == {"file_name": "bad.csv", "rows": 4, "problems": 1}


def test_only_the_training_lead_imports(cast: dict[str, User]) -> None:
    with pytest.raises(records.NotAllowed):
        records.import_training_records(by=cast["health_visitor"], data=_csv("hv-harriet,L2-PBFH,2,2025-01-10,,"))


# --- the pages -------------------------------------------------------------------------------


def _client(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _text(response: Any) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def harriet_trained(cast: dict[str, User], lead: User) -> None:
    records.import_training_records(by=lead, data=_csv(f"hv-harriet,L2-PBFH,2,{TODAY - timedelta(days=30)},88,"))


@pytest.mark.parametrize("persona", ["health_visitor", "lead", "midwife", "police", "analyst", "admin"])
def test_everyone_with_a_role_sees_their_own_record(cast: dict[str, User], harriet_trained: None, persona: str) -> None:
    response = _client(cast[persona]).get(reverse("workforce:records_mine"))
    assert response.status_code == 200
    assert ("88%" in _text(response)) == (persona == "health_visitor")


def test_own_record_shows_course_level_dates_and_status(cast: dict[str, User], harriet_trained: None) -> None:
    page = _text(_client(cast["health_visitor"]).get(reverse("workforce:records_mine")))
    assert "Protecting Babies from Harm (Level 2 e-learning)" in page
    assert "Level 2" in page
    assert "Imported" in page
    assert "Current" in page


@pytest.mark.parametrize("persona", ["lead", "midwife", "police", "analyst", "outsider"])
def test_practitioners_cannot_see_anyone_elses_record(cast: dict[str, User], harriet_trained: None, persona: str) -> None:
    client = _client(cast[persona])
    theirs = client.get(reverse("workforce:records_person", args=[cast["health_visitor"].pk]))
    missing = client.get(reverse("workforce:records_person", args=[999999]))
    assert theirs.status_code == missing.status_code == 404


def test_outsider_has_no_record_page_and_strangers_sign_in(cast: dict[str, User]) -> None:
    assert _client(cast["outsider"]).get(reverse("workforce:records_mine")).status_code == 404
    response = _client(None).get(reverse("workforce:records_mine"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:sign_in"))


@pytest.mark.parametrize("persona", ["training_lead", "admin"])
def test_training_managers_see_anyones_record_and_it_is_audited(
    cast: dict[str, User], lead: User, harriet_trained: None, persona: str
) -> None:
    viewer = lead if persona == "training_lead" else cast["admin"]
    response = _client(viewer).get(reverse("workforce:records_person", args=[cast["health_visitor"].pk]))
    assert response.status_code == 200
    assert "88%" in _text(response)
    assert AuditEvent.objects.filter(action=Action.VIEW, actor=viewer, object_type="user",
                                     object_id=str(cast["health_visitor"].pk)).exists()


def _upload(data: bytes, name: str = "records.csv") -> dict[str, Any]:
    return {"file": SimpleUploadedFile(name, data, content_type="text/csv")}


def test_training_lead_imports_from_the_page(cast: dict[str, User], lead: User) -> None:
    client = _client(lead)
    assert client.get(reverse("workforce:records_import")).status_code == 200
    response = client.post(reverse("workforce:records_import"), _upload(_csv("hv-harriet,L2-PBFH,2,2025-01-10,,")), follow=True)
    assert "1 training record imported" in _text(response)
    assert TrainingRecord.objects.count() == 1


def test_import_page_reports_problems_row_by_row_and_saves_nothing(cast: dict[str, User], lead: User) -> None:
    data = _csv("hv-harriet,L2-PBFH,2,2025-01-10,,", "nobody,L2-PBFH,2,2025-01-10,,")
    response = _client(lead).post(reverse("workforce:records_import"), _upload(data))
    page = _text(response)
    assert response.status_code == 400
    assert "Nothing was imported" in page
    assert "The file has 1 problem." in page
    assert '<td class="nhsuk-table__cell">3</td>' in page
    assert 'Nobody in KBS has the e-mail address or username "nobody"' in page
    assert TrainingRecord.objects.count() == 0


def test_import_page_refuses_no_file_and_large_files(cast: dict[str, User], lead: User) -> None:
    client = _client(lead)
    missing = client.post(reverse("workforce:records_import"), {})
    assert missing.status_code == 400
    assert "Choose a CSV file to import" in _text(missing)
    large = client.post(reverse("workforce:records_import"), _upload(b"x" * (records.MAX_BYTES + 1)))
    assert large.status_code == 400
    assert "larger than 1 MB" in _text(large)
    assert TrainingRecord.objects.count() == 0


@pytest.mark.parametrize("persona", ["health_visitor", "lead", "midwife", "police", "analyst", "outsider"])
def test_only_training_managers_may_import(cast: dict[str, User], persona: str) -> None:
    client = _client(cast[persona])
    assert client.get(reverse("workforce:records_import")).status_code == 404
    response = client.post(reverse("workforce:records_import"), _upload(_csv("hv-harriet,L2-PBFH,2,2025-01-10,,")))
    assert response.status_code == 404
    assert TrainingRecord.objects.count() == 0
