"""The dashboard ("Is the strategy working?"), each measure's table as CSV, and how we measure.

Who may look: partnership analysts (every agency) and safeguarding leads (their own agency only),
through `kbs.insights.access.dashboard_scope`; everyone else gets a 403 page. The pages read only
the rollup cells (in one query, `query.fetch`) and the training tables: never a contact, a message,
a family or the audit trail, and they show no name. Nothing is audited per view: there is no
personal data to account for, and the page must stay cheap.
"""

import csv
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET
from markupsafe import Markup

from kbs.accounts.models import Role, Team, User
from kbs.accounts.permissions import Permission
from kbs.core.validators import today
from kbs.insights import charts
from kbs.insights.access import Scope, dashboard_scope
from kbs.insights.facts import POINTS
from kbs.insights.forms import FilterForm
from kbs.insights.measures import BY_SLUG, MEASURES, OBJECTIVES, Cells, Measure, median_touchpoints
from kbs.insights.measures import Row as MeasureRow
from kbs.insights.models import ALL_AGENCIES
from kbs.insights.query import (
    SMALL_NUMBER,
    Filters,
    Result,
    change_text,
    count_text,
    fetch,
    is_small,
    numerator_text,
    percent_text,
    percent_value,
    results,
)
from kbs.workforce import coverage
from kbs.workforce.forms import CONFIDENCE_TOPICS
from kbs.workforce.models import CONFIDENCE_FIELDS, Champion, ConfidenceRating, RatingWhen, TrainingRecord

TITLE = "Dashboard"


# --- tables: what the page shows and the CSV holds, cell for cell ----------------------------------


@dataclass(frozen=True)
class Table:
    caption: str
    headings: list[str]
    rows: list[list[str]]


def period_text(first: str, last: str, *, short: bool = False) -> str:
    start, end = charts.month_label(first, short=short), charts.month_label(last, short=short)
    return start if first == last else f"{start} to {end}"


def _previous_text(before: MeasureRow | None) -> str:
    if before is None:
        return ""
    if before.denominator is not None:
        return percent_text(before.numerator, before.denominator)  # never the counts: see numerator_text
    return count_text(before.numerator)


def measure_table(result: Result, filters: Filters) -> Table:
    """A measure's rows as displayed texts: counts under 5 as "<5", percentages that could reveal a
    small number as "Not shown (small numbers)"."""
    m = result.measure
    previous = filters.previous_months
    headings = ["What is counted", m.unit.capitalize(), "Out of", "Percentage",
                f"Previous period ({period_text(previous[0], previous[-1], short=True)})", "Change"]
    rows = [
        [row.label, numerator_text(row.numerator, row.denominator), count_text(row.denominator),
         percent_text(row.numerator, row.denominator), _previous_text(before), change_text(row, before)]
        for row, before in result.compared
    ]
    return Table(f"{m.title}, {period_text(filters.first, filters.last)}", headings, rows)


def monthly_table(result: Result) -> Table | None:
    """The trend's months as a table: the chart's accessible equivalent."""
    if result.series is None:
        return None
    counts_only = all(d is None for _, _, d in result.series.points)
    headings = ["Month", "Number"] if counts_only else ["Month", "Number", "Out of", "Percentage"]
    rows = [
        [charts.month_label(month, short=False), numerator_text(n, d)]
        + ([] if counts_only else [count_text(d), percent_text(n, d)])
        for month, n, d in result.series.points
    ]
    return Table(charts.trend_title(result), headings, rows)


# --- the dashboard ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class MeasureView:
    slug: str
    title: str
    summary: str
    chart: Markup
    trend: Markup
    trend_title: str
    table: Table
    monthly: Table | None
    csv_url: str
    how_url: str
    point_applies: bool


@dataclass(frozen=True)
class Headline:
    label: str
    value: str
    detail: str


def _row(result: Result, label: str) -> MeasureRow | None:
    return next((r for r in result.rows if r.label == label), None)


def _share(label: str, row: MeasureRow | None, unit: str) -> Headline:
    if row is None or not row.denominator:
        return Headline(label, "No records", "")
    if percent_value(row.numerator, row.denominator) is None:
        # Neither the share nor the two counts, which together would give the small number away.
        return Headline(label, "Not shown", "Small numbers")
    return Headline(label, percent_text(row.numerator, row.denominator),
                    f"{count_text(row.numerator)} of {count_text(row.denominator)} {unit}")


def headlines(found: dict[str, Result], cells: Cells, filters: Filters) -> list[Headline]:
    """The six figures at the top of the page. The first is always the new baby review, whatever
    contact point is chosen."""
    months = filters.months
    at_contacts = BY_SLUG["three-messages-at-contacts"].rows(cells, months)
    review = next((r for r in at_contacts if r.label == POINTS["new_baby_review"][0]), None)
    babies_born = cells.total("icon.babies", months)
    median = median_touchpoints(cells, months)
    if not babies_born or median is None:
        median_card = Headline("Median ICON touchpoints per baby born", "No records", "")
    elif is_small(babies_born):
        median_card = Headline("Median ICON touchpoints per baby born", "Not shown", "Small numbers")
    else:
        median_card = Headline("Median ICON touchpoints per baby born", f"{median} of 5",
                               f"{count_text(babies_born)} babies born")
    return [
        _share("Babies given all three messages at the new baby review", review, "babies"),
        _share("Babies whose every parent and carer had all three messages",
               _row(found["every-carer-reached"], "Every parent and carer had all three messages"), "babies"),
        _share("Babies born with all five ICON touchpoints", _row(found["icon"], "5 touchpoints"), "babies"),
        median_card,
        _share("Safer sleep assessments with a safe sleep plan",
               _row(found["safer-sleep"], "With a safe sleep plan"), "assessments"),
        _share("Urgent bruising assessments with same-day steps",
               _row(found["bruising"], "Same-day social care call and medical review"), "assessments"),
    ]


def measure_view(result: Result, filters: Filters, query: str) -> MeasureView:
    m = result.measure
    return MeasureView(
        slug=m.slug, title=m.title, summary=m.paragraphs[0] if m.paragraphs else "",
        chart=charts.chart_for(result), trend=charts.trend_for(result), trend_title=charts.trend_title(result),
        table=measure_table(result, filters), monthly=monthly_table(result),
        csv_url=reverse("insights:measure_csv", args=[m.slug]) + f"?{query}",
        how_url=reverse("insights:how_we_measure") + f"#{m.slug}", point_applies=m.by_point,
    )


def by_objective(measures: list[Measure]) -> list[tuple[int, str, list[Measure]]]:
    """Measures grouped by their first objective, in objective order (objectives with none left out)."""
    groups: dict[int, list[Measure]] = defaultdict(list)
    for m in measures:
        groups[m.objectives[0]].append(m)
    return [(n, title, groups[n]) for n, title in OBJECTIVES.items() if groups.get(n)]


def _forbidden(request: HttpRequest) -> HttpResponse:
    return render(request, "insights/forbidden.jinja", {"title": "You cannot see this page"}, status=403)


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    scope = dashboard_scope(request.user)  # type: ignore[arg-type]
    if scope is None:
        return _forbidden(request)
    form = FilterForm(request.GET, scope=scope)
    context: dict[str, object] = {"title": TITLE, "form": form, "scope": scope, "small": SMALL_NUMBER}
    if not form.is_valid():
        return render(request, "insights/dashboard.jinja", context, status=400)
    filters = form.filters
    cells = fetch(filters)
    found = {r.measure.slug: r for r in results(filters, cells)}
    query = form.query_string
    views = {slug: measure_view(r, filters, query) for slug, r in found.items()}
    context.update({
        "filters": filters,
        "period": period_text(filters.first, filters.last),
        "previous_period": period_text(filters.previous_months[0], filters.previous_months[-1]),
        "headlines": headlines(found, cells, filters),
        "sections": [(n, title, [views[m.slug] for m in group]) for n, title, group in by_objective(MEASURES)],
        "training": training(scope, filters.agency_id),
        "expiring_days": coverage.EXPIRING_DAYS,
    })
    return render(request, "insights/dashboard.jinja", context)


@login_required
@require_GET
def measure_csv(request: HttpRequest, slug: str) -> HttpResponse:
    scope = dashboard_scope(request.user)  # type: ignore[arg-type]
    if scope is None:
        return _forbidden(request)
    if slug not in BY_SLUG:
        raise Http404("No such measure")
    form = FilterForm(request.GET, scope=scope)
    if not form.is_valid():
        message = "The figures could not be made:\n" + "\n".join(form.error_lines()) + "\n"
        return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
    filters = form.filters
    result = next(r for r in results(filters) if r.measure.slug == slug)
    table = measure_table(result, filters)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="kbs-{slug}-{filters.first}-to-{filters.last}.csv"'
    writer = csv.writer(response)
    writer.writerow(table.headings)
    writer.writerows(table.rows)
    return response


# --- how we measure ----------------------------------------------------------------------------------



def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


@login_required
@require_GET
def how_we_measure(request: HttpRequest) -> HttpResponse:
    scope = dashboard_scope(request.user)  # type: ignore[arg-type]
    if scope is None:
        return _forbidden(request)
    sections = [
        (n, title, [(m, m.definition, [f"{o}: {OBJECTIVES[o]}" for o in m.objectives[1:]]) for m in group])
        for n, title, group in by_objective(MEASURES)
    ]
    return render(request, "insights/how_we_measure.jinja", {
        "title": "How we measure", "sections": sections, "small": SMALL_NUMBER, "back_link": reverse("insights:dashboard"),
        "points": _and([label.lower() for label, _ in POINTS.values()]),
        "scope": scope, "expiring_days": coverage.EXPIRING_DAYS,
    })


# --- training and champions ------------------------------------------------------------------------


@dataclass(frozen=True)
class Training:
    rows: list[dict[str, object]]
    confidence_for: str
    confidence_people: str
    confidence: list[tuple[str, str]]


def training_facts(scope: Scope) -> coverage.Facts:
    """`kbs.workforce.coverage.Facts` without the contacts part: the dashboard reads no contact or
    message. So "staff who meet families" are active staff holding a role that lets them see
    families (the coverage page also counts people who recorded a contact without such a role)."""
    agency_ids = None if scope.fixed_agency is None else [scope.fixed_agency.pk]
    meets_families = [r.pk for r in Role.objects.all() if Permission.VIEW_FAMILY.value in r.permissions]
    staff_query = User.objects.filter(is_active=True, agency__isnull=False, roles__in=meets_families)
    teams_query = Team.objects.all()
    ratings_query = ConfidenceRating.objects.filter(user__is_active=True, user__agency__isnull=False)
    if agency_ids is not None:
        staff_query = staff_query.filter(agency_id__in=agency_ids)
        teams_query = teams_query.filter(agency_id__in=agency_ids)
        ratings_query = ratings_query.filter(user__agency_id__in=agency_ids)
    staff = dict(staff_query.values_list("pk", "agency_id").distinct())
    spans: dict[int, list[coverage.Span]] = defaultdict(list)
    records = TrainingRecord.objects.filter(user_id__in=staff).values_list("user_id", "level", "completed_on", "expires_on")
    for user_id, level, completed_on, expires_on in records:
        spans[user_id].append(coverage.Span(level, completed_on, expires_on))
    teams: dict[int, list[int]] = defaultdict(list)
    for team_id, agency_id in teams_query.values_list("pk", "agency_id"):
        teams[agency_id].append(team_id)
    champion_teams: set[int] = set()
    champions = Champion.objects.filter(active=True, user__is_active=True)
    if agency_ids is not None:
        champions = champions.filter(agency_id__in=agency_ids)
    for team_id, user_team_id in champions.values_list("team_id", "user__team_id"):
        if team_id or user_team_id:
            champion_teams.add(team_id or user_team_id)
    before: dict[int, dict[str, int]] = {}
    after: dict[int, dict[str, int]] = {}
    rating_agency: dict[int, int] = {}
    for user_id, agency_id, when, *scores in ratings_query.order_by("rated_at", "pk").values_list(
        "user_id", "user__agency_id", "when", *CONFIDENCE_FIELDS
    ):
        values = dict(zip(CONFIDENCE_FIELDS, scores, strict=True))
        if when == RatingWhen.BEFORE:
            before.setdefault(user_id, values)
        else:
            after[user_id] = values
        rating_agency[user_id] = agency_id
    return coverage.Facts(
        agencies={a.pk: a.name for a in scope.agencies}, staff=staff, spans=spans, teams=teams,
        champion_teams=champion_teams, ratings={u: (before[u], after[u]) for u in before.keys() & after.keys()},
        rating_agency=rating_agency, contacts=[],
    )


TRAINING_CACHE_SECONDS = 60


def training(scope: Scope, agency_id: int = ALL_AGENCIES, on: date | None = None) -> Training:
    """Training and champion figures as of today: for the chosen agency (a lead's own), or the
    partnership's total when every agency is chosen (each agency's row is on the training coverage
    page). Kept for a minute: like the rollups, they are at most a minute old, and working them out
    over every member of staff in England takes a few hundred milliseconds."""
    day = on or today()
    if scope.partnership_wide and agency_id != ALL_AGENCIES:
        chosen = [a for a in scope.agencies if a.pk == agency_id]
        scope = Scope(chosen, chosen[0]) if chosen else scope
    key = f"kbs:dashboard-training:{scope.fixed_agency.pk if scope.fixed_agency else 'all'}:{day.isoformat()}"
    found = cache.get(key)
    if found is None:
        found = _training(scope, day)
        cache.set(key, found, TRAINING_CACHE_SECONDS)
    return found  # type: ignore[no-any-return]


def _training(scope: Scope, on: date) -> Training:
    figures = coverage.build(training_facts(scope), on)
    shown = figures[-1:] if scope.partnership_wide else figures[:-1]
    rows = [
        {
            "agency": f.agency, "total": scope.partnership_wide and f is figures[-1],
            "staff": coverage.count(f.staff),
            "trained": {level: coverage.of(f.trained[level], f.staff) for level in coverage.LEVELS},
            "expiring": {level: coverage.count(f.expiring[level]) for level in coverage.LEVELS},
            "champions": coverage.of(f.teams_with_champion, f.teams) if f.teams else "No teams recorded",
        }
        for f in shown
    ]
    summary = figures[-1] if scope.partnership_wide or not shown else figures[0]
    return Training(
        rows=rows,
        confidence_for=summary.agency if shown else "",
        confidence_people=coverage.count(summary.confidence[CONFIDENCE_FIELDS[0]].people),
        confidence=[(CONFIDENCE_TOPICS[f], coverage.change(summary.confidence[f])) for f in CONFIDENCE_FIELDS],
    )
