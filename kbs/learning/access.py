"""Who may see the learning from reviews: any signed-in member of staff (anyone holding a role).

Reviews hold no personal data: they are published summaries in our own words. A change that links
a library document shows that document only to people the library lets see it. "Not found" and
"not allowed" raise the same 404.
"""

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from kbs.learning import references
from kbs.learning.models import Change, ChangeKind, Recommendation, Review
from kbs.library import access as library_access
from kbs.library.models import Document
from kbs.tools.spec import Rule, ToolSpec

NOT_FOUND = "Page not found"


def require_staff(user: Any) -> None:
    if not library_access.is_staff(user):
        raise Http404(NOT_FOUND)


def reviews(user: Any) -> QuerySet[Review]:
    require_staff(user)
    return Review.objects.prefetch_related("themes", "recommendations")


def review_for(user: Any, review_id: int) -> Review:
    require_staff(user)
    review = Review.objects.prefetch_related("themes").filter(pk=review_id).first()
    if review is None:
        raise Http404(NOT_FOUND)
    return review


def _with_changes(recommendations: QuerySet[Recommendation]) -> QuerySet[Recommendation]:
    return recommendations.select_related("review").prefetch_related(
        "themes", Prefetch("changes", queryset=Change.objects.select_related("document").order_by("changed_on", "pk"))
    )


def recommendations_of(review: Review) -> QuerySet[Recommendation]:
    """The review's recommendations with their themes and changes. Callers went through review_for."""
    return _with_changes(review.recommendations.order_by("number"))


def rule_for(user: Any, slug: str, rule_id: str) -> tuple[ToolSpec, list[Rule]]:
    """A tool rule (every variant of it) for its "why" page; 404 if there is no such rule."""
    require_staff(user)
    try:
        return references.rule(slug, rule_id)
    except references.InvalidReference:
        raise Http404(NOT_FOUND) from None


def learning_behind_rule(spec: ToolSpec, rule_id: str) -> QuerySet[Recommendation]:
    """The recommendations that changed this rule, with all their changes. Callers went through rule_for."""
    ids = Change.objects.filter(kind=ChangeKind.TOOL_RULE, reference=f"{spec.slug}:{rule_id}").values("recommendation")
    return _with_changes(
        Recommendation.objects.filter(pk__in=ids).order_by("review__published_on", "review__title", "number")
    )


def learning_behind_document(document: Document) -> QuerySet[Change]:
    """The changes (with recommendation and review) that linked this document. Callers went through
    the library's document_for."""
    return (
        Change.objects.filter(document=document)
        .select_related("recommendation__review")
        .order_by("changed_on", "pk")
    )


def may_see_document(user: Any, document: Document) -> bool:
    return library_access.can_see(user, document)
