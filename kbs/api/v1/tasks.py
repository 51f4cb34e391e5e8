"""Tasks: the caller's open work, as "My work" lists it, one task, and marking one done.

Tasks are never shared: an agency's tasks are its own (`kbs.concerns.access.visible_tasks`). The
list is "My work": the open tasks assigned to the caller and, for a safeguarding lead, their
agency's unassigned ones. Completing goes through the task page's form
(`kbs.concerns.forms.CompleteTaskForm`: an urgent task needs what was done) and its action
(`kbs.concerns.actions.complete_task`: audit and chronology), and only the person the task is for, or
a safeguarding lead of its agency, may complete it; for anyone else the task is "not found".
"""

import datetime as dt
from typing import Any
from uuid import UUID

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, Router, Schema, params
from ninja.responses import Status

from kbs.accounts.models import User
from kbs.accounts.permissions import Permission
from kbs.api import auth
from kbs.api.auth import Caller
from kbs.api.idempotency import key_header, once
from kbs.api.v1.errors import REFUSALS, WITH_BAD_INPUT, ApiError, Errors
from kbs.audit.actions import record_event
from kbs.audit.models import Action
from kbs.concerns import access, actions, forms
from kbs.concerns.models import Task, TaskKind, TaskState
from kbs.concerns.states import TransitionRefused, is_lead_of
from kbs.families.access import NOT_FOUND

router = Router(tags=["Tasks"])
PAGE_SIZE = 25
PAGE: Any = params.Query(1, ge=1, le=100000, description="Which page of 25, from 1")  # type: ignore[type-arg]


class TaskOut(Schema):
    id: UUID
    family_id: UUID
    baby_id: UUID | None = Field(description="Null when the task is for the whole family")
    kind: str = Field(description="Such as revisit_sleep_plan, tool_action, decide_concern, record_outcome")
    title: str
    agency: str
    assigned_to: str | None = Field(description="Null when it waits for any safeguarding lead of the agency")
    due_at: dt.datetime
    overdue: bool
    urgent: bool = Field(description="An urgent task needs a note of what was done to complete it")
    state: str = Field(description="open, done or cancelled")
    completable: bool = Field(description="Whether it can be completed here; a decide_concern task is done by "
                                          "deciding the concern on the web")
    completed_at: dt.datetime | None
    completion_note: str
    source_type: str = Field(description="What made the task: assessment, contact, concern, referral, or empty")
    source_id: str


class TaskPage(Schema):
    tasks: list[TaskOut]
    page: int
    pages: int
    count: int


class Completion(Schema):
    """What was done. Required (it may be empty) for a task that is not urgent; an urgent task needs it."""

    model_config = {"json_schema_extra": {"examples": [{"note": "Revisited the sleep plan with mum; cot in use."}]}}

    note: str = Field(max_length=5000, description="What was done; may be empty unless the task is urgent")


def _may_complete(user: User, task: Task) -> bool:
    return task.assigned_to_id == user.pk or is_lead_of(user, task.agency_id)


def _task_they_may_complete(request: HttpRequest, caller: Caller | None) -> Caller | None:
    """Refuse a task the caller may not complete (404) before the body is read, as the web does."""
    if caller is not None:
        match = request.resolver_match
        task = access.task_for(caller.user, match.kwargs.get("task_id") if match else None,
                               need=Permission.EDIT_FAMILY, audit=False)
        if not _may_complete(caller.user, task):
            raise Http404(NOT_FOUND)
    return caller


# The API's two ways in, and then the task check; named as the schemes they extend, so that the
# schema declares the same two security schemes for every operation.
class BearerToken(auth.BearerToken):
    def __call__(self, request: HttpRequest) -> Caller | None:
        return _task_they_may_complete(request, super().__call__(request))


class SignedInSession(auth.SignedInSession):
    def __call__(self, request: HttpRequest) -> Caller | None:
        return _task_they_may_complete(request, super().__call__(request))


COMPLETE_AUTH = [BearerToken(), SignedInSession()]


def _caller(request: HttpRequest) -> Caller:
    return request.auth  # type: ignore[attr-defined, no-any-return]


def _via(caller: Caller) -> dict[str, Any]:
    return {"api": {"token": caller.token_name} if caller.token_name else {"session": True}}


def _task(task: Task, now: dt.datetime) -> dict[str, Any]:
    assigned = task.assigned_to
    return {
        "id": task.public_id, "family_id": task.family.public_id, "baby_id": task.baby.public_id if task.baby else None,
        "kind": task.kind, "title": task.title, "agency": str(task.agency),
        "assigned_to": (assigned.get_full_name() or assigned.username) if assigned else None,
        "due_at": task.due_at, "overdue": task.state == TaskState.OPEN and task.due_at < now, "urgent": task.urgent,
        "state": task.state, "completable": task.state == TaskState.OPEN and task.kind != TaskKind.DECIDE_CONCERN,
        "completed_at": task.completed_at, "completion_note": task.completion_note,
        "source_type": task.source_type, "source_id": task.source_id,
    }


@router.get("/tasks", response={200: TaskPage, **REFUSALS, 400: Errors}, url_name="tasks", operation_id="listTasks",
            summary="Your open tasks")
def list_tasks(request: HttpRequest, page: int = PAGE) -> dict[str, Any]:
    """The caller's open tasks, as "My work" lists them: overdue first, then urgent, then the soonest
    due; a safeguarding lead also sees their agency's unassigned tasks. 25 a page. Each call is in
    the audit trail with the token's name."""
    caller = _caller(request)
    tasks = access.my_work(caller.user).select_related("agency", "baby")
    paginator = Paginator(tasks, PAGE_SIZE)
    shown = paginator.get_page(page)
    now = timezone.now()
    answered = [_task(t, now) for t in shown.object_list]
    record_event(by=caller.user, action=Action.SEARCH,
                 summary=f"Listed my open tasks through the API with {caller.via} (page {shown.number})",
                 detail={"found": [str(t["id"]) for t in answered], **_via(caller)})
    return {"tasks": answered, "page": shown.number, "pages": paginator.num_pages, "count": paginator.count}


@router.get("/tasks/{task_id}", response={200: TaskOut, **REFUSALS}, url_name="task", operation_id="readTask",
            summary="A task")
def read_task(request: HttpRequest, task_id: UUID) -> dict[str, Any]:
    """One of your agency's tasks, audited as a view as its page is."""
    caller = _caller(request)
    task = access.task_for(caller.user, task_id, audit=False)
    record_event(by=caller.user, action=Action.VIEW, obj=task, family=task.family,
                 summary=f"Viewed a task through the API with {caller.via}: {task.title}", detail=_via(caller))
    return _task(task, timezone.now())


@router.post("/tasks/{task_id}/complete", response={200: TaskOut, **WITH_BAD_INPUT, 422: Errors},
             url_name="complete_task", operation_id="completeTask", summary="Complete a task", auth=COMPLETE_AUTH)
def complete_task(request: HttpRequest, response: HttpResponse, task_id: UUID, body: Completion,
                  idempotency_key: str | None = key_header()) -> Status[Any]:
    """Mark a task done with what was done, as the task page does. Only the person the task is for,
    or a safeguarding lead of its agency, may complete it (anyone else gets 404); an urgent task
    needs a note; a task already done or cancelled, or one done by deciding a concern, is refused
    with 400 and nothing changes."""
    caller = _caller(request)
    task = access.task_for(caller.user, task_id, need=Permission.EDIT_FAMILY, audit=False)

    def write() -> tuple[int, Any]:
        form = forms.CompleteTaskForm({"note": body.note}, urgent=task.urgent)
        if not form.is_valid():
            raise ApiError(400, [{"item": field, "problem": str(message)}
                                 for field, messages in form.errors.items() for message in messages])
        try:
            done = actions.complete_task(by=caller.user, task=task, note=form.cleaned_data["note"])
        except TransitionRefused as error:
            raise ApiError.one(400, "task", str(error)) from None
        done = access.task_for(caller.user, done.public_id, audit=False)
        return 200, _task(done, timezone.now())

    return once(request, response, caller=caller, key=idempotency_key, payload=body.model_dump(mode="json"),
                write=write)
