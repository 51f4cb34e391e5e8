"""The "Checking your file" page: each request checks the next part of the file and keeps what it
found, the page moves itself on without script (meta refresh, allowed by the CSP) or by its
Continue button, and the last part leads to the check page. Nobody else can see or advance a file."""

import html
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from kbs.accounts.models import User
from kbs.families.models import Baby
from kbs.imports import actions, views
from kbs.imports.models import BirthImport, State
from kbs.imports.tests.conftest import birth_row, births_csv
from kbs.imports.tests.test_matching import MOTHER, unborn  # noqa: F401  (the fixture)


@pytest.fixture(autouse=True)
def _small_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(views, "CHECK_PART", 2)


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _text(response: Any) -> str:
    return str(html.unescape(response.content.decode()))


def _file() -> bytes:
    # Row 4 is a twin of row 3 (same mother), row 6 repeats row 2's baby: both across a part's edge.
    return births_csv([birth_row(1), birth_row(2, mother_nhs_number=MOTHER), birth_row(3, mother_nhs_number=MOTHER),
                       birth_row(4, sex="boy"), birth_row(1, mother_family_name="Again")])


def _upload(client: Client, content: bytes) -> Any:
    return client.post(reverse("imports:births"), {"file": SimpleUploadedFile("births.csv", content, "text/csv")})


def test_each_request_checks_the_next_part_until_the_check_page(cast: dict[str, User]) -> None:
    client = _client(cast["midwife"])
    uploaded = _upload(client, _file())
    batch = BirthImport.objects.get()
    url = reverse("imports:births_checking") + f"?batch={batch.public_id}"
    assert (uploaded.status_code, uploaded["Location"]) == (302, url)
    assert (batch.state, batch.expected_rows, batch.total_rows) == (State.CHECKING, 5, 0)
    seen = []
    for expected in (2, 4):
        page = client.get(url)
        text = _text(page)
        assert page.status_code == 200
        assert f"Checked {expected} of 5 rows" in text
        assert '<meta http-equiv="refresh" content="0">' in text
        assert re.search(r'<button[^>]*type="submit"[^>]*>\s*Continue', text)
        assert "script-src" in page["Content-Security-Policy"]
        assert "navigate-to" not in page["Content-Security-Policy"]
        batch.refresh_from_db()
        seen.append((batch.state, batch.total_rows, batch.rejected_rows))
    assert seen == [(State.CHECKING, 2, 0), (State.CHECKING, 4, 1)]  # row 5's problem kept from the second part
    done = client.get(url)
    text = _text(done)
    assert done.status_code == 200
    assert "Check the births file" in text
    assert "http-equiv" not in text
    assert "The same baby's NHS number is also in row 2" in text
    assert "Import 3 births" in text
    batch.refresh_from_db()
    assert (batch.state, batch.total_rows, batch.rejected_rows, batch.cursor) == (State.CHECKED, 5, 2, {})
    assert (batch.planned_new, batch.planned_nhs, batch.planned_unborn) == (3, 0, 0)
    # The page stays the check page when loaded again, and importing makes the twins one family.
    assert "Check the births file" in _text(client.get(url))
    client.post(reverse("imports:births_confirm"), {"batch": batch.public_id, "mode": "accepted"})
    twins = Baby.objects.get(family_name="Hart2").family
    assert twins.babies.count() == 2


def test_checking_in_parts_finds_exactly_what_checking_at_once_finds(cast: dict[str, User],
                                                                     unborn: Callable[..., Any]) -> None:  # noqa: F811
    unborn()
    once = actions.check_births_file(by=cast["midwife"], data=_file(), file_name="once.csv")
    client = _client(cast["midwife"])
    _upload(client, _file())
    parts = BirthImport.objects.exclude(pk=once.pk).get()
    url = reverse("imports:births_checking") + f"?batch={parts.public_id}"
    for _ in range(3):
        client.get(url)
    parts.refresh_from_db()
    fields = ("state", "total_rows", "rejected_rows", "problems", "planned_new", "planned_nhs", "planned_unborn")
    assert [getattr(parts, f) for f in fields] == [getattr(once, f) for f in fields]
    assert (once.planned_unborn, once.planned_new) == (1, 2)


def test_someone_else_cannot_see_or_advance_the_file(cast: dict[str, User]) -> None:
    _upload(_client(cast["midwife"]), _file())
    batch = BirthImport.objects.get()
    url = reverse("imports:births_checking") + f"?batch={batch.public_id}"
    for persona in ("health_visitor", "police", "analyst", "outsider"):
        assert _client(cast[persona]).get(url).status_code == 404
    batch.refresh_from_db()
    assert (batch.state, batch.total_rows) == (State.CHECKING, 0)
    assert _client(cast["midwife"]).get(reverse("imports:births_checking") + "?batch=nonsense").status_code == 404


def test_importing_before_the_check_is_finished_goes_back_to_the_check(cast: dict[str, User]) -> None:
    client = _client(cast["midwife"])
    _upload(client, _file())
    batch = BirthImport.objects.get()
    response = client.post(reverse("imports:births_confirm"), {"batch": batch.public_id, "mode": "accepted"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("imports:births_checking"))
    assert not Baby.objects.exists()
    with pytest.raises(actions.ImportRefused):
        actions.import_births(by=cast["midwife"], batch=batch, accepted_only=True)


def test_a_file_that_cannot_be_read_is_refused_at_upload_and_saves_nothing(cast: dict[str, User]) -> None:
    # A value longer than the CSV reader allows: found when the births are counted, before any part.
    broken = births_csv([birth_row(1), birth_row(2, address_line_1="x" * 200_000), birth_row(3)])
    uploaded = _upload(_client(cast["midwife"]), broken)
    assert uploaded.status_code == 400
    assert "could not be read as CSV" in _text(uploaded)
    batch = BirthImport.objects.get()
    assert (batch.state, batch.text) == (State.REFUSED, "")
    assert not Baby.objects.exists()
