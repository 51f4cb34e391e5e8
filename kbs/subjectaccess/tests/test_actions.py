"""Subject access actions: each checks the rows it leaves and the audit event it writes, and each
refusal says what is wrong and saves nothing."""

import hashlib
import json
import subprocess
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from kbs.accounts.models import User
from kbs.audit.models import Action, AuditEvent
from kbs.families import actions as family_actions
from kbs.subjectaccess import actions
from kbs.subjectaccess.actions import Refused
from kbs.subjectaccess.deadlines import due_date
from kbs.subjectaccess.models import Redaction, Stage, SubjectAccessRequest
from kbs.subjectaccess.tests.conftest import CONCERN_TEXT, CONTACT_NOTE, MOTHER_NHS_NUMBER, THIRD_PARTY, Records


def pdf_text(pdf: bytes) -> str:
    done = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True, timeout=60)
    return " ".join(done.stdout.decode().split())


def _last_event() -> AuditEvent:
    event = AuditEvent.objects.order_by("-id").first()
    assert event is not None
    return event


# --- recording -------------------------------------------------------------------------------


def test_record_request_sets_the_deadline_and_audits(records: Records, cast: dict[str, User]) -> None:
    request = actions.record_request(
        by=cast["dpo"], requester="representative", requester_name="Mary Solicitor",
        identity_check="Letter of authority and passport copy", received_on=timezone.localdate() - timedelta(days=10),
        nhs_number="999 000 0034",
    )
    assert request.subject_name == "Sophie Hart"
    assert request.subject_nhs_number == MOTHER_NHS_NUMBER
    assert request.stage == Stage.RECEIVED
    assert request.due_on == due_date(timezone.localdate() - timedelta(days=10))
    assert request.requester_name == "Mary Solicitor"
    event = _last_event()
    assert (event.action, event.actor, event.object_id) == (Action.SUBJECT_ACCESS, cast["dpo"], str(request.public_id))
    assert event.detail["found"]["people"] == [str(records.mother.public_id)]
    assert event.family is None


BAD_REQUESTS: list[tuple[dict[str, Any], str, str]] = [
    ({"received_on": timezone.localdate() + timedelta(days=1)}, "received_on", "must be today or in the past"),
    ({"received_on": None}, "received_on", "Enter the date the request was received"),
    ({"nhs_number": ""}, "nhs_number", "Enter the subject's NHS number, or their last name and date of birth"),
    ({"nhs_number": "9990000042"}, "nhs_number", "No baby or person in KBS has the NHS number 999 000 0042"),
    ({"nhs_number": "9990000035"}, "nhs_number", "valid NHS number"),
    ({"nhs_number": "", "family_name": "Nobody", "date_of_birth": date(1990, 1, 1)}, "family_name", "that name and date of birth"),
    ({"identity_check": "  "}, "identity_check", "identity of the person asking"),
    ({"requester": "representative", "requester_name": ""}, "requester_name", "acting for the subject"),
    ({"requester": ""}, "requester", "Select who made the request"),
]


@pytest.mark.parametrize(("overrides", "field", "message"), BAD_REQUESTS)
def test_bad_request_is_refused_with_a_reason_and_saves_nothing(
    records: Records, make_request: Callable[..., SubjectAccessRequest], overrides: dict[str, Any], field: str, message: str
) -> None:
    events = AuditEvent.objects.count()
    with pytest.raises(Refused, match=message) as refused:
        make_request(**overrides)
    assert refused.value.field == field
    assert not SubjectAccessRequest.objects.exists()
    assert AuditEvent.objects.count() == events


@pytest.mark.parametrize("persona", ["health_visitor", "lead", "midwife", "police", "analyst", "admin", "outsider"])
def test_only_the_officer_may_record_a_request(records: Records, cast: dict[str, User], persona: str) -> None:
    with pytest.raises(Refused, match="data protection officer"):
        actions.record_request(by=cast[persona], requester="subject", identity_check="Seen", received_on=timezone.localdate(),
                               nhs_number=MOTHER_NHS_NUMBER)
    assert not SubjectAccessRequest.objects.exists()


# --- the deadline --------------------------------------------------------------------------------


def test_extend_deadline_up_to_two_months_then_refused(
    records: Records, make_request: Callable[..., SubjectAccessRequest], cast: dict[str, User]
) -> None:
    request = make_request(received_on=timezone.localdate() - timedelta(days=3))
    first_due = request.due_on
    request = actions.extend_deadline(by=cast["dpo"], request=request, months=1, reason="Many records across agencies")
    assert request.extended_months == 1
    assert request.due_on > first_due
    event = _last_event()
    assert event.action == Action.SUBJECT_ACCESS
    assert event.detail["months"] == 1
    request = actions.extend_deadline(by=cast["dpo"], request=request, months=1, reason="Third parties to consult")
    assert request.extended_months == 2
    assert "Many records" in request.extension_reason
    assert "Third parties" in request.extension_reason
    with pytest.raises(Refused, match="at most two months in all") as refused:
        actions.extend_deadline(by=cast["dpo"], request=request, months=1, reason="Still more")
    assert refused.value.field == "months"
    request.refresh_from_db()
    assert request.extended_months == 2


def test_extension_past_three_months_in_one_go_is_refused(
    records: Records, make_request: Callable[..., SubjectAccessRequest], cast: dict[str, User]
) -> None:
    request = make_request()
    actions.extend_deadline(by=cast["dpo"], request=request, months=1, reason="Complex")
    with pytest.raises(Refused, match="extended by 1 more month"):
        actions.extend_deadline(by=cast["dpo"], request=request, months=2, reason="More")
    request.refresh_from_db()
    assert request.extended_months == 1


def test_extension_needs_a_reason(records: Records, make_request: Callable[..., SubjectAccessRequest], cast: dict[str, User]) -> None:
    request = make_request()
    with pytest.raises(Refused, match="reason") as refused:
        actions.extend_deadline(by=cast["dpo"], request=request, months=1, reason=" ")
    assert refused.value.field == "reason"
    request.refresh_from_db()
    assert request.extended_months == 0


# --- review and release ---------------------------------------------------------------------


def _reviewed(request: SubjectAccessRequest, by: User, records: Records) -> SubjectAccessRequest:
    request = actions.gather_records(by=by, request=request)
    actions.withhold(by=by, request=request, item_id=f"concern:{records.concern.public_id}", reason="serious_harm")
    actions.withhold(by=by, request=request, item_id=f"contact:{records.contact_with_mother.public_id}",
                     field="others_present", reason="third_party")
    return actions.complete_review(by=by, request=request)


def test_release_before_review_complete_is_refused(
    records: Records, make_request: Callable[..., SubjectAccessRequest], cast: dict[str, User]
) -> None:
    request = make_request()
    with pytest.raises(Refused, match="Complete the redaction review"):
        actions.release_request(by=cast["dpo"], request=request)
    request = actions.gather_records(by=cast["dpo"], request=request)
    with pytest.raises(Refused, match="Complete the redaction review"):
        actions.release_request(by=cast["dpo"], request=request)
    request.refresh_from_db()
    assert request.stage == Stage.IN_REVIEW
    assert request.release_json is None


def test_withhold_needs_a_known_item_and_a_reason(
    records: Records, make_request: Callable[..., SubjectAccessRequest], cast: dict[str, User]
) -> None:
    dpo = cast["dpo"]
    request = make_request()
    with pytest.raises(Refused, match="Gather the records"):
        actions.withhold(by=dpo, request=request, item_id="x", reason="third_party")
    request = actions.gather_records(by=dpo, request=request)
    concern = f"concern:{records.concern.public_id}"
    for kwargs, message in [
        ({"item_id": "concern:nope", "reason": "third_party"}, "not in the gathered records"),
        ({"item_id": concern, "field": "nope", "reason": "third_party"}, "no such part"),
        ({"item_id": concern, "reason": ""}, "Select why"),
        ({"item_id": concern, "reason": "other", "reason_text": " "}, "Say why"),
    ]:
        with pytest.raises(Refused, match=message):
            actions.withhold(by=dpo, request=request, **kwargs)
    assert not Redaction.objects.exists()
    actions.withhold(by=dpo, request=request, item_id=concern, reason="other", reason_text="Police enquiry open")
    with pytest.raises(Refused, match="already withheld"):
        actions.withhold(by=dpo, request=request, item_id=concern, reason="third_party")
    assert Redaction.objects.get().label == "[withheld: Police enquiry open]"


def test_stop_withholding_removes_the_redaction(
    records: Records, make_request: Callable[..., SubjectAccessRequest], cast: dict[str, User]
) -> None:
    dpo = cast["dpo"]
    request = actions.gather_records(by=dpo, request=make_request())
    redaction = actions.withhold(by=dpo, request=request, item_id=f"concern:{records.concern.public_id}", reason="legal_privilege")
    actions.stop_withholding(by=dpo, request=request, redaction_id=redaction.pk)
    assert not Redaction.objects.exists()
    assert _last_event().summary.startswith("Stopped withholding")


def test_release_removes_exactly_what_was_withheld_from_json_and_pdf(
    records: Records, make_request: Callable[..., SubjectAccessRequest], cast: dict[str, User]
) -> None:
    dpo = cast["dpo"]
    request = actions.release_request(by=dpo, request=_reviewed(make_request(), dpo, records))
    assert request.stage == Stage.RELEASED
    as_json = bytes(request.release_json or b"")
    as_pdf = bytes(request.release_pdf or b"")
    released = json.loads(as_json)

    # The concern is gone whole; the third party's name is gone from the contact; the rest is there.
    assert CONCERN_TEXT not in as_json.decode()
    assert str(records.concern.public_id) not in as_json.decode()
    contacts = next(s for s in released["sections"] if s["key"] == "contacts")["items"]
    fields = {f["key"]: f for f in contacts[0]["fields"]}
    assert fields["others_present"]["value"] == "[withheld: Third-party information]"
    assert fields["notes"]["value"] == CONTACT_NOTE
    concerns = next(s for s in released["sections"] if s["key"] == "concerns")["items"]
    assert {"id": "withheld-1", "title": "[withheld: Serious harm]", "withheld": "[withheld: Serious harm]", "fields": []} in concerns
    assert released["withheld"] == {"items": 1, "fields": 1}
    assert released["request"]["reference"] == str(request.public_id)
    # The messages entry in the chronology still names the grandmother: it is not withheld, so the
    # field-level redaction removed exactly one field.
    assert as_json.decode().count(THIRD_PARTY) == 1

    text = pdf_text(as_pdf)
    assert "Records held about Sophie Hart" in text
    assert CONTACT_NOTE.split(";")[0] in text
    assert "[withheld: Third-party information]" in text
    assert "[withheld: Serious harm]" in text
    assert CONCERN_TEXT.split(",")[0] not in text
    assert text.count(THIRD_PARTY) == 1

    assert request.release_json_sha256 == hashlib.sha256(as_json).hexdigest()
    assert request.release_pdf_sha256 == hashlib.sha256(as_pdf).hexdigest()
    event = _last_event()
    assert event.action == Action.SUBJECT_ACCESS
    assert event.detail["json_sha256"] == request.release_json_sha256
    assert event.detail["pdf_sha256"] == request.release_pdf_sha256


def test_released_files_are_frozen(
    records: Records, make_request: Callable[..., SubjectAccessRequest], cast: dict[str, User]
) -> None:
    dpo = cast["dpo"]
    request = actions.release_request(by=dpo, request=_reviewed(make_request(), dpo, records))
    sent = bytes(request.release_json or b"")
    records.mother.refresh_from_db()
    family_actions.update_person(by=cast["health_visitor"], person=records.mother,
                                 expected_version=records.mother.version, changes={"given_name": "Sophia"})
    request.refresh_from_db()
    assert bytes(request.release_json or b"") == sent
    assert "Sophia" not in sent.decode()
    for change in (
        lambda: actions.gather_records(by=dpo, request=request),
        lambda: actions.withhold(by=dpo, request=request, item_id="x", reason="third_party"),
        lambda: actions.release_request(by=dpo, request=request),
        lambda: actions.extend_deadline(by=dpo, request=request, months=1, reason="Late"),
        lambda: actions.reopen_review(by=dpo, request=request),
    ):
        with pytest.raises(Refused, match="released"):
            change()
    request.refresh_from_db()
    assert bytes(request.release_json or b"") == sent


def test_review_complete_stops_changes_until_reopened(
    records: Records, make_request: Callable[..., SubjectAccessRequest], cast: dict[str, User]
) -> None:
    dpo = cast["dpo"]
    request = _reviewed(make_request(), dpo, records)
    with pytest.raises(Refused, match="reopen"):
        actions.gather_records(by=dpo, request=request)
    with pytest.raises(Refused, match="reopen"):
        actions.withhold(by=dpo, request=request, item_id=f"family:{records.family.public_id}", reason="third_party")
    request = actions.reopen_review(by=dpo, request=request)
    assert request.stage == Stage.IN_REVIEW
    # Gathering again keeps the redactions, which name stable items.
    actions.gather_records(by=dpo, request=request)
    assert Redaction.objects.count() == 2


def test_every_step_is_audited(records: Records, make_request: Callable[..., SubjectAccessRequest], cast: dict[str, User]) -> None:
    dpo = cast["dpo"]
    request = actions.release_request(by=dpo, request=_reviewed(make_request(), dpo, records))
    events = AuditEvent.objects.filter(object_id=str(request.public_id)).order_by("id")
    assert [(e.action, e.summary.split(" ")[0]) for e in events] == [
        (Action.SUBJECT_ACCESS, "Recorded"), (Action.SUBJECT_ACCESS, "Gathered"), (Action.SUBJECT_ACCESS, "Withheld"),
        (Action.SUBJECT_ACCESS, "Withheld"), (Action.SUBJECT_ACCESS, "Completed"), (Action.SUBJECT_ACCESS, "Released"),
    ]
    assert all(e.actor == dpo for e in events)
