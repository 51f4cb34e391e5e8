"""Every staff page: the happy path, a refusal (404) for every persona who may not use it, the
sign-in redirect for anonymous visitors, and bad input on every form (400, error summary, nothing
saved)."""

import html
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kbs.accounts.models import Role, User
from kbs.accounts.permissions import Permission
from kbs.audit.models import Action, AuditEvent
from kbs.staff import presenters
from kbs.staff.models import SessionCutoff

pytestmark = pytest.mark.django_db

PERSONAS = ["health_visitor", "lead", "midwife", "police", "analyst", "admin", "dpo", "outsider"]
NOT_ADMINISTRATORS = [p for p in PERSONAS if p != "admin"]
ROLE_READERS = ["admin", "dpo"]


def _client(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _text(response: Any) -> str:
    return html.unescape(response.content.decode())


def _assert_sign_in_redirect(response: Any) -> None:
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:sign_in") + "?next=")


def _assert_not_found(response: Any) -> None:
    assert response.status_code == 404
    assert "Page not found" in _text(response)


def _slugs(user: User) -> set[str]:
    return set(User.objects.get(pk=user.pk).roles.values_list("slug", flat=True))


def _admin_urls(person: User) -> list[tuple[str, str, dict[str, str]]]:
    """Every administrator-only URL, with the method and a valid body."""
    return [
        ("get", reverse("staff:list"), {}),
        ("get", reverse("staff:person", args=[person.pk]), {}),
        ("get", reverse("staff:grant_role", args=[person.pk]), {}),
        ("post", reverse("staff:grant_role", args=[person.pk]), {"role": "gp", "reason": "New job"}),
        ("get", reverse("staff:remove_role", args=[person.pk]), {}),
        ("post", reverse("staff:remove_role", args=[person.pk]), {"role": "midwife", "reason": "Left"}),
        ("get", reverse("staff:deactivate", args=[person.pk]), {}),
        ("post", reverse("staff:deactivate", args=[person.pk]), {"reason": "Left"}),
        ("get", reverse("staff:reactivate", args=[person.pk]), {}),
        ("post", reverse("staff:reactivate", args=[person.pk]), {"reason": "Back"}),
        ("post", reverse("staff:sign_out_person", args=[person.pk]), {}),
    ]


# --- refusals: everyone but an administrator, and anonymous visitors ---------------------------


@pytest.mark.parametrize("persona", NOT_ADMINISTRATORS)
def test_administrator_pages_are_not_found_for_everyone_else(cast: dict[str, User], persona: str) -> None:
    target = cast["midwife"] if persona != "midwife" else cast["health_visitor"]
    before = _slugs(target)
    client = _client(cast[persona])
    for method, url, data in _admin_urls(target):
        _assert_not_found(getattr(client, method)(url, data))
    assert _slugs(target) == before
    assert User.objects.get(pk=target.pk).is_active
    assert not AuditEvent.objects.filter(action__in=[Action.ROLE, Action.SIGN_OUT]).exists()
    assert not SessionCutoff.objects.exists()


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p not in ROLE_READERS])
def test_role_descriptions_are_not_found_for_others(cast: dict[str, User], persona: str) -> None:
    _assert_not_found(_client(cast[persona]).get(reverse("staff:roles")))


def test_anonymous_visitors_are_sent_to_sign_in(cast: dict[str, User]) -> None:
    client = _client(None)
    for method, url, data in _admin_urls(cast["midwife"]):
        _assert_sign_in_redirect(getattr(client, method)(url, data))
    for url in (reverse("staff:roles"), reverse("staff:account")):
        _assert_sign_in_redirect(client.get(url))
    _assert_sign_in_redirect(client.post(reverse("staff:sign_out_everywhere")))
    assert _slugs(cast["midwife"]) == {"midwife"}
    assert not SessionCutoff.objects.exists()


def test_a_missing_person_is_not_found_for_an_administrator(cast: dict[str, User]) -> None:
    client = _client(cast["admin"])
    for method, url, data in _admin_urls(cast["midwife"]):
        missing = url.replace(f"/{cast['midwife'].pk}/", "/99999/")
        if missing != url:
            _assert_not_found(getattr(client, method)(missing, data))


# --- the staff list ------------------------------------------------------------------------------


def test_the_staff_list_shows_everyone_with_agency_and_roles(cast: dict[str, User]) -> None:
    response = _client(cast["admin"]).get(reverse("staff:list"))
    assert response.status_code == 200
    page = _text(response)
    assert "8 people" in page
    assert "Hv Tester" in page
    assert "Test Health Visiting" in page
    assert "Roles: Health visitor" in page
    assert "Roles: No roles" in page  # the outsider
    assert not AuditEvent.objects.filter(action=Action.SEARCH).exists()  # browsing is not a search


def test_the_staff_list_searches_by_name_and_username_and_filters_by_agency(cast: dict[str, User], agencies: dict[str, Any]) -> None:
    client = _client(cast["admin"])
    page = _text(client.get(reverse("staff:list"), {"q": "mw tester"}))
    assert "1 person found" in page
    assert "Mw Tester" in page
    page = _text(client.get(reverse("staff:list"), {"q": "pc-pe"}))
    assert "1 person found" in page
    page = _text(client.get(reverse("staff:list"), {"agency": agencies["hv"].pk}))
    assert "2 people found" in page
    assert "Hv Tester" in page
    assert "Lead Tester" in page
    assert "Mw Tester" not in page
    page = _text(client.get(reverse("staff:list"), {"q": "nobody-like-this"}))
    assert "Nobody matches" in page
    searches = AuditEvent.objects.filter(action=Action.SEARCH, summary="Searched staff accounts").order_by("id")
    assert [e.detail["query"] for e in searches] == ["mw tester", "pc-pe", "", "nobody-like-this"]
    assert searches[2].detail["agency"] == agencies["hv"].pk


@pytest.mark.parametrize("agency", ["99999", "not-a-number"])
def test_the_staff_list_refuses_an_unknown_agency(cast: dict[str, User], agency: str) -> None:
    response = _client(cast["admin"]).get(reverse("staff:list"), {"agency": agency})
    assert response.status_code == 400
    page = _text(response)
    assert "There is a problem" in page
    assert "Choose an agency from the list" in page


def test_the_staff_list_is_paginated(cast: dict[str, User], make_user: Callable[..., User], agencies: dict[str, Any]) -> None:
    for number in range(30):
        make_user(f"zz{number:02d}-person", "practitioner", agencies["police"])
    client = _client(cast["admin"])
    first = _text(client.get(reverse("staff:list")))
    assert "38 people" in first
    assert "Page 2" in first
    second = _text(client.get(reverse("staff:list"), {"page": 2}))
    assert second.count("Roles: ") == 13
    assert "Page 1" in second


def _list_queries(client: Client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("staff:list"), {"q": "tester"}).status_code == 200
    return len(queries)


def test_the_staff_list_costs_the_same_queries_for_any_number_of_people(
    cast: dict[str, User], make_user: Callable[..., User], agencies: dict[str, Any],
) -> None:
    client = _client(cast["admin"])
    few = _list_queries(client)
    for number in range(20):
        person = make_user(f"many{number:02d}-person", "practitioner", agencies["hv"])
        person.roles.add(Role.objects.get(slug="safeguarding-lead"))
    assert _list_queries(client) == few
    assert few <= 12  # session, user, roles, cutoff, agencies, search event, count, page, roles of the page…


# --- a person's page -----------------------------------------------------------------------------


def test_a_persons_page_shows_their_account_and_is_audited(cast: dict[str, User]) -> None:
    hv = cast["health_visitor"]
    response = _client(cast["admin"]).get(reverse("staff:person", args=[hv.pk]))
    assert response.status_code == 200
    page = _text(response)
    for text in ("Hv Tester", "hv-harriet", "Test Health Visiting", "Test Health Visiting team", "Active",
                 "Health visitor", "Specialist community public health nurse", "Never signed out of every device",
                 "Deactivate Hv Tester's account", "Give Hv Tester a role"):
        assert text in page, text
    assert "Last signed in" in page
    event = AuditEvent.objects.get(action=Action.VIEW, object_type="user")
    assert event.object_id == str(hv.pk)
    assert event.actor == cast["admin"]


# --- giving a role -------------------------------------------------------------------------------


def test_an_administrator_gives_a_role_with_a_reason(cast: dict[str, User]) -> None:
    police = cast["police"]
    client = _client(cast["admin"])
    form = _text(client.get(reverse("staff:grant_role", args=[police.pk])))
    assert "Safeguarding lead" in form
    assert 'value="practitioner"' not in form  # already held, so not offered
    response = client.post(reverse("staff:grant_role", args=[police.pk]),
                           {"role": "safeguarding-lead", "reason": "Named lead for the force"})
    assert response.status_code == 302
    assert response["Location"] == reverse("staff:person", args=[police.pk])
    assert _slugs(police) == {"practitioner", "safeguarding-lead"}
    page = _text(client.get(response["Location"]))
    assert "Pc Tester now has the role Safeguarding lead" in page
    event = AuditEvent.objects.get(action=Action.ROLE)
    assert event.detail["reason"] == "Named lead for the force"
    assert event.detail["role"] == "safeguarding-lead"


@pytest.mark.parametrize(("data", "message"), [
    ({"role": "no-such-role", "reason": "A reason"}, "Choose a role from the list"),
    ({"role": "", "reason": "A reason"}, "Choose a role"),
    ({"role": "health-visitor", "reason": "A reason"}, "Hv Tester already has the role Health visitor"),
    ({"role": "midwife", "reason": ""}, "Enter the reason for the change"),
    ({"role": "midwife", "reason": "   "}, "Enter the reason for the change"),
    ({"role": "midwife", "reason": "x" * 501}, "The reason must be 500 characters or fewer"),
])
def test_giving_a_role_refuses_bad_input(cast: dict[str, User], data: dict[str, str], message: str) -> None:
    hv = cast["health_visitor"]
    response = _client(cast["admin"]).post(reverse("staff:grant_role", args=[hv.pk]), data)
    assert response.status_code == 400
    page = _text(response)
    assert "There is a problem" in page
    assert message in page
    assert _slugs(hv) == {"health-visitor"}
    assert not AuditEvent.objects.filter(action=Action.ROLE).exists()


def test_giving_a_family_role_to_someone_without_an_agency_is_refused(cast: dict[str, User], make_user: Callable[..., User]) -> None:
    nobody = make_user("free-floater", None, None)
    client = _client(cast["admin"])
    assert "has no agency" in _text(client.get(reverse("staff:person", args=[nobody.pk])))
    response = client.post(reverse("staff:grant_role", args=[nobody.pk]), {"role": "midwife", "reason": "New job"})
    assert response.status_code == 400
    assert "Midwife is about families, so it needs an agency, and Free Tester has none" in _text(response)
    assert _slugs(nobody) == set()


# --- removing a role -----------------------------------------------------------------------------


def test_an_administrator_removes_a_role_with_a_reason(cast: dict[str, User]) -> None:
    midwife = cast["midwife"]
    client = _client(cast["admin"])
    form = _text(client.get(reverse("staff:remove_role", args=[midwife.pk]), {"role": "midwife"}))
    assert 'value="midwife" checked' in form
    assert 'value="gp"' not in form  # not held, so not offered
    response = client.post(reverse("staff:remove_role", args=[midwife.pk]), {"role": "midwife", "reason": "Left the trust"})
    assert response.status_code == 302
    assert _slugs(midwife) == set()
    assert "Mw Tester no longer has the role Midwife" in _text(client.get(response["Location"]))
    event = AuditEvent.objects.get(action=Action.ROLE)
    assert (event.detail["change"], event.detail["reason"]) == ("removed", "Left the trust")
    assert SessionCutoff.objects.filter(user=midwife).exists()


@pytest.mark.parametrize(("data", "message"), [
    ({"role": "no-such-role", "reason": "A reason"}, "Choose a role from the list"),
    ({"role": "gp", "reason": "A reason"}, "Hv Tester does not have the role GP"),
    ({"role": "health-visitor", "reason": ""}, "Enter the reason for the change"),
])
def test_removing_a_role_refuses_bad_input(cast: dict[str, User], data: dict[str, str], message: str) -> None:
    hv = cast["health_visitor"]
    response = _client(cast["admin"]).post(reverse("staff:remove_role", args=[hv.pk]), data)
    assert response.status_code == 400
    page = _text(response)
    assert "There is a problem" in page
    assert message in page
    assert _slugs(hv) == {"health-visitor"}
    assert not SessionCutoff.objects.exists()


def test_an_administrator_cannot_remove_their_own_administrator_role(cast: dict[str, User]) -> None:
    admin = cast["admin"]
    response = _client(admin).post(reverse("staff:remove_role", args=[admin.pk]), {"role": "administrator", "reason": "Testing"})
    assert response.status_code == 400
    assert "You cannot remove your own administrator role" in _text(response)
    assert _slugs(admin) == {"administrator"}


def test_removing_one_of_your_own_other_roles_keeps_you_signed_in(cast: dict[str, User]) -> None:
    """Your other sessions end, but not the one you made the change in; the role stops at once."""
    admin = cast["admin"]
    admin.roles.add(Role.objects.get(slug="training-lead"))
    client, elsewhere = _client(admin), _client(admin)
    response = client.post(reverse("staff:remove_role", args=[admin.pk]), {"role": "training-lead", "reason": "Cover over"})
    assert response.status_code == 302
    assert client.get(reverse("staff:list")).status_code == 200
    _assert_sign_in_redirect(elsewhere.get(reverse("staff:list")))
    assert _slugs(admin) == {"administrator"}


# --- a removed role takes effect on the next request ---------------------------------------------


def test_a_removed_role_stops_working_on_the_very_next_request(cast: dict[str, User], family: Any, monkeypatch: Any) -> None:
    """Roles are read afresh on every request, not kept in the session: with session ending
    switched off, the health visitor's very next request for the family is "not found"."""
    from kbs.staff import actions

    monkeypatch.setattr(actions, "_end_sessions", lambda person, now: None)
    hv = cast["health_visitor"]
    practitioner = _client(hv)
    assert practitioner.get(family.get_absolute_url()).status_code == 200
    response = _client(cast["admin"]).post(reverse("staff:remove_role", args=[hv.pk]),
                                           {"role": "health-visitor", "reason": "Left the trust"})
    assert response.status_code == 302
    _assert_not_found(practitioner.get(family.get_absolute_url()))


def test_removing_a_role_also_ends_the_persons_sessions(cast: dict[str, User], family: Any) -> None:
    hv = cast["health_visitor"]
    practitioner = _client(hv)
    assert practitioner.get(family.get_absolute_url()).status_code == 200
    _client(cast["admin"]).post(reverse("staff:remove_role", args=[hv.pk]), {"role": "health-visitor", "reason": "Left"})
    _assert_sign_in_redirect(practitioner.get(family.get_absolute_url()))
    # Signed in again, without the role: not found.
    _assert_not_found(_client(hv).get(family.get_absolute_url()))


# --- deactivating and reactivating ---------------------------------------------------------------


def test_an_administrator_deactivates_and_reactivates_an_account(cast: dict[str, User]) -> None:
    midwife = cast["midwife"]
    hers = _client(midwife)
    client = _client(cast["admin"])
    assert "will not be able to sign in" in _text(client.get(reverse("staff:deactivate", args=[midwife.pk])))
    response = client.post(reverse("staff:deactivate", args=[midwife.pk]), {"reason": "Left the trust"})
    assert response.status_code == 302
    page = _text(client.get(response["Location"]))
    assert "Mw Tester's account is deactivated and their sessions have ended" in page
    assert "Reactivate Mw Tester's account" in page
    assert hers.get(reverse("staff:account")).status_code == 302
    assert "will be able to sign in again" in _text(client.get(reverse("staff:reactivate", args=[midwife.pk])))
    response = client.post(reverse("staff:reactivate", args=[midwife.pk]), {"reason": "Came back"})
    assert response.status_code == 302
    assert "Mw Tester's account is active again" in _text(client.get(response["Location"]))
    assert User.objects.get(pk=midwife.pk).is_active
    # The session from before stays ended.
    _assert_sign_in_redirect(hers.get(reverse("staff:account")))
    assert [e.detail["change"] for e in AuditEvent.objects.filter(action=Action.ROLE).order_by("id")] == ["deactivated", "reactivated"]


@pytest.mark.parametrize(("view", "data", "message"), [
    ("staff:deactivate", {"reason": ""}, "Enter the reason for the change"),
    ("staff:deactivate", {"reason": "y" * 501}, "The reason must be 500 characters or fewer"),
    ("staff:reactivate", {"reason": ""}, "Enter the reason for the change"),
    ("staff:reactivate", {"reason": "Back"}, "Mw Tester's account is already active"),
])
def test_account_changes_refuse_bad_input(cast: dict[str, User], view: str, data: dict[str, str], message: str) -> None:
    midwife = cast["midwife"]
    response = _client(cast["admin"]).post(reverse(view, args=[midwife.pk]), data)
    assert response.status_code == 400
    page = _text(response)
    assert "There is a problem" in page
    assert message in page
    assert User.objects.get(pk=midwife.pk).is_active
    assert not AuditEvent.objects.filter(action=Action.ROLE).exists()


def test_an_administrator_cannot_deactivate_themselves(cast: dict[str, User]) -> None:
    admin = cast["admin"]
    client = _client(admin)
    assert "You cannot deactivate your own account" in _text(client.get(reverse("staff:person", args=[admin.pk])))
    response = client.post(reverse("staff:deactivate", args=[admin.pk]), {"reason": "Testing"})
    assert response.status_code == 400
    assert "You cannot deactivate your own account" in _text(response)
    assert User.objects.get(pk=admin.pk).is_active


# --- role descriptions ---------------------------------------------------------------------------


def test_every_permission_has_a_plain_english_sentence() -> None:
    missing = [p for p in Permission if not presenters.MEANINGS.get(p, "").strip()]
    assert missing == []
    assert set(presenters.MEANINGS) == set(Permission)


@pytest.mark.parametrize("persona", ROLE_READERS)
def test_role_descriptions_show_every_role_its_permissions_and_holders(cast: dict[str, User], make_user: Callable[..., User], persona: str) -> None:
    gone = make_user("gone-gary", "health-visitor", cast["health_visitor"].agency)
    gone.is_active = False
    gone.save()
    response = _client(cast[persona]).get(reverse("staff:roles"))
    assert response.status_code == 200
    page = _text(response)
    for role in Role.objects.all():
        assert role.name in page
        assert role.description in page
    for sentence in presenters.MEANINGS.values():
        assert sentence in page
    # One active health visitor; the deactivated one is not counted.
    section = page.split('id="role-health-visitor"')[1].split("</section>")[0]
    assert "Held by 1 active account" in section
    assert "Held by 0 active accounts" in page  # nobody in the cast is a GP
    assert ("Staff accounts" in page) == (persona == "admin")


def test_a_role_reader_without_the_other_permissions_can_read_them(cast: dict[str, User], make_user: Callable[..., User]) -> None:
    """Someone who may search the whole audit trail (without managing roles) is an IG reviewer."""
    reviewer = make_user("ig-ivy", None, cast["admin"].agency)
    reviewer_role = Role.objects.create(slug="ig-reviewer", name="IG reviewer", description="Reviews.",
                                        permissions=[Permission.SEARCH_AUDIT_ALL.value])
    reviewer.roles.add(reviewer_role)
    assert _client(reviewer).get(reverse("staff:roles")).status_code == 200


# --- navigation ----------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_staff_link_is_only_in_an_administrators_header(cast: dict[str, User], persona: str) -> None:
    page = _text(_client(cast[persona]).get(reverse("staff:account")))
    assert (f'href="{reverse("staff:list")}"' in page) == (persona == "admin")
    assert (f'href="{reverse("staff:roles")}"' in page) == (persona == "dpo")
