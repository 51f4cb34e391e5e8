"""The JSON API, version 1."""

import json

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from kbs.accounts.permissions import Permission, has_permission
from kbs.api.auth import api_user
from kbs.tools.engine import AnswersInvalid, evaluate
from kbs.tools.spec import UnknownTool, get_spec


def _errors(status: int, item: str, problem: str) -> JsonResponse:
    return JsonResponse({"errors": [{"item": item, "problem": problem}]}, status=status)


@csrf_exempt  # bearer tokens need no CSRF; session callers are checked in api_user
@require_POST
def evaluate_tool(request: HttpRequest, slug: str) -> JsonResponse:
    """Evaluate answers against a tool, exactly as `manage.py evaluate` does (contract §1)."""
    user = api_user(request)
    if user is None:
        return _errors(401, "authentication", "send a valid API token as 'Authorization: Bearer …', or sign in")
    if not has_permission(user, Permission.USE_API):
        return _errors(403, "authentication", "your role cannot use the API")
    try:
        spec = get_spec(slug)
    except UnknownTool:
        return _errors(404, "tool", f"unknown tool {slug!r}")
    try:
        body = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        return _errors(400, "answers", "the body must be a JSON object of item id to answer")
    if not isinstance(body, dict):
        return _errors(400, "answers", "the body must be a JSON object of item id to answer")
    settings = body.pop("_settings", None) if isinstance(body.get("_settings"), dict) else None
    try:
        outcome = evaluate(spec, body, settings)
    except AnswersInvalid as invalid:
        return JsonResponse({"errors": invalid.errors}, status=400)
    return JsonResponse(outcome.to_dict())
