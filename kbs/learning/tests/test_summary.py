"""changes_between: learning → practice change for the impact report, with no personal data."""

from datetime import timedelta

from django.utils import timezone

from kbs.accounts.models import User
from kbs.learning import actions
from kbs.learning.models import ChangeKind, Recommendation, Review
from kbs.learning.summary import LearningToPractice, changes_between


def test_changes_between_lists_recommendations_with_the_changes_in_the_period(
    cast: dict[str, User], review: Review, recommendation: Recommendation,
) -> None:
    today = timezone.localdate()
    other = actions.add_recommendation(by=cast["admin"], review=review, text="Use behavioural insights.")
    actions.add_recommendation(by=cast["admin"], review=review, text="No change yet.")
    for days_ago, kind, reference in [(400, ChangeKind.MESSAGE, "safe_sleep"),
                                      (100, ChangeKind.TOOL_RULE, "safer-sleep:SS-OUT-OF-ROUTINE"),
                                      (50, ChangeKind.TRAINING_MODULE, "sleep-crying-and-invisible-men")]:
        actions.record_change(by=cast["admin"], recommendation=recommendation, kind=kind, reference=reference,
                              changed_on=today - timedelta(days=days_ago))
    actions.record_change(by=cast["admin"], recommendation=other, kind=ChangeKind.TOOL_RULE,
                          reference="every-baby-matters:EBM-SUDI", changed_on=today - timedelta(days=10))

    lines = changes_between(today - timedelta(days=365), today)

    assert [line.recommendation for line in lines] == ["Plan for disrupted routines.", "Use behavioural insights."]
    first = lines[0]
    assert isinstance(first, LearningToPractice)
    assert (first.review, first.review_scope, first.recommendation_number) == ("Out of routine", "National review", 1)
    assert first.themes == ("Disrupted routines",)
    assert [(c.kind, c.reference) for c in first.changes] == [
        ("tool_rule", "safer-sleep:SS-OUT-OF-ROUTINE"), ("training_module", "sleep-crying-and-invisible-men")]
    assert first.changes[0].what.startswith("Safer sleep and co-sleeping assessment: rule SS-OUT-OF-ROUTINE")
    assert first.changes[0].kind_label == "Tool rule"


def test_changes_between_includes_both_ends_and_is_empty_when_reversed(cast: dict[str, User], recommendation: Recommendation) -> None:
    day = timezone.localdate() - timedelta(days=30)
    actions.record_change(by=cast["admin"], recommendation=recommendation, kind=ChangeKind.MESSAGE,
                          reference="safe_space", changed_on=day)
    assert len(changes_between(day, day)) == 1
    assert changes_between(day + timedelta(days=1), day - timedelta(days=1)) == []
    assert changes_between(day + timedelta(days=1), day + timedelta(days=10)) == []


def test_changes_between_names_nobody(cast: dict[str, User], recommendation: Recommendation) -> None:
    actions.record_change(by=cast["admin"], recommendation=recommendation, kind=ChangeKind.MESSAGE,
                          reference="safe_sleep", changed_on=timezone.localdate())
    text = repr(changes_between(timezone.localdate(), timezone.localdate()))
    for user in cast.values():
        assert user.last_name not in text
        assert user.username not in text
