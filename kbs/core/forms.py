"""Form fields and the bridge from Django's bound fields to the NHS.UK macros.

`field_params` turns a bound field into the parameters of the matching NHS.UK component, so that a
template renders any field with one macro call and keeps what the person typed after an error.
"""

from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import ValidationError


class DateInputWidget(forms.Widget):
    """Three boxes (day, month, year), as the NHS design system asks for dates people know."""

    template_name = ""  # rendered by the NHS.UK date input macro, never by Django

    def value_from_datadict(self, data: Any, files: Any, name: str) -> tuple[str, str, str] | None:
        parts = tuple(str(data.get(f"{name}-{part}", "")).strip() for part in ("day", "month", "year"))
        return None if not any(parts) else parts  # type: ignore[return-value]

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return not any(f"{name}-{part}" in data for part in ("day", "month", "year"))


class DateField(forms.Field):
    widget = DateInputWidget

    def __init__(self, *, label: str, **kwargs: Any) -> None:
        kwargs.setdefault("error_messages", {})
        kwargs["error_messages"].setdefault("required", f"Enter the {label.lower()}")
        super().__init__(label=label, **kwargs)

    def to_python(self, value: Any) -> date | None:
        if value in (None, "", ()):
            return None
        if isinstance(value, date):
            return value
        day, month, year = value
        name = str(self.label).lower()
        missing = [part for part, text in (("day", day), ("month", month), ("year", year)) if not text]
        if missing:
            raise ValidationError(f"The {name} must include a {' and '.join(missing)}", code="incomplete")
        if not (day.isdigit() and month.isdigit() and year.isdigit()):
            raise ValidationError(f"The {name} must be a real date, in numbers", code="invalid")
        if len(year) != 4:
            raise ValidationError(f"The year of the {name} must have 4 numbers", code="invalid")
        try:
            return date(int(year), int(month), int(day))
        except ValueError:
            raise ValidationError(f"The {name} must be a real date", code="invalid") from None


def yes_no_field(label: str, *, required: bool = True, help_text: str = "") -> forms.TypedChoiceField:
    """A required yes/no question as radios: no tick box that silently means "no"."""
    return forms.TypedChoiceField(
        label=label,
        choices=[("yes", "Yes"), ("no", "No")],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
        required=required,
        help_text=help_text,
        error_messages={"required": f"Select yes or no: {label[0].lower()}{label[1:].rstrip('?')}"},
    )


def _initial_value(bf: forms.BoundField) -> Any:
    value = bf.value()
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value


def field_kind(bf: forms.BoundField) -> str:
    widget = bf.field.widget
    if isinstance(widget, DateInputWidget):
        return "date"
    # CheckboxSelectMultiple is a subclass of RadioSelect in Django, so it must be tested first.
    if isinstance(widget, forms.CheckboxSelectMultiple):
        return "checkboxes"
    if isinstance(widget, forms.RadioSelect):
        return "radios"
    if isinstance(widget, forms.CheckboxInput):
        return "checkbox"
    if isinstance(widget, forms.Select):
        return "select"
    if isinstance(widget, forms.Textarea):
        return "textarea"
    if isinstance(widget, forms.HiddenInput):
        return "hidden"
    return "input"


def field_params(bf: forms.BoundField, **extra: Any) -> dict[str, Any]:
    """Parameters for the NHS.UK component matching this field."""
    kind = field_kind(bf)
    label = str(bf.label)
    params: dict[str, Any] = {"name": bf.html_name, "id": bf.auto_id}
    if bf.help_text:
        params["hint"] = {"text": str(bf.help_text)}
    if bf.errors:
        params["errorMessage"] = {"text": str(bf.errors[0])}
    value = _initial_value(bf)
    if kind == "date":
        if isinstance(value, date):
            parts = {"day": value.day, "month": value.month, "year": value.year}
        elif isinstance(value, tuple | list):
            parts = dict(zip(("day", "month", "year"), value, strict=True))
        else:
            parts = {}
        params["fieldset"] = {"legend": {"text": label, "size": "s"}}
        params["items"] = [
            {"name": f"{bf.html_name}-{part}", "id": f"{bf.auto_id}-{part}", "label": part.capitalize(), "value": parts.get(part, ""),
             "width": 4 if part == "year" else 2, "classes": "nhsuk-input--error" if bf.errors else ""}
            for part in ("day", "month", "year")
        ]
        params["errorMessage"] = params.get("errorMessage", False)
    elif kind in {"radios", "checkboxes"}:
        params["idPrefix"] = bf.auto_id
        params["fieldset"] = {"legend": {"text": label, "size": "s"}}
        selected = value if isinstance(value, list | tuple) else [value]
        params["items"] = [
            {"value": str(code), "text": str(text), "checked": str(code) in [str(v) for v in selected]}
            for code, text in bf.field.choices  # type: ignore[attr-defined]
            if code != ""
        ]
        if kind == "radios" and len(params["items"]) == 2:
            params["classes"] = "nhsuk-radios--inline"
    elif kind == "checkbox":
        params["idPrefix"] = bf.auto_id
        params["items"] = [{"value": "on", "text": label, "checked": bool(bf.value())}]
    elif kind == "select":
        params["label"] = {"text": label}
        params["items"] = [
            {"value": str(code), "text": str(text), "selected": str(code) == str(value or "")}
            for code, text in bf.field.choices  # type: ignore[attr-defined]
        ]
    else:
        params["label"] = {"text": label}
        params["value"] = "" if value is None else value
        # FloatField is a subclass of IntegerField in Django, so test it first.
        if isinstance(bf.field, forms.FloatField):
            params["inputmode"] = "decimal"
        elif isinstance(bf.field, forms.IntegerField):
            params["inputmode"] = "numeric"
    params.update(extra)
    return params


def error_summary_items(form: forms.Form) -> list[dict[str, str]]:
    """Links from the error summary to each field with a problem, in the form's order."""
    items = [{"text": str(error), "href": "#"} for error in form.non_field_errors()]
    for bf in form:
        if bf.errors:
            anchor = f"{bf.auto_id}-day" if field_kind(bf) == "date" else bf.auto_id
            items.append({"text": str(bf.errors[0]), "href": f"#{anchor}"})
    return items
