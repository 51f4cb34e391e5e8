"""Display values for the subject access pages, so that templates hold no logic."""

from datetime import date
from typing import Any

from kbs.core.presenters import day, moment
from kbs.subjectaccess.deadlines import days_left
from kbs.subjectaccess.models import Redaction, Requester, Stage, SubjectAccessRequest

__all__ = ["anchor", "counts", "day", "find_item", "moment", "review_sections", "row"]


def row(sar: SubjectAccessRequest, today: date) -> dict[str, Any]:
    """A request as a line of the list: its deadline, the days left and whether it is overdue."""
    due_on = sar.due_on
    left = days_left(due_on, today)
    if sar.is_released:
        deadline = f"Released {day(sar.released_at)}"
    elif left < 0:
        deadline = f"Overdue by {-left} day{'s' if left != -1 else ''}"
    elif left == 0:
        deadline = "Due today"
    else:
        deadline = f"{left} day{'s' if left != 1 else ''} left"
    return {
        "sar": sar, "due_on": due_on, "due": day(due_on), "received": day(sar.received_on), "days_left": left,
        "overdue": not sar.is_released and left < 0, "deadline": deadline, "stage": Stage(sar.stage).label,
        "requester": "The subject" if sar.requester == Requester.SUBJECT else f"{sar.requester_name}, for the subject",
        "extended": f"Extended by {sar.extended_months} month{'s' if sar.extended_months > 1 else ''}" if sar.extended_months else "",
    }


def counts(sar: SubjectAccessRequest) -> list[tuple[str, int]]:
    """How many items each section of the gathered records holds."""
    if not sar.document:
        return []
    return [(s["title"], len(s["items"])) for s in sar.document["sections"]]


def anchor(item_id: str) -> str:
    """An HTML id for an item: ids may not hold a colon in a CSS selector without escaping."""
    return "item-" + item_id.replace(":", "-")


def find_item(sar: SubjectAccessRequest, item_id: str) -> dict[str, Any] | None:
    for section in (sar.document or {}).get("sections", []):
        for item in section["items"]:
            if item["id"] == item_id:
                return dict(item)
    return None


def review_sections(sar: SubjectAccessRequest, redactions: list[Redaction]) -> list[dict[str, Any]]:
    """The gathered records with what is withheld marked on each item and field."""
    by_part = {(r.item_id, r.field): r for r in redactions}
    sections = []
    for section in (sar.document or {}).get("sections", []):
        items = []
        for item in section["items"]:
            whole = by_part.get((item["id"], ""))
            fields = [
                {**field, "redaction": by_part.get((item["id"], field["key"]))} for field in item["fields"]
            ]
            items.append({**item, "anchor": anchor(item["id"]), "redaction": whole, "fields": fields,
                          "withheld_fields": sum(1 for f in fields if f["redaction"])})
        sections.append({**section, "items": items})
    return sections
