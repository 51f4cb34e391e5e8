"""Who may read a family, baby or person; what "find a baby" reveals; who may read the audit trail.

A refusal must look exactly like a record that does not exist, and must leave no VIEW row; every
successful read leaves one.
"""

from collections.abc import Callable
from datetime import timedelta
from typing import Any
from uuid import uuid4

import pytest
from django.http import Http404
from django.utils import timezone

from kbs.accounts.models import Agency, Role, User
from kbs.accounts.permissions import Permission
from kbs.audit.access import audit_events_for
from kbs.audit.actions import record_event
from kbs.audit.models import Action, AuditEvent
from kbs.conftest import TEST_NHS_NUMBERS, baby_details
from kbs.families import access, actions
from kbs.families.models import BreakGlass, Family

LOADERS = ["family_for", "baby_for", "person_for"]
REFUSED = ["police", "outsider", "analyst", "admin"]


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    # Django's PBKDF2 costs about 0.2 s a user and the cast has seven; these tests are not about hashing.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _public_id(family: Family, loader: str) -> Any:
    if loader == "family_for":
        return family.public_id
    if loader == "baby_for":
        return family.babies.get().public_id
    return family.people.get().public_id


def _load(loader: str, user: User, public_id: Any, **kwargs: Any) -> Any:
    return getattr(access, loader)(user, public_id, **kwargs)


def _views() -> int:
    return AuditEvent.objects.filter(action=Action.VIEW).count()


def _refusal_message(call: Callable[[], Any]) -> str:
    with pytest.raises(Http404) as caught:
        call()
    return str(caught.value)


@pytest.fixture
def maternity_lead(make_user: Callable[..., User], agencies: dict[str, Agency]) -> User:
    return make_user("lead-mo", "safeguarding-lead", agencies["maternity"])


# --- who sees a family -----------------------------------------------------------------------


@pytest.mark.parametrize("loader", LOADERS)
@pytest.mark.parametrize("persona", ["health_visitor", "lead", "midwife"])
def test_loader_returns_record_to_involved_agency_and_audits(
    family: Family, cast: dict[str, User], loader: str, persona: str,
) -> None:
    user = cast[persona]
    public_id = _public_id(family, loader)
    views = _views()
    record = _load(loader, user, public_id)
    assert record.public_id == public_id
    assert _views() == views + 1
    event = AuditEvent.objects.order_by("-id").first()
    assert (event.action, event.actor, event.family) == (Action.VIEW, user, family)
    assert event.object_id == str(public_id)


@pytest.mark.parametrize("loader", LOADERS)
@pytest.mark.parametrize("persona", REFUSED)
def test_loader_refused_for_uninvolved_and_roles_without_family_access(
    family: Family, cast: dict[str, User], loader: str, persona: str,
) -> None:
    views = _views()
    message = _refusal_message(lambda: _load(loader, cast[persona], _public_id(family, loader)))
    assert message == access.NOT_FOUND
    assert _views() == views


@pytest.mark.parametrize("loader", LOADERS)
def test_loader_refusal_same_as_missing_and_malformed_ids(family: Family, cast: dict[str, User], loader: str) -> None:
    views = _views()
    forbidden = _refusal_message(lambda: _load(loader, cast["police"], _public_id(family, loader)))
    missing = _refusal_message(lambda: _load(loader, cast["health_visitor"], uuid4()))
    malformed = _refusal_message(lambda: _load(loader, cast["health_visitor"], "not-a-uuid"))
    assert forbidden == missing == malformed == "Page not found"
    assert _views() == views


@pytest.mark.parametrize("loader", LOADERS)
def test_loader_refused_without_needed_permission(
    family: Family, make_user: Callable[..., User], agencies: dict[str, Agency], loader: str,
) -> None:
    Role.objects.create(slug="read-only", name="Read only", description="Test role", permissions=["view_family"])
    reader = make_user("ro-rita", "read-only", agencies["hv"])
    public_id = _public_id(family, loader)
    assert _load(loader, reader, public_id).public_id == public_id
    with pytest.raises(Http404):
        _load(loader, reader, public_id, need=Permission.EDIT_FAMILY)


@pytest.mark.parametrize("loader", LOADERS)
def test_loader_unaudited_when_asked(family: Family, cast: dict[str, User], loader: str) -> None:
    views = _views()
    _load(loader, cast["health_visitor"], _public_id(family, loader), audit=False)
    assert _views() == views


def test_family_for_refused_for_inactive_user(family: Family, cast: dict[str, User]) -> None:
    hv = cast["health_visitor"]
    hv.is_active = False
    with pytest.raises(Http404):
        access.family_for(hv, family.public_id)


def test_family_for_refused_after_agencys_involvement_ends(
    family: Family, cast: dict[str, User], maternity_lead: User,
) -> None:
    midwife = cast["midwife"]
    actions.end_involvement(by=midwife, involvement=family.involvements.get(agency=midwife.agency))
    with pytest.raises(Http404):
        access.family_for(midwife, family.public_id)
    with pytest.raises(Http404):
        access.baby_for(midwife, family.babies.get().public_id)
    # The agency's safeguarding lead still sees families the agency was involved with.
    assert access.family_for(maternity_lead, family.public_id) == family
    assert access.may_see_family(maternity_lead, family)
    assert not access.may_see_family(midwife, family)


def test_safeguarding_lead_refused_where_agency_never_involved(family: Family, make_user: Callable[..., User],
                                                                 agencies: dict[str, Agency]) -> None:
    police_lead = make_user("lead-paula", "safeguarding-lead", agencies["police"])
    with pytest.raises(Http404):
        access.family_for(police_lead, family.public_id)


def test_family_for_refused_for_practitioner_without_agency(family: Family, make_user: Callable[..., User]) -> None:
    floating = make_user("float-fay", "health-visitor", None)
    with pytest.raises(Http404):
        access.family_for(floating, family.public_id)


def test_visible_families_lists_only_the_users_families(
    family: Family, make_family: Callable[..., Family], cast: dict[str, User],
) -> None:
    other = make_family(by=cast["midwife"], baby=baby_details(nhs_number=TEST_NHS_NUMBERS[1]))
    assert set(access.visible_families(cast["health_visitor"])) == {family}
    assert set(access.visible_families(cast["midwife"])) == {family, other}
    assert set(access.visible_families(cast["police"])) == set()
    assert set(access.visible_families(cast["admin"])) == set()


# --- break glass -----------------------------------------------------------------------------


def test_break_glass_grants_access_until_it_expires(family: Family, cast: dict[str, User]) -> None:
    police = cast["police"]
    with pytest.raises(Http404):
        access.family_for(police, family.public_id)

    grant = actions.take_break_glass(by=police, family=family, reason="Baby found alone at the address")
    assert access.family_for(police, family.public_id) == family
    assert access.baby_for(police, family.babies.get().public_id).family == family
    assert access.active_break_glass(police, family) == grant

    # BreakGlass rows may change (only the audit trail is append-only): move the grant into the past.
    past = timezone.now() - timedelta(hours=4)
    BreakGlass.objects.filter(pk=grant.pk).update(started_at=past, expires_at=past + timedelta(hours=3))
    views = _views()
    with pytest.raises(Http404):
        access.family_for(police, family.public_id)
    assert access.active_break_glass(police, family) is None
    assert _views() == views


def test_break_glass_grant_is_personal(family: Family, cast: dict[str, User], make_user: Callable[..., User]) -> None:
    actions.take_break_glass(by=cast["police"], family=family, reason="Baby found alone at the address")
    colleague = make_user("pc-pat", "practitioner", cast["police"].agency)
    with pytest.raises(Http404):
        access.family_for(colleague, family.public_id)


def test_family_for_break_glass_finds_any_family_unaudited(family: Family, cast: dict[str, User]) -> None:
    views = AuditEvent.objects.count()
    assert access.family_for_break_glass(cast["police"], family.public_id) == family
    assert AuditEvent.objects.count() == views


@pytest.mark.parametrize("persona", ["analyst", "admin", "outsider"])
def test_family_for_break_glass_refused_without_permission(family: Family, cast: dict[str, User], persona: str) -> None:
    assert _refusal_message(lambda: access.family_for_break_glass(cast[persona], family.public_id)) == "Page not found"


@pytest.mark.parametrize("public_id", ["not-a-uuid", "6f1c2a4e-8d3b-4e57-9a0c-2b7d5e9f1a36"])
def test_family_for_break_glass_refused_for_bad_or_missing_id(cast: dict[str, User], public_id: str) -> None:
    assert _refusal_message(lambda: access.family_for_break_glass(cast["police"], public_id)) == "Page not found"


# --- find a baby -----------------------------------------------------------------------------


def test_find_babies_reveals_existence_and_agencies_only_for_invisible_family(family: Family, cast: dict[str, User]) -> None:
    [match] = access.find_babies(cast["police"], nhs_number=TEST_NHS_NUMBERS[0])
    assert match.visible is False
    assert match.baby is None
    assert match.born is True
    assert match.family_id == family.public_id
    assert match.agencies == ["Test Health Visiting", "Test Maternity"]

    event = AuditEvent.objects.order_by("-id").first()
    assert (event.action, event.actor, event.family) == (Action.SEARCH, cast["police"], None)
    assert event.detail == {"terms": {"nhs_number": TEST_NHS_NUMBERS[0]}, "found": [str(family.public_id)]}
    assert event.summary == "Searched for a baby (1 found)"


def test_find_babies_gives_baby_to_involved_user(family: Family, cast: dict[str, User]) -> None:
    [match] = access.find_babies(cast["health_visitor"], nhs_number=TEST_NHS_NUMBERS[0])
    assert match.visible is True
    assert match.baby == family.babies.get()


def test_find_babies_by_name_date_of_birth_and_postcode(family: Family, cast: dict[str, User]) -> None:
    baby = family.babies.get()
    [match] = access.find_babies(cast["police"], family_name=" hart ", date_of_birth=baby.date_of_birth, postcode="DE1 2AB")
    assert (match.baby_id, match.baby) == (baby.public_id, None)
    assert access.find_babies(cast["police"], family_name="Hart", date_of_birth=baby.date_of_birth, postcode="DE1 9ZZ") == []
    event = AuditEvent.objects.order_by("-id").first()
    assert event.detail["terms"]["postcode"] == "DE1 9ZZ"
    assert event.detail["found"] == []


def test_find_babies_lists_only_active_involvements(family: Family, cast: dict[str, User]) -> None:
    midwife = cast["midwife"]
    actions.end_involvement(by=midwife, involvement=family.involvements.get(agency=midwife.agency))
    [match] = access.find_babies(cast["police"], nhs_number=TEST_NHS_NUMBERS[0])
    assert match.agencies == ["Test Health Visiting"]


@pytest.mark.parametrize("persona", ["analyst", "admin", "outsider"])
def test_find_babies_refused_without_permission(family: Family, cast: dict[str, User], persona: str) -> None:
    events = AuditEvent.objects.count()
    with pytest.raises(Http404):
        access.find_babies(cast[persona], nhs_number=TEST_NHS_NUMBERS[0])
    assert AuditEvent.objects.count() == events


def test_possible_duplicates_splits_exact_and_close_and_audits(family: Family, cast: dict[str, User]) -> None:
    baby = family.babies.get()
    exact, close = access.possible_duplicates(
        cast["police"], nhs_number=TEST_NHS_NUMBERS[0], family_name="Hart", date_of_birth=baby.date_of_birth,
        postcode="DE1 2AB",
    )
    assert [m.baby_id for m in exact] == [baby.public_id]
    assert close == []  # the same baby is not listed twice
    exact, close = access.possible_duplicates(
        cast["police"], nhs_number=TEST_NHS_NUMBERS[1], family_name="Hart", date_of_birth=baby.date_of_birth,
        postcode="DE1 2AB",
    )
    assert exact == []
    assert [m.baby_id for m in close] == [baby.public_id]
    assert AuditEvent.objects.filter(action=Action.SEARCH, summary="Checked a new registration for duplicates").count() == 2


def test_possible_duplicates_unaudited_when_nothing_found(family: Family, cast: dict[str, User]) -> None:
    events = AuditEvent.objects.count()
    assert access.possible_duplicates(
        cast["health_visitor"], nhs_number=TEST_NHS_NUMBERS[4], family_name="Nobody", date_of_birth=None, postcode="",
    ) == ([], [])
    assert AuditEvent.objects.count() == events


# --- the audit trail -------------------------------------------------------------------------


def test_audit_events_for_admin_is_everything(family: Family, cast: dict[str, User]) -> None:
    record_event(by=cast["police"], action=Action.SIGN_IN, summary="Signed in")
    assert audit_events_for(cast["admin"]).count() == AuditEvent.objects.count() > 0


def test_audit_events_for_lead_own_agency_and_own_families(
    family: Family, make_family: Callable[..., Family], cast: dict[str, User],
) -> None:
    hv, police, midwife = cast["health_visitor"], cast["police"], cast["midwife"]
    elsewhere = make_family(by=midwife, baby=baby_details(nhs_number=TEST_NHS_NUMBERS[1]))
    staff_sign_in = record_event(by=hv, action=Action.SIGN_IN, summary="Signed in")
    staff_search = record_event(by=hv, action=Action.SEARCH, summary="Searched")
    actions.take_break_glass(by=police, family=family, reason="Baby found alone at the address")
    police_on_ours = AuditEvent.objects.get(action=Action.BREAK_GLASS, family=family)
    actions.take_break_glass(by=police, family=elsewhere, reason="Baby found alone at another address")
    police_elsewhere = AuditEvent.objects.get(action=Action.BREAK_GLASS, family=elsewhere)
    midwife_sign_in = record_event(by=midwife, action=Action.SIGN_IN, summary="Signed in")

    seen = set(audit_events_for(cast["lead"]))
    assert {staff_sign_in, staff_search, police_on_ours} <= seen
    # The midwife's involvement with our family is on our family, so the lead sees it too.
    assert AuditEvent.objects.get(action=Action.INVOLVEMENT, family=family) in seen
    assert police_elsewhere not in seen
    assert midwife_sign_in not in seen
    assert not AuditEvent.objects.filter(family=elsewhere).filter(pk__in=[e.pk for e in seen]).exists()


def test_audit_events_for_lead_keeps_families_after_involvement_ends(
    family: Family, cast: dict[str, User], maternity_lead: User,
) -> None:
    midwife = cast["midwife"]
    actions.end_involvement(by=midwife, involvement=family.involvements.get(agency=midwife.agency))
    actions.take_break_glass(by=cast["police"], family=family, reason="Baby found alone at the address")
    assert audit_events_for(maternity_lead).filter(action=Action.BREAK_GLASS, family=family).exists()


@pytest.mark.parametrize("persona", ["health_visitor", "midwife", "police", "analyst", "outsider"])
def test_audit_events_for_refused_for_everyone_else(family: Family, cast: dict[str, User], persona: str) -> None:
    assert _refusal_message(lambda: audit_events_for(cast[persona])) == "Page not found"


def test_audit_events_for_refused_for_lead_without_agency(make_user: Callable[..., User]) -> None:
    with pytest.raises(Http404):
        audit_events_for(make_user("lead-nell", "safeguarding-lead", None))
