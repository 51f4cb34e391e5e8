"""Every refusal and bad request in the API has the contract's error shape (tools contract §1):
`{"errors": [{"item": "…", "problem": "…"}]}`, with the status saying which kind it is.

django-ninja's own exceptions (failed authentication, parameters that do not validate, a body that
is not JSON, Http404 from an access module) are turned into that shape here, so that no operation
answers in any other shape and every operation can declare the same error responses.
"""

import functools
from collections.abc import Callable
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError

from kbs.accounts.permissions import Permission, has_permission
from kbs.api.auth import NotAllowed, RateLimited, session_caller, token_caller

SIGN_IN = "send a valid API token as 'Authorization: Bearer …', or sign in"
NO_API = "your role cannot use the API"
TOO_MANY = "this token has made too many requests this minute: try again after Retry-After seconds"
NOT_FOUND = "not found"


class Problem(Schema):
    item: str
    problem: str


class Errors(Schema):
    """What is wrong, item by item. `item` names an answer, a field, or what was refused."""

    errors: list[Problem]


class ApiError(Exception):
    """Raised by an operation to answer `status` with these problems."""

    def __init__(self, status: int, problems: list[dict[str, str]]) -> None:
        self.status = status
        self.problems = problems
        super().__init__(status, problems)

    @classmethod
    def one(cls, status: int, item: str, problem: str) -> "ApiError":
        return cls(status, [{"item": item, "problem": problem}])


# The responses every operation may give besides its own answer.
REFUSALS: dict[int, Any] = {401: Errors, 403: Errors, 404: Errors, 429: Errors}
WITH_BAD_INPUT: dict[int, Any] = {400: Errors, **REFUSALS}


def _item(location: Any) -> str:
    """The most specific name in a pydantic error location: ("body", "search", "postcode") → postcode."""
    names = [str(part) for part in location if isinstance(part, str)]
    return names[-1] if names else "request"


def install(api: NinjaAPI) -> None:
    """Answer every exception django-ninja raises in the contract's error shape."""

    def respond(request: HttpRequest, status: int, problems: list[dict[str, str]]) -> HttpResponse:
        return api.create_response(request, {"errors": problems}, status=status)

    def on_api_error(request: HttpRequest, exc: Any) -> HttpResponse:
        return respond(request, exc.status, exc.problems)

    def on_authentication(request: HttpRequest, exc: Any) -> HttpResponse:
        return respond(request, 401, [{"item": "authentication", "problem": SIGN_IN}])

    def on_not_allowed(request: HttpRequest, exc: Any) -> HttpResponse:
        return respond(request, 403, [{"item": "authentication", "problem": exc.problem or NO_API}])

    def on_rate_limited(request: HttpRequest, exc: Any) -> HttpResponse:
        response = respond(request, 429, [{"item": "authentication", "problem": TOO_MANY}])
        response["Retry-After"] = str(exc.retry_after)
        return response

    def on_not_found(request: HttpRequest, exc: Any) -> HttpResponse:
        # Access modules raise Http404 both for "not there" and "not yours": say the same for both.
        return respond(request, 404, [{"item": "request", "problem": NOT_FOUND}])

    def on_validation(request: HttpRequest, exc: Any) -> HttpResponse:
        problems = [{"item": _item(error.get("loc", ())), "problem": str(error.get("msg", "is not valid"))}
                    for error in exc.errors]
        return respond(request, 400, problems or [{"item": "request", "problem": "is not valid"}])

    def on_http_error(request: HttpRequest, exc: Any) -> HttpResponse:
        item = "body" if exc.status_code == 400 else "request"
        return respond(request, exc.status_code, [{"item": item, "problem": str(exc)}])

    api.add_exception_handler(ApiError, on_api_error)
    api.add_exception_handler(AuthenticationError, on_authentication)
    api.add_exception_handler(NotAllowed, on_not_allowed)
    api.add_exception_handler(RateLimited, on_rate_limited)
    api.add_exception_handler(Http404, on_not_found)
    api.add_exception_handler(ValidationError, on_validation)
    api.add_exception_handler(HttpError, on_http_error)


def error_response(status: int, item: str, problem: str) -> JsonResponse:
    """The error shape, for views outside django-ninja (the schema, unknown paths)."""
    response = JsonResponse({"errors": [{"item": item, "problem": problem}]}, status=status)
    response["Cache-Control"] = "no-store"
    return response


def caller_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """For /api/v1/openapi.json: like every operation, it needs a token or a signed-in session
    (with CSRF) of a role that may use the API."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        caller = token_caller(request) or session_caller(request)
        if caller is None:
            return error_response(401, "authentication", SIGN_IN)
        if not has_permission(caller.user, Permission.USE_API):
            return error_response(403, "authentication", NO_API)
        return view(request, *args, **kwargs)

    return wrapped
