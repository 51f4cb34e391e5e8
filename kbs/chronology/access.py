"""The one way to read chronology entries.

Who may open the family (or baby) is decided by `kbs.families.access`, so every caller loads the
family or baby through it first and passes it in. This module then decides which of that family's
entries the person sees: every shared entry, and the entries their own agency kept to itself.
Nobody sees another agency's unshared entries, whatever their role. The page and both exports call
the same function, so a download can never show more than the screen.
"""

from django.db.models import Q, QuerySet

from kbs.accounts.models import User
from kbs.accounts.permissions import Permission, has_permission
from kbs.chronology.models import Entry
from kbs.families.models import Baby, Family


def visible_to(user: User) -> Q:
    """A filter on Entry: shared entries, or entries recorded by the user's own agency."""
    allowed = Q(shared=True)
    # A person with no agency has no "own" entries; without this guard `agency_id=None` would
    # match the unshared entries that no agency recorded.
    if user.agency_id is not None:
        allowed |= Q(agency_id=user.agency_id)
    return allowed


def entries_for(user: User, *, family: Family | None = None, baby: Baby | None = None) -> QuerySet[Entry]:
    """The entries of a family's or a baby's chronology that the user may see, newest first.

    Pass exactly one of `family` or `baby`, already loaded through `kbs.families.access` (which
    checks the user may see it and audits nothing here: the caller writes its own audit row). A
    baby's chronology is the entries about the baby plus the family-level entries (no baby) of its
    family; a family's chronology is every entry of the family. Agency, actor and baby are joined
    in, so rendering a page of entries costs no further queries.
    """
    if (family is None) == (baby is None):
        raise TypeError("Pass exactly one of family= or baby=")
    if not has_permission(user, Permission.VIEW_FAMILY):
        return Entry.objects.none()
    if baby is not None:
        # Filtering on the family first lets the (family, -at) index serve both kinds of chronology.
        entries = Entry.objects.filter(family_id=baby.family_id).filter(Q(baby=baby) | Q(baby__isnull=True))
    else:
        entries = Entry.objects.filter(family=family)
    return entries.filter(visible_to(user)).select_related("agency", "baby").order_by("-at", "-id")
