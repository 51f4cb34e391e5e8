"""Every tools URL: its happy path, and a refusal for each persona who must not use it.

A refusal is a 404 with the very same page as an assessment that does not exist; anonymous people
are sent to sign in. Forms keep what was typed after an error and save nothing.
"""

import html
import json
import re
from collections.abc import Callable
from datetime import date
from typing import Any
from uuid import uuid4

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from kbs.accounts.models import Agency, User
from kbs.audit.models import Action, AuditEvent
from kbs.families.models import Family
from kbs.tools import actions
from kbs.tools.labels import action_label
from kbs.tools.models import Assessment, PartnershipSetting, Status
from kbs.tools.spec import all_specs, get_spec
from kbs.tools.tests.test_actions import all_actions, awaiting, baby_of, completed, draft, sample

TODAY = timezone.localdate()
NOT_INVOLVED = ["police", "analyst", "admin", "outsider"]


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# --- helpers ---------------------------------------------------------------------------------


def _text(response: Any) -> str:
    return html.unescape(response.content.decode())


def _normalised(response: Any) -> str:
    """The page without what changes on every response (the CSP nonce, the CSRF token)."""
    page = re.sub(r'nonce="[^"]*"', 'nonce=""', response.content.decode())
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", page)


def _field_error(response: Any, field: str) -> str:
    found = re.search(rf'id="id_{field}-error"\s*>\s*<span class="nhsuk-u-visually-hidden">Error: </span>(.*?)</span>',
                      response.content.decode(), re.S)
    assert found, f"no error shown next to {field}"
    return " ".join(html.unescape(found.group(1)).split())


def _value(response: Any, name: str) -> str:
    found = re.search(rf'name="{re.escape(name)}"[^>]*?value="([^"]*)"', response.content.decode())
    assert found, f"no input named {name}"
    return html.unescape(found.group(1))


def _date(name: str, value: date) -> dict[str, str]:
    return {f"{name}-day": str(value.day), f"{name}-month": str(value.month), f"{name}-year": str(value.year)}


def _client(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _assert_sign_in_redirect(response: Any, url: str) -> None:
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:sign_in") + "?next=")
    assert url in response["Location"].replace("%2F", "/")


def _assert_not_found(client: Client, response: Any, missing_url: str, method: str = "get") -> None:
    """A refusal is indistinguishable from an assessment that is not there."""
    assert response.status_code == 404
    assert "Page not found" in _text(response)
    missing = getattr(client, method)(missing_url)
    assert missing.status_code == 404
    assert _normalised(response) == _normalised(missing)


def _section_post(assessment: Assessment, section_id: str, answers: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    """A section's form as a browser would send it, from engine answers."""
    spec = get_spec(assessment.tool_slug)
    section = next(s for s in spec.sections if s.id == section_id)
    data: dict[str, Any] = {"version": assessment.version}
    for item_id in section.items:
        value = answers.get(item_id)
        data[item_id] = "" if value is None else value if isinstance(value, list) else str(value)
    data.update(overrides)
    return data


def _complete_post(assessment: Assessment, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"confirmed_actions": all_actions(assessment), "actions_not_taken_reason": ""}
    data.update(overrides)
    return data


def _steps_post() -> dict[str, Any]:
    return {**_date("csc_referral_on", TODAY), "csc_referral_time": "14:30", "csc_referral_reference": "CSC-77",
            **_date("medical_review_on", TODAY), "medical_review_time": "16:00",
            "medical_review_where": "Children's assessment unit"}


@pytest.fixture
def hv(cast: dict[str, User]) -> Client:
    return _client(cast["health_visitor"])


@pytest.fixture
def records(family: Family, cast: dict[str, User]) -> dict[str, Assessment]:
    """A draft, a completed (high) and an awaiting-sign-off (urgent) assessment, all by the HV."""
    hv_user = cast["health_visitor"]
    return {
        "draft": draft(hv_user, family, "safer-sleep", {"carer_smokes": "no"}),
        "completed": completed(hv_user, family),
        "awaiting": awaiting(hv_user, family),
    }


# Every URL about one assessment: (name, which assessment, method, extra args).
ASSESSMENT_URLS = [
    ("tools:assessment", "completed", "get", ()),
    ("tools:section", "draft", "get", ("baby",)),
    ("tools:section", "draft", "post", ("baby",)),
    ("tools:check", "draft", "get", ()),
    ("tools:complete", "draft", "post", ()),
    ("tools:discard", "draft", "post", ()),
    ("tools:correct", "completed", "get", ()),
    ("tools:correct", "completed", "post", ()),
    ("tools:sign_off", "awaiting", "get", ()),
    ("tools:sign_off", "awaiting", "post", ()),
    ("tools:fhir_response", "completed", "get", ()),
]
URL_IDS = [f"{name.split(':')[1]}-{method}" for name, _, method, _ in ASSESSMENT_URLS]


def _url(name: str, assessment_id: Any, extra: tuple[str, ...]) -> str:
    return reverse(name, args=[assessment_id, *extra])


# --- refusals for every assessment URL --------------------------------------------------------


@pytest.mark.parametrize("persona", NOT_INVOLVED)
@pytest.mark.parametrize(("name", "which", "method", "extra"), ASSESSMENT_URLS, ids=URL_IDS)
def test_assessment_urls_not_found_for_people_not_involved(
    records: dict[str, Assessment], cast: dict[str, User], persona: str, name: str, which: str, method: str,
    extra: tuple[str, ...],
) -> None:
    client = _client(cast[persona])
    before = {a.pk: (a.status, a.version) for a in Assessment.objects.all()}
    response = getattr(client, method)(_url(name, records[which].public_id, extra), {"note": "x", "reason": "x"})
    _assert_not_found(client, response, _url(name, uuid4(), extra), method)
    assert {a.pk: (a.status, a.version) for a in Assessment.objects.all()} == before
    assert not AuditEvent.objects.filter(object_id=str(records[which].public_id), actor=cast[persona]).exists()


@pytest.mark.parametrize(("name", "which", "method", "extra"), ASSESSMENT_URLS, ids=URL_IDS)
def test_assessment_urls_send_anonymous_people_to_sign_in(
    records: dict[str, Assessment], name: str, which: str, method: str, extra: tuple[str, ...],
) -> None:
    url = _url(name, records[which].public_id, extra)
    _assert_sign_in_redirect(getattr(Client(), method)(url), url)


@pytest.mark.parametrize(("name", "which", "method", "extra"), ASSESSMENT_URLS, ids=URL_IDS)
def test_assessment_urls_not_found_for_a_bad_id(hv: Client, name: str, which: str, method: str,
                                                extra: tuple[str, ...]) -> None:
    response = getattr(hv, method)(_url(name, "not-a-uuid", extra))
    _assert_not_found(hv, response, _url(name, uuid4(), extra), method)


# --- start --------------------------------------------------------------------------------------


def test_start_creates_a_draft_and_opens_the_first_section(hv: Client, family: Family) -> None:
    baby = baby_of(family)
    response = hv.post(reverse("tools:start", args=[baby.public_id, "safer-sleep"]))
    assessment = Assessment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("tools:section", args=[assessment.public_id, "baby"])
    assert (assessment.status, assessment.tool_slug, assessment.answers["gestation_weeks"]) == (Status.DRAFT, "safer-sleep", 39)


def test_start_is_post_only(hv: Client, family: Family) -> None:
    response = hv.get(reverse("tools:start", args=[baby_of(family).public_id, "safer-sleep"]))
    assert response.status_code == 405
    assert not Assessment.objects.exists()


@pytest.mark.parametrize("slug", ["pre-birth-screening", "no-such-tool"])
def test_start_not_found_for_a_tool_not_for_this_baby(hv: Client, family: Family, slug: str) -> None:
    response = hv.post(reverse("tools:start", args=[baby_of(family).public_id, slug]))
    assert response.status_code == 404
    assert not Assessment.objects.exists()


@pytest.mark.parametrize("persona", NOT_INVOLVED)
def test_start_not_found_for_people_not_involved(family: Family, cast: dict[str, User], persona: str) -> None:
    client = _client(cast[persona])
    response = client.post(reverse("tools:start", args=[baby_of(family).public_id, "safer-sleep"]))
    _assert_not_found(client, response, reverse("tools:start", args=[uuid4(), "safer-sleep"]), "post")
    assert not Assessment.objects.exists()


def test_start_sends_anonymous_people_to_sign_in(family: Family) -> None:
    url = reverse("tools:start", args=[baby_of(family).public_id, "safer-sleep"])
    _assert_sign_in_redirect(Client().post(url), url)
    assert not Assessment.objects.exists()


# --- sections ----------------------------------------------------------------------------------


def test_section_shows_the_saved_answers(hv: Client, records: dict[str, Assessment]) -> None:
    response = hv.get(reverse("tools:section", args=[records["draft"].public_id, "baby"]))
    assert response.status_code == 200
    assert _value(response, "gestation_weeks") == "39"
    assert _value(response, "version") == str(records["draft"].version)


def test_section_post_saves_and_goes_to_the_next_section(hv: Client, records: dict[str, Assessment]) -> None:
    assessment = records["draft"]
    url = reverse("tools:section", args=[assessment.public_id, "baby"])
    response = hv.post(url, _section_post(assessment, "baby", {"baby_age_days": 70, "gestation_weeks": 35, "birth_weight_g": 2400}))
    assert response.status_code == 302
    assert response["Location"] == reverse("tools:section", args=[assessment.public_id, "sleep_place"])
    fresh = Assessment.objects.get(pk=assessment.pk)
    assert (fresh.answers["gestation_weeks"], fresh.answers["birth_weight_g"], fresh.version) == (35, 2400, assessment.version + 1)


def test_section_post_save_and_check_goes_to_the_check_page(hv: Client, records: dict[str, Assessment]) -> None:
    assessment = records["draft"]
    data = _section_post(assessment, "baby", {"baby_age_days": 70, "gestation_weeks": 39, "birth_weight_g": 3400}, next="check")
    response = hv.post(reverse("tools:section", args=[assessment.public_id, "baby"]), data)
    assert response["Location"] == reverse("tools:check", args=[assessment.public_id])


@pytest.mark.parametrize(("typed", "error"), [
    ("50", "must be a whole number from 22 to 44"),
    ("lots", "Enter a whole number"),
])
def test_section_errors_shown_next_to_the_field_and_nothing_saved(hv: Client, records: dict[str, Assessment],
                                                                  typed: str, error: str) -> None:
    assessment = records["draft"]
    data = _section_post(assessment, "baby", {"baby_age_days": 70, "birth_weight_g": 2000}, gestation_weeks=typed)
    response = hv.post(reverse("tools:section", args=[assessment.public_id, "baby"]), data)
    assert response.status_code == 400
    assert error in _field_error(response, "gestation_weeks")
    assert _value(response, "gestation_weeks") == typed
    assert _value(response, "birth_weight_g") == "2000"
    fresh = Assessment.objects.get(pk=assessment.pk)
    assert (fresh.answers, fresh.version) == (assessment.answers, assessment.version)


def test_section_required_answer_left_empty_is_an_error(hv: Client, records: dict[str, Assessment]) -> None:
    assessment = records["draft"]
    data = _section_post(assessment, "baby", {"baby_age_days": 70, "gestation_weeks": 39, "birth_weight_g": ""})
    response = hv.post(reverse("tools:section", args=[assessment.public_id, "baby"]), data)
    assert response.status_code == 400
    assert "Enter an answer" in _field_error(response, "birth_weight_g")
    assert Assessment.objects.get(pk=assessment.pk).answers["birth_weight_g"] == 3400


def test_section_stale_version_is_a_conflict(hv: Client, records: dict[str, Assessment], cast: dict[str, User]) -> None:
    assessment = records["draft"]
    old = _section_post(assessment, "baby", {"baby_age_days": 70, "gestation_weeks": 30, "birth_weight_g": 1500})
    actions.save_answers(by=cast["lead"], assessment=Assessment.objects.get(pk=assessment.pk),
                         answers={"gestation_weeks": 38})
    response = hv.post(reverse("tools:section", args=[assessment.public_id, "baby"]), old)
    assert response.status_code == 409
    assert "saved somewhere else" in _text(response)
    assert _value(response, "gestation_weeks") == "30"  # what was typed is kept
    assert Assessment.objects.get(pk=assessment.pk).answers["gestation_weeks"] == 38
    # The page now carries the version saved elsewhere, so saving again works.
    assert _value(response, "version") == str(assessment.version + 1)
    again = hv.post(reverse("tools:section", args=[assessment.public_id, "baby"]), {**old, "version": assessment.version + 1})
    assert again.status_code == 302
    assert Assessment.objects.get(pk=assessment.pk).answers["gestation_weeks"] == 30


def test_section_unknown_id_not_found(hv: Client, records: dict[str, Assessment]) -> None:
    assert hv.get(reverse("tools:section", args=[records["draft"].public_id, "nowhere"])).status_code == 404


def test_section_of_a_completed_assessment_goes_to_its_outcome(hv: Client, records: dict[str, Assessment]) -> None:
    assessment = records["completed"]
    data = _section_post(assessment, "baby", {"gestation_weeks": 30})
    for response in (hv.get(reverse("tools:section", args=[assessment.public_id, "baby"])),
                     hv.post(reverse("tools:section", args=[assessment.public_id, "baby"]), data)):
        assert response.status_code == 302
        assert response["Location"] == assessment.get_absolute_url()


def test_bruising_section_shows_the_body_map(hv: Client, family: Family, cast: dict[str, User]) -> None:
    assessment = draft(cast["health_visitor"], family, "bruising")
    spec = get_spec("bruising")
    section_id = next(s.id for s in spec.sections if "mark_regions" in s.items)
    response = hv.get(reverse("tools:section", args=[assessment.public_id, section_id]))
    assert response.status_code == 200
    assert 'name="mark_regions"' in response.content.decode()


# --- the whole journey through the pages ---------------------------------------------------------


def test_every_section_then_check_then_complete(hv: Client, family: Family) -> None:
    response = hv.post(reverse("tools:start", args=[baby_of(family).public_id, "safer-sleep"]))
    assessment = Assessment.objects.get()
    answers = sample("safer-sleep-high")
    for section in get_spec("safer-sleep").sections:
        assert response["Location"] == reverse("tools:section", args=[assessment.public_id, section.id])
        assessment.refresh_from_db()
        response = hv.post(response["Location"], _section_post(assessment, section.id, answers))
        assert response.status_code == 302
    assert response["Location"] == reverse("tools:check", args=[assessment.public_id])
    assessment.refresh_from_db()
    assert assessment.answers == answers
    check = hv.get(response["Location"])
    assert "SS-SOFA" in _text(check)
    assert "Complete assessment" in _text(check)
    done = hv.post(reverse("tools:complete", args=[assessment.public_id]), _complete_post(assessment))
    assert done["Location"] == assessment.get_absolute_url()
    assert Assessment.objects.get(pk=assessment.pk).status == Status.COMPLETED


# --- check ---------------------------------------------------------------------------------------


def test_check_with_missing_answers_lists_them_and_offers_no_outcome(hv: Client, records: dict[str, Assessment]) -> None:
    assessment = records["draft"]
    response = hv.get(reverse("tools:check", args=[assessment.public_id]))
    page = _text(response)
    assert response.status_code == 200
    assert "Some questions still need an answer" in page
    assert "Select an answer: does the baby have a sleep space of their own" in page
    assert reverse("tools:section", args=[assessment.public_id, "sleep_place"]) in page
    assert "<h2>Outcome</h2>" not in page
    assert "Level:" not in page
    assert reverse("tools:complete", args=[assessment.public_id]) not in page


def test_complete_with_missing_answers_refused(hv: Client, records: dict[str, Assessment]) -> None:
    assessment = records["draft"]
    response = hv.post(reverse("tools:complete", args=[assessment.public_id]),
                       {"confirmed_actions": ["give_universal_messages"], "actions_not_taken_reason": "x"})
    assert response.status_code == 400
    assert "Some questions still need an answer" in _text(response)
    fresh = Assessment.objects.get(pk=assessment.pk)
    assert (fresh.status, fresh.level, fresh.outcome) == (Status.DRAFT, "", None)


def test_check_with_every_answer_shows_the_outcome_and_the_form(hv: Client, family: Family, cast: dict[str, User]) -> None:
    assessment = draft(cast["health_visitor"], family, "safer-sleep", sample("safer-sleep-high"))
    response = hv.get(reverse("tools:check", args=[assessment.public_id]))
    page = _text(response)
    assert response.status_code == 200
    assert "SS-SOFA" in page
    assert "Some questions still need an answer" not in page
    assert 'value="make_safe_sleep_plan"' in page
    assert "Same-day steps" not in page


def test_check_of_a_completed_assessment_goes_to_its_outcome(hv: Client, records: dict[str, Assessment]) -> None:
    response = hv.get(reverse("tools:check", args=[records["completed"].public_id]))
    assert response["Location"] == records["completed"].get_absolute_url()


# --- complete ------------------------------------------------------------------------------------


def test_complete_high_outcome(hv: Client, family: Family, cast: dict[str, User]) -> None:
    assessment = draft(cast["health_visitor"], family, "safer-sleep", sample("safer-sleep-high"))
    response = hv.post(reverse("tools:complete", args=[assessment.public_id]), _complete_post(assessment))
    assert response.status_code == 302
    assert response["Location"] == assessment.get_absolute_url()
    fresh = Assessment.objects.get(pk=assessment.pk)
    assert (fresh.status, fresh.level, fresh.completed_by) == (Status.COMPLETED, "high", cast["health_visitor"])


def test_complete_actions_not_confirmed_without_reason(hv: Client, family: Family, cast: dict[str, User]) -> None:
    assessment = draft(cast["health_visitor"], family, "safer-sleep", sample("safer-sleep-high"))
    response = hv.post(reverse("tools:complete", args=[assessment.public_id]),
                       _complete_post(assessment, confirmed_actions=["give_universal_messages"]))
    assert response.status_code == 400
    assert "Confirm every suggested action" in _field_error(response, "actions_not_taken_reason")
    assert Assessment.objects.get(pk=assessment.pk).status == Status.DRAFT


def test_complete_urgent_without_steps_is_an_error(hv: Client, family: Family, cast: dict[str, User]) -> None:
    assessment = draft(cast["health_visitor"], family, "bruising", sample("bruising-non-mobile"))
    check = _text(hv.get(reverse("tools:check", args=[assessment.public_id])))
    assert "Same-day steps" in check
    assert 'name="csc_referral_reference"' in check
    steps = _steps_post()
    del steps["medical_review_where"]
    response = hv.post(reverse("tools:complete", args=[assessment.public_id]), {**_complete_post(assessment), **steps})
    assert response.status_code == 400
    assert "Record the call to children's social care" in _text(response)
    assert _value(response, "csc_referral_reference") == "CSC-77"
    fresh = Assessment.objects.get(pk=assessment.pk)
    assert (fresh.status, fresh.csc_referral_reference) == (Status.DRAFT, "")


def test_complete_urgent_with_every_step(hv: Client, family: Family, cast: dict[str, User]) -> None:
    assessment = draft(cast["health_visitor"], family, "bruising", sample("bruising-non-mobile"))
    response = hv.post(reverse("tools:complete", args=[assessment.public_id]), {**_complete_post(assessment), **_steps_post()})
    assert response.status_code == 302
    fresh = Assessment.objects.get(pk=assessment.pk)
    assert (fresh.status, fresh.level, fresh.csc_referral_reference) == (Status.COMPLETED, "urgent", "CSC-77")
    assert timezone.localtime(fresh.csc_referral_at).strftime("%H:%M") == "14:30"  # type: ignore[arg-type]
    assert fresh.medical_review_where == "Children's assessment unit"


def test_complete_urgent_with_a_reason_waits_for_sign_off(
    hv: Client, family: Family, cast: dict[str, User], mailoutbox: list[Any], django_capture_on_commit_callbacks: Any,
) -> None:
    assessment = draft(cast["health_visitor"], family, "bruising", sample("bruising-non-mobile"))
    with django_capture_on_commit_callbacks(execute=True):
        response = hv.post(reverse("tools:complete", args=[assessment.public_id]),
                           _complete_post(assessment, steps_not_recorded_reason="Phone lines down"))
    assert response.status_code == 302
    assert response["Location"] == assessment.get_absolute_url()
    fresh = Assessment.objects.get(pk=assessment.pk)
    assert (fresh.status, fresh.steps_not_recorded_reason) == (Status.AWAITING_SIGN_OFF, "Phone lines down")
    assert [m.to for m in mailoutbox] == [[cast["lead"].email]]
    page = _text(hv.get(fresh.get_absolute_url()))
    assert "Waiting for sign-off" in page
    assert "Phone lines down" in page


def test_complete_of_a_completed_assessment_changes_nothing(hv: Client, records: dict[str, Assessment]) -> None:
    assessment = records["completed"]
    response = hv.post(reverse("tools:complete", args=[assessment.public_id]), {"confirmed_actions": []})
    assert response["Location"] == assessment.get_absolute_url()
    assert Assessment.objects.get(pk=assessment.pk).outcome == assessment.outcome


def test_complete_is_post_only(hv: Client, records: dict[str, Assessment]) -> None:
    assert hv.get(reverse("tools:complete", args=[records["draft"].public_id])).status_code == 405


# --- outcome -------------------------------------------------------------------------------------


def test_outcome_shows_each_flag_its_answers_advice_and_source(hv: Client, records: dict[str, Assessment]) -> None:
    assessment = records["completed"]
    response = hv.get(assessment.get_absolute_url())
    page = _text(response)
    assert response.status_code == 200
    [flag] = assessment.outcome["flags"]
    assert f"Rule {flag['rule']}, because:" in page
    spec = get_spec("safer-sleep")
    item = spec.item("sofa_sleeping")
    assert f"{item.text} {dict((c.code, c.label) for c in item.codes)['once']}" in page
    assert " ".join(flag["advice"].split()) in " ".join(page.split())
    assert f'href="{flag["source"]["url"]}"' in page
    assert flag["source"]["title"] in page
    assert reverse("tools:fhir_response", args=[assessment.public_id]) in page
    assert reverse("tools:correct", args=[assessment.public_id]) in page
    assert AuditEvent.objects.filter(action=Action.VIEW, object_id=str(assessment.public_id)).count() == 1


def test_outcome_of_a_draft_goes_to_the_check_page(hv: Client, records: dict[str, Assessment]) -> None:
    response = hv.get(records["draft"].get_absolute_url())
    assert response.status_code == 302
    assert response["Location"] == reverse("tools:check", args=[records["draft"].public_id])


def test_outcome_open_to_the_midwife_but_not_for_her_to_sign_off(records: dict[str, Assessment], cast: dict[str, User]) -> None:
    client = _client(cast["midwife"])
    response = client.get(records["awaiting"].get_absolute_url())
    assert response.status_code == 200
    assert reverse("tools:sign_off", args=[records["awaiting"].public_id]) not in _text(response)
    lead_page = _text(_client(cast["lead"]).get(records["awaiting"].get_absolute_url()))
    assert reverse("tools:sign_off", args=[records["awaiting"].public_id]) in lead_page


# --- discard -------------------------------------------------------------------------------------


def test_discard_deletes_the_draft(hv: Client, records: dict[str, Assessment], family: Family) -> None:
    response = hv.post(reverse("tools:discard", args=[records["draft"].public_id]))
    assert response.status_code == 302
    assert response["Location"] == baby_of(family).get_absolute_url()
    assert not Assessment.objects.filter(pk=records["draft"].pk).exists()


def test_discard_of_a_completed_assessment_keeps_it(hv: Client, records: dict[str, Assessment]) -> None:
    response = hv.post(reverse("tools:discard", args=[records["completed"].public_id]))
    assert response["Location"] == records["completed"].get_absolute_url()
    assert Assessment.objects.filter(pk=records["completed"].pk).exists()


def test_discard_is_post_only(hv: Client, records: dict[str, Assessment]) -> None:
    assert hv.get(reverse("tools:discard", args=[records["draft"].public_id])).status_code == 405
    assert Assessment.objects.filter(pk=records["draft"].pk).exists()


# --- correct -------------------------------------------------------------------------------------


def test_correct_form_then_a_new_linked_draft(hv: Client, records: dict[str, Assessment]) -> None:
    original = records["completed"]
    url = reverse("tools:correct", args=[original.public_id])
    assert hv.get(url).status_code == 200
    response = hv.post(url, {"reason": "Sofa answer was about a cousin"})
    correction = Assessment.objects.get(corrects=original)
    assert response["Location"] == reverse("tools:section", args=[correction.public_id, "baby"])
    assert (correction.status, correction.answers, correction.correction_reason) == (
        Status.DRAFT, original.answers, "Sofa answer was about a cousin")
    assert Assessment.objects.get(pk=original.pk).status == Status.COMPLETED
    assert "A correction by" in _text(hv.get(original.get_absolute_url()))


def test_correct_needs_a_reason(hv: Client, records: dict[str, Assessment]) -> None:
    count = Assessment.objects.count()
    response = hv.post(reverse("tools:correct", args=[records["completed"].public_id]), {"reason": ""})
    assert response.status_code == 400
    assert "Say why the assessment needs correcting" in _field_error(response, "reason")
    assert Assessment.objects.count() == count


@pytest.mark.parametrize("which", ["draft", "awaiting"])
def test_correct_not_found_unless_completed(hv: Client, records: dict[str, Assessment], which: str) -> None:
    assert hv.get(reverse("tools:correct", args=[records[which].public_id])).status_code == 404


# --- sign-off ------------------------------------------------------------------------------------


def test_sign_off_list_shows_the_leads_agency_only(records: dict[str, Assessment], family: Family, cast: dict[str, User]) -> None:
    awaiting(cast["midwife"], family)  # maternity's: not for the health-visiting lead
    response = _client(cast["lead"]).get(reverse("tools:sign_off_list"))
    page = _text(response)
    assert response.status_code == 200
    assert page.count(reverse("tools:sign_off", args=[records["awaiting"].public_id])) == 1
    assert len(re.findall(r'/assessments/[0-9a-f-]{36}/sign-off/', page)) == 1


def test_sign_off_list_empty(cast: dict[str, User], db: Any) -> None:
    response = _client(cast["lead"]).get(reverse("tools:sign_off_list"))
    assert response.status_code == 200
    assert "Nothing is waiting for you" in _text(response)


@pytest.mark.parametrize("persona", ["health_visitor", "midwife", "police", "analyst", "admin", "outsider"])
def test_sign_off_list_not_found_for_non_leads(cast: dict[str, User], persona: str) -> None:
    client = _client(cast[persona])
    response = client.get(reverse("tools:sign_off_list"))
    assert response.status_code == 404
    assert "Page not found" in _text(response)


def test_sign_off_list_sends_anonymous_people_to_sign_in(db: Any) -> None:
    url = reverse("tools:sign_off_list")
    _assert_sign_in_redirect(Client().get(url), url)


def test_sign_off_page_and_post(records: dict[str, Assessment], cast: dict[str, User]) -> None:
    assessment = records["awaiting"]
    client = _client(cast["lead"])
    url = reverse("tools:sign_off", args=[assessment.public_id])
    page = client.get(url)
    assert page.status_code == 200
    assert "The duty desk did not answer" in _text(page)
    empty = client.post(url, {"note": ""})
    assert empty.status_code == 400
    assert "Record what you have decided and why" in _field_error(empty, "note")
    assert Assessment.objects.get(pk=assessment.pk).status == Status.AWAITING_SIGN_OFF
    response = client.post(url, {"note": "Spoke to CSC duty manager"})
    assert response["Location"] == assessment.get_absolute_url()
    fresh = Assessment.objects.get(pk=assessment.pk)
    assert (fresh.status, fresh.signed_off_by, fresh.sign_off_note) == (Status.COMPLETED, cast["lead"], "Spoke to CSC duty manager")


@pytest.mark.parametrize("persona", ["health_visitor", "midwife"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_sign_off_not_found_for_non_leads(records: dict[str, Assessment], cast: dict[str, User], persona: str, method: str) -> None:
    client = _client(cast[persona])
    response = getattr(client, method)(reverse("tools:sign_off", args=[records["awaiting"].public_id]), {"note": "ok"})
    _assert_not_found(client, response, reverse("tools:sign_off", args=[uuid4()]), method)
    assert Assessment.objects.get(pk=records["awaiting"].pk).status == Status.AWAITING_SIGN_OFF


@pytest.mark.parametrize("method", ["get", "post"])
def test_sign_off_not_found_for_a_lead_of_another_agency(
    records: dict[str, Assessment], agencies: dict[str, Agency], make_user: Callable[..., User], method: str,
) -> None:
    client = _client(make_user("lead-mary", "safeguarding-lead", agencies["maternity"]))
    response = getattr(client, method)(reverse("tools:sign_off", args=[records["awaiting"].public_id]), {"note": "ok"})
    _assert_not_found(client, response, reverse("tools:sign_off", args=[uuid4()]), method)
    assert Assessment.objects.get(pk=records["awaiting"].pk).status == Status.AWAITING_SIGN_OFF


@pytest.mark.parametrize("which", ["draft", "completed"])
def test_sign_off_not_found_unless_awaiting(records: dict[str, Assessment], cast: dict[str, User], which: str) -> None:
    assert _client(cast["lead"]).get(reverse("tools:sign_off", args=[records[which].public_id])).status_code == 404


# --- FHIR ----------------------------------------------------------------------------------------


def test_fhir_response_is_a_valid_questionnaire_response_and_audited(hv: Client, records: dict[str, Assessment],
                                                                     cast: dict[str, User]) -> None:
    assessment = records["completed"]
    response = hv.get(reverse("tools:fhir_response", args=[assessment.public_id]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert f'filename="safer-sleep-{assessment.public_id}.json"' in response["Content-Disposition"]
    resource = json.loads(response.content)
    QuestionnaireResponse.model_validate(resource)
    assert resource["status"] == "completed"
    assert resource["questionnaire"].endswith("|1.0.0")
    assert resource["subject"]["reference"] == f"Patient/{assessment.baby.public_id}"
    assert {i["linkId"] for i in resource["item"]} <= set(get_spec("safer-sleep").items_by_id)
    [event] = AuditEvent.objects.filter(action=Action.EXPORT, object_id=str(assessment.public_id))
    assert event.actor == cast["health_visitor"]
    assert event.family == assessment.family
    assert not AuditEvent.objects.filter(action=Action.VIEW, object_id=str(assessment.public_id)).exists()


@pytest.mark.parametrize("which", ["draft", "awaiting"])
def test_fhir_response_not_found_unless_completed(hv: Client, records: dict[str, Assessment], which: str) -> None:
    response = hv.get(reverse("tools:fhir_response", args=[records[which].public_id]))
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action=Action.EXPORT).exists()


# --- partnership settings ------------------------------------------------------------------------


def test_settings_page_changes_the_pathway_model_for_the_next_bruising_outcome(
    family: Family, cast: dict[str, User],
) -> None:
    hv_user = cast["health_visitor"]
    before = completed(hv_user, family, "bruising")
    admin = _client(cast["admin"])
    page = admin.get(reverse("tools:settings"))
    assert page.status_code == 200
    assert 'value="automatic_referral" checked' in page.content.decode()
    response = admin.post(reverse("tools:settings"), {"bruising.pathway_model": "initial_health_appraisal"})
    assert response.status_code == 302
    assert response["Location"] == reverse("tools:settings")
    assert PartnershipSetting.objects.get(name="bruising.pathway_model").value == "initial_health_appraisal"
    [event] = AuditEvent.objects.filter(action=Action.SETTING)
    assert event.actor == cast["admin"]
    assert event.detail == {"bruising.pathway_model": [None, "initial_health_appraisal"]}

    after = completed(hv_user, family, "bruising")
    hv = _client(hv_user)
    new_page = _text(hv.get(after.get_absolute_url()))
    assert "Same-day health appraisal first, then a multi-agency discussion" in new_page
    assert action_label("same_day_medical_review") in new_page
    assert action_label("refer_childrens_social_care_same_day") not in new_page
    old_page = _text(hv.get(before.get_absolute_url()))
    assert "Same-day referral to children's social care and same-day paediatric assessment" in old_page
    assert "Same-day health appraisal first" not in old_page


def test_settings_post_unchanged_value_writes_no_audit(cast: dict[str, User]) -> None:
    response = _client(cast["admin"]).post(reverse("tools:settings"), {"bruising.pathway_model": "automatic_referral"})
    assert response.status_code == 302
    assert not AuditEvent.objects.filter(action=Action.SETTING).exists()


def test_settings_post_invalid_value_is_an_error(cast: dict[str, User]) -> None:
    response = _client(cast["admin"]).post(reverse("tools:settings"), {"bruising.pathway_model": "ask_a_friend"})
    assert response.status_code == 400
    assert not PartnershipSetting.objects.exists()


@pytest.mark.parametrize("persona", ["health_visitor", "lead", "midwife", "police", "analyst", "outsider"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_settings_not_found_for_non_admins(cast: dict[str, User], persona: str, method: str) -> None:
    client = _client(cast[persona])
    response = getattr(client, method)(reverse("tools:settings"), {"bruising.pathway_model": "initial_health_appraisal"})
    assert response.status_code == 404
    assert "Page not found" in _text(response)
    assert not PartnershipSetting.objects.exists()


def test_settings_sends_anonymous_people_to_sign_in(db: Any) -> None:
    url = reverse("tools:settings")
    _assert_sign_in_redirect(Client().get(url), url)


# --- catalogue -----------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["health_visitor", "admin"])
def test_catalogue_lists_every_rule_of_every_spec(cast: dict[str, User], persona: str) -> None:
    response = _client(cast[persona]).get(reverse("tools:catalogue"))
    page = _text(response)
    assert response.status_code == 200
    for spec in all_specs():
        assert f"version {spec.version}" in page
        for rule in spec.rules:
            assert f"{rule.id}: {rule.title}" in page
            assert rule.source.url in page


@pytest.mark.parametrize("persona", ["analyst", "outsider"])
def test_catalogue_not_found_without_a_tools_role(cast: dict[str, User], persona: str) -> None:
    response = _client(cast[persona]).get(reverse("tools:catalogue"))
    assert response.status_code == 404
    assert "Page not found" in _text(response)


def test_catalogue_sends_anonymous_people_to_sign_in(db: Any) -> None:
    url = reverse("tools:catalogue")
    _assert_sign_in_redirect(Client().get(url), url)

