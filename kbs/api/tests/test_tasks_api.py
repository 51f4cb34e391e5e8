"""Tasks through the API: "My work", one task, completing one as the task page does (urgent ones need
what was done), idempotent retries, and every refusal (tasks are the agency's own)."""

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kbs.accounts.models import User
from kbs.api.actions import create_api_token
from kbs.api.tests.calls import get
from kbs.audit.models import Action, AuditEvent
from kbs.chronology.models import Entry
from kbs.concerns import actions
from kbs.concerns.models import Task, TaskKind, TaskState
from kbs.families.models import Family

NO_API = ["analyst", "admin", "dpo", "outsider"]


@pytest.fixture
def make_task(family: Family, cast: dict[str, User]) -> Callable[..., Task]:
    def make(urgent: bool = False, assigned: str | None = "health_visitor", title: str = "Revisit the sleep plan",
             days: int = 3) -> Task:
        task = actions.create_task(
            by=cast["lead"], family=family, kind=TaskKind.REVISIT_SLEEP_PLAN, title=title,
            agency=cast["health_visitor"].agency,  # type: ignore[arg-type]
            due_at=timezone.now() + timedelta(days=days), assigned_to=cast[assigned] if assigned else None,
            urgent=urgent, notify=False)
        assert task is not None
        return task

    return make


def complete(client: Client, task: Task, token: str | None, data: Any, **headers: str) -> Any:
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return client.post(reverse("api:complete_task", args=[task.public_id]), data=json.dumps(data),
                       content_type="application/json", headers=headers)


def read_url(task: Task) -> str:
    return reverse("api:task", args=[task.public_id])


def test_my_work_as_the_page_lists_it(client: Client, make_task: Callable[..., Task],
                                      token_for: Callable[..., str]) -> None:
    later = make_task(title="Later", days=5)
    overdue = make_task(title="Overdue", days=-1)
    urgent = make_task(title="Urgent", urgent=True, days=4)
    make_task(title="The lead's, unassigned", assigned=None)
    response = get(client, reverse("api:tasks"), token_for("health_visitor", ["tasks:read"]))
    assert response.status_code == 200, response.content
    answer = response.json()
    assert [t["id"] for t in answer["tasks"]] == [str(overdue.public_id), str(urgent.public_id), str(later.public_id)]
    assert answer["tasks"][0]["overdue"] is True
    assert answer["tasks"][1]["urgent"] is True
    assert answer["tasks"][2]["assigned_to"] == "Hv Tester"
    assert answer["tasks"][2]["completable"] is True
    assert AuditEvent.objects.filter(action=Action.SEARCH, summary__startswith="Listed my open tasks through the API "
                                                                              "with API token 'health_visitor system'").count() == 1
    lead = get(client, reverse("api:tasks"), token_for("lead")).json()
    assert [t["title"] for t in lead["tasks"]] == ["The lead's, unassigned"]


@pytest.mark.parametrize("persona", ["midwife", "police"])
def test_other_agencies_have_none_of_these_tasks(client: Client, make_task: Callable[..., Task],
                                                 token_for: Callable[..., str], persona: str) -> None:
    task = make_task()
    token = token_for(persona)
    assert get(client, reverse("api:tasks"), token).json()["tasks"] == []
    assert get(client, read_url(task), token).status_code == 404
    assert complete(client, task, token, {"note": "Done"}).status_code == 404
    task.refresh_from_db()
    assert task.state == TaskState.OPEN


@pytest.mark.parametrize("persona", ["health_visitor", "lead"])
def test_a_task_of_the_agency(client: Client, make_task: Callable[..., Task], token_for: Callable[..., str],
                              persona: str) -> None:
    task = make_task()
    response = get(client, read_url(task), token_for(persona, ["tasks:read"]))
    assert response.status_code == 200, response.content
    assert response.json()["title"] == "Revisit the sleep plan"
    assert response.json()["state"] == "open"
    assert AuditEvent.objects.filter(action=Action.VIEW, summary=f"Viewed a task through the API with API token "
                                                                 f"'{persona} system': Revisit the sleep plan").count() == 1


@pytest.mark.parametrize("persona", ["health_visitor", "lead"])
def test_completing_a_task_as_the_page_does(client: Client, family: Family, make_task: Callable[..., Task],
                                            token_for: Callable[..., str], persona: str) -> None:
    task = make_task()
    response = complete(client, task, token_for(persona, ["tasks:write"]), {"note": "Cot in use"})
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "done"
    assert response.json()["completion_note"] == "Cot in use"
    task.refresh_from_db()
    assert task.state == TaskState.DONE
    assert task.completion_note == "Cot in use"
    assert Entry.objects.filter(family=family, summary="Task done: Revisit the sleep plan. Cot in use").count() == 1
    assert AuditEvent.objects.filter(action=Action.UPDATE, summary__startswith="Completed a task").count() == 1


def test_a_note_may_be_empty_for_a_task_that_is_not_urgent(client: Client, make_task: Callable[..., Task],
                                                           token_for: Callable[..., str]) -> None:
    task = make_task()
    assert complete(client, task, token_for("health_visitor"), {"note": ""}).status_code == 200


def test_an_urgent_task_needs_what_was_done(client: Client, make_task: Callable[..., Task],
                                            token_for: Callable[..., str]) -> None:
    task = make_task(urgent=True)
    response = complete(client, task, token_for("health_visitor"), {"note": "  "})
    assert response.status_code == 400
    assert response.json()["errors"] == [{"item": "note", "problem": "Say what was done: this task is urgent"}]
    task.refresh_from_db()
    assert task.state == TaskState.OPEN
    assert not Entry.objects.filter(summary__startswith="Task done").exists()


@pytest.mark.parametrize("data", [{}, {"note": 7}, "not json"])
def test_a_body_without_a_note_is_400(client: Client, make_task: Callable[..., Task], token_for: Callable[..., str],
                                      data: Any) -> None:
    task = make_task()
    assert complete(client, task, token_for("health_visitor"), data).status_code == 400
    task.refresh_from_db()
    assert task.state == TaskState.OPEN


def test_a_task_already_done_or_done_by_deciding_is_400(client: Client, family: Family, cast: dict[str, User],
                                                       make_task: Callable[..., Task],
                                                       token_for: Callable[..., str]) -> None:
    token = token_for("lead")
    task = make_task()
    assert complete(client, task, token, {"note": "Done"}).status_code == 200
    again = complete(client, task, token, {"note": "Done again"})
    assert again.status_code == 400
    assert again.json()["errors"] == [{"item": "task", "problem": "This task is already done"}]
    concern = actions.raise_concern(by=cast["health_visitor"], family=family, baby=None, category="other",
                                    what_was_seen="Something", severity="low")
    decide = Task.objects.get(kind=TaskKind.DECIDE_CONCERN, source_id=str(concern.public_id))
    response = complete(client, decide, token, {"note": "Decided"})
    assert response.status_code == 400
    assert "concern is decided or closed" in response.json()["errors"][0]["problem"]
    decide.refresh_from_db()
    assert decide.state == TaskState.OPEN


def test_a_retry_with_the_same_key_completes_once(client: Client, make_task: Callable[..., Task],
                                                  token_for: Callable[..., str]) -> None:
    task = make_task()
    token = token_for("health_visitor")
    first = complete(client, task, token, {"note": "Done"}, **{"Idempotency-Key": "task-1"})
    again = complete(client, task, token, {"note": "Done"}, **{"Idempotency-Key": "task-1"})
    assert first.status_code == again.status_code == 200
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert AuditEvent.objects.filter(action=Action.UPDATE, summary__startswith="Completed a task").count() == 1


def test_only_the_assignee_or_a_lead_may_complete(client: Client, agencies: dict[str, Any],
                                                  make_user: Callable[..., User], make_task: Callable[..., Task],
                                                  token_for: Callable[..., str]) -> None:
    colleague = make_user("hv-colin", "health-visitor", agencies["hv"])
    task = make_task()
    token = create_api_token(by=None, user=colleague, name="colleague", scopes=None)[1]
    assert get(client, read_url(task), token).status_code == 200  # the agency's own work: a colleague may read it
    assert complete(client, task, token, {"note": "Done"}).status_code == 404
    task.refresh_from_db()
    assert task.state == TaskState.OPEN


@pytest.mark.parametrize("persona", NO_API)
def test_a_role_without_the_api_is_403(client: Client, make_task: Callable[..., Task],
                                       token_for: Callable[..., str], persona: str) -> None:
    task = make_task()
    token = token_for(persona)
    assert get(client, reverse("api:tasks"), token).status_code == 403
    assert get(client, read_url(task), token).status_code == 403
    assert complete(client, task, token, {"note": "Done"}).status_code == 403


def test_no_token_is_401_and_scopes_are_needed(client: Client, make_task: Callable[..., Task],
                                               token_for: Callable[..., str]) -> None:
    task = make_task()
    assert get(client, reverse("api:tasks"), None).status_code == 401
    assert get(client, read_url(task), None).status_code == 401
    assert complete(client, task, None, {"note": "Done"}).status_code == 401
    assert get(client, read_url(task), token_for("health_visitor", ["tasks:write"])).status_code == 403
    assert complete(client, task, token_for("health_visitor", ["tasks:read"]), {"note": "Done"}).status_code == 403
    task.refresh_from_db()
    assert task.state == TaskState.OPEN
