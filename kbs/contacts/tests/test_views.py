"""Every contacts URL: its happy path, and a refusal for each persona who must not use it; the form's
errors (which save nothing and keep what was typed); the three messages panel on the family page;
and query counts that do not grow with more people or contacts."""

import html
import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any
from uuid import uuid4

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kbs.accounts.models import User
from kbs.audit.models import Action, AuditEvent
from kbs.chronology.models import Entry
from kbs.concerns.models import Task
from kbs.conftest import baby_details
from kbs.contacts.models import Contact, LifeEvent, MessageDelivery
from kbs.contacts.tests.conftest import ALL_THREE
from kbs.families.models import Family, Person

YESTERDAY = timezone.localdate() - timedelta(days=1)
REFUSED = ["police", "analyst", "admin", "outsider"]


# --- helpers ---------------------------------------------------------------------------------


def _text(response: Any) -> str:
    return response.content.decode()


def _normalised(response: Any) -> str:
    page = re.sub(r'nonce="[^"]*"', 'nonce=""', _text(response))
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", page)


def _missing(url: str) -> str:
    return re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", str(uuid4()), url)


def _assert_not_found(client: Client, response: Any, url: str, method: str = "get") -> None:
    """A refusal is the very same page as a record that is not there."""
    assert response.status_code == 404
    missing = getattr(client, method)(_missing(url))
    assert missing.status_code == 404
    assert _normalised(response) == _normalised(missing)


def _assert_sign_in_redirect(response: Any) -> None:
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:sign_in") + "?next=")


def _error_next_to(response: Any, field_id: str) -> str:
    found = re.search(rf'id="{re.escape(field_id)}-error"\s*>\s*<span class="nhsuk-u-visually-hidden">Error: </span>(.*?)</span>',
                      _text(response), re.S)
    assert found, f"no error shown next to {field_id}"
    return " ".join(html.unescape(found.group(1)).split())


def _checked(response: Any, name: str) -> bool:
    found = re.search(rf'<input[^>]*name="{re.escape(name)}"[^>]*>', _text(response))
    assert found, f"no input named {name}"
    return "checked" in found.group(0)


def _counts() -> tuple[int, ...]:
    return (Contact.objects.count(), MessageDelivery.objects.count(), LifeEvent.objects.count(), Task.objects.count(),
            Entry.objects.count(), AuditEvent.objects.filter(action__in=[Action.CREATE, Action.UPDATE]).count())


def _post(on: date = YESTERDAY, present: list[Person] = (), given: dict[Person, tuple[str, ...]] | None = None,  # type: ignore[assignment]
          **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "date-day": str(on.day), "date-month": str(on.month), "date-year": str(on.year), "time": "10:30",
        "contact_type": "new_baby_review", "setting": "home", "present": [str(p.public_id) for p in present],
        "baby_seen": "yes", "sleep_place_observed": "cot", "language": "English", "interpreter_used": "no",
        "life_events": [], "life_event_note": "", "notes": "", "shared": "yes",
    }
    for person, messages in (given or {}).items():
        for message in messages:
            data[f"msg-{person.public_id}-{message}"] = "yes"
    data.update(overrides)
    return data


@pytest.fixture
def dad(family: Family, add_person: Callable[..., Person]) -> Person:
    return add_person(family, "Daniel", "father", lives_in_household=True, regular_carer=True)


def _record_url(family: Family) -> str:
    return reverse("contacts:record", args=[family.public_id])


# --- recording a contact ---------------------------------------------------------------------


def test_record_page_has_the_three_messages_for_each_person(
    client: Client, cast: dict[str, User], family: Family, mother: Person, dad: Person,
) -> None:
    client.force_login(cast["health_visitor"])
    response = client.get(_record_url(family))
    page = _text(response)
    assert response.status_code == 200
    for person in (mother, dad):
        for name in (*ALL_THREE, "leaflet", "understanding"):
            assert f'name="msg-{person.public_id}-{name}"' in page
    assert "Sophie Hart (birth mother)" in page
    assert "Daniel Hart (father)" in page
    assert "Safe handling, including coping with crying (ICON)" in page
    assert re.search(r'name="time"[^>]*value="\d\d:\d\d"', page)
    assert re.search(rf'name="date-year"[^>]*value="{timezone.localdate().year}"', page)
    for kind in ("A new partner", "A domestic abuse incident"):
        assert kind in page


@pytest.mark.parametrize("persona", ["health_visitor", "midwife", "lead"])
def test_record_contact_saves_and_returns_to_the_family(
    client: Client, cast: dict[str, User], family: Family, mother: Person, dad: Person, persona: str,
) -> None:
    user = cast[persona]
    client.force_login(user)
    response = client.post(_record_url(family), _post(
        present=[mother, dad], given={mother: ALL_THREE, dad: ("safe_handling",)},
        **{f"msg-{dad.public_id}-understanding": "yes", "life_events": ["visitors"], "life_event_note": "Family staying",
           "notes": "Talked through ICON with Daniel."},
    ))
    assert response.status_code == 302
    assert response["Location"] == family.get_absolute_url()
    contact = Contact.objects.get()
    assert (contact.agency, contact.practitioner, contact.contact_type) == (user.agency, user, "new_baby_review")
    assert timezone.localtime(contact.at).date() == YESTERDAY
    assert contact.deliveries.count() == 4
    assert contact.deliveries.get(person=dad).understanding_checked is True
    assert contact.life_events.get().note == "Family staying"
    assert Task.objects.get().assigned_to == user
    dad.refresh_from_db()
    assert dad.last_seen_on == YESTERDAY
    page = _text(client.get(family.get_absolute_url()))
    assert "Contact recorded" in page
    assert contact.get_absolute_url() in page


@pytest.mark.parametrize("persona", REFUSED)
def test_record_contact_refused_as_not_found(
    client: Client, cast: dict[str, User], family: Family, mother: Person, persona: str,
) -> None:
    client.force_login(cast[persona])
    url = _record_url(family)
    before = _counts()
    _assert_not_found(client, client.get(url), url)
    _assert_not_found(client, client.post(url, _post(present=[mother], given={mother: ALL_THREE})), url, method="post")
    assert _counts() == before


def test_record_contact_sends_anonymous_people_to_sign_in(client: Client, family: Family, mother: Person) -> None:
    url = _record_url(family)
    _assert_sign_in_redirect(client.get(url))
    _assert_sign_in_redirect(client.post(url, _post(present=[mother], given={mother: ALL_THREE})))
    assert not Contact.objects.exists()


def test_message_for_someone_not_present_is_shown_next_to_them_and_saves_nothing(
    client: Client, cast: dict[str, User], family: Family, mother: Person, dad: Person,
) -> None:
    client.force_login(cast["health_visitor"])
    before = _counts()
    response = client.post(_record_url(family), _post(
        present=[mother], given={mother: ALL_THREE, dad: ("safe_sleep", "safe_space")}, notes="Kept after the error",
    ))
    assert response.status_code == 400
    assert _counts() == before
    message = "Mark Daniel Hart as present, or untick the messages for him"
    assert _error_next_to(response, f"msg-{dad.public_id}") == message
    assert f'href="#msg-{dad.public_id}"' in _text(response)
    assert "Kept after the error" in _text(response)
    assert _checked(response, f"msg-{dad.public_id}-safe_sleep")
    assert not _checked(response, f"msg-{dad.public_id}-safe_handling")
    assert _checked(response, f"msg-{mother.public_id}-safe_space")
    assert re.search(rf'<input[^>]*value="{mother.public_id}"[^>]*checked', _text(response))
    dad.refresh_from_db()
    assert dad.last_seen_on is None


def test_how_without_any_message_is_an_error(
    client: Client, cast: dict[str, User], family: Family, mother: Person,
) -> None:
    client.force_login(cast["health_visitor"])
    response = client.post(_record_url(family), _post(present=[mother], **{f"msg-{mother.public_id}-leaflet": "yes"}))
    assert response.status_code == 400
    assert _error_next_to(response, f"msg-{mother.public_id}").startswith("Tick the messages you gave Sophie Hart")
    assert not Contact.objects.exists()


@pytest.mark.parametrize(("overrides", "field", "error"), [
    ({"date-day": str((timezone.localdate() + timedelta(days=1)).day),
      "date-month": str((timezone.localdate() + timedelta(days=1)).month),
      "date-year": str((timezone.localdate() + timedelta(days=1)).year)},
     "id_date", "The date of the contact must be today or in the past"),
    ({"date-day": "31", "date-month": "2"}, "id_date", "The date of the contact must be a real date"),
    ({"time": "25:00"}, "id_time", "Enter the time like 14:30"),
    ({"contact_type": ""}, "id_contact_type", "Select the type of contact"),
    ({"sleep_place_observed": ""}, "id_sleep_place_observed", "Select where the baby sleeps, or 'Not seen'"),
    ({"shared": ""}, "id_shared", "Select yes or no: share these notes with other agencies"),
])
def test_record_contact_errors_save_nothing_and_keep_what_was_typed(
    client: Client, cast: dict[str, User], family: Family, mother: Person,
    overrides: dict[str, str], field: str, error: str,
) -> None:
    client.force_login(cast["health_visitor"])
    before = _counts()
    response = client.post(_record_url(family), _post(present=[mother], given={mother: ("safe_sleep",)},
                                                      notes="Typed notes", **overrides))
    assert response.status_code == 400
    assert _error_next_to(response, field) == error
    assert _counts() == before
    assert "Typed notes" in _text(response)
    assert _checked(response, f"msg-{mother.public_id}-safe_sleep")


def test_family_with_nobody_recorded_can_still_record_a_contact(
    client: Client, cast: dict[str, User], make_family: Callable[..., Family],
) -> None:
    family = make_family()
    client.force_login(cast["health_visitor"])
    assert "Nobody in the baby's life is recorded yet" in html.unescape(_text(client.get(_record_url(family))))
    response = client.post(_record_url(family), _post())
    assert response.status_code == 302
    assert Contact.objects.get().present.count() == 0


# --- a contact's page ------------------------------------------------------------------------


@pytest.fixture
def contact(family: Family, mother: Person, dad: Person, record: Callable[..., Contact]) -> Contact:
    return record(family, given={mother: ALL_THREE, dad: ("safe_sleep",)}, notes="Dad works nights; sofa naps.",
                  life_events=[{"kind": "new_partner", "note": "Nan's new partner visiting"}])


@pytest.mark.parametrize("persona", ["health_visitor", "midwife", "lead"])
def test_contact_page_shows_the_contact_and_audits(
    client: Client, cast: dict[str, User], contact: Contact, persona: str,
) -> None:
    client.force_login(cast[persona])
    response = client.get(contact.get_absolute_url())
    page = html.unescape(_text(response))
    assert response.status_code == 200
    for shown in ("Home visit", "Sophie Hart, Daniel Hart", "Test Health Visiting", "Cot, crib or Moses basket",
                  "A new partner: Nan's new partner visiting", "Dad works nights; sofa naps.", "Leaflet given"):
        assert shown in page
    assert AuditEvent.objects.filter(action=Action.VIEW, actor=cast[persona], object_id=str(contact.public_id)).count() == 1


@pytest.mark.parametrize("persona", REFUSED)
def test_contact_page_refused_as_not_found(client: Client, cast: dict[str, User], contact: Contact, persona: str) -> None:
    client.force_login(cast[persona])
    views = AuditEvent.objects.filter(action=Action.VIEW).count()
    _assert_not_found(client, client.get(contact.get_absolute_url()), contact.get_absolute_url())
    assert AuditEvent.objects.filter(action=Action.VIEW).count() == views


def test_contact_page_sends_anonymous_people_to_sign_in(client: Client, contact: Contact) -> None:
    _assert_sign_in_redirect(client.get(contact.get_absolute_url()))


def test_unshared_notes_are_hidden_from_another_agency(
    client: Client, cast: dict[str, User], family: Family, mother: Person, record: Callable[..., Contact],
) -> None:
    unshared = record(family, given={mother: ALL_THREE}, notes="Kept to health visiting", shared=False,
                      life_events=[{"kind": "domestic_abuse", "note": "Told in confidence"}])
    client.force_login(cast["midwife"])
    page = html.unescape(_text(client.get(unshared.get_absolute_url())))
    assert "Notes kept by Test Health Visiting" in page
    assert "Kept to health visiting" not in page
    assert "Told in confidence" not in page
    assert "A domestic abuse incident" in page  # the fact is shared, the note is not
    assert "Sophie Hart" in page
    for persona in ("health_visitor", "lead"):
        client.force_login(cast[persona])
        page = html.unescape(_text(client.get(unshared.get_absolute_url())))
        assert "Kept to health visiting" in page
        assert "Told in confidence" in page
        assert "Notes kept by" not in page


# --- babies with gaps ------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["health_visitor", "midwife", "lead"])
def test_gaps_page_lists_babies_with_what_is_missing(
    client: Client, cast: dict[str, User], family: Family, mother: Person, dad: Person,
    record: Callable[..., Contact], persona: str,
) -> None:
    record(family, given={mother: ALL_THREE, dad: ("safe_sleep",)})
    client.force_login(cast[persona])
    response = client.get(reverse("contacts:gaps"))
    page = html.unescape(_text(response))
    assert response.status_code == 200
    assert "Amelia Hart" in page
    assert "Daniel Hart: no safe handling and safe space" in page
    assert "Sophie Hart:" not in page
    assert AuditEvent.objects.filter(action=Action.SEARCH, actor=cast[persona]).count() == 1


def test_gaps_page_leaves_out_families_with_no_gaps(
    client: Client, cast: dict[str, User], family: Family, mother: Person, dad: Person,
    record: Callable[..., Contact],
) -> None:
    record(family, given={mother: ALL_THREE, dad: ALL_THREE})
    client.force_login(cast["health_visitor"])
    page = _text(client.get(reverse("contacts:gaps")))
    assert "Amelia Hart" not in page
    assert "No gaps" in page


def test_gaps_page_shows_never_seen_carers(
    client: Client, cast: dict[str, User], family: Family, mother: Person, add_person: Callable[..., Person],
    record: Callable[..., Contact],
) -> None:
    record(family, given={mother: ALL_THREE})
    add_person(family, "Lee", "mothers_partner", lives_in_household=True)
    client.force_login(cast["health_visitor"])
    page = _text(client.get(reverse("contacts:gaps")))
    assert "Lee Hart: never seen by a practitioner and never given any of the three messages" in page


def test_gaps_page_shows_only_families_the_user_can_see(
    client: Client, cast: dict[str, User], family: Family, mother: Person,
) -> None:
    client.force_login(cast["police"])
    response = client.get(reverse("contacts:gaps"))
    assert response.status_code == 200
    assert "Amelia Hart" not in _text(response)


@pytest.mark.parametrize("persona", ["analyst", "admin", "outsider"])
def test_gaps_page_refused_without_family_access(client: Client, cast: dict[str, User], family: Family, persona: str) -> None:
    client.force_login(cast[persona])
    response = client.get(reverse("contacts:gaps"))
    assert response.status_code == 404
    assert "Amelia Hart" not in _text(response)


def test_gaps_page_sends_anonymous_people_to_sign_in(client: Client) -> None:
    _assert_sign_in_redirect(client.get(reverse("contacts:gaps")))


def test_gaps_in_the_navigation_only_for_people_who_see_families(client: Client, cast: dict[str, User]) -> None:
    link = f'href="{reverse("contacts:gaps")}"'
    client.force_login(cast["health_visitor"])
    assert link in _text(client.get(reverse("families:mine")))
    client.force_login(cast["analyst"])
    assert link not in _text(client.get(reverse("home"), follow=True))


# --- the family page's panel -----------------------------------------------------------------


def test_family_page_shows_the_three_messages_and_gaps(
    client: Client, cast: dict[str, User], family: Family, mother: Person, dad: Person, record: Callable[..., Contact],
) -> None:
    contact = record(family, given={mother: ALL_THREE}, present=[mother, dad])
    client.force_login(cast["health_visitor"])
    page = html.unescape(_text(client.get(family.get_absolute_url())))
    assert "The three messages" in page
    assert ">Gaps<" in page
    assert page.count(">Not given<") == 3  # Daniel has none of the three
    assert "Daniel Hart has not had any of the three messages." in page
    assert "Not seen by anyone" not in page  # he was there
    assert reverse("contacts:record", args=[family.public_id]) in page
    assert contact.get_absolute_url() in page


def test_family_page_says_when_every_carer_has_every_message(
    client: Client, cast: dict[str, User], family: Family, mother: Person, dad: Person, record: Callable[..., Contact],
) -> None:
    record(family, given={mother: ALL_THREE, dad: ALL_THREE})
    client.force_login(cast["midwife"])
    page = _text(client.get(family.get_absolute_url()))
    assert "Every carer has all three messages" in page
    assert "Not given" not in page


def test_family_page_warns_of_an_unseen_carer_with_no_messages(
    client: Client, cast: dict[str, User], family: Family, add_person: Callable[..., Person],
) -> None:
    add_person(family, "Lee", "mothers_partner", lives_in_household=True)
    client.force_login(cast["health_visitor"])
    page = _text(client.get(family.get_absolute_url()))
    assert "Not seen by anyone" in page
    assert "Lee Hart lives with or looks after the baby but has not been seen by a practitioner." in page
    assert "Sophie Hart, Lee Hart have not had any of the three messages." in page


# --- queries do not grow ---------------------------------------------------------------------
# Each test counts the queries at a small size, then grows the data and holds the page to the same
# count. Other panels on the family page add their own queries, so the bound is measured, not fixed.


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries.captured_queries)


def _add_contacts(family: Family, people: list[Person], record: Callable[..., Contact], cast: dict[str, User],
                  how_many: int) -> None:
    for n in range(how_many):
        record(family, by=cast["midwife" if n % 2 else "health_visitor"], given={p: ALL_THREE[: 1 + n % 3] for p in people},
               at=timezone.now() - timedelta(days=n + 1))


def test_family_page_queries_do_not_grow_with_people_or_contacts(
    client: Client, cast: dict[str, User], family: Family, mother: Person, add_person: Callable[..., Person],
    record: Callable[..., Contact], django_assert_max_num_queries: Any,
) -> None:
    client.force_login(cast["health_visitor"])
    people = [mother, add_person(family, "Carer", "other_adult", regular_carer=True)]
    _add_contacts(family, people, record, cast, 1)
    small = _queries(client, family.get_absolute_url())
    people += [add_person(family, f"Carer{n}", "other_adult", regular_carer=True) for n in range(10)]
    add_person(family, "Unseen", "mothers_partner", lives_in_household=True)
    _add_contacts(family, people, record, cast, 10)
    with django_assert_max_num_queries(small):
        response = client.get(family.get_absolute_url())
    page = _text(response)
    assert page.count("/contacts/") >= 5
    assert "Not seen by anyone" in page


def test_gaps_page_queries_do_not_grow_with_families(
    client: Client, cast: dict[str, User], make_family: Callable[..., Family], add_person: Callable[..., Person],
    record: Callable[..., Contact], django_assert_max_num_queries: Any,
) -> None:
    def add_families(start: int, stop: int) -> None:
        for n in range(start, stop):
            family = make_family(baby=baby_details(nhs_number="", given_name=f"Baby{n}"))
            mum = add_person(family, "Mum", "birth_mother", lives_in_household=True)
            add_person(family, "Partner", "mothers_partner", lives_in_household=True)
            record(family, given={mum: ALL_THREE[: 1 + n % 3]})
            record(family, given={mum: ("safe_sleep",)})

    client.force_login(cast["health_visitor"])
    add_families(0, 2)
    small = _queries(client, reverse("contacts:gaps"))
    add_families(2, 14)
    with django_assert_max_num_queries(small):
        response = client.get(reverse("contacts:gaps"))
    assert _text(response).count("Partner Hart: never seen") == 14
