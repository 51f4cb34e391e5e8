"""What to do at the next contact with a family, shown at the top of the record-contact page.

Each prompt comes from a rule in the domain research (shared/domain/keeping-babies-safe.md §7, §9,
§10.3, §11), timed by each baby's age and, once the practitioner has chosen it, the type of contact:

* an ICON touchpoint whose time has come and that nobody has recorded yet;
* a parent or carer who has never been given the coping-with-crying message (fathers and partners
  especially: most babies who are shaken are shaken by men);
* no coping-with-crying plan yet;
* safer sleep never assessed;
* the safe space checklist due at the baby's stage (the new baby review, 6 to 8 weeks, 6 months,
  9 to 12 months) and not done since the stage began;
* dogs: ask at the new baby review when nobody has, and look again when a dog was recorded more
  than 3 months ago.

A prompt names the place to act: the messages on the contact form, the crying plan, or a tool to
start. Everything is loaded in a fixed number of queries, however many contacts, babies or
assessments there are.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.urls import reverse
from django.utils import timezone

from kbs.accounts.models import User
from kbs.accounts.permissions import Permission, has_permission
from kbs.contacts.coverage import is_adult_carer
from kbs.contacts.icon import (
    IconStatus,
    Touchpoint,
    baby_age_days,
    icon_statuses,
    is_father_or_partner,
    touchpoints_for_contact,
)
from kbs.contacts.models import ContactType, CryingPlan
from kbs.core.presenters import day
from kbs.core.validators import today
from kbs.families.models import Baby, Family, Person
from kbs.tools.actions import tools_for
from kbs.tools.models import Assessment, Status
from kbs.tools.spec import UnknownTool, get_spec

ONE_YEAR = 365
DOGS_REVIEW_AFTER = timedelta(days=91)  # about 3 months
NEW_BABY_REVIEW_DAY = 10
# The crying plan matters from late pregnancy until crying has settled, at about 4 to 5 months.
CRYING_PLAN_FROM, CRYING_PLAN_UNTIL = -12 * 7, 26 * 7
# Assessments that count: completed, or completed and waiting for a lead to sign off.
DONE = (Status.COMPLETED, Status.AWAITING_SIGN_OFF)


@dataclass(frozen=True)
class SafeSpaceStage:
    code: str  # the safe space tool's answer to "Which check is this?"
    name: str
    starts_day: int


# The safe space checklist is refreshed as the baby becomes able to reach more of the home.
SAFE_SPACE_STAGES = (
    SafeSpaceStage("new_baby_review", "the new baby review", NEW_BABY_REVIEW_DAY),
    SafeSpaceStage("six_to_eight_weeks", "6 to 8 weeks", 6 * 7),
    SafeSpaceStage("six_months", "6 months", 182),
    SafeSpaceStage("nine_to_twelve_months", "9 to 12 months", 273),
)
# A checklist counts for a stage when it says it was that stage's check, or when it was done after
# the stage began. A little early (a 6 to 8 week review at 5 weeks, say) still counts.
STAGE_SLACK = timedelta(days=7)


def safe_space_stage(age_days: int) -> SafeSpaceStage | None:
    """The stage a baby of this age is at, or None before the new baby review and after a year."""
    if age_days >= ONE_YEAR:
        return None
    started = [s for s in SAFE_SPACE_STAGES if s.starts_day <= age_days]
    return started[-1] if started else None


class Kind:
    ICON_TOUCHPOINT = "icon_touchpoint"
    CARER_NOT_HEARD = "carer_not_heard"
    CRYING_PLAN = "crying_plan"
    SAFER_SLEEP = "safer_sleep"
    SAFE_SPACE = "safe_space"
    DOGS_ASK = "dogs_ask"
    DOGS_REVIEW = "dogs_review"


@dataclass(frozen=True)
class StartTool:
    slug: str
    label: str


@dataclass(frozen=True)
class Prompt:
    kind: str
    heading: str
    text: str
    baby: Baby | None = None
    person: Person | None = None
    # Shown as a warning, not as information.
    important: bool = False
    link_text: str = ""
    href: str = ""
    # A tool to start for the baby: the page shows a small form that posts to `tools:start`.
    start: StartTool | None = None
    touchpoints: tuple[Touchpoint, ...] = field(default=())


@dataclass(frozen=True)
class Done:
    """One completed assessment, as much as the rules need."""

    baby_id: int
    tool_slug: str
    at: datetime
    dog_recorded: bool
    safe_space_stage: str


def _load_done(babies: Sequence[Baby]) -> list[Done]:
    """The babies' completed dogs, safe space and safer sleep assessments, newest first. One query."""
    rows = (
        Assessment.objects.filter(baby__in=babies, status__in=DONE, tool_slug__in=["dogs", "safe-space", "safer-sleep"])
        .order_by("-completed_at", "-created_at", "-id")
        .values_list("baby_id", "tool_slug", "completed_at", "created_at", "answers__dog_in_home_or_visiting",
                     "answers__age_stage")
    )
    return [
        Done(baby_id, slug, completed or created, dog == "yes", stage if isinstance(stage, str) else "")
        for baby_id, slug, completed, created, dog, stage in rows
    ]


def _whose(baby: Baby, several: bool) -> str:
    return f" for {baby.display_name}" if several else ""


def _start(baby: Baby, slug: str, can_assess: bool) -> StartTool | None:
    """A start button for the tool, when the user may start it for this baby (and it exists yet)."""
    if not can_assess or slug not in tools_for(baby):
        return None
    try:
        title = get_spec(slug).title
    except UnknownTool:
        return None
    return StartTool(slug, f"Start {title.lower()}")


def _messages_anchor(people: Sequence[Person], person: Person | None = None) -> str:
    """The person's message boxes on the contact form (the first carer's when nobody is named)."""
    target = person or next((p for p in people if is_adult_carer(p)), None) or (people[0] if people else None)
    return f"#msg-{target.public_id}" if target is not None else ""


def _icon_prompt(baby: Baby, status: IconStatus, contact: tuple[str, str], people: Sequence[Person],
                 several: bool) -> Prompt | None:
    due = [t.touchpoint for t in status.due]
    # A contact of a type that counts for a touchpoint not yet done makes it due whatever the age.
    for touchpoint in touchpoints_for_contact(*contact) if contact[0] else []:
        if not status.status_of(touchpoint.slug).is_done and touchpoint not in due:
            due.append(touchpoint)
    if not due:
        return None
    names = " or ".join(t.in_words for t in due)
    return Prompt(
        Kind.ICON_TOUCHPOINT, f"ICON coping with crying message due{_whose(baby, several)}",
        f"Nobody has recorded {names} yet. Talk through the coping with crying message with everyone "
        "here, and tick safe handling for each person you give it to.",
        baby=baby, link_text="Tick the messages you give", href=_messages_anchor(people), touchpoints=tuple(due),
    )


def _carer_prompts(status: IconStatus, people: Sequence[Person]) -> list[Prompt]:
    prompts = []
    for carer in status.carers:
        if carer.has_heard:
            continue
        person = carer.person
        who = f"{person} ({person.get_relationship_display().lower()})"
        if is_father_or_partner(person):
            prompts.append(Prompt(
                Kind.CARER_NOT_HEARD, f"{person} has not heard the crying message",
                f"Nobody has recorded giving {who} the coping with crying message. About 7 in 10 babies who are "
                "shaken are shaken by men, so make sure fathers and partners hear it too. If they are not here, "
                "agree how you will reach them.",
                person=person, important=True, link_text=f"Tick the messages you give {person}",
                href=_messages_anchor(people, person),
            ))
        else:
            prompts.append(Prompt(
                Kind.CARER_NOT_HEARD, f"{person} has not heard the crying message",
                f"Nobody has recorded giving {who} the coping with crying message.",
                person=person, link_text=f"Tick the messages you give {person}", href=_messages_anchor(people, person),
            ))
    return prompts


def _tool_prompts(baby: Baby, age: int, done: list[Done], contact_type: str, can_assess: bool,
                  several: bool, on: date) -> list[Prompt]:
    prompts = []
    whose = _whose(baby, several)
    mine = [d for d in done if d.baby_id == baby.pk]
    born = baby.is_born and baby.date_of_birth is not None and age >= 0

    if born and not any(d.tool_slug == "safer-sleep" for d in mine):
        prompts.append(Prompt(
            Kind.SAFER_SLEEP, f"Safer sleep not assessed{whose}",
            "Nobody has completed a safer sleep assessment for this baby yet.",
            baby=baby, start=_start(baby, "safer-sleep", can_assess),
        ))

    stage = safe_space_stage(age) if born else None
    if stage is not None and baby.date_of_birth is not None:
        stage_began = baby.date_of_birth + timedelta(days=stage.starts_day) - STAGE_SLACK
        if not any(d.tool_slug == "safe-space" and (d.safe_space_stage == stage.code or timezone.localtime(d.at).date() >= stage_began)
                   for d in mine):
            prompts.append(Prompt(
                Kind.SAFE_SPACE, f"Safe space checklist due{whose}",
                f"Go through the safe space checklist with the family: it is due at {stage.name}, as the baby "
                "can reach more of the home.",
                baby=baby, start=_start(baby, "safe-space", can_assess),
            ))

    dogs = [d for d in mine if d.tool_slug == "dogs"]
    new_baby_review_time = born and (age >= NEW_BABY_REVIEW_DAY or contact_type == ContactType.NEW_BABY_REVIEW)
    if not dogs and new_baby_review_time:
        prompts.append(Prompt(
            Kind.DOGS_ASK, f"Ask about dogs{whose}",
            "Nobody has recorded whether a dog lives in or visits the home. Ask, and give the dog safety "
            "advice if there is one.",
            baby=baby, start=_start(baby, "dogs", can_assess),
        ))
    elif dogs and dogs[0].dog_recorded and timezone.localtime(dogs[0].at).date() < on - DOGS_REVIEW_AFTER:
        prompts.append(Prompt(
            Kind.DOGS_REVIEW, f"Look at the dogs assessment again{whose}",
            f"A dog was recorded in the baby's life on {day(dogs[0].at)}, more than 3 months ago. Ask "
            "again about the dog and how it is kept apart from the baby.",
            baby=baby, important=True, start=_start(baby, "dogs", can_assess),
        ))
    return prompts


def prompts_for_family(family: Family, *, user: User, people: Iterable[Person] | None = None,
                       contact_type: str = "", on: date | None = None) -> list[Prompt]:
    """The prompts for the next contact with a family, for its unborn babies and babies under one.
    Pass the family's `people` when they are already loaded, and the contact type once it is known.
    Five queries, or four with `people`, however much the family has on record."""
    on = on or today()
    everyone = list(people) if people is not None else list(Person.objects.filter(family=family).order_by("id"))
    # No routine prompt is ever shown for a baby who has died.
    babies = [
        b for b in family.babies.select_related("death").order_by("id")
        if baby_age_days(b, on) < ONE_YEAR and not b.has_died
    ]
    if not babies:
        return []
    several = len(babies) > 1
    ages = {b.pk: baby_age_days(b, on) for b in babies}
    statuses = icon_statuses(family, babies, people=everyone, on=on)
    done = _load_done(babies)
    with_plans = set(CryingPlan.objects.filter(baby__in=babies).values_list("baby_id", flat=True).distinct())
    can_assess = has_permission(user, Permission.COMPLETE_ASSESSMENT)
    can_plan = has_permission(user, Permission.EDIT_FAMILY)
    # Some contact types count for a touchpoint only when a health visitor makes them.
    contact = (contact_type, user.agency.agency_type if contact_type and user.agency else "")

    prompts: list[Prompt] = []
    for baby in babies:
        if (icon := _icon_prompt(baby, statuses[baby.pk], contact, everyone, several)) is not None:
            prompts.append(icon)
    # The crying message is for people, not babies: whether anyone has heard it is the same for
    # every baby in the family, so take the newest baby's status (it counts only recent contacts).
    icon_due = any(ages[b.pk] >= CRYING_PLAN_FROM for b in babies)
    if icon_due:
        prompts += _carer_prompts(statuses[babies[-1].pk], everyone)
    for baby in babies:
        if baby.pk not in with_plans and CRYING_PLAN_FROM <= ages[baby.pk] <= CRYING_PLAN_UNTIL:
            prompts.append(Prompt(
                Kind.CRYING_PLAN, f"No coping with crying plan{_whose(baby, several)}",
                "Help the family make a plan for when the crying gets too much: what they will try, who they "
                "can call, and to put the baby down safely and walk away for a few minutes.",
                baby=baby, link_text="Make a coping with crying plan",
                href=reverse("contacts:crying_plan_new", args=[baby.public_id]) if can_plan else "",
            ))
    for baby in babies:
        prompts += _tool_prompts(baby, ages[baby.pk], done, contact_type, can_assess, several, on)
    return prompts


def split(prompts: list[Prompt]) -> dict[str, Any]:
    """The important prompts (a warning) and the rest (information), for the template."""
    return {"important": [p for p in prompts if p.important], "other": [p for p in prompts if not p.important]}
