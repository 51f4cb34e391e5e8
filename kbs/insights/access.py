"""Who may see the dashboard and the report, and for which agencies.

Partnership analysts (and others with `VIEW_AGGREGATES`) see every agency; a safeguarding lead sees
only their own agency's figures. Nobody sees a name, an NHS number, an address or a single family
here: the pages read only the rollup cells. Everyone else is refused (403: this is a page, not a
record, so there is nothing to hide about whether it exists).
"""

from dataclasses import dataclass

from kbs.accounts.models import Agency, User
from kbs.accounts.permissions import Permission, has_permission
from kbs.insights.models import ALL_AGENCIES


@dataclass(frozen=True)
class Scope:
    """The agencies a person may choose on the dashboard; `fixed_agency` when they have no choice."""

    agencies: list[Agency]
    fixed_agency: Agency | None

    @property
    def partnership_wide(self) -> bool:
        return self.fixed_agency is None

    def agency_id_for(self, chosen: int | None) -> int:
        """The agency id to read cells for: the lead's own agency whatever was asked for; for a
        partnership-wide viewer the chosen one (every agency when none)."""
        if self.fixed_agency is not None:
            return self.fixed_agency.pk
        return chosen if chosen is not None else ALL_AGENCIES


def dashboard_scope(user: User) -> Scope | None:
    """The person's scope, or None when they may not see the dashboard at all."""
    if has_permission(user, Permission.VIEW_AGGREGATES):
        return Scope(list(Agency.objects.order_by("name")), None)
    if has_permission(user, Permission.VIEW_AGENCY_DASHBOARD) and user.agency is not None:
        return Scope([user.agency], user.agency)
    return None
