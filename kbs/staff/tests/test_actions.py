"""The staff actions: each change is made in one transaction with its audit event, and each
refusal changes nothing."""

from collections.abc import Callable
from typing import Any

import pytest

from kbs.accounts.models import Role, User
from kbs.audit.models import Action, AuditEvent
from kbs.staff import actions
from kbs.staff.models import SessionCutoff

pytestmark = pytest.mark.django_db


def _slugs(user: User) -> set[str]:
    return set(User.objects.get(pk=user.pk).roles.values_list("slug", flat=True))


def _role_events() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=Action.ROLE).order_by("id"))


def test_grant_role_adds_it_and_records_who_why_before_and_after(cast: dict[str, User]) -> None:
    police = cast["police"]
    role = actions.grant_role(by=cast["admin"], person=police, role_slug="safeguarding-lead", reason="  New job  ")
    assert role.slug == "safeguarding-lead"
    assert _slugs(police) == {"practitioner", "safeguarding-lead"}
    [event] = _role_events()
    assert event.actor == cast["admin"]
    assert (event.object_type, event.object_id) == ("user", str(police.pk))
    assert event.summary == "Gave Pc Tester the role Safeguarding lead"
    assert event.detail == {"role": "safeguarding-lead", "change": "granted", "before": ["practitioner"],
                            "after": ["practitioner", "safeguarding-lead"], "reason": "New job"}
    assert not SessionCutoff.objects.exists()  # gaining a role ends no session


def test_remove_role_takes_it_away_ends_sessions_and_records_it(cast: dict[str, User]) -> None:
    hv = cast["health_visitor"]
    actions.remove_role(by=cast["admin"], person=hv, role_slug="health-visitor", reason="Left the trust")
    assert _slugs(hv) == set()
    [event] = _role_events()
    assert event.detail["role"] == "health-visitor"
    assert event.detail["change"] == "removed"
    assert (event.detail["before"], event.detail["after"]) == (["health-visitor"], [])
    assert event.detail["reason"] == "Left the trust"
    cutoff = SessionCutoff.objects.get(user=hv)
    assert event.detail["sessions_ended_at"] == cutoff.valid_from.isoformat()


@pytest.mark.parametrize(("slug", "reason", "field", "message"), [
    ("no-such-role", "A reason", "role", "Choose a role from the list"),
    ("health-visitor", "A reason", "role", "Hv Tester already has the role Health visitor"),
    ("midwife", "   ", "reason", "Enter the reason for the change"),
    ("midwife", "x" * 501, "reason", "The reason must be 500 characters or fewer"),
])
def test_grant_role_refusals_change_nothing(cast: dict[str, User], slug: str, reason: str, field: str, message: str) -> None:
    with pytest.raises(actions.Refused, match=message) as refused:
        actions.grant_role(by=cast["admin"], person=cast["health_visitor"], role_slug=slug, reason=reason)
    assert refused.value.field == field
    assert _slugs(cast["health_visitor"]) == {"health-visitor"}
    assert _role_events() == []


def test_a_role_about_families_needs_an_agency(make_user: Callable[..., User], cast: dict[str, User]) -> None:
    nobody = make_user("free-floater", None, None)
    with pytest.raises(actions.Refused, match="Health visitor is about families, so it needs an agency") as refused:
        actions.grant_role(by=cast["admin"], person=nobody, role_slug="health-visitor", reason="New job")
    assert refused.value.field == "role"
    # A role with nothing about families is fine without an agency.
    actions.grant_role(by=cast["admin"], person=nobody, role_slug="analyst", reason="New job")
    assert _slugs(nobody) == {"analyst"}


@pytest.mark.parametrize(("slug", "message"), [
    ("no-such-role", "Choose a role from the list"),
    ("midwife", "Hv Tester does not have the role Midwife"),
])
def test_remove_role_refusals_change_nothing(cast: dict[str, User], slug: str, message: str) -> None:
    with pytest.raises(actions.Refused, match=message):
        actions.remove_role(by=cast["admin"], person=cast["health_visitor"], role_slug=slug, reason="A reason")
    with pytest.raises(actions.Refused, match="Enter the reason"):
        actions.remove_role(by=cast["admin"], person=cast["health_visitor"], role_slug="health-visitor", reason="")
    assert _slugs(cast["health_visitor"]) == {"health-visitor"}
    assert _role_events() == []
    assert not SessionCutoff.objects.exists()


@pytest.mark.parametrize("persona", ["health_visitor", "lead", "midwife", "police", "analyst", "dpo", "outsider"])
def test_only_administrators_may_change_roles(cast: dict[str, User], make_user: Callable[..., User], persona: str) -> None:
    by, person = cast[persona], make_user("target-tina", "midwife", cast["midwife"].agency)
    for change in (
        lambda: actions.grant_role(by=by, person=person, role_slug="gp", reason="Because"),
        lambda: actions.remove_role(by=by, person=person, role_slug="midwife", reason="Because"),
        lambda: actions.deactivate_account(by=by, person=person, reason="Because"),
        lambda: actions.reactivate_account(by=by, person=person, reason="Because"),
        lambda: actions.sign_out_everywhere(by=by, person=person),
    ):
        with pytest.raises(actions.Refused, match="Only administrators"):
            change()
    assert _slugs(person) == {"midwife"}
    assert User.objects.get(pk=person.pk).is_active
    assert not AuditEvent.objects.filter(action__in=[Action.ROLE, Action.SIGN_OUT]).exists()
    assert not SessionCutoff.objects.exists()


def test_an_administrator_cannot_remove_their_own_administrator_role(cast: dict[str, User], make_user: Callable[..., User]) -> None:
    make_user("second-admin", "administrator", cast["admin"].agency)  # not the last one, still refused
    with pytest.raises(actions.Refused, match="You cannot remove your own administrator role"):
        actions.remove_role(by=cast["admin"], person=cast["admin"], role_slug="administrator", reason="Testing")
    assert "administrator" in _slugs(cast["admin"])


def test_an_administrator_may_remove_their_other_roles(cast: dict[str, User], make_user: Callable[..., User]) -> None:
    admin = cast["admin"]
    other = make_user("second-admin", "administrator", admin.agency)
    actions.grant_role(by=other, person=admin, role_slug="training-lead", reason="Covering")
    actions.remove_role(by=admin, person=admin, role_slug="training-lead", reason="Cover over")
    assert _slugs(admin) == {"administrator"}


@pytest.mark.parametrize("role", ["data-protection-officer", "health-visitor", "training-lead"])
def test_an_administrator_cannot_give_themselves_a_role(cast: dict[str, User], role: str) -> None:
    """Separation of duties: one administrator alone cannot open family records or subject access."""
    with pytest.raises(actions.Refused, match="You cannot give yourself a role"):
        actions.grant_role(by=cast["admin"], person=cast["admin"], role_slug=role, reason="Testing")
    assert _slugs(cast["admin"]) == {"administrator"}


def test_one_administrator_may_remove_another(cast: dict[str, User], make_user: Callable[..., User]) -> None:
    other = make_user("second-admin", "administrator", cast["admin"].agency)
    actions.remove_role(by=cast["admin"], person=other, role_slug="administrator", reason="Moved on")
    assert _slugs(other) == set()


def test_two_administrators_removing_each_other_leave_one(cast: dict[str, User], make_user: Callable[..., User]) -> None:
    """Both load their pages at once; the first removal commits; the second, made by someone who
    (it turns out) is no longer an administrator, would leave nobody, so it is refused."""
    first = cast["admin"]
    second = make_user("second-admin", "administrator", first.agency)
    assert second.permissions  # read now, as the second administrator's request would have
    actions.remove_role(by=first, person=second, role_slug="administrator", reason="Moved on")
    with pytest.raises(actions.Refused, match="Ad Tester is the only administrator"):
        actions.remove_role(by=second, person=first, role_slug="administrator", reason="Moved on")
    with pytest.raises(actions.Refused, match="Ad Tester is the only administrator"):
        actions.deactivate_account(by=second, person=first, reason="Moved on")
    assert "administrator" in _slugs(first)
    assert User.objects.get(pk=first.pk).is_active


def test_deactivate_and_reactivate_an_account(cast: dict[str, User]) -> None:
    admin, midwife = cast["admin"], cast["midwife"]
    actions.deactivate_account(by=admin, person=midwife, reason="Left the trust")
    midwife.refresh_from_db()
    assert not midwife.is_active
    assert _slugs(midwife) == {"midwife"}  # kept for if she comes back
    assert SessionCutoff.objects.filter(user=midwife).exists()
    actions.reactivate_account(by=admin, person=midwife, reason="Came back")
    midwife.refresh_from_db()
    assert midwife.is_active
    deactivated, reactivated = _role_events()
    assert deactivated.summary == "Deactivated Mw Tester's account"
    assert deactivated.detail["before"] == {"active": True}
    assert deactivated.detail["after"] == {"active": False}
    assert deactivated.detail["reason"] == "Left the trust"
    assert deactivated.detail["roles"] == ["midwife"]
    assert reactivated.summary == "Reactivated Mw Tester's account"
    assert reactivated.detail["after"] == {"active": True}


def test_account_refusals(cast: dict[str, User]) -> None:
    admin, midwife = cast["admin"], cast["midwife"]
    with pytest.raises(actions.Refused, match="You cannot deactivate your own account"):
        actions.deactivate_account(by=admin, person=admin, reason="Testing")
    with pytest.raises(actions.Refused, match="already active"):
        actions.reactivate_account(by=admin, person=midwife, reason="Testing")
    with pytest.raises(actions.Refused, match="Enter the reason"):
        actions.deactivate_account(by=admin, person=midwife, reason="")
    actions.deactivate_account(by=admin, person=midwife, reason="Left")
    with pytest.raises(actions.Refused, match="already deactivated"):
        actions.deactivate_account(by=admin, person=midwife, reason="Left")
    assert len(_role_events()) == 1


def test_sign_out_everywhere_for_yourself_and_for_someone_else(cast: dict[str, User]) -> None:
    actions.sign_out_everywhere(by=cast["outsider"], person=cast["outsider"])
    actions.sign_out_everywhere(by=cast["admin"], person=cast["midwife"])
    yours, theirs = AuditEvent.objects.filter(action=Action.SIGN_OUT).order_by("id")
    assert yours.summary == "Signed out of every device"
    assert yours.actor == cast["outsider"]
    assert theirs.summary == "Signed Mw Tester out of every device"
    assert (theirs.actor, theirs.object_id) == (cast["admin"], str(cast["midwife"].pk))
    assert theirs.detail["everywhere"] is True
    assert set(SessionCutoff.objects.values_list("user_id", flat=True)) == {cast["outsider"].pk, cast["midwife"].pk}


def test_a_refused_change_inside_the_transaction_saves_nothing(cast: dict[str, User], monkeypatch: Any) -> None:
    """If writing the audit event fails, the role change is rolled back with it."""
    def broken(**_: Any) -> None:
        raise RuntimeError("audit unavailable")

    monkeypatch.setattr(actions, "record_event", broken)
    with pytest.raises(RuntimeError):
        actions.remove_role(by=cast["admin"], person=cast["midwife"], role_slug="midwife", reason="Left")
    assert _slugs(cast["midwife"]) == {"midwife"}
    assert not SessionCutoff.objects.exists()
    assert Role.objects.filter(slug="midwife").exists()
