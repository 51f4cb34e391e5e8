"""Concerns through the API: raising one as the page does (with its clock, task and audit), idempotent
retries, bad input saving nothing, listing and reading with the sharing rule, and every refusal."""

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kbs.accounts.models import User
from kbs.api.tests.calls import get, post_json
from kbs.audit.models import Action, AuditEvent
from kbs.chronology.models import Entry
from kbs.concerns import actions
from kbs.concerns.models import Concern, Task, TaskKind
from kbs.families.models import Family

NO_API = ["analyst", "admin", "dpo", "outsider"]


def url(family: Family) -> str:
    return reverse("api:family_concerns", args=[family.public_id])


def body(**changes: Any) -> dict[str, Any]:
    return {"baby": "family", "category": "unsafe_sleep", "severity": "medium",
            "what_was_seen": "Baby asleep on the sofa with dad at the 10am visit.", **changes}


def post(client: Client, family: Family, token: str | None, data: Any, **headers: str) -> Any:
    return post_json(client, url(family), token, data, **headers)


def test_raising_a_concern_is_the_same_as_on_the_page(client: Client, family: Family,
                                                      token_for: Callable[..., str]) -> None:
    baby = family.babies.get()
    response = post(client, family, token_for("health_visitor", ["concerns:write"]),
                    body(baby=str(baby.public_id), severity="high"))
    assert response.status_code == 201, response.content
    answer = response.json()
    concern = Concern.objects.get(public_id=answer["id"])
    assert concern.family == family
    assert concern.baby == baby
    assert concern.severity == "high"
    assert answer["state"] == "raised"
    assert answer["baby_id"] == str(baby.public_id)
    assert [step["to_state"] for step in answer["what_was_done"]] == ["raised"]
    assert Task.objects.filter(kind=TaskKind.DECIDE_CONCERN, urgent=True, source_id=str(concern.public_id)).count() == 1
    assert AuditEvent.objects.filter(action=Action.CREATE, family=family,
                                     summary__startswith="Raised a high-severity concern").count() == 1
    assert Entry.objects.filter(family=family, kind="concern").count() == 1


def test_a_retry_with_the_same_key_raises_one_concern(client: Client, family: Family,
                                                      token_for: Callable[..., str]) -> None:
    token = token_for("health_visitor")
    first = post(client, family, token, body(), **{"Idempotency-Key": "concern-1"})
    again = post(client, family, token, body(), **{"Idempotency-Key": "concern-1"})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Concern.objects.count() == 1
    different = post(client, family, token, body(severity="low"), **{"Idempotency-Key": "concern-1"})
    assert different.status_code == 422
    assert Concern.objects.count() == 1


@pytest.mark.parametrize(("changes", "item", "problem"), [
    ({"category": "gossip"}, "category", "Select a valid choice"),
    ({"severity": "extreme"}, "severity", "Select a valid choice"),
    ({"baby": "00000000-0000-0000-0000-000000000000"}, "baby", "Select a valid choice"),
    ({"what_was_seen": ""}, "what_was_seen", "Describe what you saw or heard"),
    ({"severity": 3}, "severity", ""),
])
def test_bad_input_is_400_and_saves_nothing(client: Client, family: Family, token_for: Callable[..., str],
                                            changes: dict[str, Any], item: str, problem: str) -> None:
    response = post(client, family, token_for("health_visitor"), body(**changes))
    assert response.status_code == 400, response.content
    errors = response.json()["errors"]
    assert any(e["item"] == item and problem in e["problem"] for e in errors), errors
    assert not Concern.objects.exists()
    assert not Task.objects.exists()
    assert not Entry.objects.filter(kind="concern").exists()


def test_another_involved_agency_may_raise_one(client: Client, family: Family, token_for: Callable[..., str]) -> None:
    response = post(client, family, token_for("midwife"), body())
    assert response.status_code == 201
    assert response.json()["agency"] == "Test Maternity"


@pytest.mark.parametrize("data", [body(), {}, "not json"])
def test_an_agency_not_involved_gets_404_whatever_the_body(client: Client, family: Family,
                                                           token_for: Callable[..., str], data: Any) -> None:
    response = post(client, family, token_for("police"), data)
    assert response.status_code == 404
    assert response.json() == {"errors": [{"item": "request", "problem": "not found"}]}
    assert not Concern.objects.exists()


@pytest.mark.parametrize("persona", NO_API)
def test_a_role_without_the_api_is_403(client: Client, family: Family, cast: dict[str, User],
                                       token_for: Callable[..., str], persona: str) -> None:
    concern = actions.raise_concern(by=cast["health_visitor"], family=family, baby=None, category="other",
                                    what_was_seen="Something", severity="low")
    token = token_for(persona)
    assert post(client, family, token, body()).status_code == 403
    assert get(client, url(family), token).status_code == 403
    assert get(client, reverse("api:concern", args=[concern.public_id]), token).status_code == 403
    assert Concern.objects.count() == 1


def test_no_token_is_401(client: Client, family: Family, cast: dict[str, User]) -> None:
    concern = actions.raise_concern(by=cast["health_visitor"], family=family, baby=None, category="other",
                                    what_was_seen="Something", severity="low")
    assert post(client, family, None, body()).status_code == 401
    assert get(client, url(family), None).status_code == 401
    assert get(client, reverse("api:concern", args=[concern.public_id]), None).status_code == 401
    assert Concern.objects.count() == 1


def test_raising_needs_concerns_write_and_reading_concerns_read(client: Client, family: Family,
                                                                token_for: Callable[..., str]) -> None:
    response = post(client, family, token_for("health_visitor", ["concerns:read", "families:write"]), body())
    assert response.status_code == 403
    assert "concerns:write" in response.json()["errors"][0]["problem"]
    assert get(client, url(family), token_for("health_visitor", ["concerns:write", "families:read"])).status_code == 403
    assert not Concern.objects.exists()


def test_a_concern_is_shared_once_decided(client: Client, family: Family, cast: dict[str, User],
                                          token_for: Callable[..., str]) -> None:
    concern = actions.raise_concern(by=cast["health_visitor"], family=family, baby=None, category="injury",
                                    what_was_seen="A bruise on the cheek", severity="medium")
    read = reverse("api:concern", args=[concern.public_id])
    midwife, police = token_for("midwife", ["concerns:read"]), token_for("police", ["concerns:read"])
    assert get(client, url(family), token_for("health_visitor", ["concerns:read"])).json()["count"] == 1
    assert get(client, url(family), midwife).json()["count"] == 0
    assert get(client, read, midwife).status_code == 404
    actions.decide_concern(by=cast["lead"], concern=concern, decision="refer_csc", rationale="A bruise on a baby")
    actions.record_referral(by=cast["lead"], family=family, concern=concern, to="csc", how="phone",
                            to_whom="Duty social worker", made_at=timezone.now(), reference="MASH-1")
    listed = get(client, url(family), midwife).json()
    assert listed["count"] == 1
    assert listed["concerns"][0]["decision"] == "refer_csc"
    answer = get(client, read, midwife).json()
    assert answer["state"] == "decided"
    assert answer["rationale"] == "A bruise on a baby"
    assert [r["reference"] for r in answer["referrals"]] == ["MASH-1"]
    assert [s["to_state"] for s in answer["what_was_done"]] == ["raised", "decided"]
    assert answer["what_was_done"][1]["by"].endswith("Test Health Visiting")
    assert AuditEvent.objects.filter(action=Action.VIEW, family=family,
                                     summary__startswith="Viewed a concern through the API with API token "
                                                         "'midwife system'").count() == 1
    assert get(client, url(family), police).status_code == 404
    assert get(client, read, police).status_code == 404


def test_open_only_leaves_out_closed_concerns(client: Client, family: Family, cast: dict[str, User],
                                              token_for: Callable[..., str]) -> None:
    concern = actions.raise_concern(by=cast["health_visitor"], family=family, baby=None, category="other",
                                    what_was_seen="Raised twice by mistake", severity="low")
    actions.close_concern(by=cast["lead"], concern=concern, note="Raised in error")
    token = token_for("health_visitor", ["concerns:read"])
    assert get(client, url(family), token).json()["count"] == 1
    assert get(client, url(family) + "?open_only=true", token).json()["count"] == 0
