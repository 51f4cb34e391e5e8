"""Every change to the e-learning, champions and confidence ratings. (Level 3 bookings have their
own actions in `courses.py`.)

Each action runs in one transaction, takes `by=` (who acted) and writes its own audit row. Refusals
raise `Refused` with a message written for the person, and change nothing.
"""

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from kbs.accounts.models import Team, User
from kbs.audit.actions import record_event
from kbs.audit.models import Action
from kbs.workforce.models import (
    CONFIDENCE_FIELDS,
    COURSE_LEVELS,
    CascadeBriefing,
    Certificate,
    Champion,
    ConfidenceRating,
    CourseCode,
    Module,
    ModuleProgress,
    RecordSource,
    TrainingRecord,
)

CERTIFICATE_YEARS = 3
DEFAULT_PASS_MARK = 80


class Refused(Exception):
    """The action is not allowed now; the message says why, for the person."""


def pass_mark() -> int:
    """The Level 2 pass mark as a percentage, from the KBS_L2_PASS_MARK setting (default 80)."""
    return int(getattr(settings, "KBS_L2_PASS_MARK", DEFAULT_PASS_MARK))


def add_years(day: date, years: int) -> date:
    """The same day `years` later; 29 February becomes 28 February in a year that has none."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def course_modules() -> list[Module]:
    return list(Module.objects.filter(course_code=CourseCode.L2_PBFH, retired=False).order_by("order"))


# --- The e-learning --------------------------------------------------------------------------------


def _progress(user: User, module: Module) -> ModuleProgress:
    progress, _ = ModuleProgress.objects.select_for_update().get_or_create(
        user=user, module=module, defaults={"started_at": timezone.now()}
    )
    return progress


def record_page_read(*, by: User, module: Module, page: int) -> ModuleProgress:
    """Save that `by` has read page `page` (1-based) of `module`, so they can pick up where they left off.

    Reading a page of training is not personal data anyone needs to trace, so no audit row is
    written: one a page would bury the trail's real entries."""
    if module.retired or not 1 <= page <= len(module.pages):
        raise Refused("That page does not exist")
    with transaction.atomic():
        progress = _progress(by, module)
        if page not in progress.pages_read:
            progress.pages_read = sorted({*progress.pages_read, page})
            progress.save(update_fields=["pages_read"])
    return progress


@dataclass(frozen=True)
class MarkedQuestion:
    question_id: int
    text: str
    chosen: str
    correct: bool
    right_answer: str
    explanation: str


@dataclass(frozen=True)
class CheckResult:
    score: int
    passed: bool
    pass_mark: int
    marked: list[MarkedQuestion]
    certificate: Certificate | None

    @property
    def wrong(self) -> list[MarkedQuestion]:
        return [m for m in self.marked if not m.correct]


def submit_knowledge_check(*, by: User, module: Module, answers: dict[int, int]) -> CheckResult:
    """Mark `by`'s answers to `module`'s knowledge check ({question id: chosen index}).

    Every question must be answered with one of its choices, or nothing is saved. The score is a
    whole percentage; passing needs at least the pass mark. A pass stays a pass if a later retry
    scores less. Passing the last module issues the course certificate."""
    questions = list(module.questions.order_by("order"))
    if module.retired or not questions:
        raise Refused("This knowledge check is not available")
    if set(answers) != {q.pk for q in questions}:
        raise Refused("Answer every question")
    for question in questions:
        if not 0 <= answers[question.pk] < len(question.choices):
            raise Refused("Choose one of the answers given")
    marked = [
        MarkedQuestion(
            question_id=q.pk, text=q.text, chosen=q.choices[answers[q.pk]], correct=answers[q.pk] == q.correct_index,
            right_answer=q.choices[q.correct_index], explanation=q.explanation,
        )
        for q in questions
    ]
    score = round(100 * sum(m.correct for m in marked) / len(marked))
    mark = pass_mark()
    passed = score >= mark
    certificate = None
    with transaction.atomic():
        progress = _progress(by, module)
        progress.attempts += 1
        progress.last_score = score
        progress.best_score = max(score, progress.best_score or 0)
        if passed and not progress.passed:
            progress.passed = True
            progress.completed_at = timezone.now()
        progress.save()
        record_event(
            by=by, action=Action.CREATE, obj=module,
            summary=f"Took the knowledge check for “{module.title}”: {score}% ({'passed' if passed else 'not passed'})",
            detail={"score": score, "pass_mark": mark, "attempt": progress.attempts},
        )
        if passed and all_modules_passed(by) and current_certificate(by) is None:
            certificate = issue_certificate(by=by, user=by)
    return CheckResult(score=score, passed=passed, pass_mark=mark, marked=marked, certificate=certificate)


def all_modules_passed(user: User) -> bool:
    modules = course_modules()
    passed = set(ModuleProgress.objects.filter(user=user, passed=True).values_list("module_id", flat=True))
    return bool(modules) and all(m.pk in passed for m in modules)


def current_certificate(user: User, course_code: str = CourseCode.L2_PBFH) -> Certificate | None:
    """The person's newest certificate for the course that has not yet expired."""
    return (
        Certificate.objects.filter(user=user, course_code=course_code, expires_on__gt=timezone.localdate())
        .order_by("-issued_on", "-pk").first()
    )


def issue_certificate(*, by: User, user: User) -> Certificate:
    """Issue `user`'s Level 2 certificate, valid for three years, and the matching training record.

    Refused unless every module of the course has been passed. The score is the mean of the best
    score in each module."""
    with transaction.atomic():
        if not all_modules_passed(user):
            raise Refused("Every module must be passed before a certificate is issued")
        modules = course_modules()
        scores = list(
            ModuleProgress.objects.filter(user=user, module__in=modules).values_list("best_score", flat=True)
        )
        today = timezone.localdate()
        score = round(sum(s or 0 for s in scores) / len(modules))
        certificate = Certificate.objects.create(
            user=user, course_code=CourseCode.L2_PBFH, issued_on=today,
            expires_on=add_years(today, CERTIFICATE_YEARS), score=score,
        )
        TrainingRecord.objects.create(
            user=user, course_code=CourseCode.L2_PBFH, level=COURSE_LEVELS[CourseCode.L2_PBFH], completed_on=today,
            score=score, expires_on=certificate.expires_on, source=RecordSource.KBS, certificate=certificate,
        )
        record_event(
            by=by, action=Action.CREATE, obj=certificate,
            summary=f"Level 2 certificate issued to {user}, valid until {certificate.expires_on:%-d %B %Y}",
            detail={"user": user.pk, "score": score},
        )
    return certificate


REFRESHER_WINDOW_DAYS = 60


def refresher_open(user: User) -> bool:
    """True when the person has had a certificate and the newest one expires within 60 days or has
    expired: they may then take the course again."""
    newest = Certificate.objects.filter(user=user, course_code=CourseCode.L2_PBFH).order_by("-expires_on").first()
    if newest is None:
        return False
    return (newest.expires_on - timezone.localdate()).days <= REFRESHER_WINDOW_DAYS


def start_refresher(*, by: User) -> None:
    """Clear `by`'s progress so they can take the course again before (or after) their certificate
    expires. Certificates and training records already issued are kept."""
    if not refresher_open(by):
        raise Refused("You can take the refresher in the 60 days before your certificate expires")
    with transaction.atomic():
        ModuleProgress.objects.filter(user=by, module__course_code=CourseCode.L2_PBFH).delete()
        record_event(by=by, action=Action.UPDATE, summary="Started the Level 2 refresher")


# --- Champions ---------------------------------------------------------------------------------------


def make_champion(
    *, by: User, user: User, team: Team | None, areas_covered: str, since: date, contact_phone: str
) -> Champion:
    """Name `user` a Keeping Babies Safe champion (or update an existing champion's details).

    The champion's agency is the person's own; the team, if given, must belong to it."""
    if user.agency_id is None:
        raise Refused("A champion must work for an agency")
    if team is not None and team.agency_id != user.agency_id:
        raise Refused("Choose a team in the champion's own agency")
    if not user.is_active:
        raise Refused("This person's account is not active")
    with transaction.atomic():
        champion, created = Champion.objects.select_for_update().get_or_create(
            user=user,
            defaults={"agency_id": user.agency_id, "team": team, "areas_covered": areas_covered, "since": since,
                      "contact_phone": contact_phone, "active": True},
        )
        before = {"team": champion.team_id, "areas_covered": champion.areas_covered, "since": champion.since,
                  "contact_phone": champion.contact_phone, "active": champion.active}
        if not created:
            champion.agency_id = user.agency_id
            champion.team = team
            champion.areas_covered = areas_covered
            champion.since = since
            champion.contact_phone = contact_phone
            champion.active = True
            champion.save()
        if not user.is_kbs_champion:
            user.is_kbs_champion = True
            user.save(update_fields=["is_kbs_champion"])
        after = {"team": champion.team_id, "areas_covered": areas_covered, "since": since,
                 "contact_phone": contact_phone, "active": True}
        record_event(
            by=by, action=Action.CREATE if created else Action.UPDATE, obj=champion,
            summary=f"Named {user} a Keeping Babies Safe champion",
            detail={k: [before[k], after[k]] for k in after if created or before[k] != after[k]},
        )
    return champion


def unmake_champion(*, by: User, champion: Champion) -> Champion:
    """Stop `champion` being a champion. The record and their briefings are kept."""
    with transaction.atomic():
        champion = Champion.objects.select_for_update().get(pk=champion.pk)
        if not champion.active:
            raise Refused("This person is no longer a champion")
        champion.active = False
        champion.save(update_fields=["active", "updated_at"])
        User.objects.filter(pk=champion.user_id).update(is_kbs_champion=False)
        record_event(
            by=by, action=Action.UPDATE, obj=champion, summary=f"{champion.user} is no longer a champion",
            detail={"active": [True, False]},
        )
    return champion


def record_briefing(
    *, by: User, champion: Champion, given_on: date, audience: str, topic: str, attendees: int, notes: str = ""
) -> CascadeBriefing:
    """Add a briefing to an active champion's cascade log."""
    if not champion.active:
        raise Refused("Only an active champion can record briefings")
    if given_on > timezone.localdate():
        raise Refused("The date of the briefing must be today or in the past")
    if attendees < 1:
        raise Refused("At least one person must have attended")
    with transaction.atomic():
        briefing = CascadeBriefing.objects.create(
            champion=champion, given_on=given_on, audience=audience, topic=topic, attendees=attendees, notes=notes,
        )
        record_event(
            by=by, action=Action.CREATE, obj=briefing,
            summary=f"Recorded a champion briefing on “{topic}” for {audience}",
            detail={"champion": champion.pk, "attendees": attendees},
        )
    return briefing


# --- Confidence ---------------------------------------------------------------------------------------


def rate_confidence(*, by: User, course_code: str, when: str, scores: dict[str, Any]) -> ConfidenceRating:
    """Save `by`'s own confidence rating before or after a course. One of each per course."""
    if set(scores) != set(CONFIDENCE_FIELDS) or not all(
        isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 5 for v in scores.values()
    ):
        raise Refused("Give every rating from 1 to 5")
    if course_code not in CourseCode.values or when not in ("before", "after"):
        raise Refused("Choose a course and before or after")
    with transaction.atomic():
        if ConfidenceRating.objects.filter(user=by, course_code=course_code, when=when).exists():
            raise Refused(f"You have already rated your confidence {when} this course")
        rating = ConfidenceRating.objects.create(
            user=by, course_code=course_code, when=when, rated_at=timezone.now(), **scores
        )
        # The ratings themselves stay out of the trail: they are for the person, and the partnership
        # sees only totals.
        record_event(by=by, action=Action.CREATE, obj=rating, summary=f"Rated their confidence {when} {course_code}")
    return rating
