"""Who may see what in the workforce app. Every view reads through here.

- Any signed-in member of staff (anyone holding a role) may take the e-learning, see the champions'
  directory with their contact details, and rate their own confidence.
- A practitioner sees only their own progress, certificates and ratings.
- Holders of MANAGE_TRAINING (the training lead, partnership administrators) see everyone's
  progress and certificates and manage champions. Nobody sees another person's confidence
  ratings; the partnership sees totals only.

"Not found" and "not allowed" raise the same 404, so a page never confirms that something exists.
"""

import uuid

from django.db.models import Case, Q, QuerySet, Value, When
from django.http import Http404

from kbs.accounts.models import User
from kbs.accounts.permissions import Permission, has_permission
from kbs.audit.actions import record_event
from kbs.audit.models import Action
from kbs.workforce.models import CascadeBriefing, Certificate, Champion, ConfidenceRating, Module, ModuleProgress

NOT_FOUND = "Page not found"


def is_staff(user: User) -> bool:
    """Signed in, active, and holding at least one role that grants something."""
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.permissions)


def require_staff(user: User) -> None:
    if not is_staff(user):
        raise Http404(NOT_FOUND)


def can_manage(user: User) -> bool:
    return has_permission(user, Permission.MANAGE_TRAINING)


def require_manager(user: User) -> None:
    if not can_manage(user):
        raise Http404(NOT_FOUND)


def learner_for(user: User, learner_id: int) -> User:
    """The person whose training `user` wants to see: themselves, or anyone for a training manager.
    Looking at someone else's training is written to the audit trail."""
    require_staff(user)
    if learner_id == user.pk:
        return user
    if not can_manage(user):
        raise Http404(NOT_FOUND)
    learner = User.objects.select_related("agency", "team").filter(pk=learner_id).first()
    if learner is None:
        raise Http404(NOT_FOUND)
    record_event(by=user, action=Action.VIEW, obj=learner, summary=f"Viewed the training of {learner}")
    return learner


def module_for(user: User, slug: str) -> Module:
    require_staff(user)
    module = Module.objects.filter(slug=slug, retired=False).first()
    if module is None:
        raise Http404(NOT_FOUND)
    return module


def progress_of(learner: User) -> dict[int, ModuleProgress]:
    """The learner's progress rows by module id. Callers have already been through learner_for."""
    return {p.module_id: p for p in ModuleProgress.objects.filter(user=learner)}


def certificates_of(learner: User) -> QuerySet[Certificate]:
    return Certificate.objects.filter(user=learner).order_by("-issued_on", "-pk")


def certificate_for(user: User, public_id: str) -> Certificate:
    """A certificate its holder or a training manager may download."""
    require_staff(user)
    try:
        key = uuid.UUID(str(public_id))
    except ValueError:
        raise Http404(NOT_FOUND) from None
    certificate = Certificate.objects.select_related("user").filter(public_id=key).first()
    if certificate is None or (certificate.user_id != user.pk and not can_manage(user)):
        raise Http404(NOT_FOUND)
    return certificate


def learners(user: User, query: str = "") -> QuerySet[User]:
    """Everyone whose training a training manager may look at."""
    require_manager(user)
    people = User.objects.filter(is_active=True, roles__isnull=False).distinct().select_related("agency", "team")
    if query:
        people = people.filter(
            Q(first_name__icontains=query) | Q(last_name__icontains=query) | Q(email__icontains=query)
            | Q(agency__name__icontains=query)
        )
    return people.order_by("agency__name", "last_name", "first_name")


# --- Champions ---------------------------------------------------------------------------------------


def champions(user: User) -> QuerySet[Champion]:
    """Active champions, for every member of staff: names and contact details are meant to be found."""
    require_staff(user)
    return (
        Champion.objects.filter(active=True, user__is_active=True)
        .select_related("user", "agency", "team")
        .order_by("agency__name", "team__name", "user__last_name", "user__first_name")
    )


def my_champion(user: User) -> Champion | None:
    """The champion for `user`: one in the same team if there is one, else one in the same agency.
    Never the person themselves."""
    if not is_staff(user) or user.agency_id is None:
        return None
    # One query, same team first: this runs on every My families page.
    same_team = Case(When(team_id=user.team_id, then=Value(0)), default=Value(1)) if user.team_id else Value(1)
    return (
        Champion.objects.filter(active=True, user__is_active=True, agency_id=user.agency_id)
        .exclude(user=user)
        .select_related("user", "team")
        .order_by(same_team, "since", "pk")
        .first()
    )


def champion_of(user: User) -> Champion | None:
    """`user`'s own active champion record, if they are one."""
    return Champion.objects.filter(user=user, active=True).first()


def champion_for(user: User, champion_id: int, *, manage: bool = False) -> Champion:
    """A champion record whose cascade log `user` may see: their own, or any for a training manager.
    With `manage`, only a training manager."""
    require_staff(user)
    champion = Champion.objects.select_related("user", "agency", "team").filter(pk=champion_id).first()
    if champion is None:
        raise Http404(NOT_FOUND)
    if can_manage(user):
        return champion
    if manage or champion.user_id != user.pk:
        raise Http404(NOT_FOUND)
    return champion


def briefings_of(champion: Champion) -> QuerySet[CascadeBriefing]:
    return champion.briefings.order_by("-given_on", "-recorded_at")


# --- Confidence ---------------------------------------------------------------------------------------


def own_ratings(user: User) -> QuerySet[ConfidenceRating]:
    """The person's own confidence ratings. There is deliberately no way to read anyone else's."""
    require_staff(user)
    return ConfidenceRating.objects.filter(user=user)
