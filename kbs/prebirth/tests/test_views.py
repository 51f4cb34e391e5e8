"""Every pre-birth page for every persona, the forms' refusals, the timeline, and the PDF.

A refusal is the same 404 as a missing record; anonymous people are sent to sign in; a form with a
problem shows it next to the field and saves nothing.
"""

import html
import re
import subprocess
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kbs.accounts.models import User
from kbs.audit.models import Action, AuditEvent
from kbs.families.models import Baby, Family
from kbs.prebirth import actions, clock
from kbs.prebirth.models import DeliverySafetyPlan, MilestoneRecord, MilestoneSetting, PreBirthCase

from .test_actions import COMPLETE_PLAN

TODAY = timezone.localdate()
# (url name, extra args) for every page about one baby's case.
CASE_PAGES = [("case", ()), ("record_milestone", ("conference",)), ("plan", ()), ("plan_edit", ()),
              ("plan_pdf", ()), ("close", ())]
POSTS = [("premature", ()), ("record_milestone", ("conference",)), ("plan_edit", ()), ("close", ())]
ALLOWED = ["health_visitor", "midwife"]
REFUSED = ["police", "analyst", "outsider", "admin"]


@pytest.fixture
def plan(case: PreBirthCase, cast: dict[str, User]) -> DeliverySafetyPlan:
    return actions.save_delivery_plan(by=cast["midwife"], case=case, values=COMPLETE_PLAN)


def _url(name: str, baby: Baby, *args: Any) -> str:
    return reverse(f"prebirth:{name}", args=[baby.public_id, *args])


def _text(response: Any) -> str:
    return " ".join(html.unescape(response.content.decode()).split())


def _field_error(response: Any, field: str) -> str:
    found = re.search(rf'id="id_{field}-error"\s*>\s*<span class="nhsuk-u-visually-hidden">Error: </span>(.*?)</span>',
                      response.content.decode(), re.S)
    assert found, f"no error shown next to {field}"
    return " ".join(html.unescape(found.group(1)).split())


def _date(name: str, value: Any) -> dict[str, str]:
    return {f"{name}-day": str(value.day), f"{name}-month": str(value.month), f"{name}-year": str(value.year)}


def _plan_post(**overrides: Any) -> dict[str, Any]:
    data = {"version": "", "birthing_partner": COMPLETE_PLAN["birthing_partner"], "exclusions_needed": "yes",
            "excluded_people": COMPLETE_PLAN["excluded_people"], "labour_contacts": COMPLETE_PLAN["labour_contacts"],
            "discharge_arrangements": COMPLETE_PLAN["discharge_arrangements"], "baby_goes_to": "Home with mother",
            "contact_arrangements": "", "safe_sleep_arrangements": "Own cot", "agreed_with_parents": "no",
            "shared_with": ["ward", "gp"], "action": "save"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def _pdf_text(pdf: bytes) -> str:
    done = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True, timeout=30)
    return " ".join(done.stdout.decode().split())


# --- every URL for every persona -----------------------------------------------------------------


@pytest.mark.parametrize("persona", ALLOWED)
@pytest.mark.parametrize(("name", "args"), CASE_PAGES)
def test_page_open_to_involved_practitioners(client: Client, cast: dict[str, User], plan: DeliverySafetyPlan,
                                            unborn_baby: Baby, persona: str, name: str, args: tuple[str, ...]) -> None:
    client.force_login(cast[persona])
    response = client.get(_url(name, unborn_baby, *args))
    assert response.status_code == 200


@pytest.mark.parametrize("persona", REFUSED)
@pytest.mark.parametrize(("name", "args"), CASE_PAGES)
def test_page_not_found_for_others(client: Client, cast: dict[str, User], plan: DeliverySafetyPlan, unborn_baby: Baby,
                                   persona: str, name: str, args: tuple[str, ...]) -> None:
    client.force_login(cast[persona])
    assert client.get(_url(name, unborn_baby, *args)).status_code == 404


@pytest.mark.parametrize("persona", REFUSED)
@pytest.mark.parametrize(("name", "args"), POSTS)
def test_post_not_found_for_others_and_saves_nothing(client: Client, cast: dict[str, User], case: PreBirthCase,
                                                     unborn_baby: Baby, persona: str, name: str, args: tuple[str, ...]) -> None:
    client.force_login(cast[persona])
    data = {"likely": "yes", "reason": "Closing", **_date("done_on", TODAY), **_plan_post()}
    assert client.post(_url(name, unborn_baby, *args), data).status_code == 404
    case.refresh_from_db()
    assert case.is_open
    assert not case.premature_birth_likely
    assert not MilestoneRecord.objects.exists()
    assert not DeliverySafetyPlan.objects.exists()


@pytest.mark.parametrize(("name", "args"), CASE_PAGES + [("premature", ())])
def test_page_sends_anonymous_to_sign_in(client: Client, plan: DeliverySafetyPlan, unborn_baby: Baby, name: str,
                                         args: tuple[str, ...]) -> None:
    url = _url(name, unborn_baby, *args)
    response = client.get(url) if name != "premature" else client.post(url, {"likely": "yes"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:sign_in") + "?next=")


def test_case_page_not_found_without_a_case(client: Client, cast: dict[str, User], unborn_baby: Baby) -> None:
    client.force_login(cast["health_visitor"])
    assert client.get(_url("case", unborn_baby)).status_code == 404


def test_case_page_not_found_for_malformed_id(client: Client, cast: dict[str, User], case: PreBirthCase) -> None:
    client.force_login(cast["health_visitor"])
    assert client.get(reverse("prebirth:case", args=["not-a-uuid"])).status_code == 404


def test_record_milestone_unknown_step_not_found(client: Client, cast: dict[str, User], case: PreBirthCase,
                                                 unborn_baby: Baby) -> None:
    client.force_login(cast["health_visitor"])
    assert client.get(_url("record_milestone", unborn_baby, "tea-party")).status_code == 404


def test_plan_pdf_not_found_before_a_plan(client: Client, cast: dict[str, User], case: PreBirthCase, unborn_baby: Baby) -> None:
    client.force_login(cast["health_visitor"])
    assert client.get(_url("plan_pdf", unborn_baby)).status_code == 404


@pytest.mark.parametrize("persona", ["health_visitor", "midwife", "police", "analyst", "lead", "outsider"])
def test_settings_not_found_for_non_admins(client: Client, cast: dict[str, User], persona: str) -> None:
    client.force_login(cast[persona])
    assert client.get(reverse("prebirth:settings")).status_code == 404
    assert client.post(reverse("prebirth:settings"), {"conference_week": "26"}).status_code == 404
    assert not MilestoneSetting.objects.exists()


def test_settings_sends_anonymous_to_sign_in(client: Client) -> None:
    response = client.get(reverse("prebirth:settings"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:sign_in"))


# --- the case page and its timeline -----------------------------------------------------------------


def test_case_page_shows_timeline_and_table(client: Client, cast: dict[str, User], case: PreBirthCase,
                                            unborn_baby: Baby) -> None:
    client.force_login(cast["health_visitor"])
    response = client.get(_url("case", unborn_baby))
    page = _text(response)
    assert "<svg" in page
    assert 'role="img"' in page
    assert "Timeline of the pregnancy, 0 to 42 weeks" in page
    assert "Today" in page
    assert "12+0" in page
    assert "Initial child protection conference" in page
    assert "By 28 weeks" in page
    assert "Due before the baby leaves hospital" in page
    assert page.count("<circle") >= 4  # an open circle for each step still due
    assert AuditEvent.objects.filter(action=Action.VIEW, object_type="prebirthcase").count() == 1


def test_case_page_shows_late_steps_by_shape_and_words(client: Client, cast: dict[str, User], case: PreBirthCase,
                                                       unborn_baby: Baby) -> None:
    # The trigger was found 10 weeks ago (at 2 weeks): the referral is now late.
    PreBirthCase.objects.filter(pk=case.pk).update(trigger_found_on=TODAY - timedelta(weeks=10))
    client.force_login(cast["midwife"])
    page = _text(client.get(_url("case", unborn_baby)))
    assert "<polygon" in page  # the triangle
    assert "Late: was due by" in page
    assert "Referral to children's social care: was due by" in page


def test_case_page_shows_done_steps(client: Client, cast: dict[str, User], case: PreBirthCase, unborn_baby: Baby) -> None:
    actions.record_milestone(by=cast["midwife"], case=case, code=clock.REFERRAL, done_on=TODAY)
    client.force_login(cast["midwife"])
    page = _text(client.get(_url("case", unborn_baby)))
    assert "<path" in page  # the tick
    assert f"Done on {TODAY.day} {TODAY:%B %Y}" in page


def test_baby_page_shows_the_pre_birth_panel(client: Client, cast: dict[str, User], case: PreBirthCase,
                                             unborn_baby: Baby) -> None:
    client.force_login(cast["health_visitor"])
    page = _text(client.get(unborn_baby.get_absolute_url()))
    assert "Pre-birth" in page
    assert _url("case", unborn_baby) in page
    assert "Next:</strong> Referral to children's social care" in page


def test_baby_page_without_a_case_has_no_panel(client: Client, cast: dict[str, User], unborn_baby: Baby) -> None:
    client.force_login(cast["health_visitor"])
    assert _url("case", unborn_baby) not in client.get(unborn_baby.get_absolute_url()).content.decode()


def test_premature_form_moves_the_timetable(client: Client, cast: dict[str, User], case: PreBirthCase, unborn_baby: Baby) -> None:
    client.force_login(cast["health_visitor"])
    response = client.post(_url("premature", unborn_baby), {"likely": "yes", "reason": "Twins"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.premature_birth_likely
    assert "By 24 weeks" in _text(client.get(_url("case", unborn_baby)))


def test_premature_form_without_answer_saves_nothing(client: Client, cast: dict[str, User], case: PreBirthCase,
                                                     unborn_baby: Baby) -> None:
    client.force_login(cast["health_visitor"])
    response = client.post(_url("premature", unborn_baby), {"reason": "Twins"})
    assert response.status_code == 400
    assert "Select yes or no" in _text(response)
    case.refresh_from_db()
    assert not case.premature_birth_likely


# --- recording a step ----------------------------------------------------------------------------------


def test_record_milestone_form_saves(client: Client, cast: dict[str, User], case: PreBirthCase, unborn_baby: Baby) -> None:
    client.force_login(cast["midwife"])
    response = client.post(_url("record_milestone", unborn_baby, "conference"),
                           {**_date("done_on", TODAY), "note": "Plan made: unborn baby on a CP plan"})
    assert response.status_code == 302
    record = MilestoneRecord.objects.get()
    assert record.code == clock.CONFERENCE
    assert record.by == cast["midwife"]


def test_record_referral_step_with_how_records_the_referral(client: Client, cast: dict[str, User], case: PreBirthCase,
                                                            unborn_baby: Baby) -> None:
    client.force_login(cast["midwife"])
    response = client.post(_url("record_milestone", unborn_baby, "referral"),
                           {**_date("done_on", TODAY), "how": "phone", "to_whom": "Duty social worker"})
    assert response.status_code == 302
    assert MilestoneRecord.objects.get().referral is not None


@pytest.mark.parametrize(("data", "field", "message"), [
    ({}, "done_on", "Enter the date it was done"),
    (_date("done_on", TODAY + timedelta(days=1)), "done_on", "The date it was done must be today or in the past"),
    ({"done_on-day": "31", "done_on-month": "2", "done_on-year": "2026"}, "done_on", "The date it was done must be a real date"),
    ({**_date("done_on", TODAY), "how": "phone"}, "to_whom", "Enter who took the referral"),
])
def test_record_milestone_problem_saves_nothing(client: Client, cast: dict[str, User], case: PreBirthCase, unborn_baby: Baby,
                                                data: dict[str, str], field: str, message: str) -> None:
    client.force_login(cast["midwife"])
    response = client.post(_url("record_milestone", unborn_baby, "referral"), data)
    assert response.status_code == 400
    assert _field_error(response, field) == message
    assert not MilestoneRecord.objects.exists()


# --- the delivery safety plan --------------------------------------------------------------------------


def test_plan_form_saves_as_you_go(client: Client, cast: dict[str, User], case: PreBirthCase, unborn_baby: Baby) -> None:
    client.force_login(cast["midwife"])
    response = client.post(_url("plan_edit", unborn_baby), _plan_post(labour_contacts="", discharge_arrangements=""))
    assert response.status_code == 302
    plan = DeliverySafetyPlan.objects.get()
    assert plan.birthing_partner == COMPLETE_PLAN["birthing_partner"]
    assert plan.shared_with == ["ward", "gp"]
    assert not plan.completed


def test_mark_as_complete_shows_each_missing_part_next_to_its_field(client: Client, cast: dict[str, User], case: PreBirthCase,
                                                                    unborn_baby: Baby) -> None:
    client.force_login(cast["midwife"])
    response = client.post(_url("plan_edit", unborn_baby), _plan_post(
        birthing_partner="", exclusions_needed="yes", excluded_people="", labour_contacts="", discharge_arrangements="",
        action="complete"))
    assert response.status_code == 400
    assert _field_error(response, "birthing_partner") == "Enter the birthing partner, or write that there is none"
    assert _field_error(response, "excluded_people") == "Enter who must be kept out of the unit and why"
    assert _field_error(response, "labour_contacts") == \
        "Enter who to call when the mother arrives in labour, with their phone numbers"
    assert _field_error(response, "discharge_arrangements") == "Enter the discharge arrangements"
    assert "The plan is saved, but it cannot be marked as complete yet" in _text(response)
    plan = DeliverySafetyPlan.objects.get()
    assert not plan.completed
    assert plan.baby_goes_to == "Home with mother"
    assert f'name="version" value="{plan.version}"' in response.content.decode()


def test_mark_as_complete_without_exclusion_answer(client: Client, cast: dict[str, User], case: PreBirthCase,
                                                   unborn_baby: Baby) -> None:
    client.force_login(cast["midwife"])
    data = _plan_post(action="complete")
    del data["exclusions_needed"]
    response = client.post(_url("plan_edit", unborn_baby), data)
    assert response.status_code == 400
    assert _field_error(response, "exclusions_needed") == "Say whether anyone must be kept out of the maternity unit"


def test_mark_as_complete_completes(client: Client, cast: dict[str, User], case: PreBirthCase, unborn_baby: Baby) -> None:
    client.force_login(cast["midwife"])
    response = client.post(_url("plan_edit", unborn_baby), _plan_post(action="complete"))
    assert response.status_code == 302
    assert DeliverySafetyPlan.objects.get().completed
    page = _text(client.get(_url("plan", unborn_baby)))
    assert "Complete" in page
    assert "Dean Smith (father): bail conditions" in page


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"agreed_with_parents": "yes"}, "agreed_on", "Enter the date the plan was agreed with the parents"),
    ({"agreed_with_parents": "yes", **_date("agreed_on", TODAY + timedelta(days=2))}, "agreed_on",
     "The date agreed with the parents must be today or in the past"),
    ({"birthing_partner": "x" * 2001}, "birthing_partner", "Birthing partner must be 2,000 characters or fewer"),
])
def test_plan_form_problem_saves_nothing(client: Client, cast: dict[str, User], case: PreBirthCase, unborn_baby: Baby,
                                         overrides: dict[str, str], field: str, message: str) -> None:
    client.force_login(cast["midwife"])
    response = client.post(_url("plan_edit", unborn_baby), _plan_post(**overrides))
    assert response.status_code == 400
    assert _field_error(response, field) == message
    assert not DeliverySafetyPlan.objects.exists()


def test_plan_form_stale_version_saves_nothing(client: Client, cast: dict[str, User], plan: DeliverySafetyPlan,
                                               unborn_baby: Baby) -> None:
    actions.save_delivery_plan(by=cast["health_visitor"], case=plan.case, values={"baby_goes_to": "Grandmother"})
    client.force_login(cast["midwife"])
    response = client.post(_url("plan_edit", unborn_baby), _plan_post(version=str(plan.version), baby_goes_to="Foster carer"))
    assert response.status_code == 409
    assert DeliverySafetyPlan.objects.get().baby_goes_to == "Grandmother"


def test_plan_pdf_for_the_ward(client: Client, cast: dict[str, User], plan: DeliverySafetyPlan, unborn_baby: Baby) -> None:
    client.force_login(cast["midwife"])
    response = client.get(_url("plan_pdf", unborn_baby))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = _pdf_text(response.content)
    assert "Delivery safety plan" in text
    assert "For the maternity ward" in text
    assert "DRAFT: this plan is not complete" in text
    assert "Jo Hart (sister)" in text
    assert "Dean Smith (father): bail conditions" in text
    assert "Emergency duty team 01332 111111" in text
    assert "Sophie Hart" in text  # the mother
    event = AuditEvent.objects.get(action=Action.EXPORT)
    assert event.object_type == "deliverysafetyplan"
    assert event.family == plan.case.family
    assert not AuditEvent.objects.filter(action=Action.VIEW, object_type="prebirthcase").exists()


def test_completed_plan_pdf_has_no_draft_banner(client: Client, cast: dict[str, User], plan: DeliverySafetyPlan,
                                                unborn_baby: Baby) -> None:
    actions.complete_delivery_plan(by=cast["midwife"], case=plan.case)
    client.force_login(cast["health_visitor"])
    text = _pdf_text(client.get(_url("plan_pdf", unborn_baby)).content)
    assert "DRAFT" not in text
    assert "Marked complete by" in text


# --- closing ----------------------------------------------------------------------------------------------


def test_close_without_reason_saves_nothing(client: Client, cast: dict[str, User], case: PreBirthCase, unborn_baby: Baby) -> None:
    client.force_login(cast["health_visitor"])
    response = client.post(_url("close", unborn_baby), {"reason": " "})
    assert response.status_code == 400
    assert _field_error(response, "reason") == "Enter why the pre-birth case is being closed"
    case.refresh_from_db()
    assert case.is_open


def test_close_then_read_only(client: Client, cast: dict[str, User], case: PreBirthCase, unborn_baby: Baby) -> None:
    client.force_login(cast["health_visitor"])
    assert client.post(_url("close", unborn_baby), {"reason": "Baby adopted"}).status_code == 302
    page = _text(client.get(_url("case", unborn_baby)))
    assert "was closed" in page
    assert "Record" not in re.sub(r"Steps recorded|No steps recorded", "", page)
    assert client.get(_url("plan_edit", unborn_baby)).status_code == 404


# --- the partnership's weeks --------------------------------------------------------------------------------


def _settings_post(**overrides: str) -> dict[str, str]:
    data = {f"{code}_{part}": str(value) for code, pair in clock.default_weeks().items()
            for part, value in zip(("week", "premature_week"), pair, strict=True)}
    data.update(overrides)
    return data


def test_settings_admin_saves_and_is_audited(client: Client, cast: dict[str, User]) -> None:
    client.force_login(cast["admin"])
    assert client.get(reverse("prebirth:settings")).status_code == 200
    response = client.post(reverse("prebirth:settings"), _settings_post(conference_week="26", conference_premature_week="22"))
    assert response.status_code == 302
    assert actions.partnership_weeks()[clock.CONFERENCE] == (26, 22)
    assert MilestoneSetting.objects.count() == 1  # only what changed
    assert AuditEvent.objects.filter(action=Action.SETTING, actor=cast["admin"]).count() == 1


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"conference_week": "50"}, "conference_week", "Weeks must be from 4 to 42"),
    ({"conference_week": "twenty"}, "conference_week", "Enter the weeks as a whole number, like 20"),
    ({"conference_premature_week": "30"}, "conference_premature_week",
     "The week when a premature birth is likely cannot be later than the usual week"),
])
def test_settings_problem_saves_nothing(client: Client, cast: dict[str, User], overrides: dict[str, str], field: str,
                                        message: str) -> None:
    client.force_login(cast["admin"])
    response = client.post(reverse("prebirth:settings"), _settings_post(planning_meeting_week="18", **overrides))
    assert response.status_code == 400
    assert _field_error(response, field) == message
    assert not MilestoneSetting.objects.exists()


def test_case_for_born_baby_still_shown(client: Client, cast: dict[str, User], case: PreBirthCase, unborn_baby: Baby,
                                        family: Family) -> None:
    from kbs.families import actions as family_actions

    family_actions.record_birth(by=cast["midwife"], baby=unborn_baby, expected_version=unborn_baby.version, birth={
        "given_name": "Amelia", "date_of_birth": TODAY, "nhs_number": "", "sex": "female",
        "gestation_at_birth_weeks": 38, "birth_weight_g": 3100, "multiple_birth": False,
    })
    client.force_login(cast["health_visitor"])
    page = _text(client.get(_url("case", unborn_baby)))
    assert "Born" in page
    assert "Discharge planning meeting" in page
