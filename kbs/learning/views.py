"""The learning pages: reviews, one review with what changed, and a tool rule's "why" page.

Each view reads through `kbs.learning.access`; nothing here writes.
"""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from kbs.learning import access, presenters
from kbs.learning.models import Recommendation


def _recommendation_rows(recommendations: Any, user: Any) -> list[dict[str, Any]]:
    rows = []
    recommendation: Recommendation
    for recommendation in recommendations:
        rows.append({
            "recommendation": recommendation,
            "review": recommendation.review,
            "review_month": presenters.review_month(recommendation.review.published_on),
            "themes": [theme.name for theme in recommendation.themes.all()],
            "changes": [presenters.change_line(change, user) for change in recommendation.changes.all()],
        })
    return rows


@login_required
@require_GET
def reviews(request: HttpRequest) -> HttpResponse:
    rows = [
        {"review": review, "month": presenters.review_month(review.published_on), "scope": presenters.scope_tag(review),
         "themes": [theme.name for theme in review.themes.all()], "recommendations": len(review.recommendations.all())}
        for review in access.reviews(request.user)
    ]
    return render(request, "learning/reviews.jinja", {
        "title": "Learning from reviews", "rows": rows, "back_link": reverse("library:home"),
    })


@login_required
@require_GET
def review(request: HttpRequest, review_id: int) -> HttpResponse:
    found = access.review_for(request.user, review_id)
    return render(request, "learning/review.jinja", {
        "title": found.title, "review": found, "month": presenters.review_month(found.published_on),
        "scope": presenters.scope_tag(found), "themes": [theme.name for theme in found.themes.all()],
        "rows": _recommendation_rows(access.recommendations_of(found), request.user),
        "back_link": reverse("learning:reviews"),
    })


@login_required
@require_GET
def rule(request: HttpRequest, slug: str, rule_id: str) -> HttpResponse:
    spec, entries = access.rule_for(request.user, slug, rule_id)
    return render(request, "learning/rule.jinja", {
        "title": f"Why rule {rule_id}: {entries[0].title}", "spec": spec, "rule_id": rule_id,
        "entries": [{"rule": entry, "variant": presenters.variant_label(spec, entry)} for entry in entries],
        "rows": _recommendation_rows(access.learning_behind_rule(spec, rule_id), request.user),
    })
