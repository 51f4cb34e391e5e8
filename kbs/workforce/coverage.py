"""Training coverage by agency, for the training lead and the partnership analyst: counts only, never
a name.

For each agency:
- **Staff who meet families** (the denominator): active staff of the agency who have recorded a
  contact with a family as the practitioner, or who hold a role that lets them see families.
- **Trained at Level 2 / Level 3**: of those, how many hold a current record at that level (completed,
  and its expiry date still to come).
- **Expiring soon**: how many whose current training at that level all runs out in the next 60 days.
- **Champions**: teams with an active Keeping Babies Safe champion, out of the agency's teams.
- **Confidence**: for each item of the self-rating, the mean after training less the mean before,
  over staff who rated themselves both before and after (their first "before" and latest "after").
- **The three messages**: the question the evaluation asks, "do trained staff deliver all three
  messages more often?". For the contacts recorded by trained staff (holding current Level 2 or 3
  training on the day of the contact) and by untrained staff, the share where every person present
  was given all three messages at that contact. Contacts with nobody recorded as present are left out.

Small numbers are suppressed: a count from 1 to 4 shows as "<5", and a percentage or mean is shown
only when it rests on 5 or more (people, teams or contacts), so that no one person can be picked out.

`coverage()` runs a fixed number of queries, however many staff and contacts there are, and works
out the figures in Python; `build()` is the pure part.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from kbs.accounts.models import Agency, Role, Team, User
from kbs.accounts.permissions import Permission, has_permission
from kbs.audit.actions import record_event
from kbs.audit.models import Action
from kbs.contacts.models import Contact, MessageDelivery
from kbs.core.validators import today
from kbs.workforce.access import NOT_FOUND
from kbs.workforce.forms import CONFIDENCE_TOPICS
from kbs.workforce.models import CONFIDENCE_FIELDS, Champion, ConfidenceRating, RatingWhen, TrainingRecord

SMALL = 5
EXPIRING_DAYS = 60
LEVELS = (2, 3)
THREE_MESSAGES = 3



# --- the figures -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Span:
    """One training record, reduced to what coverage needs."""

    level: int
    completed_on: date
    expires_on: date | None

    def current_on(self, on: date) -> bool:
        # As for certificates: training is current until the day it expires.
        return self.completed_on <= on and (self.expires_on is None or self.expires_on > on)


@dataclass(frozen=True)
class Change:
    people: int
    before: float
    after: float

    @property
    def change(self) -> float:
        return self.after - self.before


@dataclass(frozen=True)
class Delivery:
    contacts: int
    complete: int
    staff: int


@dataclass(frozen=True)
class AgencyFigures:
    agency: str
    staff: int
    trained: dict[int, int]
    expiring: dict[int, int]
    teams: int
    teams_with_champion: int
    confidence: dict[str, Change]
    trained_delivery: Delivery
    untrained_delivery: Delivery


@dataclass(frozen=True)
class Facts:
    """What `build` needs, loaded by `load`."""

    agencies: dict[int, str]
    staff: dict[int, int]  # user id -> agency id: the denominator
    spans: dict[int, list[Span]]  # user id -> training
    teams: dict[int, list[int]]  # agency id -> team ids
    champion_teams: set[int]
    ratings: dict[int, tuple[dict[str, int], dict[str, int]]]  # user id -> (before, after), staff of any agency
    rating_agency: dict[int, int]  # user id -> agency id, for those who rated themselves
    contacts: list[tuple[int, date, bool]]  # (practitioner id, date, every person present got all three)


def _trained_on(spans: Iterable[Span], on: date, level: int | None = None) -> bool:
    return any(s.current_on(on) and (level is None or s.level == level) for s in spans)


def _expiring(spans: Iterable[Span], on: date, level: int) -> bool:
    """Trained at the level today, and every such record runs out within the window."""
    current = [s for s in spans if s.level == level and s.current_on(on)]
    horizon = on + timedelta(days=EXPIRING_DAYS)
    return bool(current) and all(s.expires_on is not None and s.expires_on <= horizon for s in current)


def _confidence(people: list[tuple[dict[str, int], dict[str, int]]]) -> dict[str, Change]:
    if not people:
        return {f: Change(0, 0.0, 0.0) for f in CONFIDENCE_FIELDS}
    n = len(people)
    return {
        f: Change(n, sum(before[f] for before, _ in people) / n, sum(after[f] for _, after in people) / n)
        for f in CONFIDENCE_FIELDS
    }


@dataclass
class _Tally:
    contacts: int = 0
    complete: int = 0
    staff: set[int] = field(default_factory=set)

    def add(self, user_id: int, complete: bool) -> None:
        self.contacts += 1
        self.complete += int(complete)
        self.staff.add(user_id)

    def delivery(self) -> Delivery:
        return Delivery(self.contacts, self.complete, len(self.staff))


def build(facts: Facts, on: date) -> list[AgencyFigures]:
    """The figures for each agency with any staff who meet families, in name order, with a total row
    ("All agencies") last."""
    staff_by_agency: dict[int, list[int]] = defaultdict(list)
    for user_id, agency_id in facts.staff.items():
        staff_by_agency[agency_id].append(user_id)
    contacts_by_user: dict[int, list[tuple[date, bool]]] = defaultdict(list)
    for user_id, when, complete in facts.contacts:
        contacts_by_user[user_id].append((when, complete))
    rated_by_agency: dict[int, list[tuple[dict[str, int], dict[str, int]]]] = defaultdict(list)
    for user_id, pair in facts.ratings.items():
        rated_by_agency[facts.rating_agency[user_id]].append(pair)

    def figures(name: str, users: list[int], team_ids: list[int], rated: list[tuple[dict[str, int], dict[str, int]]]) -> AgencyFigures:
        tallies = {True: _Tally(), False: _Tally()}  # trained on the day of the contact?
        for user_id in users:
            spans = facts.spans.get(user_id, [])
            for when, complete in contacts_by_user.get(user_id, []):
                tallies[_trained_on(spans, when)].add(user_id, complete)
        return AgencyFigures(
            agency=name, staff=len(users),
            trained={level: sum(_trained_on(facts.spans.get(u, []), on, level) for u in users) for level in LEVELS},
            expiring={level: sum(_expiring(facts.spans.get(u, []), on, level) for u in users) for level in LEVELS},
            teams=len(team_ids), teams_with_champion=sum(t in facts.champion_teams for t in team_ids),
            confidence=_confidence(rated),
            trained_delivery=tallies[True].delivery(), untrained_delivery=tallies[False].delivery(),
        )

    rows = [
        figures(facts.agencies[agency_id], staff_by_agency[agency_id], facts.teams.get(agency_id, []), rated_by_agency.get(agency_id, []))
        for agency_id in sorted(staff_by_agency, key=lambda a: facts.agencies[a].lower())
    ]
    everyone = [u for a in staff_by_agency for u in staff_by_agency[a]]
    all_teams = [t for a in staff_by_agency for t in facts.teams.get(a, [])]
    rows.append(figures("All agencies", everyone, all_teams, [p for a in staff_by_agency for p in rated_by_agency.get(a, [])]))
    return rows


# --- loading, in a fixed number of queries ---------------------------------------------------


def _meets_families_roles() -> list[int]:
    # JSON "contains" is not available on SQLite, and there are only a handful of roles.
    return [role.pk for role in Role.objects.all() if Permission.VIEW_FAMILY.value in role.permissions]


def _complete_contacts(practitioners: set[int]) -> list[tuple[int, date, bool]]:
    present: dict[int, set[int]] = defaultdict(set)
    for contact_id, person_id in Contact.present.through.objects.filter(contact__practitioner_id__in=practitioners).values_list("contact_id", "person_id"):
        present[contact_id].add(person_id)
    given: dict[tuple[int, int], set[str]] = defaultdict(set)
    deliveries = MessageDelivery.objects.filter(contact__practitioner_id__in=practitioners).values_list("contact_id", "person_id", "message")
    for contact_id, person_id, message in deliveries:
        given[(contact_id, person_id)].add(message)
    rows = []
    for contact_id, practitioner_id, at in Contact.objects.filter(practitioner_id__in=practitioners).values_list("pk", "practitioner_id", "at"):
        people = present.get(contact_id)
        if not people:
            continue
        complete = all(len(given.get((contact_id, p), ())) == THREE_MESSAGES for p in people)
        rows.append((practitioner_id, timezone.localtime(at).date(), complete))
    return rows


def load() -> Facts:
    practitioners = set(Contact.objects.values_list("practitioner_id", flat=True).distinct())
    staff = dict(
        User.objects.filter(is_active=True, agency__isnull=False)
        .filter(Q(pk__in=practitioners) | Q(roles__in=_meets_families_roles()))
        .values_list("pk", "agency_id").distinct()
    )
    spans: dict[int, list[Span]] = defaultdict(list)
    for user_id, level, completed_on, expires_on in TrainingRecord.objects.filter(user_id__in=staff).values_list(
        "user_id", "level", "completed_on", "expires_on"
    ):
        spans[user_id].append(Span(level, completed_on, expires_on))
    teams: dict[int, list[int]] = defaultdict(list)
    for team_id, agency_id in Team.objects.values_list("pk", "agency_id"):
        teams[agency_id].append(team_id)
    champion_teams: set[int] = set()
    for team_id, user_team_id in Champion.objects.filter(active=True, user__is_active=True).values_list("team_id", "user__team_id"):
        if team_id or user_team_id:
            champion_teams.add(team_id or user_team_id)

    before: dict[int, dict[str, int]] = {}
    after: dict[int, dict[str, int]] = {}
    rating_agency: dict[int, int] = {}
    ratings = ConfidenceRating.objects.filter(user__is_active=True, user__agency__isnull=False).order_by("rated_at", "pk")
    for user_id, agency_id, when, *scores in ratings.values_list("user_id", "user__agency_id", "when", *CONFIDENCE_FIELDS):
        values = dict(zip(CONFIDENCE_FIELDS, scores, strict=True))
        if when == RatingWhen.BEFORE:
            before.setdefault(user_id, values)  # the first rating before training
        else:
            after[user_id] = values  # the latest rating after it
        rating_agency[user_id] = agency_id
    paired = {u: (before[u], after[u]) for u in before.keys() & after.keys()}
    return Facts(
        agencies=dict(Agency.objects.values_list("pk", "name")), staff=staff, spans=spans, teams=teams,
        champion_teams=champion_teams, ratings=paired, rating_agency=rating_agency,
        contacts=_complete_contacts(set(staff)),
    )


def coverage(on: date | None = None) -> list[AgencyFigures]:
    return build(load(), on or today())


# --- presenting, with small numbers suppressed ----------------------------------------------


SUPPRESSED = "<5"


def count(n: int) -> str:
    return SUPPRESSED if 0 < n < SMALL else str(n)


def percent(part: int, whole: int) -> str:
    """A share, hidden when it rests on fewer than 5 or would give away a count from 1 to 4."""
    if whole < SMALL or 0 < part < SMALL:
        return SUPPRESSED
    return f"{round(100 * part / whole)}%"


def of(part: int, whole: int) -> str:
    """"12 of 40 (30%)", suppressed as needed."""
    return f"{count(part)} of {count(whole)} ({percent(part, whole)})"


def change(c: Change) -> str:
    if c.people < SMALL:
        return SUPPRESSED
    return f"{c.change:+.1f} (from {c.before:.1f} to {c.after:.1f})"


def delivery(d: Delivery) -> str:
    if d.contacts < SMALL:
        return SUPPRESSED
    return f"{percent(d.complete, d.contacts)} of {count(d.contacts)} contacts, by {count(d.staff)} staff"


def present(row: AgencyFigures) -> dict[str, object]:
    return {
        "agency": row.agency,
        "staff": count(row.staff),
        "trained": {level: of(row.trained[level], row.staff) for level in LEVELS},
        "expiring": {level: count(row.expiring[level]) for level in LEVELS},
        "champions": of(row.teams_with_champion, row.teams) if row.teams else "No teams recorded",
        "confidence": [(CONFIDENCE_TOPICS[f], change(row.confidence[f])) for f in CONFIDENCE_FIELDS],
        "confidence_people": count(row.confidence[CONFIDENCE_FIELDS[0]].people),
        "trained_delivery": delivery(row.trained_delivery),
        "untrained_delivery": delivery(row.untrained_delivery),
    }


# --- the page --------------------------------------------------------------------------------


def may_see_coverage(user: object) -> bool:
    return has_permission(user, Permission.MANAGE_TRAINING) or has_permission(user, Permission.VIEW_AGGREGATES)  # type: ignore[arg-type]


@login_required
@require_GET
def coverage_page(request: HttpRequest) -> HttpResponse:
    if not may_see_coverage(request.user):
        raise Http404(NOT_FOUND)
    rows = [present(row) for row in coverage()]
    record_event(by=request.user, action=Action.VIEW, summary="Viewed training coverage by agency")
    return render(request, "workforce/coverage.jinja", {
        "title": "Training coverage", "rows": rows, "total": rows[-1], "agencies": rows[:-1],
        "expiring_days": EXPIRING_DAYS, "small": SMALL,
    })
