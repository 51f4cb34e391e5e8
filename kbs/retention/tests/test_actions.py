"""Legal holds, the disposal review and disposal: what changes, what is audited, what is refused,
and that disposal removes every personal row of the family (and nothing else) all at once."""

from collections.abc import Callable
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.db.utils import DatabaseError

from kbs.accounts.models import User
from kbs.audit.models import Action, AuditEvent
from kbs.concerns.models import Concern, Referral
from kbs.contacts.models import Contact
from kbs.families import actions as family_actions
from kbs.families.models import Family
from kbs.insights import rollups
from kbs.retention import actions, records
from kbs.retention.models import DisposalRecord, DisposalReview, LegalHold, reference_for
from kbs.retention.schedule import Rule
from kbs.retention.tests.conftest import age_family, years_ago

# Every model that must hold a family's records today; the graph walk may find more, never fewer.
EXPECTED_PERSONAL = {
    "families.Baby", "families.Person", "families.Involvement", "families.BreakGlass", "families.Birthmark",
    "families.Death", "contacts.Contact", "contacts.MessageDelivery", "contacts.LifeEvent", "contacts.CryingPlan",
    "tools.Assessment", "tools.SafeSleepPlan", "tools.SupportPlan", "concerns.Concern", "concerns.Referral",
    "concerns.Transition", "concerns.Task", "chronology.Entry", "prebirth.PreBirthCase", "prebirth.MilestoneRecord",
    "prebirth.CaseTask", "prebirth.DeliverySafetyPlan",
}


def _rows_of(family: Family) -> dict[str, int]:
    ordered = records.personal_models()
    return {m._meta.label: m._default_manager.filter(records.family_filter(m, family, set(ordered))).count() for m in ordered}


@pytest.fixture
def rich_family(family: Family, cast: dict[str, User], record: Callable[..., Contact],
                raise_concern: Callable[..., Concern], decide: Callable[..., Concern],
                refer: Callable[..., Referral]) -> Family:
    """The shared family with a contact (messages to the mother), a concern decided and referred (so
    transitions and tasks), and emergency access taken by the police: then aged 40 years."""
    mother = family.people.get(given_name="Sophie")
    record(family, given={mother: ("safe_sleep", "safe_space")},
           life_events=[{"kind": "move", "note": "Moved in with grandparents"}])
    refer(decide(raise_concern()))
    family_actions.take_break_glass(by=cast["lead"], family=family, reason="Checking an out-of-hours call")
    return age_family(family, last_contact=years_ago(40), born=years_ago(41))


def test_personal_models_cover_every_family_table() -> None:
    found = {m._meta.label for m in records.personal_models()}
    assert EXPECTED_PERSONAL <= found
    assert not {label for label in found if label.split(".")[0] in records.KEPT_APPS}


def test_place_and_lift_a_hold_are_audited(due_family: Family, dpo: User) -> None:
    hold = actions.place_legal_hold(by=dpo, family=due_family, reason="Civil claim notified", review_on=None)
    assert hold.is_active
    hold = actions.lift_legal_hold(by=dpo, family=due_family, reason="Claim settled")
    assert not hold.is_active
    assert hold.lift_reason == "Claim settled"
    assert hold.lifted_by == dpo
    events = list(AuditEvent.objects.filter(family=due_family, action=Action.LEGAL_HOLD).order_by("id"))
    assert [e.summary for e in events] == [
        f"Placed a legal hold on {reference_for(due_family.public_id)}",
        f"Lifted the legal hold on {reference_for(due_family.public_id)}",
    ]
    assert events[0].detail["reason"] == "Civil claim notified"
    assert events[0].actor == dpo


def test_a_second_hold_and_lifting_nothing_are_refused(due_family: Family, dpo: User) -> None:
    with pytest.raises(actions.NoActiveHold):
        actions.lift_legal_hold(by=dpo, family=due_family, reason="x")
    actions.place_legal_hold(by=dpo, family=due_family, reason="Inquiry")
    with pytest.raises(actions.RetentionRefused, match="already on a legal hold"):
        actions.place_legal_hold(by=dpo, family=due_family, reason="Another")
    assert LegalHold.objects.filter(family=due_family).count() == 1


def test_the_database_allows_one_active_hold(due_family: Family, dpo: User) -> None:
    actions.place_legal_hold(by=dpo, family=due_family, reason="Inquiry")
    with pytest.raises(IntegrityError), transaction.atomic():
        LegalHold.objects.create(family=due_family, reason="Again", placed_by=dpo, placed_at=due_family.created_at)


@pytest.mark.parametrize("persona", ["health_visitor", "lead", "midwife", "police", "analyst", "admin", "outsider"])
def test_only_the_dpo_may_act(cast: dict[str, User], due_family: Family, persona: str) -> None:
    for act in (
        lambda: actions.place_legal_hold(by=cast[persona], family=due_family, reason="x"),
        lambda: actions.review_for_disposal(by=cast[persona], family=due_family, reason="x"),
        lambda: actions.dispose_family(by=cast[persona], family=due_family),
    ):
        with pytest.raises(actions.NotAllowed):
            act()
    assert not LegalHold.objects.exists()
    assert not DisposalReview.objects.exists()


def test_a_family_not_yet_due_is_refused(old_family: Callable[..., Family], dpo: User) -> None:
    family = old_family(born_years=20, seen_years=19)
    with pytest.raises(actions.NotDue, match="cannot be disposed of yet"):
        actions.review_for_disposal(by=dpo, family=family, reason="Looks old")
    with pytest.raises(actions.NotDue):
        actions.dispose_family(by=dpo, family=family)
    assert family.babies.count() == 1


def test_a_family_not_reviewed_is_refused(due_family: Family, dpo: User) -> None:
    with pytest.raises(actions.NotReviewed, match="Review this family"):
        actions.dispose_family(by=dpo, family=due_family)
    assert due_family.babies.count() == 1
    assert not DisposalRecord.objects.exists()


def test_a_hold_blocks_review_and_disposal(due_family: Family, dpo: User) -> None:
    actions.review_for_disposal(by=dpo, family=due_family, reason="Past its date, nothing outstanding")
    actions.place_legal_hold(by=dpo, family=due_family, reason="Subject access request in progress")
    with pytest.raises(actions.OnLegalHold, match="legal hold"):
        actions.dispose_family(by=dpo, family=due_family)
    with pytest.raises(actions.OnLegalHold):
        actions.review_for_disposal(by=dpo, family=due_family, reason="Again")
    assert due_family.babies.count() == 1
    actions.lift_legal_hold(by=dpo, family=due_family, reason="Request answered")
    actions.dispose_family(by=dpo, family=due_family)
    assert due_family.babies.count() == 0


def test_the_database_refuses_a_disposal_stub_under_hold(due_family: Family, dpo: User) -> None:
    review = actions.review_for_disposal(by=dpo, family=due_family, reason="Past its date")
    actions.place_legal_hold(by=dpo, family=due_family, reason="Inquiry")
    with pytest.raises(DatabaseError, match="legal hold"), transaction.atomic():
        DisposalRecord.objects.create(
            family=due_family, reference="x", record_type=Rule.HEALTH, due_on=review.due_on,
            last_contact_on=review.due_on, review=review, approved_by=dpo, disposed_at=review.reviewed_at,
        )


def test_disposal_removes_every_personal_row_and_keeps_the_stub_and_audit(
    rich_family: Family, old_family: Callable[..., Family], dpo: User, django_assert_max_num_queries: Any,
) -> None:
    other = old_family(postcode="DE22 1AA")
    before_other = _rows_of(other)
    rows = _rows_of(rich_family)
    for label in ("families.Baby", "families.Person", "families.Involvement", "families.BreakGlass", "contacts.Contact",
                  "contacts.MessageDelivery", "contacts.LifeEvent", "concerns.Concern", "concerns.Referral",
                  "concerns.Transition", "concerns.Task", "chronology.Entry"):
        assert rows[label] > 0, label
    audit_before = AuditEvent.objects.filter(family=rich_family).count()
    assert audit_before > 0

    review = actions.review_for_disposal(by=dpo, family=rich_family, reason="Past its date; no hold; checked")
    record = actions.dispose_family(by=dpo, family=rich_family)

    assert all(count == 0 for count in _rows_of(rich_family).values()), _rows_of(rich_family)
    assert _rows_of(other) == before_other
    rich_family.refresh_from_db()
    assert (rich_family.address_line_1, rich_family.town, rich_family.postcode, rich_family.created_by) == ("", "", "", None)
    assert record.record_type == Rule.CHILD_PROTECTION
    assert record.reference == reference_for(rich_family.public_id)
    assert record.review == review
    assert record.approved_by == dpo
    assert record.last_contact_on == years_ago(40)
    assert record.rows_removed["families.Baby"] == 1
    assert record.rows_removed["contacts.Contact_present"] >= 1
    # The stub holds nothing personal: no names, NHS numbers, addresses.
    stub = str(DisposalRecord.objects.filter(pk=record.pk).values().get())
    for secret in ("Amelia", "Sophie", "Hart", "Test Street", "DE1 2AB", "9990000018"):
        assert secret not in stub
    # The audit trail is all still there, plus the disposal.
    assert AuditEvent.objects.filter(family=rich_family).count() == audit_before + 2
    disposal = AuditEvent.objects.get(family=rich_family, action=Action.DISPOSE)
    assert disposal.detail["rows_removed"] == record.rows_removed
    assert disposal.object_id == str(rich_family.public_id)


def test_disposal_keeps_the_dashboard_rollups_consistent(due_family: Family, dpo: User,
                                                         django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        actions.review_for_disposal(by=dpo, family=due_family, reason="Past its date")
        actions.dispose_family(by=dpo, family=due_family)
    incremental = rollups.cell_totals()
    rollups.rebuild()
    assert rollups.cell_totals() == incremental


def test_disposal_is_all_or_nothing(rich_family: Family, dpo: User, monkeypatch: pytest.MonkeyPatch) -> None:
    actions.review_for_disposal(by=dpo, family=rich_family, reason="Past its date")
    before = _rows_of(rich_family)
    audit_before = AuditEvent.objects.count()

    def fail(family: Family) -> None:
        raise RuntimeError("the disk filled up")

    # Every personal row has been deleted by the time the family row is anonymised.
    monkeypatch.setattr(actions, "anonymise_family", fail)
    with pytest.raises(RuntimeError, match="disk"):
        actions.dispose_family(by=dpo, family=rich_family)
    assert _rows_of(rich_family) == before
    assert not DisposalRecord.objects.exists()
    assert AuditEvent.objects.count() == audit_before
    rich_family.refresh_from_db()
    assert rich_family.postcode == "DE1 2AB"


def test_a_disposed_family_cannot_be_held_or_disposed_again(due_family: Family, dpo: User) -> None:
    actions.review_for_disposal(by=dpo, family=due_family, reason="Past its date")
    actions.dispose_family(by=dpo, family=due_family)
    with pytest.raises(actions.AlreadyDisposed):
        actions.dispose_family(by=dpo, family=due_family)
    with pytest.raises(actions.AlreadyDisposed):
        actions.place_legal_hold(by=dpo, family=due_family, reason="Too late")
    with pytest.raises(DatabaseError, match="disposed of"), transaction.atomic():
        LegalHold.objects.create(family=due_family, reason="x", placed_by=dpo, placed_at=due_family.created_at)
