"""The one way to read pre-birth cases across the permission boundary.

A case is visible exactly when its baby is (see `kbs.families.access`): "no case", "no such baby"
and "not yours" are the same Http404. Every successful read of a case page is audited.
"""

from typing import Any

from django.http import Http404

from kbs.accounts.models import User
from kbs.accounts.permissions import Permission
from kbs.audit.actions import record_event
from kbs.audit.models import Action
from kbs.families.access import NOT_FOUND, baby_for
from kbs.families.models import Baby
from kbs.prebirth.models import CaseState, DeliverySafetyPlan, PreBirthCase


def case_of(baby: Baby) -> PreBirthCase | None:
    """The baby's open case, else its newest closed one, for a caller already allowed to see the baby."""
    cases = PreBirthCase.objects.filter(baby=baby).select_related("agency", "assessment", "opened_by", "closed_by")
    return cases.filter(state=CaseState.OPEN).first() or cases.first()


def case_for(user: User, baby_id: Any, *, need: Permission = Permission.VIEW_FAMILY, audit: bool = True,
             summary: str = "Viewed the pre-birth plan") -> PreBirthCase:
    """The pre-birth case of the baby with this id, if the user may see the baby and has `need`;
    Http404 otherwise. Audited (as `summary`) unless `audit` is False."""
    baby = baby_for(user, baby_id, need=need, audit=False)
    case = case_of(baby)
    if case is None:
        raise Http404(NOT_FOUND)
    case.baby = baby
    if audit:
        record_event(by=user, action=Action.VIEW, obj=case, family=baby.family, summary=f"{summary} of {baby.display_name}")
    return case


def plan_of(case: PreBirthCase) -> DeliverySafetyPlan | None:
    """The case's delivery safety plan, for a caller already allowed to see the case."""
    return DeliverySafetyPlan.objects.filter(case=case).select_related("completed_by", "updated_by").first()
