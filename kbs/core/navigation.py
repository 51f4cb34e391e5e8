"""The header's navigation: only the places the signed-in person can use."""

from django.http import HttpRequest
from django.urls import reverse

from kbs.accounts.permissions import Permission, has_permission

# Kept short so that it fits a phone: registering a family, babies with gaps and the tools'
# rules are reached from "My families" and the footer.
NAVIGATION = [
    ("families:mine", "My families", Permission.VIEW_FAMILY),
    ("concerns:my_work", "My work", Permission.VIEW_FAMILY),
    ("families:find", "Find a baby", Permission.FIND_BABY),
    ("concerns:inbox", "Inbox", Permission.DECIDE_CONCERN),
    ("tools:sign_off_list", "Sign-off", Permission.SIGN_OFF_URGENT),
    ("core:overview", "Overview", Permission.VIEW_AGGREGATES),
    ("insights:dashboard", "Dashboard", Permission.VIEW_AGGREGATES),
    ("insights:dashboard", "Dashboard", Permission.VIEW_AGENCY_DASHBOARD),
    ("workforce:home", "Training", Permission.VIEW_FAMILY),
    ("workforce:home", "Training", Permission.VIEW_AGGREGATES),
    ("library:home", "Library", Permission.VIEW_FAMILY),
    ("library:home", "Library", Permission.VIEW_AGGREGATES),
    ("tools:settings", "Tool settings", Permission.MANAGE_PARTNERSHIP_SETTINGS),
    ("public:translations", "Translations", Permission.MANAGE_PARTNERSHIP_SETTINGS),
    ("staff:list", "Staff", Permission.MANAGE_ROLES),
    ("staff:roles", "Roles", Permission.MANAGE_SUBJECT_ACCESS),
    ("audit:search", "Audit trail", Permission.SEARCH_AUDIT_AGENCY),
    ("audit:search", "Audit trail", Permission.SEARCH_AUDIT_ALL),
    ("subjectaccess:list", "Subject access", Permission.MANAGE_SUBJECT_ACCESS),
    ("retention:list", "Retention", Permission.MANAGE_RETENTION),
    ("imports:births", "Import births", Permission.REGISTER_FAMILY),
    ("imports:contacts", "Import contacts", Permission.REGISTER_FAMILY),
]


def nav_items(request: HttpRequest) -> list[dict[str, object]]:
    items: list[dict[str, object]] = []
    seen: set[str] = set()
    for name, text, permission in NAVIGATION:
        href = reverse(name)
        if href in seen or not has_permission(request.user, permission):  # type: ignore[arg-type]
            continue
        seen.add(href)
        items.append({"href": href, "text": text, "current": False})
    # Only the longest matching link is the current page (/families/register/ is not "My families").
    matching = [item for item in items if request.path.startswith(str(item["href"]))]
    if matching:
        max(matching, key=lambda item: len(str(item["href"])))["current"] = True
    return items
