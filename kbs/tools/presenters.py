"""Display values for tool outcomes, for templates."""

from typing import Any

from kbs.tools import body_map
from kbs.tools.labels import LEVEL_LABELS, LEVEL_TAGS
from kbs.tools.spec import ToolSpec, all_specs


def level_tag(level: str) -> str:
    return LEVEL_TAGS.get(level, "nhsuk-tag--grey")


def level_label(level: str) -> str:
    return LEVEL_LABELS.get(level, level)


def setting_label(name: str, value: str) -> str:
    for spec in all_specs():
        for setting in spec.settings:
            if setting.name == name:
                labels = {c.code: c.label for c in setting.codes}
                return f"{setting.title}: {labels.get(value, value)}"
    return f"{name}: {value}"


def answer_text(spec: ToolSpec, item_id: str, value: Any) -> str:
    """'Has the baby a sleep space of their own? No' — one answer that fired a rule, in words."""
    item = spec.items_by_id.get(item_id)
    if item is None:
        return f"{item_id}: {value}"
    labels = {c.code: c.label for c in item.codes} | {"yes": "Yes", "no": "No"}
    if isinstance(value, list):
        shown = ", ".join(labels.get(v, str(v)) for v in value)
    else:
        shown = labels.get(value, str(value)) if isinstance(value, str) else str(value)
    return f"{item.text} {shown}"


def outcome_dict(spec: ToolSpec, outcome: Any) -> dict[str, Any]:
    from kbs.tools.actions import stored_outcome

    return stored_outcome(spec, outcome)


GLOBALS = {
    "level_tag": level_tag,
    "level_label": level_label,
    "setting_label": setting_label,
    "answer_text": answer_text,
    "outcome_dict": outcome_dict,
    "body_map_regions": body_map.REGIONS,
    "body_map": body_map.present,
}
