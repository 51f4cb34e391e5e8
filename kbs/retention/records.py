"""What the retention code reads about families: the facts the schedule needs, and which tables
hold a family's personal data.

`facts_for` answers for any number of families in two queries (one for the families with their
latest dates and child-protection flag, one for their babies), so the review list costs the same
number of queries however many families there are.

`personal_models` walks Django's model graph: every model with a foreign-key path to Family is
part of a family's records, except the audit trail, the retention stubs and the dashboard's
rollup rows (counts with no personal data). So a model added later is disposed of without anyone
remembering to list it here.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.apps import apps
from django.db import models
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from kbs.concerns.models import Concern, Referral
from kbs.contacts.models import Contact
from kbs.families.models import Baby, Family
from kbs.prebirth.models import PreBirthCase
from kbs.retention.schedule import BabyFacts, FamilyFacts

# Apps whose rows about a family are kept when the family's records go (see the module docstring).
KEPT_APPS = frozenset({"audit", "retention", "insights"})


def _latest(model: type[models.Model], field: str) -> Subquery:
    return Subquery(
        model.objects.filter(family=OuterRef("pk")).order_by(f"-{field}").values(field)[:1]  # type: ignore[attr-defined]
    )


def _day(value: datetime | date | None) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def with_facts(families: QuerySet[Family]) -> QuerySet[Family]:
    """The families annotated with their latest dates and whether they have child-protection records."""
    from kbs.tools.models import Assessment

    return families.annotate(
        last_contact_at=_latest(Contact, "at"),
        last_assessment_at=_latest(Assessment, "created_at"),
        last_completed_at=_latest(Assessment, "completed_at"),
        last_concern_at=_latest(Concern, "raised_at"),
        last_referral_at=_latest(Referral, "made_at"),
        has_concern=Exists(Concern.objects.filter(family=OuterRef("pk"))),
        has_referral=Exists(Referral.objects.filter(family=OuterRef("pk"))),
        has_prebirth=Exists(PreBirthCase.objects.filter(family=OuterRef("pk"))),
    )


@dataclass(frozen=True)
class FamilyRow:
    family: Family
    facts: FamilyFacts


def facts_for(families: Iterable[Family]) -> list[FamilyRow]:
    """The schedule's facts for families from `with_facts`, with their babies in one more query."""
    families = list(families)
    babies: dict[int, list[BabyFacts]] = {f.pk: [] for f in families}
    for family_id, born, expected in Baby.objects.filter(family_id__in=list(babies)).values_list(
        "family_id", "date_of_birth", "expected_delivery_date"
    ).order_by("id"):
        babies[family_id].append(BabyFacts(date_of_birth=born, expected_delivery_date=expected))
    rows = []
    for family in families:
        dates = [
            _day(getattr(family, name))
            for name in ("last_contact_at", "last_assessment_at", "last_completed_at", "last_concern_at", "last_referral_at")
        ]
        last = max((d for d in dates if d is not None), default=_day(family.created_at))
        assert last is not None
        facts = FamilyFacts(
            babies=tuple(babies[family.pk]),
            last_contact=last,
            child_protection=bool(family.has_concern or family.has_referral or family.has_prebirth),  # type: ignore[attr-defined]
        )
        rows.append(FamilyRow(family=family, facts=facts))
    return rows


def facts_of(family: Family) -> FamilyFacts:
    """The schedule's facts for one family, read afresh."""
    return facts_for(with_facts(Family.objects.filter(pk=family.pk)))[0].facts


def _family_links(model: type[models.Model], owned: set[type[models.Model]]) -> list["models.ForeignKey[Any, Any]"]:
    """The model's foreign keys (and one-to-ones) to Family or to another model holding family data."""
    return [
        f for f in model._meta.get_fields()
        if isinstance(f, models.ForeignKey) and f.related_model is not model
        and (f.related_model is Family or f.related_model in owned)
    ]


def personal_models() -> list[type[models.Model]]:
    """Every model holding a family's records (besides Family itself), each listed before any model
    it points at, so deleting in this order never trips a PROTECT foreign key."""
    candidates = [
        m for m in apps.get_models()
        if m is not Family and m._meta.app_label not in KEPT_APPS and not m._meta.auto_created
    ]
    owned: set[type[models.Model]] = set()
    changed = True
    while changed:
        changed = False
        for model in candidates:
            if model not in owned and _family_links(model, owned):
                owned.add(model)
                changed = True
    # Children before parents: a model goes once nothing left in the list points at it.
    ordered: list[type[models.Model]] = []
    remaining = set(owned)
    while remaining:
        ready = sorted(
            (m for m in remaining
             if not any(other is not m and m in {f.related_model for f in _family_links(other, owned)} for other in remaining)),
            key=lambda m: m._meta.label,
        )
        if not ready:
            raise RuntimeError(f"the family records form a cycle: {sorted(m._meta.label for m in remaining)}")
        ordered += ready
        remaining -= set(ready)
    return ordered


def family_filter(model: type[models.Model], family: Family, owned: set[type[models.Model]] | None = None) -> Q:
    """A filter on `model` for the rows belonging to `family`, by every foreign-key path there is."""
    owned = owned if owned is not None else set(personal_models())
    return _paths(model, owned, family, depth=0)


def _paths(model: type[models.Model], owned: set[type[models.Model]], family: Family, depth: int) -> Q:
    if depth > 6:
        raise RuntimeError(f"the path from {model._meta.label} to Family is too long")
    condition = Q(pk__in=[])
    for link in _family_links(model, owned):
        if link.related_model is Family:
            condition |= Q(**{link.name: family})
        else:
            target: type[models.Model] = link.related_model  # type: ignore[assignment]
            condition |= Q(**{f"{link.name}__in": target._default_manager.filter(_paths(target, owned, family, depth + 1))})
    return condition
