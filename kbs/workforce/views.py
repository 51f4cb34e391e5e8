"""Pages for the Level 2 e-learning, the champions and confidence ratings. (Level 3 course pages
are in `courses.py`, records in `records.py`, coverage in `coverage.py`.)

Each view reads through `kbs.workforce.access`, calls one action, and redirects. A refusal from an
action is shown on the form, with nothing saved.
"""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kbs.accounts.models import User
from kbs.workforce import access, actions, forms, presenters
from kbs.workforce.access import NOT_FOUND
from kbs.workforce.certificates import certificate_file_name, certificate_pdf
from kbs.workforce.models import CourseCode, RatingWhen


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _staff(request: HttpRequest) -> User:
    user = _user(request)
    access.require_staff(user)
    return user


# --- Training home ------------------------------------------------------------------------------------


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    user = _staff(request)
    modules = actions.course_modules()
    progress = access.progress_of(user)
    passed = sum(1 for m in modules if progress.get(m.pk) and progress[m.pk].passed)
    return render(request, "workforce/home.jinja", {
        "title": "Training",
        "modules_total": len(modules),
        "modules_passed": passed,
        "certificate": actions.current_certificate(user),
        "my_champion": access.my_champion(user),
        "own_champion": access.champion_of(user),
        "can_manage": access.can_manage(user),
    })


# --- Level 2 e-learning -----------------------------------------------------------------------------


def _course_context(user: User, learner: User) -> dict[str, Any]:
    modules = actions.course_modules()
    progress = access.progress_of(learner)
    rows = [presenters.module_row(m, progress.get(m.pk)) for m in modules]
    certificates = [
        {"certificate": c, "status": presenters.certificate_status(c)} for c in access.certificates_of(learner)
    ]
    return {
        "learner": learner,
        "own": learner.pk == user.pk,
        "rows": rows,
        "passed": sum(r.passed for r in rows),
        "certificates": certificates,
        "pass_mark": actions.pass_mark(),
        "refresher_open": learner.pk == user.pk and actions.refresher_open(learner),
        "course_name": CourseCode.L2_PBFH.label,
    }


@login_required
@require_GET
def elearning(request: HttpRequest) -> HttpResponse:
    user = _staff(request)
    return render(request, "workforce/elearning.jinja", {
        "title": "Protecting Babies from Harm", "back_link": reverse("workforce:home"), **_course_context(user, user),
    })


@login_required
@require_GET
def module(request: HttpRequest, slug: str) -> HttpResponse:
    user = _user(request)
    module = access.module_for(user, slug)
    row = presenters.module_row(module, access.progress_of(user).get(module.pk))
    return render(request, "workforce/module.jinja", {
        "title": module.title, "module": module, "row": row, "pass_mark": actions.pass_mark(),
        "back_link": reverse("workforce:elearning"),
    })


@login_required
@require_http_methods(["GET", "POST"])
def module_page(request: HttpRequest, slug: str, page: int) -> HttpResponse:
    user = _user(request)
    module = access.module_for(user, slug)
    if not 1 <= page <= len(module.pages):
        raise Http404(NOT_FOUND)
    if request.method == "POST":
        actions.record_page_read(by=user, module=module, page=page)
        if page < len(module.pages):
            return redirect("workforce:module_page", slug=slug, page=page + 1)
        return redirect("workforce:check", slug=slug)
    content = module.pages[page - 1]
    return render(request, "workforce/module_page.jinja", {
        "title": f"{content['title']} – {module.title}",
        "module": module, "page": content, "number": page, "pages": len(module.pages),
        "previous": reverse("workforce:module_page", args=[slug, page - 1]) if page > 1 else None,
        "back_link": reverse("workforce:module", args=[slug]),
    })


@login_required
@require_http_methods(["GET", "POST"])
def check(request: HttpRequest, slug: str) -> HttpResponse:
    user = _user(request)
    module = access.module_for(user, slug)
    form = forms.KnowledgeCheckForm(request.POST or None, module=module)
    context = {
        "title": f"Knowledge check – {module.title}", "module": module, "form": form,
        "pass_mark": actions.pass_mark(), "back_link": reverse("workforce:module", args=[slug]),
    }
    if request.method == "POST":
        if form.is_valid():
            try:
                result = actions.submit_knowledge_check(by=user, module=module, answers=form.answers())
            except actions.Refused as error:
                form.add_error(None, str(error))
            else:
                modules = actions.course_modules()
                later = [m for m in modules if m.order > module.order]
                return render(request, "workforce/check_result.jinja", {
                    **context, "title": f"Your result – {module.title}", "result": result,
                    "next_module": later[0] if later else None,
                    "form": forms.KnowledgeCheckForm(module=module),
                })
        return render(request, "workforce/check.jinja", context, status=400)
    return render(request, "workforce/check.jinja", context)


@login_required
@require_GET
def certificate(request: HttpRequest, public_id: str) -> HttpResponse:
    user = _user(request)
    found = access.certificate_for(user, public_id)
    response = HttpResponse(certificate_pdf(found, by=user), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{certificate_file_name(found)}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def refresher(request: HttpRequest) -> HttpResponse:
    user = _staff(request)
    try:
        actions.start_refresher(by=user)
    except actions.Refused as error:
        messages.info(request, str(error))
    else:
        messages.success(request, "Refresher started: take each module and its knowledge check again")
    return redirect("workforce:elearning")


# --- People's training, for the training lead ---------------------------------------------------


@login_required
@require_GET
def people(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    query = request.GET.get("q", "").strip()[:100]
    learners = list(access.learners(user, query)[:200])
    return render(request, "workforce/people.jinja", {
        "title": "People's e-learning", "learners": learners, "query": query,
        "back_link": reverse("workforce:home"),
    })


@login_required
@require_GET
def person(request: HttpRequest, user_id: int) -> HttpResponse:
    user = _user(request)
    learner = access.learner_for(user, user_id)
    return render(request, "workforce/person.jinja", {
        "title": f"E-learning of {learner}",
        "back_link": reverse("workforce:people") if learner.pk != user.pk else reverse("workforce:home"),
        **_course_context(user, learner),
    })


# --- Champions -----------------------------------------------------------------------------------------


@login_required
@require_GET
def champions(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    groups: dict[str, list[Any]] = {}
    for champion in access.champions(user):
        groups.setdefault(champion.agency.name, []).append(champion)
    return render(request, "workforce/champions.jinja", {
        "title": "Keeping Babies Safe champions", "groups": groups, "my_champion": access.my_champion(user),
        "can_manage": access.can_manage(user), "back_link": reverse("workforce:home"),
    })


def _manage_context(user: User, form: forms.MakeChampionForm) -> dict[str, Any]:
    return {
        "title": "Manage champions", "form": form, "champions": list(access.champions(user)),
        "back_link": reverse("workforce:champions"),
    }


@login_required
@require_http_methods(["GET", "POST"])
def manage_champions(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    access.require_manager(user)
    form = forms.MakeChampionForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                champion = actions.make_champion(
                    by=user, user=data["email"], team=data["team"], areas_covered=data["areas_covered"],
                    since=data["since"], contact_phone=data["contact_phone"],
                )
            except actions.Refused as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, f"{champion.user} is now a Keeping Babies Safe champion")
                return redirect("workforce:manage_champions")
        return render(request, "workforce/manage_champions.jinja", _manage_context(user, form), status=400)
    return render(request, "workforce/manage_champions.jinja", _manage_context(user, form))


@login_required
@require_POST
def remove_champion(request: HttpRequest, champion_id: int) -> HttpResponse:
    user = _user(request)
    champion = access.champion_for(user, champion_id, manage=True)
    try:
        actions.unmake_champion(by=user, champion=champion)
    except actions.Refused as error:
        messages.info(request, str(error))
    else:
        messages.success(request, f"{champion.user} is no longer a champion")
    return redirect("workforce:manage_champions")


@login_required
@require_GET
def my_briefings(request: HttpRequest) -> HttpResponse:
    user = _staff(request)
    champion = access.champion_of(user)
    if champion is None:
        raise Http404(NOT_FOUND)
    return redirect("workforce:briefings", champion_id=champion.pk)


@login_required
@require_http_methods(["GET", "POST"])
def briefings(request: HttpRequest, champion_id: int) -> HttpResponse:
    user = _user(request)
    champion = access.champion_for(user, champion_id)
    own = champion.user_id == user.pk
    form = forms.BriefingForm(request.POST or None) if own and champion.active else None
    status = 200
    if request.method == "POST":
        if form is None:
            raise Http404(NOT_FOUND)
        if form.is_valid():
            try:
                actions.record_briefing(by=user, champion=champion, **form.cleaned_data)
            except actions.Refused as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, "Briefing recorded")
                return redirect("workforce:briefings", champion_id=champion.pk)
        status = 400
    return render(request, "workforce/briefings.jinja", {
        "title": "Cascade log" if own else f"Cascade log of {champion.user}",
        "champion": champion, "briefings": list(access.briefings_of(champion)), "form": form, "own": own,
        "back_link": reverse("workforce:manage_champions") if not own else reverse("workforce:home"),
    }, status=status)


# --- Confidence ----------------------------------------------------------------------------------------


@login_required
@require_GET
def confidence(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    ratings = {(r.course_code, r.when): r for r in access.own_ratings(user)}
    courses = [
        {
            "code": code.value, "name": code.label,
            "before": ratings.get((code.value, RatingWhen.BEFORE)),
            "after": ratings.get((code.value, RatingWhen.AFTER)),
            "lines": presenters.confidence_lines(
                ratings.get((code.value, RatingWhen.BEFORE)), ratings.get((code.value, RatingWhen.AFTER))
            ),
        }
        for code in CourseCode
    ]
    return render(request, "workforce/confidence.jinja", {
        "title": "Your confidence", "courses": courses, "back_link": reverse("workforce:home"),
    })


@login_required
@require_http_methods(["GET", "POST"])
def rate(request: HttpRequest, course: str, when: str) -> HttpResponse:
    user = _staff(request)
    if course not in CourseCode.values or when not in RatingWhen.values:
        raise Http404(NOT_FOUND)
    form = forms.ConfidenceForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                actions.rate_confidence(by=user, course_code=course, when=when, scores=form.scores())
            except actions.Refused as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, "Thank you. Your confidence rating is saved")
                return redirect("workforce:confidence")
    return render(request, "workforce/rate.jinja", {
        "title": f"Rate your confidence {when} training",
        "form": form, "course_name": CourseCode(course).label, "when": when,
        "back_link": reverse("workforce:confidence"),
    }, status=400 if form.errors else 200)
