"""Every subject access page: the happy path for the data protection officer, and "not found" for
every other persona in the cast (anonymous people are sent to sign in). Bad input is shown with an
error summary and status 400, with nothing saved; downloads are the frozen files and are audited."""

import html
import json
import re
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kbs.accounts.models import User
from kbs.audit.models import Action, AuditEvent
from kbs.subjectaccess import actions
from kbs.subjectaccess.models import Redaction, Stage, SubjectAccessRequest
from kbs.subjectaccess.tests.conftest import CONCERN_TEXT, MOTHER_NHS_NUMBER, THIRD_PARTY, Records

OTHERS = ["health_visitor", "lead", "midwife", "police", "analyst", "admin", "outsider"]


def _client(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _text(response: Any) -> str:
    """The page's text, without tags, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def _date(name: str, value: Any) -> dict[str, Any]:
    return {f"{name}-day": value.day, f"{name}-month": value.month, f"{name}-year": value.year}


@dataclass
class Requests:
    reviewing: SubjectAccessRequest
    redaction: Redaction
    reviewed: SubjectAccessRequest
    released: SubjectAccessRequest
    free_item: str  # an item of `reviewing` nothing of which is withheld


@pytest.fixture
def requests(records: Records, make_request: Callable[..., SubjectAccessRequest], cast: dict[str, User]) -> Requests:
    dpo = cast["dpo"]
    reviewing = actions.gather_records(by=dpo, request=make_request())
    redaction = actions.withhold(by=dpo, request=reviewing, item_id=f"concern:{records.concern.public_id}", reason="serious_harm")
    reviewed = actions.complete_review(by=dpo, request=actions.gather_records(by=dpo, request=make_request()))
    released = actions.gather_records(by=dpo, request=make_request())
    actions.withhold(by=dpo, request=released, item_id=f"contact:{records.contact_with_mother.public_id}",
                     field="others_present", reason="third_party")
    released = actions.release_request(by=dpo, request=actions.complete_review(by=dpo, request=released))
    return Requests(reviewing, redaction, reviewed, released, f"family:{records.family.public_id}")


def _urls(r: Requests) -> list[tuple[str, str, dict[str, Any]]]:
    """(method, url, POST data) for every page, each on a request in a state where the officer may use it."""
    review, done, sent = r.reviewing.public_id, r.reviewed.public_id, r.released.public_id
    return [
        ("get", reverse("subjectaccess:list"), {}),
        ("get", reverse("subjectaccess:new"), {}),
        ("post", reverse("subjectaccess:new"), {"requester": "subject", "identity_check": "Seen",
                                                "nhs_number": MOTHER_NHS_NUMBER, **_date("received_on", timezone.localdate())}),
        ("get", reverse("subjectaccess:request", args=[review]), {}),
        ("get", reverse("subjectaccess:extend", args=[review]), {}),
        ("post", reverse("subjectaccess:extend", args=[review]), {"months": "1", "reason": "Complex"}),
        ("post", reverse("subjectaccess:gather", args=[review]), {}),
        ("get", reverse("subjectaccess:review", args=[review]), {}),
        ("get", reverse("subjectaccess:withhold", args=[review]) + f"?item={r.free_item}", {}),
        ("post", reverse("subjectaccess:withhold", args=[review]), {"item": r.free_item, "part": "postcode", "reason": "third_party"}),
        ("post", reverse("subjectaccess:stop_withholding", args=[review, r.redaction.pk]), {}),
        ("post", reverse("subjectaccess:complete_review", args=[review]), {}),
        ("post", reverse("subjectaccess:reopen_review", args=[review]), {}),
        ("post", reverse("subjectaccess:release", args=[done]), {}),
        ("get", reverse("subjectaccess:download_json", args=[sent]), {}),
        ("get", reverse("subjectaccess:download_pdf", args=[sent]), {}),
    ]


def _state() -> tuple[Any, ...]:
    return (
        tuple(SubjectAccessRequest.objects.order_by("id").values_list("stage", "extended_months", "released_at")),
        tuple(Redaction.objects.order_by("id").values_list("pk", "item_id", "field")),
        AuditEvent.objects.filter(action__in=[Action.SUBJECT_ACCESS, Action.EXPORT]).count(),
    )


@pytest.mark.parametrize("persona", OTHERS)
def test_every_page_is_not_found_for_everyone_else(requests: Requests, cast: dict[str, User], persona: str) -> None:
    client = _client(cast[persona])
    before = _state()
    for method, url, data in _urls(requests):
        response = getattr(client, method)(url, data)
        assert response.status_code == 404, f"{persona} {method} {url}: {response.status_code}"
        assert "Page not found" in _text(response)
    assert _state() == before


def test_every_page_sends_anonymous_people_to_sign_in(requests: Requests) -> None:
    client = _client(None)
    before = _state()
    for method, url, data in _urls(requests):
        response = getattr(client, method)(url, data)
        assert response.status_code == 302, f"{method} {url}"
        assert response["Location"].startswith(reverse("accounts:sign_in") + "?next=")
    assert _state() == before


def test_the_officer_may_use_every_page(requests: Requests, cast: dict[str, User]) -> None:
    client = _client(cast["dpo"])
    for method, url, data in _urls(requests):
        response = getattr(client, method)(url, data)
        assert response.status_code in (200, 302), f"{method} {url}: {response.status_code} {_text(response)[:400]}"


def test_navigation_shows_subject_access_to_the_officer_only(requests: Requests, cast: dict[str, User]) -> None:
    link = f'href="{reverse("subjectaccess:list")}"'
    assert link in _client(cast["dpo"]).get(reverse("home"), follow=True).content.decode()
    for persona in OTHERS:
        assert link not in _client(cast[persona]).get(reverse("home"), follow=True).content.decode()


def test_list_puts_overdue_requests_first_and_marks_them(
    records: Records, make_request: Callable[..., SubjectAccessRequest], cast: dict[str, User]
) -> None:
    recent = make_request(received_on=timezone.localdate() - timedelta(days=2))
    late = make_request(received_on=timezone.localdate() - timedelta(days=40))
    late.subject_name = "Overdue Person"  # to tell the two rows apart
    late.save(update_fields=["subject_name"])
    text = _text(_client(cast["dpo"]).get(reverse("subjectaccess:list")))
    assert "1 overdue" in text
    assert text.index("Overdue Person") < text.index(recent.subject_name, text.index("Overdue Person") + 1)
    days_late = (timezone.localdate() - late.due_on).days
    assert f"Overdue by {days_late} day" in text
    assert f"{(recent.due_on - timezone.localdate()).days} days left" in text


def test_record_a_request_through_the_form(records: Records, cast: dict[str, User]) -> None:
    received = timezone.localdate() - timedelta(days=1)
    response = _client(cast["dpo"]).post(reverse("subjectaccess:new"), {
        "requester": "representative", "requester_name": "Mary Solicitor", "identity_check": "Letter of authority",
        "nhs_number": "999 000 0034", **_date("received_on", received),
    })
    request = SubjectAccessRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == request.get_absolute_url()
    assert (request.requester_name, request.received_on, request.subject_name) == ("Mary Solicitor", received, "Sophie Hart")
    page = _text(_client(cast["dpo"]).get(request.get_absolute_url()))
    assert "Mary Solicitor, for the subject" in page
    assert "999 000 0034" in page


@pytest.mark.parametrize(("data", "message"), [
    ({"nhs_number": "9990000042"}, "No baby or person in KBS has the NHS number 999 000 0042"),
    ({"nhs_number": ""}, "Enter the subject's NHS number, or their last name and date of birth"),
    ({"received": 1}, "The date the request was received must be today or in the past"),
])
def test_bad_request_form_shows_the_error_and_saves_nothing(
    records: Records, cast: dict[str, User], data: dict[str, Any], message: str
) -> None:
    received = timezone.localdate() + timedelta(days=data.pop("received", 0))
    post = {"requester": "subject", "identity_check": "Seen", "nhs_number": MOTHER_NHS_NUMBER, **_date("received_on", received), **data}
    response = _client(cast["dpo"]).post(reverse("subjectaccess:new"), post)
    assert response.status_code == 400
    text = _text(response)
    assert "There is a problem" in text
    assert message in text
    assert not SubjectAccessRequest.objects.exists()


def test_extend_form_refuses_past_two_months(requests: Requests, cast: dict[str, User]) -> None:
    client = _client(cast["dpo"])
    url = reverse("subjectaccess:extend", args=[requests.reviewing.public_id])
    assert client.post(url, {"months": "2", "reason": "Complex"}).status_code == 302
    response = client.post(url, {"months": "1", "reason": "More"})
    assert response.status_code == 400
    assert "at most two months in all" in _text(response)
    response = client.post(reverse("subjectaccess:extend", args=[requests.reviewed.public_id]), {"months": "1", "reason": ""})
    assert response.status_code == 400
    assert "Give the reason for extending the deadline" in _text(response)
    requests.reviewing.refresh_from_db()
    assert requests.reviewing.extended_months == 2


def test_review_shows_the_gathered_records_and_what_is_withheld(requests: Requests, cast: dict[str, User]) -> None:
    text = _text(_client(cast["dpo"]).get(reverse("subjectaccess:review", args=[requests.reviewing.public_id])))
    assert CONCERN_TEXT in text
    assert "Withheld [withheld: Serious harm]: the whole item" in text
    assert "Withhold all or part of this item" in text


def test_withhold_a_field_through_the_form(requests: Requests, records: Records, cast: dict[str, User]) -> None:
    client = _client(cast["dpo"])
    url = reverse("subjectaccess:withhold", args=[requests.reviewing.public_id])
    item = f"contact:{records.contact_with_mother.public_id}"
    page = _text(client.get(url, {"item": item}))
    assert f"Others there: {THIRD_PARTY}" in page
    response = client.post(url, {"item": item, "part": "others_present", "reason": "other", "reason_text": ""})
    assert response.status_code == 400
    assert "Say why this is withheld" in _text(response)
    response = client.post(url, {"item": item, "part": "others_present", "reason": "other", "reason_text": "Her own information"})
    assert response.status_code == 302
    redaction = Redaction.objects.get(request=requests.reviewing, item_id=item)
    assert (redaction.field, redaction.label) == ("others_present", "[withheld: Her own information]")


def test_release_before_the_review_is_complete_shows_an_error(requests: Requests, cast: dict[str, User]) -> None:
    response = _client(cast["dpo"]).post(reverse("subjectaccess:release", args=[requests.reviewing.public_id]))
    assert response.status_code == 400
    assert "Complete the redaction review before releasing the records" in _text(response)
    requests.reviewing.refresh_from_db()
    assert requests.reviewing.stage == Stage.IN_REVIEW


def test_downloads_are_the_frozen_files_and_audited(requests: Requests, cast: dict[str, User]) -> None:
    client = _client(cast["dpo"])
    sent = requests.released
    page = _text(client.get(sent.get_absolute_url()))
    assert "Download the PDF" in page
    assert "Download the JSON" in page
    response = client.get(reverse("subjectaccess:download_json", args=[sent.public_id]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.content == bytes(sent.release_json or b"")
    released = json.loads(response.content)
    assert THIRD_PARTY in json.dumps(released)  # the chronology's messages entry was not withheld
    pdf = client.get(reverse("subjectaccess:download_pdf", args=[sent.public_id]))
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content == bytes(sent.release_pdf or b"")
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf.content, capture_output=True, check=True, timeout=60).stdout.decode()
    assert "[withheld: Third-party information]" in text
    exports = AuditEvent.objects.filter(action=Action.EXPORT, object_id=str(sent.public_id)).order_by("id")
    assert [e.detail["sha256"] for e in exports] == [sent.release_json_sha256, sent.release_pdf_sha256]
    assert all(e.actor == cast["dpo"] for e in exports)


def test_downloads_of_an_unreleased_request_are_not_found(requests: Requests, cast: dict[str, User]) -> None:
    client = _client(cast["dpo"])
    assert client.get(reverse("subjectaccess:download_json", args=[requests.reviewed.public_id])).status_code == 404
    assert client.get(reverse("subjectaccess:download_pdf", args=[requests.reviewing.public_id])).status_code == 404
    assert client.get(reverse("subjectaccess:request", args=["not-a-uuid"])).status_code == 404
