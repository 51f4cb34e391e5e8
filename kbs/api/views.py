"""Pages and answers around the JSON API that are not API operations themselves.

- `docs`: /api/docs, the API described for people, drawn from the OpenAPI schema itself: a plain
  NHS.UK page (no script, so it obeys our Content Security Policy and works without JavaScript).
- `not_found`: any other path under /api/v1/, answered in the API's error shape.

The operations themselves live in `kbs.api.v1`.
"""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from kbs.accounts.permissions import Permission, has_permission
from kbs.api.v1 import api
from kbs.api.v1.errors import NOT_FOUND, error_response

METHODS = ("get", "post", "put", "patch", "delete")


def not_found(request: HttpRequest) -> JsonResponse:
    return error_response(404, "request", NOT_FOUND)


# ---- the documentation page ------------------------------------------------------------------


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    """Follow a local "$ref" to its component."""
    ref = node.get("$ref")
    if not ref:
        return node
    found: Any = schema
    for part in ref.removeprefix("#/").split("/"):
        found = found[part]
    return dict(found)


def _type(schema: dict[str, Any], node: dict[str, Any]) -> str:
    """A short description of a JSON schema's type, in words."""
    node = _resolve(schema, node)
    if "anyOf" in node:
        kinds = [_type(schema, option) for option in node["anyOf"] if option.get("type") != "null"]
        return " or ".join(kinds) + (" or null" if len(kinds) < len(node["anyOf"]) else "")
    if "enum" in node:
        return "one of " + ", ".join(str(v) for v in node["enum"])
    kind = node.get("type", "object" if "properties" in node else "any")
    if kind == "array":
        return f"list of {_type(schema, node.get('items', {}))}"
    if kind == "object" and "title" in node:
        return str(node["title"])
    if node.get("format"):
        return f"{kind} ({node['format']})"
    return str(kind)


def _fields(schema: dict[str, Any], node: dict[str, Any]) -> list[dict[str, Any]]:
    node = _resolve(schema, node)
    required = set(node.get("required", []))
    return [
        {"name": name, "type": _type(schema, field), "required": name in required,
         "description": _resolve(schema, field).get("description", "")}
        for name, field in node.get("properties", {}).items()
    ]


def operations(schema: dict[str, Any]) -> list[dict[str, Any]]:
    """Every operation in the schema, in the order a reader needs: path, then method."""
    found = []
    for path, methods in schema.get("paths", {}).items():
        for method in METHODS:
            operation = methods.get(method)
            if operation is None:
                continue
            body = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
            body_schema = body.get("schema", {})
            responses = []
            for status, response in sorted(operation.get("responses", {}).items()):
                content = response.get("content", {}).get("application/json", {})
                responses.append({"status": status, "description": response.get("description", ""),
                                  "type": _type(schema, content["schema"]) if content.get("schema") else ""})
            found.append({
                "id": operation.get("operationId", f"{method}-{path}"),
                "method": method.upper(),
                "path": path,
                "summary": operation.get("summary", ""),
                "description": operation.get("description", ""),
                "parameters": [
                    {"name": p["name"], "where": p["in"], "required": p.get("required", False),
                     "type": _type(schema, p.get("schema", {})), "description": p.get("description", "")}
                    for p in operation.get("parameters", [])
                ],
                "body": operation.get("requestBody", {}).get("description", ""),
                "body_fields": _fields(schema, body_schema) if body_schema else [],
                "responses": responses,
            })
    return found


@login_required
@require_GET
def docs(request: HttpRequest) -> HttpResponse:
    if not has_permission(request.user, Permission.USE_API):  # type: ignore[arg-type]
        raise Http404("Page not found")
    schema = dict(api.get_openapi_schema())
    info = schema.get("info", {})
    return render(request, "api/docs.jinja", {
        "title": "API documentation",
        "info": info,
        "operations": operations(schema),
        "schemes": schema.get("components", {}).get("securitySchemes", {}),
    })
