"""Recording reviews, recommendations and changes: checked references, audit rows, who may."""

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.utils import timezone

from kbs.accounts.models import Agency, User
from kbs.audit.models import Action, AuditEvent
from kbs.learning import actions
from kbs.learning.models import Change, ChangeKind, Recommendation, Review, Scope
from kbs.library import actions as library_actions
from kbs.library.demo import pdf_file
from kbs.library.models import Audience, Document, Kind


@pytest.fixture
def document(cast: dict[str, User]) -> Document:
    today = timezone.localdate()
    return library_actions.add_document(
        by=cast["admin"], title="Safer sleep guidance", kind=Kind.GUIDANCE, summary="Safer sleep.", owner=cast["admin"],
        agency=cast["admin"].agency, audience=Audience.PRACTITIONERS, topics=[], published_on=today,
        review_by=today + timedelta(days=365), file=pdf_file("g.pdf", "Safer sleep", ["Text."]),
    )


def test_add_review_and_recommendations_are_audited(cast: dict[str, User], review: Review) -> None:
    first = actions.add_recommendation(by=cast["admin"], review=review, text="One.", themes=["Men in the baby's life"])
    second = actions.add_recommendation(by=cast["admin"], review=review, text="Two.")
    assert (first.number, second.number) == (1, 2)
    assert sorted(t.name for t in review.themes.all()) == ["Men in the baby's life", "Safer sleep"]
    assert AuditEvent.objects.filter(action=Action.CREATE, object_type="review").count() == 1
    assert AuditEvent.objects.filter(action=Action.CREATE, object_type="recommendation").count() == 2


def test_add_review_refuses_a_duplicate_title(cast: dict[str, User], review: Review) -> None:
    with pytest.raises(actions.Refused, match="already a review"):
        actions.add_review(by=cast["admin"], title="Out of routine", scope=Scope.NATIONAL, summary="Again.")


@pytest.mark.parametrize("persona", ["health_visitor", "lead", "analyst", "outsider"])
def test_recording_learning_is_refused_to_people_who_do_not_manage_the_library(
    cast: dict[str, User], recommendation: Recommendation, persona: str,
) -> None:
    with pytest.raises(actions.Refused):
        actions.add_review(by=cast[persona], title="Another", scope=Scope.LOCAL, summary="s")
    with pytest.raises(actions.Refused):
        actions.record_change(by=cast[persona], recommendation=recommendation, kind=ChangeKind.MESSAGE,
                              reference="safe_sleep", changed_on=timezone.localdate())


def test_training_lead_may_record_learning(agencies: dict[str, Agency], make_user: Callable[..., User]) -> None:
    lead = make_user("tl-tara", "training-lead", agencies["partnership"])
    assert actions.add_review(by=lead, title="Theo", scope=Scope.LOCAL, summary="A local review.").recorded_by == lead


def test_record_change_to_a_tool_rule(cast: dict[str, User], recommendation: Recommendation) -> None:
    change = actions.record_change(by=cast["admin"], recommendation=recommendation, kind=ChangeKind.TOOL_RULE,
                                   reference=" safer-sleep:SS-OUT-OF-ROUTINE ", changed_on=timezone.localdate(),
                                   note="Asks about changes of routine.")
    assert change.reference == "safer-sleep:SS-OUT-OF-ROUTINE"
    event = AuditEvent.objects.get(object_type="change")
    assert event.detail["reference"] == "safer-sleep:SS-OUT-OF-ROUTINE"


@pytest.mark.parametrize(("kind", "reference", "message"), [
    (ChangeKind.TOOL_RULE, "safer-sleep:SS-NOPE", "has no rule"),
    (ChangeKind.TRAINING_MODULE, "nope", "no Level 2 training module"),
    (ChangeKind.MESSAGE, "nope", "must be one of"),
    (ChangeKind.DOCUMENT, "", "Choose the document"),
])
def test_record_change_refuses_a_reference_to_nothing(cast: dict[str, User], recommendation: Recommendation,
                                                     kind: str, reference: str, message: str) -> None:
    with pytest.raises(actions.Refused, match=message):
        actions.record_change(by=cast["admin"], recommendation=recommendation, kind=kind, reference=reference,
                              changed_on=timezone.localdate())
    assert not Change.objects.exists()


def test_record_change_refuses_a_document_on_another_kind_and_a_future_date(
    cast: dict[str, User], recommendation: Recommendation, document: Document,
) -> None:
    with pytest.raises(actions.Refused, match="Only a change to a document"):
        actions.record_change(by=cast["admin"], recommendation=recommendation, kind=ChangeKind.MESSAGE,
                              reference="safe_sleep", document=document, changed_on=timezone.localdate())
    with pytest.raises(actions.Refused, match="future"):
        actions.record_change(by=cast["admin"], recommendation=recommendation, kind=ChangeKind.MESSAGE,
                              reference="safe_sleep", changed_on=timezone.localdate() + timedelta(days=1))


def test_record_change_to_a_document_updates_its_search_text(
    cast: dict[str, User], recommendation: Recommendation, document: Document,
) -> None:
    actions.record_change(by=cast["admin"], recommendation=recommendation, kind=ChangeKind.DOCUMENT, document=document,
                          changed_on=timezone.localdate(), note="Adds planning for breaks in routine.")
    document.refresh_from_db()
    assert "Out of routine" in document.search_text
    assert "Plan for disrupted routines." in document.search_text
    assert "Disrupted routines" in document.search_text
