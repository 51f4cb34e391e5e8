"""Reading assessments across the permission boundary: visible exactly when the family is."""

from collections.abc import Callable
from typing import Any
from uuid import uuid4

import pytest
from django.http import Http404

from kbs.accounts.models import Agency, User
from kbs.accounts.permissions import Permission
from kbs.audit.models import Action, AuditEvent
from kbs.families.access import NOT_FOUND
from kbs.families.models import Family
from kbs.tools import access
from kbs.tools.models import Assessment
from kbs.tools.tests.test_actions import awaiting, completed, draft


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def assessment(family: Family, cast: dict[str, User]) -> Assessment:
    return completed(cast["health_visitor"], family)


def _views(assessment: Assessment) -> int:
    return AuditEvent.objects.filter(action=Action.VIEW, object_id=str(assessment.public_id)).count()


@pytest.mark.parametrize("persona", ["health_visitor", "lead", "midwife"])
def test_assessment_for_involved_people_and_audited(assessment: Assessment, cast: dict[str, User], persona: str) -> None:
    found = access.assessment_for(cast[persona], str(assessment.public_id))
    assert found == assessment
    event = AuditEvent.objects.get(action=Action.VIEW, object_id=str(assessment.public_id))
    assert event.actor == cast[persona]
    assert event.family == assessment.family


@pytest.mark.parametrize("persona", ["police", "analyst", "admin", "outsider"])
def test_assessment_for_refused_like_a_missing_record(assessment: Assessment, cast: dict[str, User], persona: str) -> None:
    with pytest.raises(Http404) as refused:
        access.assessment_for(cast[persona], assessment.public_id)
    with pytest.raises(Http404) as missing:
        access.assessment_for(cast[persona], uuid4())
    assert str(refused.value) == str(missing.value) == NOT_FOUND
    assert _views(assessment) == 0


@pytest.mark.parametrize("bad_id", ["not-a-uuid", "", "1", "../etc"])
def test_assessment_for_bad_id_is_not_found(assessment: Assessment, cast: dict[str, User], bad_id: str) -> None:
    with pytest.raises(Http404) as refused:
        access.assessment_for(cast["health_visitor"], bad_id)
    assert str(refused.value) == NOT_FOUND
    assert not AuditEvent.objects.filter(action=Action.VIEW).exists()


def test_assessment_for_needs_the_permission_asked_for(assessment: Assessment, cast: dict[str, User]) -> None:
    with pytest.raises(Http404):
        access.assessment_for(cast["health_visitor"], assessment.public_id, need=Permission.SIGN_OFF_URGENT)
    assert access.assessment_for(cast["lead"], assessment.public_id, need=Permission.SIGN_OFF_URGENT) == assessment
    assert _views(assessment) == 1


def test_assessment_for_without_audit_writes_nothing(assessment: Assessment, cast: dict[str, User]) -> None:
    assert access.assessment_for(cast["health_visitor"], assessment.public_id, audit=False) == assessment
    assert _views(assessment) == 0


def test_assessment_for_a_draft_follows_the_family_too(family: Family, cast: dict[str, User]) -> None:
    assessment = draft(cast["health_visitor"], family, "safer-sleep")
    assert access.assessment_for(cast["midwife"], assessment.public_id) == assessment
    with pytest.raises(Http404):
        access.assessment_for(cast["police"], assessment.public_id)


def test_assessments_of_lists_the_babys_newest_first(family: Family, cast: dict[str, User]) -> None:
    first = completed(cast["health_visitor"], family)
    second = draft(cast["health_visitor"], family, "bruising")
    assert list(access.assessments_of(family.babies.get())) == [second, first]


def test_awaiting_my_sign_off_lists_only_the_leads_own_agency(
    family: Family, cast: dict[str, User], agencies: dict[str, Agency], make_user: Callable[..., User],
) -> None:
    from_hv = awaiting(cast["health_visitor"], family)
    from_maternity = awaiting(cast["midwife"], family)
    completed(cast["health_visitor"], family, "bruising")  # urgent but with its steps: nothing to sign
    maternity_lead = make_user("lead-mary", "safeguarding-lead", agencies["maternity"])
    assert list(access.awaiting_my_sign_off(cast["lead"])) == [from_hv]
    assert list(access.awaiting_my_sign_off(maternity_lead)) == [from_maternity]


@pytest.mark.parametrize("persona", ["health_visitor", "midwife", "analyst", "admin", "outsider"])
def test_awaiting_my_sign_off_refused_for_non_leads(cast: dict[str, User], persona: str) -> None:
    with pytest.raises(Http404):
        access.awaiting_my_sign_off(cast[persona])


def test_awaiting_my_sign_off_refused_for_a_lead_without_an_agency(make_user: Callable[..., User]) -> None:
    with pytest.raises(Http404):
        access.awaiting_my_sign_off(make_user("lead-nowhere", "safeguarding-lead", None))
