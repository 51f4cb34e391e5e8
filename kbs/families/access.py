"""The one way to read families, babies and people across the permission boundary.

A practitioner sees a family while their agency has an active involvement, or while they hold
unexpired emergency (break-glass) access. A safeguarding lead also sees families their agency was
involved with in the past. Nobody else sees a family page. "Not there" and "not yours" raise the
same Http404, so a refusal tells nothing. Every successful read of a page writes an audit row.
"""

from datetime import timedelta
from typing import Any
from uuid import UUID

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from kbs.accounts.models import User
from kbs.accounts.permissions import Permission, has_permission
from kbs.audit.actions import record_event
from kbs.audit.models import Action
from kbs.families.models import Baby, Birthmark, BreakGlass, Family, Involvement, Person

NOT_FOUND = "Page not found"


def _visibility(user: User) -> Q:
    """A filter on Family matching exactly the families the user may open."""
    if not has_permission(user, Permission.VIEW_FAMILY):
        return Q(pk__in=[])
    allowed = Q(
        Exists(
            BreakGlass.objects.filter(family=OuterRef("pk"), user=user, expires_at__gt=timezone.now())
        )
    )
    if user.agency_id is not None:
        involvements = Involvement.objects.filter(family=OuterRef("pk"), agency_id=user.agency_id)
        if has_permission(user, Permission.VIEW_AGENCY_FAMILIES):
            allowed |= Q(Exists(involvements))
        else:
            allowed |= Q(Exists(involvements.filter(ended_on__isnull=True)))
    return allowed


def visible_families(user: User) -> QuerySet[Family]:
    """Every family the user may open, for lists. Lists are audited by the view as a search."""
    return Family.objects.filter(_visibility(user))


def may_see_family(user: User, family: Family) -> bool:
    return visible_families(user).filter(pk=family.pk).exists()


def parse_public_id(value: Any) -> UUID:
    try:
        return value if isinstance(value, UUID) else UUID(str(value))
    except ValueError:
        raise Http404(NOT_FOUND) from None


def family_for(user: User, public_id: Any, *, need: Permission = Permission.VIEW_FAMILY, audit: bool = True) -> Family:
    """The family with this id if the user may see it and has `need`; Http404 otherwise. Audited."""
    if not has_permission(user, need):
        raise Http404(NOT_FOUND)
    family = visible_families(user).filter(public_id=parse_public_id(public_id)).first()
    if family is None:
        raise Http404(NOT_FOUND)
    if audit:
        record_event(by=user, action=Action.VIEW, obj=family, family=family, summary="Viewed the family page")
    return family


def _member_for(model: type[Baby] | type[Person], user: User, public_id: Any, need: Permission) -> Any:
    """A baby or person whose family the user may see, or Http404."""
    if not has_permission(user, need):
        raise Http404(NOT_FOUND)
    record = (
        model.objects.select_related("family")
        .filter(public_id=parse_public_id(public_id), family__in=visible_families(user))
        .first()
    )
    if record is None:
        raise Http404(NOT_FOUND)
    return record


def baby_for(user: User, public_id: Any, *, need: Permission = Permission.VIEW_FAMILY, audit: bool = True) -> Baby:
    """The baby with this id if the user may see its family and has `need`; Http404 otherwise. Audited."""
    baby: Baby = _member_for(Baby, user, public_id, need)
    if audit:
        record_event(by=user, action=Action.VIEW, obj=baby, family=baby.family, summary=f"Viewed {baby.display_name}")
    return baby


def person_for(user: User, public_id: Any, *, need: Permission = Permission.VIEW_FAMILY, audit: bool = True) -> Person:
    """The person with this id if the user may see their family and has `need`; Http404 otherwise. Audited."""
    person: Person = _member_for(Person, user, public_id, need)
    if audit:
        record_event(by=user, action=Action.VIEW, obj=person, family=person.family, summary=f"Viewed {person}")
    return person


def family_for_break_glass(user: User, public_id: Any) -> Family:
    """A family the user may take emergency access to: one found through "find a baby". Not audited
    as a view, because nothing about the family is shown until access is taken."""
    if not has_permission(user, Permission.BREAK_GLASS):
        raise Http404(NOT_FOUND)
    family = Family.objects.filter(public_id=parse_public_id(public_id)).first()
    if family is None:
        raise Http404(NOT_FOUND)
    return family


def involvements_of(family: Family) -> QuerySet[Involvement]:
    """Every agency's involvement with a family the caller has already been allowed to see."""
    return (
        Involvement.objects.filter(family=family)
        .select_related("agency", "team", "lead_professional")
        .order_by("ended_on", "-is_lead_agency", "started_on")
    )


def birthmarks_of(baby: Baby) -> QuerySet[Birthmark]:
    """A baby's documented birthmarks, for a caller already allowed to see the baby."""
    return Birthmark.objects.filter(baby=baby).select_related("confirmed_by")


def active_break_glass(user: User, family: Family) -> BreakGlass | None:
    return (
        BreakGlass.objects.filter(user=user, family=family, expires_at__gt=timezone.now())
        .order_by("-expires_at")
        .first()
    )


class Match:
    """What "find a baby" may show about a record: that it exists and who is involved. No names,
    addresses or anything else, unless the user may already see the family."""

    def __init__(self, baby: Baby, agencies: list[str], visible: bool) -> None:
        self.baby_id = baby.public_id
        self.family_id = baby.family.public_id
        self.agencies = agencies
        self.visible = visible
        self.born = baby.is_born
        self.baby = baby if visible else None


def _matches(user: User, babies: QuerySet[Baby]) -> list[Match]:
    found = list(babies.select_related("family")[:20])
    family_ids = [b.family_id for b in found]
    visible_ids = set(visible_families(user).filter(pk__in=family_ids).values_list("pk", flat=True))
    involvements: dict[int, list[str]] = {}
    for family_id, agency_name in (
        Involvement.objects.filter(family_id__in=family_ids, ended_on__isnull=True)
        .order_by("agency__name")
        .values_list("family_id", "agency__name")
    ):
        involvements.setdefault(family_id, []).append(agency_name)
    return [Match(b, involvements.get(b.family_id, []), b.family_id in visible_ids) for b in found]


def find_babies(
    user: User,
    *,
    nhs_number: str = "",
    family_name: str = "",
    date_of_birth: Any = None,
    postcode: str = "",
    audit: bool = True,
) -> list[Match]:
    """Babies matching an NHS number, or a last name + date of birth + postcode. Audited as a search."""
    if not has_permission(user, Permission.FIND_BABY):
        raise Http404(NOT_FOUND)
    if nhs_number:
        babies = Baby.objects.filter(nhs_number=nhs_number)
    else:
        babies = Baby.objects.filter(
            family_name__iexact=family_name.strip(), date_of_birth=date_of_birth, family__postcode=postcode
        )
    matches = _matches(user, babies)
    if audit:
        terms = {"nhs_number": nhs_number} if nhs_number else {
            "family_name": family_name, "date_of_birth": date_of_birth, "postcode": postcode
        }
        record_event(
            by=user, action=Action.SEARCH, summary=f"Searched for a baby ({len(matches)} found)",
            detail={"terms": terms, "found": [str(m.family_id) for m in matches]},
        )
    return matches


def possible_duplicates(
    user: User,
    *,
    nhs_number: str,
    family_name: str,
    date_of_birth: Any,
    postcode: str,
    expected_delivery_date: Any = None,
) -> tuple[list[Match], list[Match]]:
    """For registration: (babies with this NHS number, close matches). A close match is a baby born
    the same day with the same last name or at the same postcode, or an unborn baby due within two
    weeks at the same postcode."""
    if not has_permission(user, Permission.FIND_BABY):
        raise Http404(NOT_FOUND)
    exact = _matches(user, Baby.objects.filter(nhs_number=nhs_number)) if nhs_number else []
    close_filter = Q(pk__in=[])
    if date_of_birth:
        close_filter |= Q(date_of_birth=date_of_birth) & (
            Q(family_name__iexact=family_name.strip()) | Q(family__postcode=postcode)
        )
    if expected_delivery_date and postcode:
        close_filter |= Q(
            family__postcode=postcode,
            expected_delivery_date__range=(expected_delivery_date - timedelta(days=14), expected_delivery_date + timedelta(days=14)),
        )
    close = [m for m in _matches(user, Baby.objects.filter(close_filter)) if m.baby_id not in {e.baby_id for e in exact}]
    if exact or close:
        record_event(
            by=user, action=Action.SEARCH, summary="Checked a new registration for duplicates",
            detail={"found": [str(m.family_id) for m in exact + close]},
        )
    return exact, close
