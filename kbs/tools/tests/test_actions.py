"""Assessment actions: each checks the state rows and the audit event it writes.

Completed assessments are checked against the database itself: the triggers must refuse any change,
on SQLite and on PostgreSQL alike.
"""

import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import DatabaseError, transaction
from django.utils import timezone

from kbs.accounts.models import Agency, User
from kbs.audit.models import Action, AuditEvent
from kbs.conftest import baby_details
from kbs.families.actions import NotAllowed, StaleEdit
from kbs.families.models import Baby, Family
from kbs.tools import actions
from kbs.tools.actions import ActionsNotConfirmed, SameDaySteps, SameDayStepsMissing
from kbs.tools.engine import AnswersInvalid
from kbs.tools.models import Assessment, PartnershipSetting, Status

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
PATHWAY = "bruising.pathway_model"
TODAY = timezone.localdate()


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# --- helpers, shared with the view and command tests ------------------------------------------


def sample(name: str) -> dict[str, Any]:
    """A full set of answers: safer-sleep-high (SS-SOFA) or bruising-non-mobile (BR-NON-MOBILE)."""
    answers: dict[str, Any] = json.loads((SAMPLES / f"{name}.json").read_text())
    return answers


def baby_of(family: Family) -> Baby:
    return family.babies.get()


def draft(by: User, family: Family, slug: str, answers: dict[str, Any] | None = None) -> Assessment:
    assessment = actions.start_assessment(by=by, baby=baby_of(family), tool_slug=slug)
    if answers:
        actions.save_answers(by=by, assessment=assessment, answers=answers)
    return assessment


def all_actions(assessment: Assessment) -> list[str]:
    outcome = actions.preview(assessment)
    assert outcome is not None
    return list(outcome.actions)


def steps() -> SameDaySteps:
    now = timezone.now()
    return SameDaySteps(csc_referral_at=now, csc_referral_reference="CSC-2025-001",
                        medical_review_at=now + timedelta(hours=3), medical_review_where="Royal Derby Hospital")


def completed(by: User, family: Family, slug: str = "safer-sleep", answers: dict[str, Any] | None = None) -> Assessment:
    """A completed assessment, every suggested action confirmed (and the same-day steps if urgent)."""
    assessment = draft(by, family, slug, answers or sample("safer-sleep-high" if slug == "safer-sleep" else "bruising-non-mobile"))
    return actions.complete_assessment(by=by, assessment=assessment, confirmed_actions=all_actions(assessment),
                                       steps=steps())


def awaiting(by: User, family: Family) -> Assessment:
    """An urgent bruising assessment whose same-day steps could not be recorded."""
    assessment = draft(by, family, "bruising", sample("bruising-non-mobile"))
    return actions.complete_assessment(by=by, assessment=assessment, confirmed_actions=all_actions(assessment),
                                       steps_not_recorded_reason="The duty desk did not answer")


def _events(assessment: Assessment, action: Action) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(object_id=str(assessment.public_id), action=action).order_by("id"))


# --- start --------------------------------------------------------------------------------------


def test_start_safer_sleep_prefills_age_gestation_and_weight(family: Family, cast: dict[str, User]) -> None:
    assessment = actions.start_assessment(by=cast["health_visitor"], baby=baby_of(family), tool_slug="safer-sleep")
    age = (TODAY - baby_of(family).date_of_birth).days  # type: ignore[operator]
    assert assessment.status == Status.DRAFT
    assert assessment.tool_version == "1.0.0"
    assert assessment.answers == {"baby_age_days": age, "gestation_weeks": 39, "birth_weight_g": 3400}
    assert assessment.created_by == cast["health_visitor"]
    [event] = _events(assessment, Action.CREATE)
    assert event.family == family
    assert event.detail["tool"] == "safer-sleep"


def test_start_bruising_prefills_age_and_mobility(family: Family, cast: dict[str, User]) -> None:
    assessment = actions.start_assessment(by=cast["health_visitor"], baby=baby_of(family), tool_slug="bruising")
    assert assessment.answers == {"baby_age_days": 70, "mobility": "not_rolling"}
    assert assessment.settings_applied == {PATHWAY: "automatic_referral"}


def test_start_pre_birth_screening_prefills_gestation_from_due_date(make_family: Callable[..., Family],
                                                                    cast: dict[str, User]) -> None:
    unborn = make_family(baby=baby_details(given_name="", nhs_number="", date_of_birth=None, sex="",
                                           expected_delivery_date=TODAY + timedelta(weeks=10),
                                           gestation_at_birth_weeks=None, birth_weight_g=None))
    assessment = actions.start_assessment(by=cast["health_visitor"], baby=baby_of(unborn),
                                          tool_slug="pre-birth-screening")
    assert assessment.answers == {"gestation_weeks": 30}


def test_start_refused_for_a_tool_not_for_this_baby(family: Family, cast: dict[str, User]) -> None:
    with pytest.raises(NotAllowed):
        actions.start_assessment(by=cast["health_visitor"], baby=baby_of(family), tool_slug="pre-birth-screening")
    assert not Assessment.objects.exists()


def test_start_refused_without_permission(family: Family, cast: dict[str, User]) -> None:
    with pytest.raises(NotAllowed):
        actions.start_assessment(by=cast["analyst"], baby=baby_of(family), tool_slug="safer-sleep")
    assert not Assessment.objects.exists()


# --- save_answers -------------------------------------------------------------------------------


def test_save_answers_merges_and_audits_before_and_after(family: Family, cast: dict[str, User]) -> None:
    hv = cast["health_visitor"]
    assessment = draft(hv, family, "safer-sleep")
    actions.save_answers(by=hv, assessment=assessment, answers={"gestation_weeks": 36, "carer_smokes": "no"},
                         expected_version=1)
    assessment.refresh_from_db()
    assert assessment.answers == {"baby_age_days": 70, "gestation_weeks": 36, "birth_weight_g": 3400, "carer_smokes": "no"}
    assert assessment.version == 2
    [event] = _events(assessment, Action.UPDATE)
    assert event.detail == {"gestation_weeks": [39, 36], "carer_smokes": [None, "no"]}
    assert event.actor == hv


def test_save_answers_none_removes_an_answer(family: Family, cast: dict[str, User]) -> None:
    hv = cast["health_visitor"]
    assessment = draft(hv, family, "safer-sleep")
    actions.save_answers(by=hv, assessment=assessment, answers={"birth_weight_g": None})
    assert "birth_weight_g" not in Assessment.objects.get(pk=assessment.pk).answers


@pytest.mark.parametrize("answers", [{"gestation_weeks": "lots"}, {"gestation_weeks": 50}, {"bed_sharing": "sometimes"},
                                     {"carer_smokes": "no", "sofa_sleeping": True}])
def test_save_answers_refuses_a_wrong_answer_and_saves_nothing(family: Family, cast: dict[str, User],
                                                               answers: dict[str, Any]) -> None:
    hv = cast["health_visitor"]
    assessment = draft(hv, family, "safer-sleep")
    with pytest.raises(AnswersInvalid) as raised:
        actions.save_answers(by=hv, assessment=assessment, answers=answers)
    assert [e["item"] for e in raised.value.errors] == [k for k in answers if k != "carer_smokes"]
    fresh = Assessment.objects.get(pk=assessment.pk)
    assert fresh.answers == {"baby_age_days": 70, "gestation_weeks": 39, "birth_weight_g": 3400}
    assert fresh.version == 1
    assert _events(assessment, Action.UPDATE) == []


def test_save_answers_stale_version_refused(family: Family, cast: dict[str, User]) -> None:
    hv = cast["health_visitor"]
    assessment = draft(hv, family, "safer-sleep")
    actions.save_answers(by=cast["lead"], assessment=Assessment.objects.get(pk=assessment.pk),
                         answers={"carer_smokes": "no"}, expected_version=1)
    with pytest.raises(StaleEdit):
        actions.save_answers(by=hv, assessment=assessment, answers={"carer_smokes": "yes"}, expected_version=1)
    assert Assessment.objects.get(pk=assessment.pk).answers["carer_smokes"] == "no"


def test_save_answers_refused_once_completed(family: Family, cast: dict[str, User]) -> None:
    hv = cast["health_visitor"]
    assessment = completed(hv, family)
    with pytest.raises(NotAllowed):
        actions.save_answers(by=hv, assessment=assessment, answers={"carer_smokes": "yes"})


def test_save_answers_emails_the_lead_once_when_the_preview_turns_urgent(
    family: Family, cast: dict[str, User], mailoutbox: list[Any], django_capture_on_commit_callbacks: Any,
) -> None:
    hv = cast["health_visitor"]
    assessment = draft(hv, family, "bruising")
    answers = sample("bruising-non-mobile")
    with django_capture_on_commit_callbacks(execute=True):
        actions.save_answers(by=hv, assessment=assessment, answers={k: answers[k] for k in list(answers)[:5]})
    assert mailoutbox == []  # not urgent yet: answers are still missing
    with django_capture_on_commit_callbacks(execute=True):
        actions.save_answers(by=hv, assessment=assessment, answers=answers)
    assert [m.to for m in mailoutbox] == [[cast["lead"].email]]
    assert "URGENT" in mailoutbox[0].body
    assert str(assessment.public_id) in mailoutbox[0].body
    assert "Amelia" not in mailoutbox[0].body  # links only: names stay out of e-mail
    with django_capture_on_commit_callbacks(execute=True):
        actions.save_answers(by=hv, assessment=assessment, answers={"patterned": "yes"})
        actions.complete_assessment(by=hv, assessment=assessment, confirmed_actions=all_actions(assessment), steps=steps())
    assert len(mailoutbox) == 1
    assert Assessment.objects.get(pk=assessment.pk).lead_notified_at is not None


# --- complete -----------------------------------------------------------------------------------


@pytest.mark.parametrize("slug", ["safer-sleep", "bruising", "dogs"])
def test_complete_with_missing_answers_is_an_error_never_universal(family: Family, cast: dict[str, User],
                                                                    slug: str) -> None:
    hv = cast["health_visitor"]
    assessment = draft(hv, family, slug)
    with pytest.raises(AnswersInvalid) as raised:
        actions.complete_assessment(by=hv, assessment=assessment, confirmed_actions=["give_universal_messages"],
                                    actions_not_taken_reason="n/a")
    assert {e["problem"] for e in raised.value.errors} == {"is required"}
    fresh = Assessment.objects.get(pk=assessment.pk)
    assert (fresh.status, fresh.level, fresh.outcome) == (Status.DRAFT, "", None)


def test_complete_with_one_answer_missing_is_refused(family: Family, cast: dict[str, User]) -> None:
    hv = cast["health_visitor"]
    answers = sample("safer-sleep-high")
    del answers["carer_smokes"]
    assessment = draft(hv, family, "safer-sleep", answers)
    with pytest.raises(AnswersInvalid) as raised:
        actions.complete_assessment(by=hv, assessment=assessment, confirmed_actions=[], actions_not_taken_reason="x")
    assert raised.value.errors == [{"item": "carer_smokes", "problem": "is required"}]
    assert Assessment.objects.get(pk=assessment.pk).status == Status.DRAFT


def test_complete_refused_when_actions_not_confirmed_without_reason(family: Family, cast: dict[str, User]) -> None:
    hv = cast["health_visitor"]
    assessment = draft(hv, family, "safer-sleep", sample("safer-sleep-high"))
    with pytest.raises(ActionsNotConfirmed) as raised:
        actions.complete_assessment(by=hv, assessment=assessment, confirmed_actions=["give_universal_messages"])
    assert set(raised.value.missing) == {"make_safe_sleep_plan", "discuss_safeguarding_lead_same_day"}
    assert Assessment.objects.get(pk=assessment.pk).status == Status.DRAFT


def test_complete_with_a_reason_for_actions_not_taken(family: Family, cast: dict[str, User]) -> None:
    hv = cast["health_visitor"]
    assessment = draft(hv, family, "safer-sleep", sample("safer-sleep-high"))
    actions.complete_assessment(by=hv, assessment=assessment, confirmed_actions=["give_universal_messages", "bogus"],
                                actions_not_taken_reason="Plan made at the next visit")
    fresh = Assessment.objects.get(pk=assessment.pk)
    assert fresh.status == Status.COMPLETED
    assert fresh.confirmed_actions == ["give_universal_messages"]  # only suggested actions are kept
    assert fresh.actions_not_taken_reason == "Plan made at the next visit"


def test_complete_high_safer_sleep_stores_the_outcome(family: Family, cast: dict[str, User]) -> None:
    hv = cast["health_visitor"]
    assessment = completed(hv, family)
    fresh = Assessment.objects.get(pk=assessment.pk)
    assert fresh.status == Status.COMPLETED
    assert fresh.level == "high"
    assert fresh.completed_by == hv
    assert fresh.completed_at is not None
    outcome = fresh.outcome
    assert (outcome["tool"], outcome["version"], outcome["level"]) == ("safer-sleep", "1.0.0", "high")
    assert set(outcome["actions"]) == {"give_universal_messages", "make_safe_sleep_plan", "discuss_safeguarding_lead_same_day"}
    [flag] = outcome["flags"]
    assert flag["rule"] == "SS-SOFA"
    assert flag["level"] == "high"
    assert flag["because"] == {"sofa_sleeping": "once"}
    assert flag["advice"]
    assert flag["title"]
    assert flag["message_for_parents"]
    assert flag["source"]["url"].startswith("https://")
    assert flag["source"]["title"]
    assert set(fresh.confirmed_actions) == set(outcome["actions"])
    [event] = [e for e in _events(assessment, Action.UPDATE) if e.summary.startswith("Completed")]
    assert event.detail["level"] == "high"
    assert event.detail["fired"] == ["SS-SOFA"]


def test_complete_urgent_without_steps_or_reason_stays_a_draft(family: Family, cast: dict[str, User]) -> None:
    hv = cast["health_visitor"]
    assessment = draft(hv, family, "bruising", sample("bruising-non-mobile"))
    with pytest.raises(SameDayStepsMissing):
        actions.complete_assessment(by=hv, assessment=assessment, confirmed_actions=all_actions(assessment))
    partial = SameDaySteps(csc_referral_at=timezone.now(), csc_referral_reference="CSC-1")
    with pytest.raises(SameDayStepsMissing):
        actions.complete_assessment(by=hv, assessment=assessment, confirmed_actions=all_actions(assessment), steps=partial)
    fresh = Assessment.objects.get(pk=assessment.pk)
    assert (fresh.status, fresh.outcome, fresh.csc_referral_reference) == (Status.DRAFT, None, "")


def test_complete_urgent_with_every_step_completes(family: Family, cast: dict[str, User]) -> None:
    hv = cast["health_visitor"]
    assessment = completed(hv, family, "bruising")
    fresh = Assessment.objects.get(pk=assessment.pk)
    assert (fresh.status, fresh.level) == (Status.COMPLETED, "urgent")
    assert fresh.csc_referral_reference == "CSC-2025-001"
    assert fresh.medical_review_where == "Royal Derby Hospital"
    assert fresh.csc_referral_at is not None
    assert fresh.medical_review_at is not None
    assert [f["rule"] for f in fresh.outcome["flags"]] == ["BR-NON-MOBILE"]


def test_complete_urgent_with_a_reason_waits_for_the_lead(
    family: Family, cast: dict[str, User], mailoutbox: list[Any], django_capture_on_commit_callbacks: Any,
) -> None:
    hv = cast["health_visitor"]
    assessment = draft(hv, family, "bruising", sample("bruising-non-mobile"))
    with django_capture_on_commit_callbacks(execute=True):
        actions.complete_assessment(by=hv, assessment=assessment, confirmed_actions=all_actions(assessment),
                                    steps_not_recorded_reason="The duty desk did not answer")
    fresh = Assessment.objects.get(pk=assessment.pk)
    assert (fresh.status, fresh.level, fresh.completed_at) == (Status.AWAITING_SIGN_OFF, "urgent", None)
    assert fresh.outcome["level"] == "urgent"
    assert fresh.steps_not_recorded_reason == "The duty desk did not answer"
    assert [m.to for m in mailoutbox] == [[cast["lead"].email]]
    assert "sign-off" in mailoutbox[0].subject
    assert "The duty desk did not answer" in mailoutbox[0].body
    assert any("safeguarding lead" in e.summary for e in _events(assessment, Action.UPDATE))


def test_sign_off_by_a_lead_of_the_same_agency_completes(family: Family, cast: dict[str, User]) -> None:
    assessment = awaiting(cast["health_visitor"], family)
    actions.sign_off_assessment(by=cast["lead"], assessment=assessment, note="Called CSC myself at 15:10")
    fresh = Assessment.objects.get(pk=assessment.pk)
    assert fresh.status == Status.COMPLETED
    assert fresh.signed_off_by == cast["lead"]
    assert fresh.signed_off_at is not None
    assert fresh.completed_at == fresh.signed_off_at
    assert fresh.sign_off_note == "Called CSC myself at 15:10"
    event = _events(assessment, Action.UPDATE)[-1]
    assert event.actor == cast["lead"]
    assert event.detail["note"] == "Called CSC myself at 15:10"


def test_sign_off_refused_for_a_lead_of_another_agency(family: Family, cast: dict[str, User],
                                                       agencies: dict[str, Agency],
                                                       make_user: Callable[..., User]) -> None:
    assessment = awaiting(cast["health_visitor"], family)
    other_lead = make_user("lead-other", "safeguarding-lead", agencies["maternity"])
    with pytest.raises(NotAllowed):
        actions.sign_off_assessment(by=other_lead, assessment=assessment, note="Fine")
    assert Assessment.objects.get(pk=assessment.pk).status == Status.AWAITING_SIGN_OFF


@pytest.mark.parametrize("persona", ["health_visitor", "midwife", "analyst"])
def test_sign_off_refused_for_anyone_but_a_lead(family: Family, cast: dict[str, User], persona: str) -> None:
    assessment = awaiting(cast["health_visitor"], family)
    with pytest.raises(NotAllowed):
        actions.sign_off_assessment(by=cast[persona], assessment=assessment, note="Fine")
    assert Assessment.objects.get(pk=assessment.pk).status == Status.AWAITING_SIGN_OFF


def test_sign_off_needs_a_note(family: Family, cast: dict[str, User]) -> None:
    assessment = awaiting(cast["health_visitor"], family)
    with pytest.raises(ValueError, match="Record what you have decided"):
        actions.sign_off_assessment(by=cast["lead"], assessment=assessment, note="  ")
    assert Assessment.objects.get(pk=assessment.pk).status == Status.AWAITING_SIGN_OFF


def test_sign_off_refused_for_a_completed_assessment(family: Family, cast: dict[str, User]) -> None:
    with pytest.raises(NotAllowed):
        actions.sign_off_assessment(by=cast["lead"], assessment=completed(cast["health_visitor"], family), note="x")


# --- discard ------------------------------------------------------------------------------------


def test_discard_draft_deletes_it_and_audits(family: Family, cast: dict[str, User]) -> None:
    hv = cast["health_visitor"]
    assessment = draft(hv, family, "safer-sleep")
    actions.discard_draft(by=hv, assessment=assessment)
    assert not Assessment.objects.filter(pk=assessment.pk).exists()
    assert any(e.summary.startswith("Discarded") for e in _events(assessment, Action.UPDATE))


def test_discard_refused_for_a_completed_assessment(family: Family, cast: dict[str, User]) -> None:
    hv = cast["health_visitor"]
    assessment = completed(hv, family)
    with pytest.raises(NotAllowed):
        actions.discard_draft(by=hv, assessment=assessment)
    assert Assessment.objects.filter(pk=assessment.pk).exists()


# --- partnership settings -----------------------------------------------------------------------


def test_bruising_outcome_records_the_default_pathway_model(family: Family, cast: dict[str, User]) -> None:
    fresh = Assessment.objects.get(pk=completed(cast["health_visitor"], family, "bruising").pk)
    assert fresh.settings_applied == {PATHWAY: "automatic_referral"}
    assert fresh.outcome["settings"] == {PATHWAY: "automatic_referral"}
    assert {"refer_childrens_social_care_same_day", "paediatric_assessment_same_day"} <= set(fresh.outcome["actions"])


def test_a_new_pathway_model_applies_to_new_assessments_only(family: Family, cast: dict[str, User]) -> None:
    hv = cast["health_visitor"]
    old = completed(hv, family, "bruising")
    stored = Assessment.objects.get(pk=old.pk).outcome
    actions.set_partnership_setting(by=cast["admin"], name=PATHWAY, value="initial_health_appraisal")
    new = completed(hv, family, "bruising")
    fresh = Assessment.objects.get(pk=new.pk)
    assert fresh.settings_applied == {PATHWAY: "initial_health_appraisal"}
    assert fresh.outcome["settings"] == {PATHWAY: "initial_health_appraisal"}
    assert fresh.level == "urgent"
    assert "same_day_medical_review" in fresh.outcome["actions"]
    assert not {"refer_childrens_social_care_same_day", "paediatric_assessment_same_day"} & set(fresh.outcome["actions"])
    kept = Assessment.objects.get(pk=old.pk)
    assert kept.outcome == stored
    assert kept.settings_applied == {PATHWAY: "automatic_referral"}


def test_a_draft_keeps_the_settings_it_started_with(family: Family, cast: dict[str, User]) -> None:
    hv = cast["health_visitor"]
    assessment = draft(hv, family, "bruising", sample("bruising-non-mobile"))
    actions.set_partnership_setting(by=cast["admin"], name=PATHWAY, value="initial_health_appraisal")
    actions.complete_assessment(by=hv, assessment=assessment, confirmed_actions=all_actions(assessment), steps=steps())
    assert Assessment.objects.get(pk=assessment.pk).settings_applied == {PATHWAY: "automatic_referral"}


def test_set_partnership_setting_audited(cast: dict[str, User]) -> None:
    setting = actions.set_partnership_setting(by=cast["admin"], name=PATHWAY, value="initial_health_appraisal")
    assert (setting.value, setting.changed_by) == ("initial_health_appraisal", cast["admin"])
    actions.set_partnership_setting(by=cast["admin"], name=PATHWAY, value="automatic_referral")
    assert PartnershipSetting.objects.get(name=PATHWAY).value == "automatic_referral"
    events = list(AuditEvent.objects.filter(action=Action.SETTING).order_by("id"))
    assert [e.detail for e in events] == [{PATHWAY: [None, "initial_health_appraisal"]},
                                          {PATHWAY: ["initial_health_appraisal", "automatic_referral"]}]
    assert all(e.actor == cast["admin"] for e in events)


@pytest.mark.parametrize("persona", ["health_visitor", "lead", "analyst", "outsider"])
def test_set_partnership_setting_refused_for_non_admins(cast: dict[str, User], persona: str) -> None:
    with pytest.raises(NotAllowed):
        actions.set_partnership_setting(by=cast[persona], name=PATHWAY, value="initial_health_appraisal")
    assert not PartnershipSetting.objects.exists()
    assert not AuditEvent.objects.filter(action=Action.SETTING).exists()


@pytest.mark.parametrize(("name", "value"), [(PATHWAY, "ask_a_friend"), ("bruising.unknown", "automatic_referral")])
def test_set_partnership_setting_refused_for_an_invalid_value(cast: dict[str, User], name: str, value: str) -> None:
    with pytest.raises(ValueError, match="is not a choice for"):
        actions.set_partnership_setting(by=cast["admin"], name=name, value=value)
    assert not PartnershipSetting.objects.exists()


# --- corrections and the frozen record ----------------------------------------------------------


def test_correction_copies_the_answers_and_links_to_the_original(family: Family, cast: dict[str, User]) -> None:
    hv = cast["health_visitor"]
    original = completed(hv, family)
    correction = actions.start_assessment(by=hv, baby=baby_of(family), tool_slug="safer-sleep", corrects=original,
                                          correction_reason="  The sofa answer was for another baby ")
    assert correction.status == Status.DRAFT
    assert correction.answers == original.answers == sample("safer-sleep-high")
    assert correction.corrects == original
    assert correction.correction_reason == "The sofa answer was for another baby"
    assert list(original.corrections.all()) == [correction]
    assert Assessment.objects.get(pk=original.pk).status == Status.COMPLETED
    [event] = _events(correction, Action.CREATE)
    assert event.detail["corrects"] == str(original.public_id)


def test_a_completed_correction_leaves_the_original_as_it_was(family: Family, cast: dict[str, User]) -> None:
    hv = cast["health_visitor"]
    original = completed(hv, family)
    correction = actions.start_assessment(by=hv, baby=baby_of(family), tool_slug="safer-sleep", corrects=original,
                                          correction_reason="Sofa was never used")
    actions.save_answers(by=hv, assessment=correction, answers={"sofa_sleeping": "never"})
    actions.complete_assessment(by=hv, assessment=correction, confirmed_actions=all_actions(correction))
    rows = {a.pk: a for a in Assessment.objects.all()}
    assert len(rows) == 2
    assert (rows[original.pk].status, rows[original.pk].level) == (Status.COMPLETED, "high")
    assert (rows[correction.pk].status, rows[correction.pk].level) == (Status.COMPLETED, "universal")


def test_correction_needs_a_reason(family: Family, cast: dict[str, User]) -> None:
    hv = cast["health_visitor"]
    original = completed(hv, family)
    with pytest.raises(ValueError, match="Say why"):
        actions.start_assessment(by=hv, baby=baby_of(family), tool_slug="safer-sleep", corrects=original,
                                 correction_reason=" ")
    assert Assessment.objects.count() == 1


def test_correction_refused_for_a_draft_or_another_tool(family: Family, cast: dict[str, User]) -> None:
    hv = cast["health_visitor"]
    with pytest.raises(NotAllowed):
        actions.start_assessment(by=hv, baby=baby_of(family), tool_slug="safer-sleep",
                                 corrects=draft(hv, family, "safer-sleep"), correction_reason="x")
    with pytest.raises(NotAllowed):
        actions.start_assessment(by=hv, baby=baby_of(family), tool_slug="bruising",
                                 corrects=completed(hv, family), correction_reason="x")


def test_the_database_refuses_to_update_a_completed_assessment(family: Family, cast: dict[str, User]) -> None:
    assessment = completed(cast["health_visitor"], family)
    with pytest.raises(DatabaseError), transaction.atomic():
        Assessment.objects.filter(pk=assessment.pk).update(level="universal")
    assessment.sign_off_note = "changed afterwards"
    with pytest.raises(DatabaseError), transaction.atomic():
        assessment.save()
    fresh = Assessment.objects.get(pk=assessment.pk)
    assert (fresh.level, fresh.sign_off_note) == ("high", "")


def test_the_database_refuses_to_delete_a_completed_assessment(family: Family, cast: dict[str, User]) -> None:
    assessment = completed(cast["health_visitor"], family)
    with pytest.raises(DatabaseError), transaction.atomic():
        Assessment.objects.filter(pk=assessment.pk).delete()
    assert Assessment.objects.filter(pk=assessment.pk).exists()


def test_the_database_lets_drafts_change(family: Family, cast: dict[str, User]) -> None:
    assessment = draft(cast["health_visitor"], family, "safer-sleep")
    Assessment.objects.filter(pk=assessment.pk).update(level="raised")
    Assessment.objects.filter(pk=assessment.pk).delete()
    assert not Assessment.objects.exists()
