"""The support plan after Every Baby Matters: the action, the form with its rows of actions, the page
and the PDF, and a refusal for everyone who must not see or change it.

A refusal is the same 404 as a missing record; anonymous people are sent to sign in; a form with a
problem shows it next to the row and saves nothing.
"""

import html
import re
import subprocess
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kbs.accounts.models import User
from kbs.audit.models import Action, AuditEvent
from kbs.chronology.models import Entry, Kind
from kbs.families.actions import NotAllowed
from kbs.families.models import Family
from kbs.tools import actions
from kbs.tools.models import Assessment, SupportPlan
from kbs.tools.support_plans import record_support_plan
from kbs.tools.tests.test_actions import completed
from kbs.tools.tests.test_ebm import TYPED

TODAY = timezone.localdate()
SOON = TODAY + timedelta(days=14)
LATER = TODAY + timedelta(days=42)
PAGES = ["support_plan_new", "support_plan", "support_plan_pdf"]
PLAN: dict[str, Any] = {
    "agreed_with": "Sophie Hart (mother)",
    "actions": [
        {"area": "community", "action": "Apply for the household support fund", "who": "Sophie, with Harriet", "by_when": SOON},
        {"area": "health", "action": "Book a review with the perinatal mental health team", "who": "Harriet (health visitor)",
         "by_when": LATER},
    ],
}


def _complete_ebm(by: User, family: Family, **changes: Any) -> Assessment:
    assessment = actions.start_assessment(by=by, baby=family.babies.get(), tool_slug="every-baby-matters")
    actions.save_answers(by=by, assessment=assessment, answers={**TYPED, **changes})
    outcome = actions.preview(assessment)
    assert outcome is not None
    return actions.complete_assessment(by=by, assessment=assessment, confirmed_actions=list(outcome.actions))


@pytest.fixture
def assessment(cast: dict[str, User], family: Family) -> Assessment:
    """Community judged a concern, health some support, the other four areas strengths."""
    return _complete_ebm(cast["health_visitor"], family)


@pytest.fixture
def plan(assessment: Assessment, cast: dict[str, User]) -> SupportPlan:
    return record_support_plan(by=cast["health_visitor"], assessment=assessment, plan=PLAN)


def _url(name: str, assessment: Assessment) -> str:
    return reverse(f"tools:{name}", args=[assessment.public_id])


def _text(response: Any) -> str:
    return " ".join(html.unescape(response.content.decode()).split())


def _words(response: Any) -> str:
    """The page as someone reads it: text only, tags and extra spaces gone."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def _row(number: int, area: str = "", action: str = "", who: str = "", by_when: Any = None) -> dict[str, str]:
    parts = ("", "", "") if by_when is None else (str(by_when.day), str(by_when.month), str(by_when.year))
    prefix = f"action_{number}"
    return {f"{prefix}_area": area, f"{prefix}_action": action, f"{prefix}_who": who,
            **dict(zip((f"{prefix}_by_when-day", f"{prefix}_by_when-month", f"{prefix}_by_when-year"), parts, strict=True))}


def _post(*rows: dict[str, str], agreed_with: str = "Sophie Hart (mother)") -> dict[str, str]:
    data = {"agreed_with": agreed_with}
    for number in range(1, 9):
        data.update(_row(number))
    for row in rows:
        data.update(row)
    return data


def _field_error(response: Any, field: str) -> str:
    found = re.search(rf'id="id_{field}-error"\s*>\s*<span class="nhsuk-u-visually-hidden">Error: </span>(.*?)</span>',
                      response.content.decode(), re.S)
    assert found, f"no error shown next to {field}"
    return " ".join(html.unescape(found.group(1)).split())


def _pdf_text(pdf: bytes) -> str:
    done = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True, timeout=30)
    return " ".join(done.stdout.decode().split())


# --- the action -------------------------------------------------------------------------------


def test_record_support_plan_copies_judgements_and_writes_audit_and_chronology(
    assessment: Assessment, cast: dict[str, User],
) -> None:
    plan = record_support_plan(by=cast["health_visitor"], assessment=assessment, plan=PLAN)
    assert plan.areas == {"bonding": "strength", "development": "strength", "health": "some_support",
                          "knowledge": "strength", "community": "concern", "people": "strength"}
    assert plan.actions[0] == {"area": "community", "action": "Apply for the household support fund",
                               "who": "Sophie, with Harriet", "by_when": SOON.isoformat()}
    assert (plan.agreed_with, plan.created_by) == ("Sophie Hart (mother)", cast["health_visitor"])
    event = AuditEvent.objects.get(action=Action.CREATE, object_type="supportplan")
    assert event.family == assessment.family
    entry = Entry.objects.get(kind=Kind.ASSESSMENT, source_type="supportplan")
    assert entry.summary == ("Support plan agreed with Sophie Hart (mother): 2 actions "
                             "(health and well-being, community strengths and stressors)")
    assert entry.link == _url("support_plan", assessment)


def test_record_support_plan_refuses_other_assessments(cast: dict[str, User], family: Family) -> None:
    by = cast["health_visitor"]
    sleep = completed(by, family)
    draft = actions.start_assessment(by=by, baby=family.babies.get(), tool_slug="every-baby-matters")
    for wrong in (sleep, draft):
        with pytest.raises(NotAllowed):
            record_support_plan(by=by, assessment=wrong, plan=PLAN)
    assert not SupportPlan.objects.exists()


def test_record_support_plan_refuses_without_permission(assessment: Assessment, cast: dict[str, User]) -> None:
    with pytest.raises(NotAllowed):
        record_support_plan(by=cast["analyst"], assessment=assessment, plan=PLAN)
    assert not SupportPlan.objects.exists()


@pytest.mark.parametrize(("plan", "problem"), [
    ({**PLAN, "agreed_with": "  "}, "Enter who you agreed the plan with"),
    ({**PLAN, "actions": []}, "Agree at least one action for the areas where help is offered"),
    ({**PLAN, "actions": [{**PLAN["actions"][0], "area": "money"}]}, "Action 1: the area is not one of the six areas"),
    ({**PLAN, "actions": [{**PLAN["actions"][0], "by_when": "next week"}]}, "Action 1: by_when must be a date"),
    ({**PLAN, "actions": PLAN["actions"] * 5}, "A plan can have at most 8 actions"),
])
def test_record_support_plan_invalid_saves_nothing(assessment: Assessment, cast: dict[str, User],
                                                   plan: dict[str, Any], problem: str) -> None:
    with pytest.raises(ValidationError) as caught:
        record_support_plan(by=cast["health_visitor"], assessment=assessment, plan=plan)
    assert any(problem in message for message in caught.value.messages)
    assert not SupportPlan.objects.exists()
    assert not AuditEvent.objects.filter(object_type="supportplan").exists()


def test_record_support_plan_all_strengths_needs_no_actions(cast: dict[str, User], family: Family) -> None:
    strong = _complete_ebm(cast["health_visitor"], family, health_judgement="strength", community_judgement="strength")
    plan = record_support_plan(by=cast["health_visitor"], assessment=strong, plan={"agreed_with": "Sophie", "actions": []})
    assert plan.actions == []


# --- the form ---------------------------------------------------------------------------------


def test_support_plan_form_shows_the_areas(client: Client, cast: dict[str, User], assessment: Assessment) -> None:
    client.force_login(cast["health_visitor"])
    response = client.get(_url("support_plan_new", assessment))
    assert response.status_code == 200
    page = _words(response)
    assert "Agree a support plan" in page
    assert "Community strengths and stressors A concern" in page
    assert "Health and well-being Some support would help" in page
    assert _text(response).count("<legend") >= 8  # eight rows of actions, no JavaScript needed


def test_support_plan_form_saves_filled_rows_and_ignores_blank_ones(client: Client, cast: dict[str, User],
                                                                    assessment: Assessment) -> None:
    client.force_login(cast["health_visitor"])
    data = _post(_row(1, "community", "Apply for the household support fund", "Sophie", SOON),
                 _row(5, "health", "See the GP about sleep", "Sophie", LATER))
    response = client.post(_url("support_plan_new", assessment), data)
    assert response.status_code == 302
    assert response["Location"] == _url("support_plan", assessment)
    saved = SupportPlan.objects.get()
    assert [(row["area"], row["by_when"]) for row in saved.actions] == [("community", SOON.isoformat()),
                                                                         ("health", LATER.isoformat())]


@pytest.mark.parametrize(("row", "field", "message"), [
    (_row(2, "health", "", "Harriet", SOON), "action_2_action", "Action 2: enter what will be done"),
    (_row(2, "", "Book a review", "Harriet", SOON), "action_2_area", "Action 2: choose the area"),
    (_row(2, "health", "Book a review", "", SOON), "action_2_who", "Action 2: enter who will do it"),
    (_row(2, "health", "Book a review", "Harriet"), "action_2_by_when", "Action 2: enter the date it will be done by"),
    (_row(2, "health", "Book a review", "Harriet", TODAY - timedelta(days=1)), "action_2_by_when",
     "Action 2: the date must be today or in the future"),
])
def test_support_plan_form_half_filled_row_is_an_error_next_to_it(
    client: Client, cast: dict[str, User], assessment: Assessment, row: dict[str, str], field: str, message: str,
) -> None:
    client.force_login(cast["health_visitor"])
    data = _post(_row(1, "community", "Apply for the household support fund", "Sophie", SOON), row)
    response = client.post(_url("support_plan_new", assessment), data)
    assert response.status_code == 400
    assert _field_error(response, field) == message
    assert "There is a problem" in _text(response)
    assert "Apply for the household support fund" in _text(response)  # what was typed is kept
    assert not SupportPlan.objects.exists()


def test_support_plan_form_partial_date_is_an_error(client: Client, cast: dict[str, User], assessment: Assessment) -> None:
    client.force_login(cast["health_visitor"])
    data = _post(_row(7, "health", "Book a review", "Harriet", SOON) | {"action_7_by_when-month": ""})
    response = client.post(_url("support_plan_new", assessment), data)
    assert response.status_code == 400
    assert _field_error(response, "action_7_by_when") == "The date for action 7 must include a month"
    assert re.search(r"<details[^>]*open", response.content.decode())  # the row is shown, not folded away
    assert not SupportPlan.objects.exists()


def test_support_plan_form_needs_an_action_where_help_is_offered(client: Client, cast: dict[str, User],
                                                                 assessment: Assessment) -> None:
    client.force_login(cast["health_visitor"])
    response = client.post(_url("support_plan_new", assessment), _post())
    assert response.status_code == 400
    assert _field_error(response, "action_1_action") == "Agree at least one action for the areas where help is offered"
    assert not SupportPlan.objects.exists()


def test_support_plan_form_needs_agreed_with(client: Client, cast: dict[str, User], assessment: Assessment) -> None:
    client.force_login(cast["health_visitor"])
    response = client.post(_url("support_plan_new", assessment),
                           _post(_row(1, "health", "Book a review", "Harriet", SOON), agreed_with=" "))
    assert response.status_code == 400
    assert _field_error(response, "agreed_with") == "Enter who you agreed the plan with"
    assert not SupportPlan.objects.exists()


def test_support_plan_form_update_starts_from_plan_in_force(client: Client, cast: dict[str, User], plan: SupportPlan) -> None:
    client.force_login(cast["health_visitor"])
    page = _text(client.get(_url("support_plan_new", plan.assessment)))
    assert "Update the support plan" in page
    assert "Book a review with the perinatal mental health team" in page
    response = client.post(_url("support_plan_new", plan.assessment),
                           _post(_row(1, "health", "Join the baby massage group", "Sophie", SOON)))
    assert response.status_code == 302
    assert SupportPlan.objects.count() == 2
    shown = _text(client.get(_url("support_plan", plan.assessment)))
    assert "Join the baby massage group" in shown
    assert "household support fund" not in shown


# --- the page and the PDF -------------------------------------------------------------------


def test_support_plan_page_reads_as_the_family_would(client: Client, cast: dict[str, User], plan: SupportPlan) -> None:
    client.force_login(cast["midwife"])
    response = client.get(_url("support_plan", plan.assessment))
    assert response.status_code == 200
    page = _words(response)
    assert "Support plan for Amelia" in page
    going_well = page.split("What is going well")[1].split("Where help is offered")[0]
    assert "You and your baby getting to know each other" in going_well
    assert "Your home, money" not in going_well
    help_offered = page.split("Where help is offered")[1].split("What we agreed")[0]
    assert "Your home, money and the people who help you: we will work on this together" in help_offered
    assert "Your own health and well-being: some extra help is on offer" in help_offered
    assert "Apply for the household support fund" in page
    assert f"{SOON.day} {SOON:%B %Y}" in page
    assert "Agreed with Sophie Hart (mother)" in page
    assert f"Made by {cast['health_visitor']}, Test Health Visiting" in page
    assert AuditEvent.objects.filter(action=Action.VIEW, object_id=str(plan.assessment.public_id)).exists()


def test_support_plan_outcome_page_links_to_the_plan(client: Client, cast: dict[str, User], plan: SupportPlan) -> None:
    client.force_login(cast["health_visitor"])
    page = _words(client.get(plan.assessment.get_absolute_url()))
    assert "Agreed with Sophie Hart (mother)" in page
    for name in PAGES:
        assert _url(name, plan.assessment) in _text(client.get(plan.assessment.get_absolute_url()))


def test_support_plan_pdf_is_the_printed_plan(client: Client, cast: dict[str, User], plan: SupportPlan) -> None:
    client.force_login(cast["health_visitor"])
    response = client.get(_url("support_plan_pdf", plan.assessment))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="support-plan.pdf"'
    text = _pdf_text(response.content)
    assert "Support plan for Amelia" in text
    assert f"1. Apply for the household support fund Who: Sophie, with Harriet By: {SOON.day} {SOON:%B %Y}" in text
    assert "You and your baby getting to know each other" in text
    assert f"Made with Keeping Babies Safe on {TODAY.day} {TODAY:%B %Y}" in text
    export = AuditEvent.objects.get(action=Action.EXPORT)
    assert (export.actor, export.family, export.object_id) == (cast["health_visitor"], plan.assessment.family, str(plan.pk))


def test_support_plan_page_not_found_before_a_plan(client: Client, cast: dict[str, User], assessment: Assessment) -> None:
    client.force_login(cast["health_visitor"])
    assert client.get(_url("support_plan", assessment)).status_code == 404
    assert client.get(_url("support_plan_pdf", assessment)).status_code == 404


# --- refusals ---------------------------------------------------------------------------------


@pytest.mark.parametrize("page", PAGES)
def test_support_plan_refused_for_other_tools_and_drafts(client: Client, cast: dict[str, User], family: Family,
                                                         page: str) -> None:
    by = cast["health_visitor"]
    sleep = completed(by, family)
    draft = actions.start_assessment(by=by, baby=family.babies.get(), tool_slug="every-baby-matters")
    client.force_login(by)
    assert client.get(_url(page, sleep)).status_code == 404
    assert client.get(_url(page, draft)).status_code == 404


@pytest.mark.parametrize("persona", ["police", "analyst", "outsider"])
@pytest.mark.parametrize("page", PAGES)
def test_support_plan_refused_as_not_found(client: Client, cast: dict[str, User], plan: SupportPlan, persona: str,
                                           page: str) -> None:
    client.force_login(cast[persona])
    response = client.get(_url(page, plan.assessment))
    assert response.status_code == 404
    assert "Page not found" in _text(response)
    assert not AuditEvent.objects.filter(action=Action.EXPORT).exists()


@pytest.mark.parametrize("persona", ["police", "analyst"])
def test_support_plan_post_refused_saves_nothing(client: Client, cast: dict[str, User], assessment: Assessment,
                                                 persona: str) -> None:
    client.force_login(cast[persona])
    response = client.post(_url("support_plan_new", assessment), _post(_row(1, "health", "Book a review", "Harriet", SOON)))
    assert response.status_code == 404
    assert not SupportPlan.objects.exists()


@pytest.mark.parametrize("page", PAGES)
def test_support_plan_sends_anonymous_to_sign_in(client: Client, plan: SupportPlan, page: str) -> None:
    url = _url(page, plan.assessment)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:sign_in") + "?next=")
    assert url in response["Location"].replace("%2F", "/")
