"""Applying the review's redactions to a gathered document, without touching the records.

A withheld item keeps its place in its section but loses its id (now `withheld-N`), its title and every field: `withheld` says why.
A withheld field keeps its key and label; its value becomes "[withheld: reason]". Nothing else
changes, so a redacted document has the same shape as the gathered one (see gather.py).
"""

import copy
from collections.abc import Iterable
from typing import Any

from kbs.subjectaccess.models import Redaction


def apply_redactions(document: dict[str, Any], redactions: Iterable[Redaction]) -> dict[str, Any]:
    """A copy of `document` with the withheld items and fields replaced; counts how many in
    `withheld`."""
    whole = {r.item_id: r.label for r in redactions if not r.field}
    parts = {(r.item_id, r.field): r.label for r in redactions if r.field}
    redacted = copy.deepcopy(document)
    items_withheld = fields_withheld = 0
    for section in redacted["sections"]:
        for item in section["items"]:
            if item["id"] in whole:
                label = whole[item["id"]]
                items_withheld += 1
                # The id would name the record, so it becomes a plain count.
                item.clear()
                item.update({"id": f"withheld-{items_withheld}", "title": label, "withheld": label, "fields": []})
                continue
            for field in item["fields"]:
                part = parts.get((item["id"], field["key"]))
                if part:
                    field["value"] = part
                    field["withheld"] = True
                    fields_withheld += 1
    redacted["withheld"] = {"items": items_withheld, "fields": fields_withheld}
    return redacted

