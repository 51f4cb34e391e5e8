"""Prompts for the next contact: each kind appears when it is due and goes once it is done; the
record-contact page shows them with the right links and buttons; the query count stays flat."""

import html
from collections.abc import Callable
from datetime import timedelta
from typing import Any, cast

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kbs.accounts.models import User
from kbs.conftest import TEST_NHS_NUMBERS, baby_details
from kbs.contacts.crying_plans import record_crying_plan
from kbs.contacts.models import Contact
from kbs.contacts.prompts import Kind, Prompt, prompts_for_family, safe_space_stage
from kbs.families.models import Baby, Family, Person
from kbs.tools import actions as tool_actions
from kbs.tools.models import Assessment
from kbs.tools.spec import ItemTest, get_spec

TODAY = timezone.localdate()
NO_DOG = {"dog_in_home_or_visiting": "no", "other_family_concerns": "no"}
A_DOG = {"dog_in_home_or_visiting": "yes", "suspected_prohibited_type": "no", "bite_or_aggression_history": "no",
         "baby_left_alone_with_dog": "no", "dog_separated_when_baby_down": "yes", "other_family_concerns": "no"}
SAFER_SLEEP = {  # a baby sleeping safely in their own cot
    "night_sleep_place": "cot", "day_sleep_place": "moses_basket", "same_room_as_carer": "yes",
}


# --- helpers -----------------------------------------------------------------------------------


def complete(by: User, baby: Baby, slug: str, answers: dict[str, Any]) -> Assessment:
    """A completed assessment, made through the tools' own actions."""
    assessment = tool_actions.start_assessment(by=by, baby=baby, tool_slug=slug)
    tool_actions.save_answers(by=by, assessment=assessment, answers=answers)
    outcome = tool_actions.preview(assessment)
    assert outcome is not None, f"incomplete answers for {slug}"
    steps = tool_actions.SameDaySteps(
        csc_referral_at=timezone.now(), csc_referral_reference="CSC-1",
        medical_review_at=timezone.now(), medical_review_where="Royal Derby Hospital",
    )
    return tool_actions.complete_assessment(by=by, assessment=assessment, confirmed_actions=list(outcome.actions),
                                            steps=steps)


def safe_space_answers(stage: str) -> dict[str, Any]:
    """Every safe space question answered "yes" at this stage (hidden ones left out)."""
    answers: dict[str, Any] = {"age_stage": stage, "dog_plan": "no_dog"}
    for item in get_spec("safe-space").items:
        shown = not isinstance(item.show_when, ItemTest) or stage in cast(tuple[str, ...], item.show_when.value)
        if item.id not in answers and shown:
            answers[item.id] = "yes"
    return answers


def safer_sleep_answers() -> dict[str, Any]:
    import json
    from pathlib import Path

    samples = Path(__file__).resolve().parents[2] / "tools" / "samples"
    answers: dict[str, Any] = json.loads((samples / "safer-sleep-high.json").read_text())
    return answers


def kinds(prompts: list[Prompt]) -> list[str]:
    return [p.kind for p in prompts]


def of_kind(prompts: list[Prompt], kind: str) -> list[Prompt]:
    return [p for p in prompts if p.kind == kind]


@pytest.fixture
def hv(cast: dict[str, User]) -> User:
    return cast["health_visitor"]


@pytest.fixture
def baby(family: Family) -> Baby:
    """Amelia Hart, 10 weeks old."""
    return family.babies.get()


def _prompts(family: Family, user: User, **kwargs: Any) -> list[Prompt]:
    return prompts_for_family(family, user=user, **kwargs)


def _unborn_family(make_family: Callable[..., Family], weeks_to_go: int) -> Family:
    return make_family(baby=baby_details(date_of_birth=None, nhs_number="",
                                         expected_delivery_date=TODAY + timedelta(weeks=weeks_to_go)))


# --- ICON touchpoints --------------------------------------------------------------------------


def test_icon_prompt_names_the_touchpoints_due_by_age(family: Family, hv: User) -> None:
    (icon,) = of_kind(_prompts(family, hv), Kind.ICON_TOUCHPOINT)
    # At 10 weeks the health visitor (to 70 days) and GP (6 to 13 weeks) touchpoints are open.
    assert [t.slug for t in icon.touchpoints] == ["health_visitor", "gp"]
    assert "the GP touchpoint (5 of 5)" in icon.text
    assert icon.href.startswith("#msg-")


def test_icon_prompt_goes_when_touchpoints_done(
    family: Family, hv: User, mother: Person, record: Callable[..., Contact],
) -> None:
    record(family, given={mother: ("safe_handling",)}, contact_type="six_eight_week_review")
    (icon,) = of_kind(_prompts(family, hv), Kind.ICON_TOUCHPOINT)
    assert [t.slug for t in icon.touchpoints] == ["gp"]
    record(family, given={mother: ("safe_handling",)}, contact_type="gp_six_eight_week")
    assert of_kind(_prompts(family, hv), Kind.ICON_TOUCHPOINT) == []


def test_icon_prompt_not_shown_before_28_weeks_of_pregnancy(make_family: Callable[..., Family], hv: User) -> None:
    family = _unborn_family(make_family, weeks_to_go=20)
    assert of_kind(_prompts(family, hv), Kind.ICON_TOUCHPOINT) == []


def test_icon_prompt_from_28_weeks_of_pregnancy(make_family: Callable[..., Family], hv: User) -> None:
    family = _unborn_family(make_family, weeks_to_go=10)
    (icon,) = of_kind(_prompts(family, hv), Kind.ICON_TOUCHPOINT)
    assert [t.slug for t in icon.touchpoints] == ["antenatal"]


def test_icon_prompt_follows_the_contact_type(make_family: Callable[..., Family], hv: User) -> None:
    family = _unborn_family(make_family, weeks_to_go=20)
    (icon,) = of_kind(_prompts(family, hv, contact_type="antenatal_booking"), Kind.ICON_TOUCHPOINT)
    assert [t.slug for t in icon.touchpoints] == ["antenatal"]


# --- carers who have not heard the message -------------------------------------------------------


def test_carer_prompt_for_a_father_who_has_not_heard(
    family: Family, hv: User, mother: Person, add_person: Callable[..., Person], record: Callable[..., Contact],
) -> None:
    father = add_person(family, "Jack", "father", lives_in_household=True)
    record(family, given={mother: ("safe_handling",)})
    (prompt,) = of_kind(_prompts(family, hv), Kind.CARER_NOT_HEARD)
    assert prompt.person == father
    assert prompt.important
    assert "7 in 10" in prompt.text
    assert prompt.href == f"#msg-{father.public_id}"


def test_carer_prompt_for_another_carer_is_not_a_warning(
    family: Family, hv: User, mother: Person, add_person: Callable[..., Person], record: Callable[..., Contact],
) -> None:
    nana = add_person(family, "Jean", "grandparent", regular_carer=True)
    record(family, given={mother: ("safe_handling",)})
    (prompt,) = of_kind(_prompts(family, hv), Kind.CARER_NOT_HEARD)
    assert prompt.person == nana
    assert not prompt.important


def test_carer_prompt_goes_once_everyone_has_heard(
    family: Family, hv: User, mother: Person, add_person: Callable[..., Person], record: Callable[..., Contact],
) -> None:
    father = add_person(family, "Jack", "father", lives_in_household=True)
    assert {p.person for p in of_kind(_prompts(family, hv), Kind.CARER_NOT_HEARD)} == {mother, father}
    record(family, given={mother: ("safe_handling",), father: ("safe_handling",)})
    assert of_kind(_prompts(family, hv), Kind.CARER_NOT_HEARD) == []


# --- the crying plan ---------------------------------------------------------------------------


def test_crying_plan_prompt_until_a_plan_is_made(family: Family, hv: User, baby: Baby) -> None:
    (prompt,) = of_kind(_prompts(family, hv), Kind.CRYING_PLAN)
    assert prompt.href == reverse("contacts:crying_plan_new", args=[baby.public_id])
    record_crying_plan(by=hv, baby=baby, plan={"soothing": "Cuddles", "who_to_call": "Nana 07700 900123",
                                                "if_stressed": "Put her in the cot", "agreed_with": "Sophie"})
    assert of_kind(_prompts(family, hv), Kind.CRYING_PLAN) == []


# --- safer sleep -------------------------------------------------------------------------------


def test_safer_sleep_prompt_until_assessed(family: Family, hv: User, baby: Baby) -> None:
    (prompt,) = of_kind(_prompts(family, hv), Kind.SAFER_SLEEP)
    assert prompt.start is not None
    assert prompt.start.slug == "safer-sleep"
    complete(hv, baby, "safer-sleep", safer_sleep_answers())
    assert of_kind(_prompts(family, hv), Kind.SAFER_SLEEP) == []


def test_safer_sleep_prompt_not_for_an_unborn_baby(make_family: Callable[..., Family], hv: User) -> None:
    assert of_kind(_prompts(_unborn_family(make_family, weeks_to_go=4), hv), Kind.SAFER_SLEEP) == []


def test_draft_assessment_does_not_count(family: Family, hv: User, baby: Baby) -> None:
    tool_actions.start_assessment(by=hv, baby=baby, tool_slug="safer-sleep")
    assert len(of_kind(_prompts(family, hv), Kind.SAFER_SLEEP)) == 1


# --- safe space --------------------------------------------------------------------------------


@pytest.mark.parametrize(("age_days", "stage"), [
    (5, None), (10, "new_baby_review"), (41, "new_baby_review"), (42, "six_to_eight_weeks"),
    (182, "six_months"), (273, "nine_to_twelve_months"), (365, None),
])
def test_safe_space_stage_by_age(age_days: int, stage: str | None) -> None:
    found = safe_space_stage(age_days)
    assert (found.code if found else None) == stage


def test_safe_space_prompt_due_at_the_stage(family: Family, hv: User, baby: Baby) -> None:
    (prompt,) = of_kind(_prompts(family, hv), Kind.SAFE_SPACE)
    assert "6 to 8 weeks" in prompt.text
    assert prompt.start is not None
    assert prompt.start.slug == "safe-space"


def test_safe_space_prompt_goes_when_done_and_returns_at_the_next_stage(family: Family, hv: User, baby: Baby) -> None:
    complete(hv, baby, "safe-space", safe_space_answers("six_to_eight_weeks"))
    assert of_kind(_prompts(family, hv), Kind.SAFE_SPACE) == []
    # At about 27 weeks the 6 month refresh is due.
    (prompt,) = of_kind(_prompts(family, hv, on=TODAY + timedelta(weeks=17)), Kind.SAFE_SPACE)
    assert "6 months" in prompt.text


def test_safe_space_prompt_not_before_the_new_baby_review(make_family: Callable[..., Family], hv: User) -> None:
    family = make_family(baby=baby_details(date_of_birth=TODAY - timedelta(days=4)))
    assert of_kind(_prompts(family, hv), Kind.SAFE_SPACE) == []


# --- dogs --------------------------------------------------------------------------------------


def test_dogs_prompt_asks_from_the_new_baby_review(family: Family, hv: User, baby: Baby) -> None:
    (prompt,) = of_kind(_prompts(family, hv), Kind.DOGS_ASK)
    assert prompt.start is not None
    assert prompt.start.slug == "dogs"
    complete(hv, baby, "dogs", NO_DOG)
    assert of_kind(_prompts(family, hv), Kind.DOGS_ASK) == []


def test_dogs_prompt_not_before_the_new_baby_review_unless_it_is_one(make_family: Callable[..., Family], hv: User) -> None:
    family = make_family(baby=baby_details(date_of_birth=TODAY - timedelta(days=4)))
    assert of_kind(_prompts(family, hv), Kind.DOGS_ASK) == []
    assert len(of_kind(_prompts(family, hv, contact_type="new_baby_review"), Kind.DOGS_ASK)) == 1


def test_dogs_review_prompt_three_months_after_a_dog_was_recorded(family: Family, hv: User, baby: Baby) -> None:
    complete(hv, baby, "dogs", A_DOG)
    assert kinds(of_kind(_prompts(family, hv), Kind.DOGS_REVIEW)) == []
    assert of_kind(_prompts(family, hv, on=TODAY + timedelta(days=60)), Kind.DOGS_REVIEW) == []
    (prompt,) = of_kind(_prompts(family, hv, on=TODAY + timedelta(days=100)), Kind.DOGS_REVIEW)
    assert prompt.important
    assert prompt.start is not None
    assert of_kind(_prompts(family, hv, on=TODAY + timedelta(days=100)), Kind.DOGS_ASK) == []


def test_dogs_review_prompt_not_when_no_dog(family: Family, hv: User, baby: Baby) -> None:
    complete(hv, baby, "dogs", NO_DOG)
    assert of_kind(_prompts(family, hv, on=TODAY + timedelta(days=100)), Kind.DOGS_REVIEW) == []


# --- the family as a whole ----------------------------------------------------------------------


def test_no_prompts_for_a_baby_over_one(make_family: Callable[..., Family], hv: User) -> None:
    family = make_family(baby=baby_details(date_of_birth=TODAY - timedelta(days=400)))
    assert _prompts(family, hv) == []


def test_prompts_name_the_baby_when_there_are_two(
    family: Family, hv: User, cast: dict[str, User],
) -> None:
    # There is no action to add a second baby to a family yet (registration makes one), so directly.
    Baby.objects.create(family=family, **baby_details(
        given_name="Noah", nhs_number=TEST_NHS_NUMBERS[1], date_of_birth=TODAY - timedelta(days=20)))
    headings = [p.heading for p in of_kind(_prompts(family, hv), Kind.SAFER_SLEEP)]
    assert headings == ["Safer sleep not assessed for Amelia Hart", "Safer sleep not assessed for Noah Hart"]


def test_no_start_buttons_without_permission_to_assess(family: Family, cast: dict[str, User], baby: Baby) -> None:
    from kbs.accounts.models import Role

    reader = cast["lead"]
    reader.roles.set([Role.objects.get(slug="analyst")])
    assert all(p.start is None for p in _prompts(family, reader))


def test_prompts_query_count_does_not_grow(
    family: Family, hv: User, mother: Person, baby: Baby, add_person: Callable[..., Person],
    record: Callable[..., Contact],
) -> None:
    father = add_person(family, "Jack", "father", lives_in_household=True)
    people = list(family.people.all())
    with CaptureQueriesContext(connection) as few:
        _prompts(family, hv, people=people)
    for contact_type in ("community_midwife", "new_baby_review", "home_visit", "clinic"):
        record(family, given={mother: ("safe_handling", "safe_sleep"), father: ("safe_handling",)},
               contact_type=contact_type)
    complete(hv, baby, "dogs", A_DOG)
    complete(hv, baby, "safe-space", safe_space_answers("new_baby_review"))
    with CaptureQueriesContext(connection) as many:
        _prompts(family, hv, people=people)
    assert len(few) == len(many) <= 5


# --- the record-contact page ---------------------------------------------------------------------


def _page(client: Client, family: Family, **params: str) -> str:
    response = client.get(reverse("contacts:record", args=[family.public_id]), params)
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def test_record_page_shows_prompts_with_links_and_buttons(
    client: Client, family: Family, hv: User, baby: Baby, add_person: Callable[..., Person],
) -> None:
    father = add_person(family, "Jack", "father", lives_in_household=True)
    client.force_login(hv)
    page = _page(client, family)
    assert "nhsuk-warning-callout" in page
    assert "Jack Hart has not heard the crying message" in page
    assert f'href="#msg-{father.public_id}"' in page
    assert f'id="msg-{father.public_id}"' in page  # the link lands on his message boxes
    assert f'action="{reverse("tools:start", args=[baby.public_id, "dogs"])}"' in page
    assert "Start dogs and babies" in page
    assert 'name="csrfmiddlewaretoken"' in page
    assert reverse("contacts:crying_plan_new", args=[baby.public_id]) in page
    assert "ICON coping with crying message due" in page


def test_record_page_without_prompts(
    client: Client, make_family: Callable[..., Family], hv: User,
) -> None:
    family = make_family(baby=baby_details(date_of_birth=TODAY - timedelta(days=400)))
    client.force_login(hv)
    page = _page(client, family)
    assert "At this contact" not in page


def test_record_page_prompt_start_button_starts_the_tool(client: Client, family: Family, hv: User, baby: Baby) -> None:
    client.force_login(hv)
    response = client.post(reverse("tools:start", args=[baby.public_id, "safe-space"]))
    assert response.status_code == 302
    assert Assessment.objects.filter(baby=baby, tool_slug="safe-space").exists()


def test_record_page_uses_the_contact_type_in_the_address(
    client: Client, make_family: Callable[..., Family], hv: User,
) -> None:
    family = make_family(baby=baby_details(date_of_birth=TODAY - timedelta(days=4)))
    client.force_login(hv)
    assert "Ask about dogs" not in _page(client, family)
    assert "Ask about dogs" in _page(client, family, contact_type="new_baby_review")

