"""Every change to assessments, safe sleep plans and the partnership's tool settings.

Each action runs in one transaction, takes `by=` and writes its own audit event.
"""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from kbs.accounts.models import User
from kbs.accounts.permissions import Permission, has_permission
from kbs.audit.actions import record_event
from kbs.audit.models import Action
from kbs.chronology.actions import add_entry
from kbs.chronology.models import Kind, Significance
from kbs.families.actions import NotAllowed, StaleEdit
from kbs.families.models import Baby
from kbs.tools import notices
from kbs.tools.engine import LEVEL_RANK, AnswersInvalid, Outcome, evaluate, evaluate_partial
from kbs.tools.models import Assessment, PartnershipSetting, SafeSleepPlan, Status
from kbs.tools.spec import ToolSpec, get_spec

URGENT_LEVELS = {"urgent", "emergency"}
# Tools for a baby who has been born, and for an unborn baby.
FOR_BORN = ("safer-sleep", "bruising", "dogs", "every-baby-matters", "safe-space")
FOR_UNBORN = ("pre-birth-screening", "every-baby-matters")


class SameDayStepsMissing(Exception):
    """An urgent or emergency outcome cannot be completed without the same-day steps, or a reason."""


class ActionsNotConfirmed(Exception):
    """Every suggested action must be confirmed, or a reason given for those not taken."""

    def __init__(self, missing: list[str]) -> None:
        super().__init__(", ".join(missing))
        self.missing = missing


@dataclass(frozen=True)
class SameDaySteps:
    csc_referral_at: datetime | None = None
    csc_referral_reference: str = ""
    medical_review_at: datetime | None = None
    medical_review_where: str = ""

    @property
    def complete(self) -> bool:
        return bool(
            self.csc_referral_at and self.csc_referral_reference.strip()
            and self.medical_review_at and self.medical_review_where.strip()
        )


def _require(by: User, permission: Permission) -> None:
    if not has_permission(by, permission):
        raise NotAllowed(permission)


def tools_for(baby: Baby) -> tuple[str, ...]:
    """The tools that can be started for a baby: none once the baby has died."""
    if baby.has_died:
        return ()
    return FOR_BORN if baby.is_born else FOR_UNBORN


def partnership_settings(spec: ToolSpec) -> dict[str, str]:
    """The partnership's value for each of the tool's settings, or the spec's default."""
    saved = dict(PartnershipSetting.objects.filter(name__in=[s.name for s in spec.settings]).values_list("name", "value"))
    return {s.name: saved.get(s.name, s.default) for s in spec.settings}


def prefill(spec: ToolSpec, baby: Baby, on: date | None = None) -> dict[str, object]:
    """Answers already known from the baby's record, so nobody types them twice."""
    today = on or timezone.localdate()
    known: dict[str, object] = {}
    items = spec.items_by_id
    if baby.date_of_birth and "baby_age_days" in items:
        known["baby_age_days"] = (today - baby.date_of_birth).days
    if spec.slug == "safer-sleep":
        if baby.gestation_at_birth_weeks:
            known["gestation_weeks"] = baby.gestation_at_birth_weeks
        if baby.birth_weight_g:
            known["birth_weight_g"] = baby.birth_weight_g
    if spec.slug == "every-baby-matters":
        # The tool asks different questions before and after the birth.
        known["baby_born"] = "yes" if baby.is_born else "no"
        if baby.is_born and baby.gestation_at_birth_weeks:
            known["gestation_at_birth_weeks"] = baby.gestation_at_birth_weeks
        if baby.is_born and baby.birth_weight_g:
            known["birth_weight_g"] = baby.birth_weight_g
        if not baby.is_born and baby.expected_delivery_date:
            from kbs.core.validators import gestation_from_edd

            known["weeks_pregnant"], _ = gestation_from_edd(baby.expected_delivery_date, today)
    if "mobility" in items and baby.mobility and baby.is_born:
        known["mobility"] = baby.mobility
    if spec.slug == "pre-birth-screening" and baby.expected_delivery_date:
        from kbs.core.validators import gestation_from_edd

        weeks, _ = gestation_from_edd(baby.expected_delivery_date, today)
        known["gestation_weeks"] = weeks
    # Only keep values the spec accepts, so a prefilled answer never blocks the form.
    return {k: v for k, v in known.items() if not evaluate_partial(spec, {k: v}, include_missing=False)}


def stored_outcome(spec: ToolSpec, outcome: Outcome) -> dict[str, Any]:
    """The contract's outcome plus what the pages need: each flag's title, actions and message."""
    data = outcome.to_dict()
    for flag_dict, flag in zip(data["flags"], outcome.flags, strict=True):  # type: ignore[call-overload]
        flag_dict.update({"title": flag.title, "actions": list(flag.actions), "message_for_parents": flag.message_for_parents})
    return data


def preview(assessment: Assessment) -> Outcome | None:
    """The outcome the current answers would give, or None while answers are missing or wrong."""
    try:
        return evaluate(get_spec(assessment.tool_slug), assessment.answers, assessment.settings_applied)
    except AnswersInvalid:
        return None


@transaction.atomic
def start_assessment(
    *, by: User, baby: Baby, tool_slug: str, corrects: Assessment | None = None, correction_reason: str = ""
) -> Assessment:
    """Start a draft for a baby, with what the record already knows filled in. A correction starts
    from the answers of the assessment it corrects."""
    _require(by, Permission.COMPLETE_ASSESSMENT)
    spec = get_spec(tool_slug)
    if tool_slug not in tools_for(baby):
        raise NotAllowed(f"{spec.title} is not used for this baby")
    if corrects is not None:
        if not corrects.is_completed or corrects.baby_id != baby.pk or corrects.tool_slug != tool_slug:
            raise NotAllowed("only a completed assessment of the same tool and baby can be corrected")
        if not correction_reason.strip():
            raise ValueError("Say why the assessment needs correcting")
    answers = dict(corrects.answers) if corrects else prefill(spec, baby)
    assessment = Assessment.objects.create(
        baby=baby, family=baby.family, tool_slug=spec.slug, tool_version=spec.version, answers=answers,
        settings_applied=partnership_settings(spec), corrects=corrects, correction_reason=correction_reason.strip(),
        created_by=by,
    )
    record_event(
        by=by, action=Action.CREATE, obj=assessment, family=baby.family,
        summary=f"Started {'a correction of ' if corrects else ''}a {spec.title.lower()} for {baby.display_name}",
        detail={"tool": spec.slug, "version": spec.version, "corrects": str(corrects.public_id) if corrects else None},
    )
    return assessment


SIGNIFICANCE = {"universal": Significance.ROUTINE, "raised": Significance.ROUTINE, "high": Significance.NOTABLE,
                "urgent": Significance.SIGNIFICANT, "emergency": Significance.SIGNIFICANT}


def _chronicle(by: User, assessment: Assessment, title: str) -> None:
    fired = ", ".join(flag["rule"] for flag in (assessment.outcome or {}).get("flags", [])) or "no rule fired"
    add_entry(
        by=by, family=assessment.family, baby=assessment.baby, kind=Kind.ASSESSMENT,
        significance=SIGNIFICANCE.get(assessment.level, Significance.NOTABLE),
        summary=f"{title}{' (correction)' if assessment.corrects_id else ''}: {assessment.level} ({fired})",
        link=assessment.get_absolute_url(), source=assessment,
    )


def _lock_draft(assessment: Assessment, expected_version: int | None) -> Assessment:
    current = Assessment.objects.select_for_update().get(pk=assessment.pk)
    if current.status != Status.DRAFT:
        raise NotAllowed("this assessment is no longer a draft")
    if expected_version is not None and current.version != expected_version:
        raise StaleEdit(current, [])
    return current


@transaction.atomic
def save_answers(*, by: User, assessment: Assessment, answers: dict[str, object], expected_version: int | None = None) -> Assessment:
    """Save one page of answers into a draft (all of the page, or none of it). An answer of None
    removes it. If the answers now give an urgent or emergency outcome, the safeguarding lead of the
    practitioner's agency is told at once."""
    _require(by, Permission.COMPLETE_ASSESSMENT)
    current = _lock_draft(assessment, expected_version)
    spec = get_spec(current.tool_slug)
    merged = {k: v for k, v in {**current.answers, **answers}.items() if v is not None}
    problems = [p for p in evaluate_partial(spec, merged, current.settings_applied, include_missing=False) if p["item"] in answers]
    if problems:
        raise AnswersInvalid(problems)
    before = {k: current.answers.get(k) for k in answers}
    current.answers = merged
    current.version += 1
    current.save(update_fields=["answers", "version", "updated_at"])
    outcome = preview(current)
    if outcome is not None and outcome.level in URGENT_LEVELS and current.lead_notified_at is None:
        current.lead_notified_at = timezone.now()
        current.save(update_fields=["lead_notified_at"])
        transaction.on_commit(lambda: notices.urgent_outcome(current, outcome.level))
    record_event(
        by=by, action=Action.UPDATE, obj=current, family=current.family,
        summary=f"Saved answers to a {spec.title.lower()}",
        detail={k: [before[k], answers[k]] for k in answers if before[k] != answers[k]},
    )
    assessment.__dict__.update(current.__dict__)
    return current


@transaction.atomic
def complete_assessment(
    *,
    by: User,
    assessment: Assessment,
    confirmed_actions: list[str],
    actions_not_taken_reason: str = "",
    steps: SameDaySteps | None = None,
    steps_not_recorded_reason: str = "",
) -> Assessment:
    """Evaluate the answers and fix the outcome for good. Missing answers are an error, never a low
    level. An urgent or emergency outcome needs the same-day steps recorded; if they cannot be, a
    reason goes to the agency's safeguarding lead, and the assessment waits for their sign-off."""
    _require(by, Permission.COMPLETE_ASSESSMENT)
    current = _lock_draft(assessment, None)
    spec = get_spec(current.tool_slug)
    outcome = evaluate(spec, current.answers, current.settings_applied)  # raises AnswersInvalid
    suggested = [a for a in outcome.actions]
    missing = [a for a in suggested if a not in confirmed_actions]
    if missing and not actions_not_taken_reason.strip():
        raise ActionsNotConfirmed(missing)
    steps = steps or SameDaySteps()
    now = timezone.now()
    current.outcome = stored_outcome(spec, outcome)
    current.level = outcome.level
    current.confirmed_actions = [a for a in suggested if a in confirmed_actions]
    current.actions_not_taken_reason = actions_not_taken_reason.strip()
    current.completed_by = by
    if outcome.level in URGENT_LEVELS:
        current.csc_referral_at = steps.csc_referral_at
        current.csc_referral_reference = steps.csc_referral_reference.strip()
        current.medical_review_at = steps.medical_review_at
        current.medical_review_where = steps.medical_review_where.strip()
        if not steps.complete:
            if not steps_not_recorded_reason.strip():
                raise SameDayStepsMissing()
            current.steps_not_recorded_reason = steps_not_recorded_reason.strip()
            current.status = Status.AWAITING_SIGN_OFF
            current.save()
            record_event(
                by=by, action=Action.UPDATE, obj=current, family=current.family,
                summary=f"Sent a {outcome.level} {spec.title.lower()} to the safeguarding lead: same-day steps not recorded",
                detail={"reason": current.steps_not_recorded_reason, "level": outcome.level},
            )
            transaction.on_commit(lambda: notices.sign_off_needed(current))
            return current
    current.status = Status.COMPLETED
    current.completed_at = now
    current.save()
    record_event(
        by=by, action=Action.UPDATE, obj=current, family=current.family,
        summary=f"Completed a {spec.title.lower()}: {outcome.level}",
        detail={"level": outcome.level, "fired": outcome.fired, "actions": current.confirmed_actions},
    )
    _chronicle(by, current, spec.title)
    if outcome.level in URGENT_LEVELS and current.lead_notified_at is None:
        transaction.on_commit(lambda: notices.urgent_outcome(current, outcome.level))
    if current.tool_slug == "pre-birth-screening":  # kbs.prebirth: a trigger opens a pre-birth case
        from kbs.prebirth.actions import on_pre_birth_screening_completed
        on_pre_birth_screening_completed(by=by, assessment=current)
    return current


@transaction.atomic
def sign_off_assessment(*, by: User, assessment: Assessment, note: str) -> Assessment:
    """A safeguarding lead of the practitioner's agency countersigns why the same-day steps were not
    recorded, which completes the assessment."""
    _require(by, Permission.SIGN_OFF_URGENT)
    current = Assessment.objects.select_for_update().select_related("created_by").get(pk=assessment.pk)
    if current.status != Status.AWAITING_SIGN_OFF:
        raise NotAllowed("this assessment is not waiting for sign-off")
    if current.created_by.agency_id != by.agency_id:
        raise NotAllowed("only a safeguarding lead of the practitioner's agency can sign off")
    if not note.strip():
        raise ValueError("Record what you have decided and why")
    now = timezone.now()
    current.signed_off_by = by
    current.signed_off_at = now
    current.sign_off_note = note.strip()
    current.status = Status.COMPLETED
    current.completed_at = now
    current.save()
    record_event(
        by=by, action=Action.UPDATE, obj=current, family=current.family,
        summary=f"Signed off a {current.level} assessment without recorded same-day steps",
        detail={"note": current.sign_off_note, "reason": current.steps_not_recorded_reason},
    )
    _chronicle(current.completed_by or by, current, get_spec(current.tool_slug).title)
    return current


@transaction.atomic
def discard_draft(*, by: User, assessment: Assessment) -> None:
    """A draft nobody needs. Completed assessments can never be removed (the database refuses)."""
    _require(by, Permission.COMPLETE_ASSESSMENT)
    current = _lock_draft(assessment, None)
    record_event(by=by, action=Action.UPDATE, obj=current, family=current.family,
                 summary=f"Discarded a draft {current.tool_slug} assessment", detail={"answers": current.answers})
    current.delete()


@transaction.atomic
def record_sleep_plan(*, by: User, assessment: Assessment, plan: dict[str, Any]) -> SafeSleepPlan:
    """Record the safe sleep plan agreed with the family, after a completed safer sleep assessment."""
    _require(by, Permission.COMPLETE_ASSESSMENT)
    if assessment.tool_slug != "safer-sleep" or not assessment.is_completed:
        raise NotAllowed("a plan follows a completed safer sleep assessment")
    row = SafeSleepPlan(assessment=assessment, created_by=by, **plan)
    row.full_clean()
    row.save()
    record_event(by=by, action=Action.CREATE, obj=row, family=assessment.family,
                 summary="Recorded the family's safe sleep plan", detail=plan)
    return row


@transaction.atomic
def set_partnership_setting(*, by: User, name: str, value: str) -> PartnershipSetting:
    """Change a partnership-wide tool setting. Only partnership administrators; audited."""
    _require(by, Permission.MANAGE_PARTNERSHIP_SETTINGS)
    from kbs.tools.spec import all_specs

    choices = {s.name: s.code_values for spec in all_specs() for s in spec.settings}
    if name not in choices or value not in choices[name]:
        raise ValueError(f"{value!r} is not a choice for {name!r}")
    setting = PartnershipSetting.objects.select_for_update().filter(name=name).first()
    before = setting.value if setting else None
    setting, _ = PartnershipSetting.objects.update_or_create(
        name=name, defaults={"value": value, "changed_by": by, "changed_at": timezone.now()}
    )
    record_event(by=by, action=Action.SETTING, obj=setting, summary=f"Set {name} to {value}",
                 detail={name: [before, value]})
    return setting


def level_at_least(level: str, floor: str) -> bool:
    return LEVEL_RANK[level] >= LEVEL_RANK[floor]
