"""The Evaluation and Impact Report, "Three Steps for Baby Safety": a web page and a printable PDF.

The report is the dashboard's measures for one financial year (April to March), set against the
year before and arranged by the strategy's six objectives (`measures.OBJECTIVES`), with the
workforce's training, champion and confidence figures. A measure that serves several objectives is
shown under its first and pointed to from the others.

What it reads: the rollup cells (one query, `query.fetch`), one query to choose the default year,
and the training, team, champion and confidence-rating tables. Never contacts, messages or the
audit trail, and never a name, an NHS number or an address, so, like the partnership overview, it
writes no audit row (the audited downloads are all of personal records).

Which year: `?year=2025` means April 2025 to March 2026. Without it, the latest complete financial
year when the cells hold anything for it (for the viewer's agency), otherwise the current year so
far. A partnership-wide viewer may add `?agency=<id>`; a safeguarding lead always gets their own.
"""

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date

from django import forms
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Min, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET
from markupsafe import Markup

from kbs.accounts.models import Role, Team, User
from kbs.accounts.permissions import Permission
from kbs.core.pdf import render_pdf
from kbs.insights.access import Scope, dashboard_scope
from kbs.insights.charts import chart_for, trend_for, trend_title
from kbs.insights.facts import POINTS
from kbs.insights.measures import OBJECTIVES, Cells, Row, median_touchpoints
from kbs.insights.models import ALL_AGENCIES, ALL_DISTRICTS, Cell
from kbs.insights.query import Filters, Result, change_text, count_text, fetch, is_small, percent_value, results
from kbs.learning.summary import LearningToPractice, changes_between
from kbs.workforce import coverage
from kbs.workforce.forms import CONFIDENCE_TOPICS
from kbs.workforce.models import CONFIDENCE_FIELDS, Champion, ConfidenceRating, RatingWhen, TrainingRecord

TITLE = "Evaluation and Impact Report: Three Steps for Baby Safety"
FIRST_YEAR = 2000

SMALL_NUMBERS_NOTE = (
    "Counts from 1 to 4 are shown as \u201c<5\u201d, so that no baby, family or member of staff can be picked "
    "out. A percentage is not shown when it could reveal such a small number: when the number counted, the "
    "number it is out of, or the difference between them is from 1 to 4. A change from last year is not "
    "shown when either year\u2019s figure is hidden."
)
OUTCOMES_NOTE = (
    "This report does not count deaths or serious injuries of babies. Those outcomes are recorded by the "
    "child death review process (the Child Death Overview Panel and the National Child Mortality Database) "
    "and in notifications to the national Child Safeguarding Practice Review Panel, not in Keeping Babies "
    "Safe. They are rare, so they rise and fall a lot from one year to the next; the measures here are about "
    "practice, which changes sooner."
)

# What each objective's section says first: what KBS can, and cannot, show about it.
OBJECTIVE_NOTES = {
    1: "Keeping Babies Safe cannot measure learning itself. These measures follow the practice that local and "
       "national reviews asked for: same-day steps when a baby who is not yet mobile has a bruise, and "
       "pre-birth work started early enough to plan safely for the birth.",
    2: "Training at Level 2 (the e-learning) and Level 3 (the Keeping Babies Safe course), and Keeping Babies "
       "Safe champions in teams, from the training records.",
    3: "Whether the three messages (safe sleep, safe handling and safe space) reach every parent and carer, "
       "fathers, partners and other men in the baby\u2019s life included.",
    4: "Safe space is the message about making the home safe for the baby. It is counted with the other two "
       "messages, in the measures under objective 3.",
    5: "How far beyond health services the messages are given, the ICON coping-with-crying touchpoints, and "
       "how confident practitioners say they are, before and after training.",
    6: "Whether practitioners act on what they see: safer sleep assessments, same-day steps for bruising, "
       "pre-birth work, and concerns and referrals decided in time.",
}
LEARNING_OBJECTIVE, TRAINING_OBJECTIVE, CONFIDENCE_OBJECTIVE = 1, 2, 5

# The headline figures for "At a glance": (measure, row label, what the line says).
HEADLINES: tuple[tuple[str, str, str], ...] = (
    ("three-messages-at-contacts", POINTS["new_baby_review"][0], "Babies given all three messages at the new baby review"),
    ("carers-reached", "Given all three messages", "Parents and carers given all three messages"),
    ("every-carer-reached", "Father or partner given a message", "Babies whose father or partner was given a message"),
    ("icon", "5 touchpoints", "Babies born who had all five ICON touchpoints"),
    ("safer-sleep", "With a safe sleep plan", "Safer sleep assessments with a safe sleep plan"),
    ("bruising", "Same-day social care call and medical review",
     "Urgent bruising assessments with a same-day social care call and medical review"),
    ("prebirth", "Referred by 16 weeks", "Pre-birth cases referred to social care by 16 weeks of pregnancy"),
    ("concerns", "Concerns decided in time", "Concerns decided by the safeguarding lead in time"),
)


# --- the financial year ------------------------------------------------------------------------


@dataclass(frozen=True)
class FinancialYear:
    start: int  # April of this year to March of the next

    @property
    def first(self) -> str:
        return f"{self.start:04d}-04"

    @property
    def last(self) -> str:
        return f"{self.start + 1:04d}-03"

    @property
    def first_day(self) -> date:
        return date(self.start, 4, 1)

    @property
    def last_day(self) -> date:
        return date(self.start + 1, 3, 31)

    @property
    def label(self) -> str:
        return f"April {self.start} to March {self.start + 1}"

    @property
    def short(self) -> str:
        return f"{self.start}/{(self.start + 1) % 100:02d}"

    @property
    def previous(self) -> "FinancialYear":
        return FinancialYear(self.start - 1)


def financial_year_of(day: date) -> FinancialYear:
    return FinancialYear(day.year if day.month >= 4 else day.year - 1)


# --- what was asked for ------------------------------------------------------------------------


class _FreeChoiceField(forms.ChoiceField):
    """A select whose value is checked by the form (with a specific message), not against the list."""

    def validate(self, value: object) -> None:
        forms.Field.validate(self, value)


class ReportForm(forms.Form):
    year = _FreeChoiceField(label="Financial year", required=False, help_text="From April to the following March")
    agency = forms.TypedChoiceField(label="Agency", required=False, coerce=int, empty_value=None,
                                    error_messages={"invalid_choice": "Select an agency from the list"})

    def __init__(self, data: object, *, scope: Scope, current: FinancialYear) -> None:
        super().__init__(data)  # type: ignore[arg-type]
        self.current = current
        if scope.partnership_wide:
            agency: forms.TypedChoiceField = self.fields["agency"]  # type: ignore[assignment]
            agency.choices = [("", "All agencies")] + [(a.pk, a.name) for a in scope.agencies]
        else:
            del self.fields["agency"]  # a lead's report is always their own agency's

    def clean_year(self) -> FinancialYear | None:
        text = (self.cleaned_data.get("year") or "").strip()
        if not text:
            return None
        if not (len(text) == 4 and text.isdigit()):
            raise forms.ValidationError("Enter the financial year as 4 numbers, for example 2025 for April 2025 to March 2026")
        year = int(text)
        if year < FIRST_YEAR:
            raise forms.ValidationError(f"The financial year must be {FIRST_YEAR} or later")
        if year > self.current.start:
            raise forms.ValidationError(
                f"The financial year cannot be in the future: the latest is {self.current.start} ({self.current.label})")
        return FinancialYear(year)

    def offer_years(self, earliest: FinancialYear, shown: FinancialYear) -> None:
        """The years to choose from: the current one back to the first with figures, and the one shown."""
        starts = set(range(max(earliest.start, FIRST_YEAR), self.current.start + 1)) | {shown.start, self.current.start}
        year: forms.ChoiceField = self.fields["year"]  # type: ignore[assignment]
        year.choices = [(str(y), FinancialYear(y).label) for y in sorted(starts, reverse=True)]
        if not self.errors and not self.data.get("year"):
            data = dict(self.data.items())  # request.GET is immutable
            data["year"] = str(shown.start)
            self.data = data


def default_year(agency_id: int, current: FinancialYear) -> tuple[FinancialYear, FinancialYear]:
    """(the year to show when none is asked for, the first year with figures), in one query.

    The latest complete financial year, when the cells hold anything for it; otherwise the current
    one so far (a new partnership, or one that started recording this year)."""
    complete = current.previous
    found = Cell.objects.filter(agency_id=agency_id, district=ALL_DISTRICTS, value__gt=0).aggregate(
        earliest=Min("month"), in_complete=Count("pk", filter=Q(month__gte=complete.first, month__lte=complete.last)),
    )
    earliest = found["earliest"]
    first = financial_year_of(date(int(earliest[:4]), int(earliest[5:7]), 1)) if earliest else current
    return (complete if found["in_complete"] else current), min(first, complete, key=lambda y: y.start)


# --- the report, built from the results ---------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """One line of a table, as shown: this year, last year and the change, small numbers hidden."""

    label: str
    now: str
    now_detail: str
    before: str
    before_detail: str
    change: str


def shown(row: Row | None) -> tuple[str, str]:
    """(the figure, its detail): a percentage with "45 of 50", or a count; hidden when small."""
    if row is None:
        return "None recorded", ""
    if row.denominator is None:
        return count_text(row.numerator), ""
    if not row.denominator:
        return "No records", ""
    value = percent_value(row.numerator, row.denominator)
    if value is not None:
        return f"{value:.0f}%", f"{count_text(row.numerator)} of {count_text(row.denominator)}"
    if is_small(row.numerator):
        return "<5", f"of {count_text(row.denominator)}"
    return "Not shown (small numbers)", ""


def figure(label: str, now: Row, before: Row | None) -> Figure:
    return Figure(label, *shown(now), *shown(before), change_text(now, before) or "Not shown")


@dataclass(frozen=True)
class MeasureSection:
    slug: str
    title: str
    objective: int  # the objective it is shown under
    other_objectives: list[int]
    figures: list[Figure]
    definition: list[tuple[str, str]]  # ("What it shows" | "Numerator" | ..., text)
    notes: list[str]
    chart: Markup
    trend: Markup
    trend_title: str


@dataclass(frozen=True)
class TrainingSection:
    as_at: date
    previous_as_at: date
    staff: str
    figures: list[Figure]
    confidence: list[tuple[str, str, str]]  # topic, change this year, change last year
    confidence_people: tuple[str, str]


@dataclass
class ObjectiveSection:
    number: int
    title: str
    note: str
    measures: list[MeasureSection] = field(default_factory=list)
    see_also: list[MeasureSection] = field(default_factory=list)
    training: bool = False
    confidence: bool = False
    see_training: bool = False
    learning: bool = False


@dataclass(frozen=True)
class Report:
    title: str
    year: FinancialYear
    year_in_progress: bool
    covers: str
    agency_name: str | None
    produced_on: date
    glance: list[Figure]
    objectives: list[ObjectiveSection]
    training: TrainingSection
    completeness: list[str]
    # Objective 1: recommendations from reviews that changed practice this year, and last year's count.
    learning: list[LearningToPractice] = field(default_factory=list)
    learning_changes_before: int = 0
    small_numbers_note: str = SMALL_NUMBERS_NOTE
    outcomes_note: str = OUTCOMES_NOTE


def _median_note(cells: Cells, filters: Filters) -> str:
    def median(months: list[str]) -> str:
        if is_small(cells.total("icon.babies", months)):
            return "not shown (small numbers)"
        value = median_touchpoints(cells, months)
        return "no babies born" if value is None else str(value)

    return (f"Median ICON touchpoints per baby born: {median(filters.months)} this year, "
            f"{median(filters.previous_months)} last year.")


def _completeness(cells: Cells, filters: Filters, in_progress: bool) -> list[str]:
    months = filters.months
    recorded = cells.by_breakdown("babies.recorded", months)
    total = sum(recorded.values())
    uncontacted = total - cells.total("babies.contacted", months)
    given = cells.total("messages.given", months)
    out = [
        f"{count_text(total)} babies were born or are due in the year ({count_text(recorded.get('born', 0))} born, "
        f"{count_text(recorded.get('unborn', 0))} not born yet). Of these, {count_text(uncontacted)} had no "
        "contact recorded at all from 42 weeks before the birth (or due date) to their first birthday.",
        f"{count_text(cells.total('contacts.recorded', months))} contacts were recorded in the year, and "
        f"{count_text(given)} messages given at them (each message to each person at a contact counts once). "
        "The figures count messages given, so they cannot say how many contacts had no message recorded.",
        "Babies are counted in the month they were born or are due, for the family\u2019s lead agency. A baby "
        "due later on is counted before they are born, and their figures change as contacts are recorded.",
        "Only what is recorded in Keeping Babies Safe is counted. Work recorded only in another system does "
        "not appear here, so a low figure can mean that work was not recorded as well as that it was not done.",
    ]
    if in_progress:
        out.insert(0, "This financial year is not over yet: the figures are for the year so far and will change.")
    return out


def _figure_for(results_by_slug: dict[str, Result], slug: str, label: str, text: str) -> Figure | None:
    result = results_by_slug.get(slug)
    if result is None:
        return None
    for now, before in result.compared:
        if now.label == label:
            return figure(text, now, before)
    return None


def build(*, filters: Filters, cells: Cells, year: FinancialYear, covers: str, agency_name: str | None,
          training: TrainingSection, produced_on: date, learning: list[LearningToPractice] | None = None,
          learning_changes_before: int = 0) -> Report:
    """The report from the cells and the training figures: no query."""
    found = results(filters, cells)
    by_slug = {r.measure.slug: r for r in found}
    sections = {n: ObjectiveSection(n, title, OBJECTIVE_NOTES[n]) for n, title in OBJECTIVES.items()}
    for result in found:
        m = result.measure
        first, *others = m.objectives
        section = MeasureSection(
            slug=m.slug, title=m.title, objective=first, other_objectives=others,
            figures=[figure(now.label, now, before) for now, before in result.compared],
            definition=m.definition,
            notes=[_median_note(cells, filters)] if m.slug == "icon" else [],
            chart=chart_for(result), trend=trend_for(result), trend_title=trend_title(result),
        )
        sections[first].measures.append(section)
        for n in others:
            sections[n].see_also.append(section)
    sections[LEARNING_OBJECTIVE].learning = True
    sections[TRAINING_OBJECTIVE].training = True
    sections[CONFIDENCE_OBJECTIVE].confidence = True
    sections[CONFIDENCE_OBJECTIVE].see_training = True

    recorded = cells.total("babies.recorded", filters.months)
    glance = [figure("Babies born or due in the year", Row("", recorded),
                     Row("", cells.total("babies.recorded", filters.previous_months)))]
    glance += [f for slug, label, text in HEADLINES if (f := _figure_for(by_slug, slug, label, text))]
    glance += [replace(f, label=f"Staff who meet families {f.label[0].lower()}{f.label[1:]}") for f in training.figures[:1]]
    return Report(
        title=TITLE, year=year, year_in_progress=produced_on <= year.last_day, covers=covers,
        agency_name=agency_name, produced_on=produced_on, glance=glance,
        objectives=[sections[n] for n in sorted(sections)], training=training,
        completeness=_completeness(cells, filters, produced_on <= year.last_day),
        learning=learning or [], learning_changes_before=learning_changes_before,
    )


# --- training, champions and confidence (never contacts) ---------------------------------------


def training_section(*, agency_id: int, agency_names: dict[int, str], year: FinancialYear,
                     today: date) -> TrainingSection:
    """Training and champion coverage at the end of the year and of the year before, and the change in
    confidence of staff who rated themselves after training in each year, from `workforce.coverage`.

    Staff who meet families are active staff whose role lets them see families' records. (The training
    coverage page also counts anyone who has recorded a contact; the report reads no contacts.)"""
    meets_families = [r.pk for r in Role.objects.all() if Permission.VIEW_FAMILY.value in r.permissions]
    users = User.objects.filter(is_active=True, agency__isnull=False, roles__in=meets_families)
    teams_query = Team.objects.all()
    if agency_id != ALL_AGENCIES:
        users = users.filter(agency_id=agency_id)
        teams_query = teams_query.filter(agency_id=agency_id)
    staff = dict(users.values_list("pk", "agency_id").distinct())
    spans: dict[int, list[coverage.Span]] = defaultdict(list)
    for user_id, level, completed_on, expires_on in TrainingRecord.objects.filter(user_id__in=staff).values_list(
            "user_id", "level", "completed_on", "expires_on"):
        spans[user_id].append(coverage.Span(level, completed_on, expires_on))
    teams: dict[int, list[int]] = defaultdict(list)
    for team_id, team_agency in teams_query.values_list("pk", "agency_id"):
        teams[team_agency].append(team_id)
    champions = list(Champion.objects.filter(active=True, user__is_active=True).values_list("team_id", "user__team_id", "since"))
    ratings = list(ConfidenceRating.objects.filter(user_id__in=staff, rated_at__date__lte=year.last_day)
                   .order_by("rated_at", "pk").values_list("user_id", "when", "rated_at", *CONFIDENCE_FIELDS))

    def figures_for(y: FinancialYear) -> coverage.AgencyFigures:
        on = min(y.last_day, today)
        before: dict[int, dict[str, int]] = {}
        after: dict[int, tuple[date, dict[str, int]]] = {}
        for user_id, when, rated_at, *scores in ratings:
            rated_on = timezone.localtime(rated_at).date()
            if rated_on > y.last_day:
                continue
            values = dict(zip(CONFIDENCE_FIELDS, scores, strict=True))
            if when == RatingWhen.BEFORE:
                before.setdefault(user_id, values)
            else:
                after[user_id] = (rated_on, values)
        paired = {u: (before[u], after[u][1]) for u in before.keys() & after.keys() if after[u][0] >= y.first_day}
        facts = coverage.Facts(
            agencies=agency_names, staff=staff, spans=spans, teams=teams,
            champion_teams={team or user_team for team, user_team, since in champions if (team or user_team) and since <= on},
            ratings=paired, rating_agency={u: staff[u] for u in paired}, contacts=[],
        )
        return coverage.build(facts, on)[-1]  # the last row is every agency's (or the one agency's) total

    now, then = figures_for(year), figures_for(year.previous)

    def rows(f: coverage.AgencyFigures) -> list[Row]:
        return [Row("Trained at Level 2", f.trained[2], f.staff), Row("Trained at Level 3", f.trained[3], f.staff),
                Row("Teams with a Keeping Babies Safe champion", f.teams_with_champion, f.teams)]

    return TrainingSection(
        as_at=min(year.last_day, today), previous_as_at=year.previous.last_day, staff=count_text(now.staff),
        figures=[figure(a.label, a, b) for a, b in zip(rows(now), rows(then), strict=True)],
        confidence=[(CONFIDENCE_TOPICS[f], _confidence(now.confidence[f]), _confidence(then.confidence[f]))
                    for f in CONFIDENCE_FIELDS],
        confidence_people=(count_text(now.confidence[CONFIDENCE_FIELDS[0]].people),
                           count_text(then.confidence[CONFIDENCE_FIELDS[0]].people)),
    )


def _confidence(change: coverage.Change) -> str:
    return "No ratings" if change.people == 0 else coverage.change(change)


# --- the pages ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Choice:
    form: ReportForm
    year: FinancialYear | None
    agency_id: int
    agency_name: str | None


def _choose(request: HttpRequest, scope: Scope) -> Choice:
    current = financial_year_of(timezone.localdate())
    form = ReportForm(request.GET, scope=scope, current=current)
    valid = form.is_valid()
    chosen = form.cleaned_data.get("agency") if valid else None
    agency_id = scope.agency_id_for(chosen)
    names = {a.pk: a.name for a in scope.agencies}
    fallback, earliest = default_year(agency_id, current)
    year = (form.cleaned_data.get("year") or fallback) if valid else None
    form.offer_years(earliest, year or fallback)
    return Choice(form, year, agency_id, names.get(agency_id))


def _report(scope: Scope, choice: Choice) -> Report:
    assert choice.year is not None
    today = timezone.localdate()
    filters = Filters(choice.year.first, choice.year.last, agency_id=choice.agency_id)
    covers = choice.agency_name or "Every agency in the partnership"
    names = {a.pk: a.name for a in scope.agencies}
    training = training_section(agency_id=choice.agency_id, agency_names=names, year=choice.year, today=today)
    # Learning from reviews is the partnership's, whichever agency the report covers.
    learning = changes_between(choice.year.first_day, choice.year.last_day)
    before = changes_between(choice.year.previous.first_day, choice.year.previous.last_day)
    return build(filters=filters, cells=fetch(filters), year=choice.year, covers=covers,
                 agency_name=choice.agency_name, training=training, produced_on=today,
                 learning=learning, learning_changes_before=sum(len(line.changes) for line in before))


def _query(choice: Choice) -> str:
    assert choice.year is not None
    query = f"year={choice.year.start}"
    return query + (f"&agency={choice.agency_id}" if choice.agency_id != ALL_AGENCIES else "")


def _refused(request: HttpRequest) -> HttpResponse:
    # Rendered here rather than raising PermissionDenied: the site's 403 handler shows "not found".
    return render(request, "insights/report.jinja", {"title": "You cannot see this report", "refused": True}, status=403)


@login_required
@require_GET
def report(request: HttpRequest) -> HttpResponse:
    scope = dashboard_scope(request.user)  # type: ignore[arg-type]
    if scope is None:
        return _refused(request)
    choice = _choose(request, scope)
    context: dict[str, object] = {"title": TITLE, "form": choice.form, "scope": scope}
    if choice.year is None:
        return render(request, "insights/report.jinja", context, status=400)
    context.update(report=_report(scope, choice), pdf_url=f"{reverse('insights:report_pdf')}?{_query(choice)}")
    return render(request, "insights/report.jinja", context)


@login_required
@require_GET
def report_pdf(request: HttpRequest) -> HttpResponse:
    scope = dashboard_scope(request.user)  # type: ignore[arg-type]
    if scope is None:
        return _refused(request)
    choice = _choose(request, scope)
    if choice.year is None:
        problems = [str(e) for errors in choice.form.errors.values() for e in errors]
        return HttpResponse("\n".join(problems) + "\n", status=400, content_type="text/plain; charset=utf-8")
    built = _report(scope, choice)
    pdf = render_pdf(render_to_string("insights/report_pdf.jinja", {"title": TITLE, "report": built}, request=request))
    name = f"evaluation-and-impact-report-{choice.year.start}-{(choice.year.start + 1) % 100:02d}"
    if choice.agency_id != ALL_AGENCIES:
        name += f"-agency-{choice.agency_id}"
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
    return response
