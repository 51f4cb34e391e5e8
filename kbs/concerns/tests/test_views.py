"""Every concerns URL: the happy path, and a refusal for each persona who must not use it.

A refusal is a 404 with the very same page as a record that does not exist; anonymous people are
sent to sign in. Forms show errors next to the fields, keep what was typed, and save nothing (400).
"""

import html
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from uuid import uuid4

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kbs.accounts.models import User
from kbs.audit.models import AuditEvent
from kbs.concerns import actions
from kbs.concerns.models import Concern, Referral, Task, TaskKind, Transition
from kbs.families.models import Family

MISSING = str(uuid4())
NOT_INVOLVED = ["police", "analyst", "admin", "outsider"]


def _text(response: Any) -> str:
    return response.content.decode()


def _normalised(response: Any) -> str:
    page = re.sub(r'nonce="[^"]*"', 'nonce=""', _text(response))
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", page)


def _field_error(response: Any, field_id: str) -> str:
    found = re.search(rf'id="{field_id}-error"\s*>\s*<span class="nhsuk-u-visually-hidden">Error: </span>(.*?)</span>',
                      _text(response), re.S)
    assert found, f"no error shown next to {field_id}"
    return " ".join(html.unescape(found.group(1)).split())


def _assert_not_found(client: Client, response: Any, missing_url: str, method: str = "get") -> None:
    assert response.status_code == 404
    missing = getattr(client, method)(missing_url)
    assert missing.status_code == 404
    assert _normalised(response) == _normalised(missing)


def _assert_sign_in(response: Any) -> None:
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:sign_in") + "?next=")


def _counts() -> tuple[int, ...]:
    return Concern.objects.count(), Referral.objects.count(), Task.objects.count(), Transition.objects.count()


def _date(name: str, when: Any) -> dict[str, str]:
    local = timezone.localtime(when)
    return {f"{name}-day": str(local.day), f"{name}-month": str(local.month), f"{name}-year": str(local.year),
            "time": f"{local:%H:%M}"}


def _as(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


# --- raise a concern -------------------------------------------------------------------------


def _raise_post(family: Family, **overrides: str) -> dict[str, str]:
    data = {"baby": str(family.babies.first().public_id), "category": "injury",  # type: ignore[union-attr]
            "what_was_seen": "Bruise on the left cheek", "severity": "high"}
    data.update(overrides)
    return data


@pytest.mark.parametrize("who", ["health_visitor", "lead", "midwife"])
def test_raise_concern_page_and_post(client: Client, family: Family, cast: dict[str, User], who: str) -> None:
    url = reverse("concerns:raise", args=[family.public_id])
    _as(client, cast[who])
    page = client.get(url)
    assert page.status_code == 200
    assert "Raise a concern" in _text(page)
    response = client.post(url, _raise_post(family))
    concern = Concern.objects.get()
    assert response.status_code == 302
    assert response["Location"] == concern.get_absolute_url()
    assert (concern.raised_by, concern.severity, concern.baby) == (cast[who], "high", family.babies.first())


def test_raise_concern_about_the_whole_family(client: Client, family: Family, cast: dict[str, User]) -> None:
    _as(client, cast["health_visitor"]).post(reverse("concerns:raise", args=[family.public_id]), _raise_post(family, baby="family"))
    assert Concern.objects.get().baby is None


def test_raise_concern_errors_keep_what_was_typed_and_save_nothing(client: Client, family: Family, cast: dict[str, User]) -> None:
    before = _counts()
    response = _as(client, cast["health_visitor"]).post(
        reverse("concerns:raise", args=[family.public_id]), _raise_post(family, severity="", what_was_seen="Crying a lot"),
    )
    assert response.status_code == 400
    assert _field_error(response, "id_severity") == "Select how serious the concern is"
    assert "Crying a lot" in _text(response)
    assert 'value="injury" checked' in _text(response)
    assert "<title>Error:" in _text(response)
    assert _counts() == before


@pytest.mark.parametrize("who", NOT_INVOLVED)
def test_raise_concern_not_found_for_others(client: Client, family: Family, cast: dict[str, User], who: str) -> None:
    _as(client, cast[who])
    for method in ("get", "post"):
        response = getattr(client, method)(reverse("concerns:raise", args=[family.public_id]))
        _assert_not_found(client, response, reverse("concerns:raise", args=[MISSING]), method)
    assert not Concern.objects.exists()


def test_raise_concern_sends_anonymous_to_sign_in(client: Client, family: Family) -> None:
    _assert_sign_in(client.get(reverse("concerns:raise", args=[family.public_id])))


# --- the concern page ------------------------------------------------------------------------


def test_concern_page_for_the_raiser(client: Client, concern: Concern, cast: dict[str, User]) -> None:
    response = _as(client, cast["health_visitor"]).get(concern.get_absolute_url())
    page = _text(response)
    assert response.status_code == 200
    assert "A small bruise" in page
    assert "Due by" in page
    assert "Decide what happens" not in page
    assert "Close the concern" not in page
    assert "Hv Tester, Test Health Visiting" in page  # the timeline says who


def test_concern_page_for_the_lead_offers_the_decision(client: Client, concern: Concern, cast: dict[str, User]) -> None:
    page = _text(_as(client, cast["lead"]).get(concern.get_absolute_url()))
    assert "Decide what happens" in page
    assert reverse("concerns:decide", args=[concern.public_id]) in page


def test_concern_page_shows_overdue_in_red(client: Client, concern: Concern, cast: dict[str, User]) -> None:
    Concern.objects.filter(pk=concern.pk).update(decision_due_at=timezone.now() - timedelta(hours=1))
    page = _text(_as(client, cast["lead"]).get(concern.get_absolute_url()))
    assert '<strong class="nhsuk-tag nhsuk-tag--red">Overdue</strong>' in page


def test_undecided_concern_not_found_for_another_agency(client: Client, concern: Concern, cast: dict[str, User]) -> None:
    response = _as(client, cast["midwife"]).get(concern.get_absolute_url())
    _assert_not_found(client, response, reverse("concerns:concern", args=[MISSING]))


def test_decided_concern_is_shared_with_another_agency(client: Client, decided: Concern, cast: dict[str, User]) -> None:
    page = _text(_as(client, cast["midwife"]).get(decided.get_absolute_url()))
    assert "Refer to children&#39;s social care" in page
    assert "Record a referral" not in page
    assert "Close the concern" not in page


@pytest.mark.parametrize("who", NOT_INVOLVED)
def test_concern_page_not_found_for_others(client: Client, decided: Concern, cast: dict[str, User], who: str) -> None:
    response = _as(client, cast[who]).get(decided.get_absolute_url())
    _assert_not_found(client, response, reverse("concerns:concern", args=[MISSING]))


def test_concern_page_sends_anonymous_to_sign_in(client: Client, concern: Concern) -> None:
    _assert_sign_in(client.get(concern.get_absolute_url()))


# --- decide ----------------------------------------------------------------------------------


def test_decide(client: Client, concern: Concern, cast: dict[str, User]) -> None:
    response = _as(client, cast["lead"]).post(reverse("concerns:decide", args=[concern.public_id]),
                                              {"decision": "refer_csc", "rationale": "Bruise on a non-mobile baby"})
    assert response.status_code == 302
    assert response["Location"] == concern.get_absolute_url()
    concern.refresh_from_db()
    assert concern.decision == "refer_csc"
    page = _text(client.get(concern.get_absolute_url()))
    assert "Referral not recorded yet" in page
    assert "Record a referral" in page


def test_decide_errors_keep_the_choice_and_save_nothing(client: Client, concern: Concern, cast: dict[str, User]) -> None:
    before = _counts()
    response = _as(client, cast["lead"]).post(reverse("concerns:decide", args=[concern.public_id]), {"decision": "advice"})
    assert response.status_code == 400
    assert _field_error(response, "id_rationale") == "Give the reasons for your decision"
    assert 'value="advice" checked' in _text(response)
    assert _counts() == before


def test_decide_twice_shows_the_refusal(client: Client, decided: Concern, cast: dict[str, User]) -> None:
    before = _counts()
    response = _as(client, cast["lead"]).post(reverse("concerns:decide", args=[decided.public_id]),
                                              {"decision": "advice", "rationale": "Changed my mind"})
    assert response.status_code == 400
    assert "This concern is already decided, so it cannot be decided" in _text(response)
    assert _counts() == before


@pytest.mark.parametrize("who", ["health_visitor", "midwife", *NOT_INVOLVED])
def test_decide_not_found_for_anyone_but_the_lead(client: Client, concern: Concern, cast: dict[str, User], who: str) -> None:
    response = _as(client, cast[who]).post(reverse("concerns:decide", args=[concern.public_id]),
                                           {"decision": "advice", "rationale": "x"})
    _assert_not_found(client, response, reverse("concerns:decide", args=[MISSING]), "post")
    concern.refresh_from_db()
    assert concern.state == "raised"


def test_decide_not_found_for_another_agencys_lead(
    client: Client, decided: Concern, cast: dict[str, User], make_user: Callable[..., User], agencies: dict,
) -> None:
    other = make_user("lead-mo", "safeguarding-lead", agencies["maternity"])
    response = _as(client, other).post(reverse("concerns:close", args=[decided.public_id]), {"note": "x"})
    _assert_not_found(client, response, reverse("concerns:close", args=[MISSING]), "post")


def test_decide_get_is_not_allowed(client: Client, concern: Concern, cast: dict[str, User]) -> None:
    assert _as(client, cast["lead"]).get(reverse("concerns:decide", args=[concern.public_id])).status_code == 405


def test_decide_sends_anonymous_to_sign_in(client: Client, concern: Concern) -> None:
    _assert_sign_in(client.post(reverse("concerns:decide", args=[concern.public_id]), {}))


# --- close -----------------------------------------------------------------------------------


def test_close(client: Client, concern: Concern, cast: dict[str, User]) -> None:
    response = _as(client, cast["lead"]).post(reverse("concerns:close", args=[concern.public_id]), {"note": "Raised twice"})
    assert response.status_code == 302
    concern.refresh_from_db()
    assert concern.state == "closed"


def test_close_refused_with_an_open_referral(client: Client, referral: Referral, cast: dict[str, User]) -> None:
    concern = referral.concern
    assert concern is not None
    page = _text(_as(client, cast["lead"]).get(concern.get_absolute_url()))
    assert "Record the outcome of every referral" in page  # said before anyone tries
    before = _counts()
    response = client.post(reverse("concerns:close", args=[concern.public_id]), {"note": "All done"})
    assert response.status_code == 400
    assert "Record the outcome of every referral made about this concern before closing it" in _text(response)
    assert "All done" in _text(response)
    assert _counts() == before


def test_close_refused_for_high_severity_without_a_decision(
    client: Client, raise_concern: Callable[..., Concern], cast: dict[str, User],
) -> None:
    concern = raise_concern(severity="high")
    response = _as(client, cast["lead"]).post(reverse("concerns:close", args=[concern.public_id]), {"note": "Nothing"})
    assert response.status_code == 400
    assert "high-severity concern cannot be closed" in _text(response)


def test_close_needs_a_note(client: Client, concern: Concern, cast: dict[str, User]) -> None:
    response = _as(client, cast["lead"]).post(reverse("concerns:close", args=[concern.public_id]), {"note": ""})
    assert response.status_code == 400
    assert _field_error(response, "id_note") == "Say what was done, or why the concern is being closed"


@pytest.mark.parametrize("who", ["health_visitor", "midwife", *NOT_INVOLVED])
def test_close_not_found_for_anyone_but_the_lead(client: Client, concern: Concern, cast: dict[str, User], who: str) -> None:
    response = _as(client, cast[who]).post(reverse("concerns:close", args=[concern.public_id]), {"note": "x"})
    _assert_not_found(client, response, reverse("concerns:close", args=[MISSING]), "post")


def test_close_sends_anonymous_to_sign_in(client: Client, concern: Concern) -> None:
    _assert_sign_in(client.post(reverse("concerns:close", args=[concern.public_id]), {}))


# --- record a referral -----------------------------------------------------------------------


def _referral_post(**overrides: str) -> dict[str, str]:
    data = {"to": "csc", "how": "phone", "to_whom": "Duty social worker", "reference": "REF-1",
            **_date("day", timezone.now() - timedelta(minutes=10))}
    data.update(overrides)
    return data


@pytest.mark.parametrize("who", ["health_visitor", "lead"])
def test_record_referral_about_a_concern(client: Client, decided: Concern, cast: dict[str, User], who: str) -> None:
    url = reverse("concerns:record_referral_for_concern", args=[decided.public_id])
    page = _as(client, cast[who]).get(url)
    assert page.status_code == 200
    assert 'value="csc" checked' in _text(page)  # suggested by the decision
    response = client.post(url, _referral_post())
    referral = Referral.objects.get()
    assert response["Location"] == referral.get_absolute_url()
    assert (referral.concern, referral.made_by) == (decided, cast[who])


def test_record_referral_errors_keep_what_was_typed(client: Client, decided: Concern, cast: dict[str, User]) -> None:
    before = _counts()
    url = reverse("concerns:record_referral_for_concern", args=[decided.public_id])
    response = _as(client, cast["lead"]).post(url, _referral_post(to_whom="", time="25:00", reference="KEEP-ME"))
    assert response.status_code == 400
    assert _field_error(response, "id_to_whom") == "Enter who took the referral"
    assert _field_error(response, "id_time") == "The time the referral was made must be a time like 14:30"
    assert 'value="KEEP-ME"' in _text(response)
    assert _counts() == before


def test_record_referral_refuses_a_future_time(client: Client, decided: Concern, cast: dict[str, User]) -> None:
    url = reverse("concerns:record_referral_for_concern", args=[decided.public_id])
    response = _as(client, cast["lead"]).post(url, _referral_post(**_date("day", timezone.now() + timedelta(days=2))))
    assert response.status_code == 400
    assert "cannot be in the future" in _text(response)
    assert not Referral.objects.exists()


def test_record_referral_not_found_for_an_undecided_concern(client: Client, concern: Concern, cast: dict[str, User]) -> None:
    response = _as(client, cast["lead"]).get(reverse("concerns:record_referral_for_concern", args=[concern.public_id]))
    _assert_not_found(client, response, reverse("concerns:record_referral_for_concern", args=[MISSING]))


@pytest.mark.parametrize("who", ["midwife", *NOT_INVOLVED])
def test_record_referral_about_a_concern_not_found_outside_its_agency(
    client: Client, decided: Concern, cast: dict[str, User], who: str,
) -> None:
    url = reverse("concerns:record_referral_for_concern", args=[decided.public_id])
    _as(client, cast[who])
    for method in ("get", "post"):
        response = getattr(client, method)(url)
        _assert_not_found(client, response, reverse("concerns:record_referral_for_concern", args=[MISSING]), method)


@pytest.mark.parametrize("who", ["health_visitor", "midwife"])
def test_record_referral_from_the_family(client: Client, family: Family, cast: dict[str, User], who: str) -> None:
    url = reverse("concerns:record_referral", args=[family.public_id])
    assert _as(client, cast[who]).get(url).status_code == 200
    response = client.post(url, _referral_post(to="police"))
    assert response.status_code == 302
    assert Referral.objects.get().agency == cast[who].agency


@pytest.mark.parametrize("who", NOT_INVOLVED)
def test_record_referral_from_the_family_not_found_for_others(client: Client, family: Family, cast: dict[str, User], who: str) -> None:
    response = _as(client, cast[who]).get(reverse("concerns:record_referral", args=[family.public_id]))
    _assert_not_found(client, response, reverse("concerns:record_referral", args=[MISSING]))


def test_record_referral_sends_anonymous_to_sign_in(client: Client, family: Family, decided: Concern) -> None:
    _assert_sign_in(client.get(reverse("concerns:record_referral", args=[family.public_id])))
    _assert_sign_in(client.get(reverse("concerns:record_referral_for_concern", args=[decided.public_id])))


# --- the referral page, acknowledgement and outcome ------------------------------------------


@pytest.mark.parametrize("who", ["health_visitor", "lead", "midwife"])
def test_referral_page(client: Client, referral: Referral, cast: dict[str, User], who: str) -> None:
    response = _as(client, cast[who]).get(referral.get_absolute_url())
    page = _text(response)
    assert response.status_code == 200
    assert "Duty social worker, front door" in page
    assert "Due by" in page
    assert ("Record the acknowledgement" in page) is (who != "midwife")


@pytest.mark.parametrize("who", NOT_INVOLVED)
def test_referral_page_not_found_for_others(client: Client, referral: Referral, cast: dict[str, User], who: str) -> None:
    response = _as(client, cast[who]).get(referral.get_absolute_url())
    _assert_not_found(client, response, reverse("concerns:referral", args=[MISSING]))


def test_referral_page_sends_anonymous_to_sign_in(client: Client, referral: Referral) -> None:
    _assert_sign_in(client.get(referral.get_absolute_url()))


def test_acknowledge_then_outcome(client: Client, referral: Referral, cast: dict[str, User]) -> None:
    _as(client, cast["health_visitor"])
    response = client.post(reverse("concerns:acknowledge", args=[referral.public_id]),
                           {**_date("day", timezone.now()), "reference": "CSC-7"})
    assert response.status_code == 302
    page = _text(client.get(referral.get_absolute_url()))
    assert "Record the outcome" in page
    assert "Record the acknowledgement" not in page
    response = client.post(reverse("concerns:outcome", args=[referral.public_id]), {"outcome": "advice", "note": "Leaflets"})
    assert response.status_code == 302
    referral.refresh_from_db()
    assert (referral.state, referral.reference, referral.outcome) == ("outcome_recorded", "CSC-7", "advice")


def test_acknowledge_errors(client: Client, referral: Referral, cast: dict[str, User]) -> None:
    before = _counts()
    response = _as(client, cast["health_visitor"]).post(
        reverse("concerns:acknowledge", args=[referral.public_id]),
        {"day-day": "", "day-month": "", "day-year": "", "time": "10:00", "reference": "KEEP"},
    )
    assert response.status_code == 400
    assert _field_error(response, "id_day") == "Enter the date it was acknowledged"
    assert 'value="KEEP"' in _text(response)
    assert _counts() == before


def test_outcome_before_acknowledgement_is_refused(client: Client, referral: Referral, cast: dict[str, User]) -> None:
    response = _as(client, cast["health_visitor"]).post(reverse("concerns:outcome", args=[referral.public_id]), {"outcome": "advice"})
    assert response.status_code == 400
    assert "This referral is waiting for acknowledgement, so it cannot be given an outcome" in _text(response)


@pytest.mark.parametrize("who", ["midwife", *NOT_INVOLVED])
def test_acknowledge_and_outcome_not_found_outside_the_agency(client: Client, referral: Referral, cast: dict[str, User], who: str) -> None:
    _as(client, cast[who])
    for name in ("acknowledge", "outcome"):
        response = client.post(reverse(f"concerns:{name}", args=[referral.public_id]), {"outcome": "advice"})
        _assert_not_found(client, response, reverse(f"concerns:{name}", args=[MISSING]), "post")
    referral.refresh_from_db()
    assert referral.state == "made"


def test_acknowledge_sends_anonymous_to_sign_in(client: Client, referral: Referral) -> None:
    _assert_sign_in(client.post(reverse("concerns:acknowledge", args=[referral.public_id]), {}))
    _assert_sign_in(client.post(reverse("concerns:outcome", args=[referral.public_id]), {}))


# --- inbox, overdue and my work --------------------------------------------------------------


def test_inbox(client: Client, raise_concern: Callable[..., Concern], cast: dict[str, User]) -> None:
    concern = raise_concern(severity="high")
    page = _text(_as(client, cast["lead"]).get(reverse("concerns:inbox")))
    assert concern.get_absolute_url() in page
    assert "Amelia Hart" in page


@pytest.mark.parametrize("who", ["health_visitor", "midwife", *NOT_INVOLVED])
def test_inbox_and_overdue_not_found_for_non_leads(client: Client, cast: dict[str, User], who: str) -> None:
    _as(client, cast[who])
    for name in ("inbox", "overdue"):
        response = client.get(reverse(f"concerns:{name}"))
        assert response.status_code == 404
        assert "Page not found" in _text(response)


def test_lists_send_anonymous_to_sign_in(client: Client) -> None:
    for name in ("inbox", "overdue", "my_work"):
        _assert_sign_in(client.get(reverse(f"concerns:{name}")))


@pytest.mark.parametrize("concerns", [1, 12])
def test_inbox_queries_do_not_grow(
    client: Client, raise_concern: Callable[..., Concern], cast: dict[str, User], concerns: int,
    django_assert_max_num_queries: Any,
) -> None:
    for n in range(concerns):
        raise_concern(severity=["low", "medium", "high"][n % 3])
    _as(client, cast["lead"])
    with django_assert_max_num_queries(8):
        response = client.get(reverse("concerns:inbox"))
    assert len(re.findall(r'href="/concerns/[0-9a-f-]{36}/"', _text(response))) == concerns


def test_overdue_page(client: Client, referral: Referral, cast: dict[str, User]) -> None:
    assert "Nothing is overdue" in _text(_as(client, cast["lead"]).get(reverse("concerns:overdue")))
    actions.escalate_overdue(now=referral.acknowledgement_due_at + timedelta(minutes=1))
    page = _text(client.get(reverse("concerns:overdue")))
    assert referral.get_absolute_url() in page
    assert "Overdue" in page


def test_my_work_for_a_practitioner(client: Client, hv_task: Task, cast: dict[str, User]) -> None:
    page = _text(_as(client, cast["health_visitor"]).get(reverse("concerns:my_work")))
    assert hv_task.get_absolute_url() in page
    assert reverse("concerns:complete_task", args=[hv_task.public_id]) in page


def test_my_work_for_a_lead_shows_the_agencys_unassigned_tasks(client: Client, concern: Concern, cast: dict[str, User]) -> None:
    page = _text(_as(client, cast["lead"]).get(reverse("concerns:my_work")))
    assert "Decide on a concern" in page
    assert "Done when the concern is decided" in page
    assert "Decide on a concern" not in _text(_as(client, cast["health_visitor"]).get(reverse("concerns:my_work")))


@pytest.mark.parametrize("who", ["analyst", "admin", "outsider"])
def test_my_work_not_found_without_a_practitioner_role(client: Client, cast: dict[str, User], who: str) -> None:
    assert _as(client, cast[who]).get(reverse("concerns:my_work")).status_code == 404


@pytest.mark.parametrize("tasks", [1, 12])
def test_my_work_queries_do_not_grow(
    client: Client, family: Family, cast: dict[str, User], tasks: int, django_assert_max_num_queries: Any,
) -> None:
    hv = cast["health_visitor"]
    for n in range(tasks):
        actions.create_task(by=None, family=family, kind=TaskKind.OTHER, title=f"Task {n}", agency=hv.agency,  # type: ignore[arg-type]
                            due_at=timezone.now() + timedelta(hours=n - 3), urgent=n % 2 == 0, assigned_to=hv,
                            baby=family.babies.first())
    _as(client, hv)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("concerns:my_work"))
    assert _text(response).count("Mark as done") == tasks


def test_navigation_shows_my_work_to_practitioners_and_inbox_to_leads(client: Client, family: Family, cast: dict[str, User]) -> None:
    hv_page = _text(_as(client, cast["health_visitor"]).get(reverse("families:mine")))
    assert reverse("concerns:my_work") in hv_page
    assert reverse("concerns:inbox") not in hv_page
    lead_page = _text(_as(client, cast["lead"]).get(reverse("families:mine")))
    assert reverse("concerns:inbox") in lead_page


# --- tasks -----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["health_visitor", "lead"])
def test_task_page(client: Client, hv_task: Task, cast: dict[str, User], who: str) -> None:
    page = _text(_as(client, cast[who]).get(hv_task.get_absolute_url()))
    assert "Revisit the safe sleep plan" in page
    assert "Mark as done" in page
    assert ("Cancel the task" in page) is (who == "lead")


@pytest.mark.parametrize("who", ["midwife", *NOT_INVOLVED])
def test_task_page_not_found_outside_the_agency(client: Client, hv_task: Task, cast: dict[str, User], who: str) -> None:
    response = _as(client, cast[who]).get(hv_task.get_absolute_url())
    _assert_not_found(client, response, reverse("concerns:task", args=[MISSING]))


def test_task_page_sends_anonymous_to_sign_in(client: Client, hv_task: Task) -> None:
    _assert_sign_in(client.get(hv_task.get_absolute_url()))


def test_complete_task(client: Client, hv_task: Task, cast: dict[str, User]) -> None:
    response = _as(client, cast["health_visitor"]).post(reverse("concerns:complete_task", args=[hv_task.public_id]), {"note": "Done"})
    assert response.status_code == 302
    assert response["Location"] == reverse("concerns:my_work")
    hv_task.refresh_from_db()
    assert hv_task.state == "done"


def test_complete_urgent_task_needs_a_note(client: Client, family: Family, cast: dict[str, User]) -> None:
    hv = cast["health_visitor"]
    task = actions.create_task(by=None, family=family, kind=TaskKind.TOOL_ACTION, title="Same day", agency=hv.agency,  # type: ignore[arg-type]
                               due_at=timezone.now(), urgent=True, assigned_to=hv)
    response = _as(client, hv).post(reverse("concerns:complete_task", args=[task.public_id]), {"note": ""})
    assert response.status_code == 400
    assert _field_error(response, "id_note") == "Say what was done: this task is urgent"
    task.refresh_from_db()
    assert task.state == "open"


def test_complete_a_done_task_shows_the_refusal(client: Client, hv_task: Task, cast: dict[str, User]) -> None:
    actions.complete_task(by=cast["health_visitor"], task=hv_task)
    response = _as(client, cast["health_visitor"]).post(reverse("concerns:complete_task", args=[hv_task.public_id]), {"note": ""})
    assert response.status_code == 400
    assert "This task is already done" in _text(response)


def test_complete_unassigned_task_not_found_for_a_practitioner(client: Client, concern: Concern, cast: dict[str, User]) -> None:
    task = Task.objects.get(kind=TaskKind.DECIDE_CONCERN)
    response = _as(client, cast["health_visitor"]).post(reverse("concerns:complete_task", args=[task.public_id]), {"note": "x"})
    _assert_not_found(client, response, reverse("concerns:complete_task", args=[MISSING]), "post")


def test_cancel_task(client: Client, hv_task: Task, cast: dict[str, User]) -> None:
    _as(client, cast["lead"])
    response = client.post(reverse("concerns:cancel_task", args=[hv_task.public_id]), {"reason": ""})
    assert response.status_code == 400
    assert _field_error(response, "id_reason") == "Say why the task is no longer needed"
    response = client.post(reverse("concerns:cancel_task", args=[hv_task.public_id]), {"reason": "Moved away"})
    assert response.status_code == 302
    hv_task.refresh_from_db()
    assert hv_task.state == "cancelled"


def test_cancel_task_not_found_for_the_assignee(client: Client, hv_task: Task, cast: dict[str, User]) -> None:
    response = _as(client, cast["health_visitor"]).post(reverse("concerns:cancel_task", args=[hv_task.public_id]), {"reason": "x"})
    _assert_not_found(client, response, reverse("concerns:cancel_task", args=[MISSING]), "post")


@pytest.mark.parametrize("who", ["midwife", *NOT_INVOLVED])
def test_complete_and_cancel_not_found_outside_the_agency(client: Client, hv_task: Task, cast: dict[str, User], who: str) -> None:
    _as(client, cast[who])
    for name in ("complete_task", "cancel_task"):
        response = client.post(reverse(f"concerns:{name}", args=[hv_task.public_id]), {"note": "x", "reason": "x"})
        _assert_not_found(client, response, reverse(f"concerns:{name}", args=[MISSING]), "post")
    hv_task.refresh_from_db()
    assert hv_task.state == "open"


def test_task_actions_send_anonymous_to_sign_in(client: Client, hv_task: Task) -> None:
    for name in ("complete_task", "cancel_task"):
        _assert_sign_in(client.post(reverse(f"concerns:{name}", args=[hv_task.public_id]), {}))


# --- the family page -------------------------------------------------------------------------


def test_family_page_lists_open_concerns_and_offers_raise(client: Client, referral: Referral, cast: dict[str, User]) -> None:
    family = referral.family
    page = _text(_as(client, cast["midwife"]).get(family.get_absolute_url()))
    assert referral.get_absolute_url() in page
    assert referral.concern.get_absolute_url() in page  # type: ignore[union-attr]
    assert reverse("concerns:raise", args=[family.public_id]) in page


def test_family_page_views_are_audited_once(client: Client, family: Family, cast: dict[str, User]) -> None:
    _as(client, cast["health_visitor"])
    before = AuditEvent.objects.count()
    client.get(family.get_absolute_url())
    assert AuditEvent.objects.count() == before + 1  # the family view only: the concern list is not a read of each
