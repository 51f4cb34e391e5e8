"""Training coverage: the figures on a small hand-made data set with known answers, the suppression
of small numbers, and who may see the page (it shows no names)."""

import html
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kbs.accounts.models import Agency, Team, User
from kbs.audit.models import Action, AuditEvent
from kbs.contacts import actions as contact_actions
from kbs.families import actions as family_actions
from kbs.families.models import Family, Person
from kbs.workforce import actions as workforce_actions
from kbs.workforce import coverage, records
from kbs.workforce.coverage import Change, Delivery, Facts, Span
from kbs.workforce.models import CONFIDENCE_FIELDS

TODAY = timezone.localdate()
ALL_THREE = ("safe_sleep", "safe_handling", "safe_space")


# --- the hand-made data set ------------------------------------------------------------------
#
# Health visiting (4 staff who meet families):
#   Harriet  L2 current; L3 current, expiring in 30 days.  Rated herself 2 before, 4 after.
#   Lucy     L2 expired yesterday (so untrained).           Rated herself before only.
#   Hana     L2 completed 10 days ago, expiring in 50 days. Champion for her team. Rated 3 before, 4 after.
#   Ex       no role any more, but recorded a contact, so still counted.
#   Two teams: Hana's (with a champion) and "HV North" (without).
# Maternity: Maya, L2 completed 5 days ago with the default three-year expiry. Police: Peter, untrained.
# The outsider (no role, no contacts), an inactive health visitor, and the partnership's staff are not counted.
#
# Contacts (everyone present must get all three messages for a contact to count as complete):
#   Harriet (trained)  1. Sophie and Jack, all three each: complete.  2. Sophie all three, Jack none: not.
#   Hana (trained)     3. Jack, safe sleep only: not complete.
#   Hana (before her training, 20 days ago)  4. Sophie, all three: complete, counts as untrained.
#   Lucy (untrained)   5. Sophie, all three: complete.
#   Ex (untrained)     6. nobody present: left out.
# So trained: 3 contacts, 1 complete, 2 staff; untrained: 2 contacts, 2 complete, 2 staff.


def _record(by: User, family: Family, given: dict[Person, tuple[str, ...]], present: list[Person], at: datetime | None = None) -> None:
    contact_actions.record_contact(
        by=by, family=family,
        details={"at": at or timezone.now() - timedelta(hours=1), "contact_type": "home_visit", "setting": "home",
                 "baby_seen": True, "sleep_place_observed": "cot", "language": "English", "interpreter_used": False,
                 "notes": "", "shared": True},
        present=present,
        deliveries=[{"person": p, "message": m, "leaflet_given": False, "understanding_checked": False}
                    for p, messages in given.items() for m in messages],
        life_events=[],
    )


def _rate(user: User, when: str, score: int) -> None:
    workforce_actions.rate_confidence(by=user, course_code="L2-PBFH", when=when, scores=dict.fromkeys(CONFIDENCE_FIELDS, score))


@pytest.fixture
def lead(agencies: dict[str, Agency], make_user: Callable[..., User]) -> User:
    return make_user("tl-tara", "training-lead", agencies["partnership"])


@pytest.fixture
def data_set(cast: dict[str, User], agencies: dict[str, Agency], make_user: Callable[..., User], family: Family, lead: User) -> dict[str, User]:
    hana = make_user("hana-hv", "health-visitor", agencies["hv"])
    ex = make_user("ex-hv", "health-visitor", agencies["hv"])
    make_user("gone-hv", "health-visitor", agencies["hv"], is_active=False)
    Team.objects.create(agency=agencies["hv"], name="HV North")
    harriet, lucy, maya = cast["health_visitor"], cast["lead"], cast["midwife"]

    def day(offset: int) -> str:
        return (TODAY + timedelta(days=offset)).isoformat()

    result = records.import_training_records(by=lead, data="\n".join([
        "email or username,course code,level,completed_on,score,expires_on",
        f"hv-harriet,L2-PBFH,2,{day(-100)},,{day(700)}",
        f"hv-harriet,L3-KBS,3,{day(-60)},,{day(30)}",
        f"lead-lucy,L2-PBFH,2,{day(-1200)},,{day(-1)}",
        f"hana-hv,L2-PBFH,2,{day(-10)},,{day(50)}",
        f"mw-maya,L2-PBFH,2,{day(-5)},,",
    ]).encode())
    assert result.problems == []
    workforce_actions.make_champion(by=lead, user=hana, team=None, areas_covered="", since=TODAY, contact_phone="")

    _rate(harriet, "before", 2)
    _rate(harriet, "after", 4)
    _rate(hana, "before", 3)
    _rate(hana, "after", 4)
    _rate(lucy, "before", 1)

    sophie = family.people.get(given_name="Sophie")
    jack = family_actions.add_person(by=harriet, family=family, details={
        "given_name": "Jack", "family_name": "Hart", "relationship": "father", "lives_in_household": True})
    _record(harriet, family, {sophie: ALL_THREE, jack: ALL_THREE}, [sophie, jack])
    _record(harriet, family, {sophie: ALL_THREE}, [sophie, jack])
    _record(hana, family, {jack: ("safe_sleep",)}, [jack])
    _record(hana, family, {sophie: ALL_THREE}, [sophie], at=timezone.now() - timedelta(days=20))
    _record(lucy, family, {sophie: ALL_THREE}, [sophie])
    _record(ex, family, {}, [])
    ex.roles.clear()
    assert maya  # in maternity, which is involved with the family but recorded no contact
    return {"harriet": harriet, "hana": hana, "ex": ex}


def test_coverage_figures_on_a_known_data_set(data_set: dict[str, User]) -> None:
    figures = {row.agency: row for row in coverage.coverage()}
    assert list(figures) == ["Test Health Visiting", "Test Maternity", "Test Police", "All agencies"]
    hv = figures["Test Health Visiting"]
    assert hv.staff == 4
    assert hv.trained == {2: 2, 3: 1}
    assert hv.expiring == {2: 1, 3: 1}
    assert (hv.teams, hv.teams_with_champion) == (2, 1)
    assert hv.confidence["know_safe_sleep"] == Change(people=2, before=2.5, after=4.0)
    assert hv.trained_delivery == Delivery(contacts=3, complete=1, staff=2)
    assert hv.untrained_delivery == Delivery(contacts=2, complete=2, staff=2)
    maternity = figures["Test Maternity"]
    assert (maternity.staff, maternity.trained, maternity.expiring) == (1, {2: 1, 3: 0}, {2: 0, 3: 0})
    assert maternity.trained_delivery == maternity.untrained_delivery == Delivery(0, 0, 0)
    police = figures["Test Police"]
    assert (police.staff, police.trained) == (1, {2: 0, 3: 0})
    total = figures["All agencies"]
    assert (total.staff, total.trained, total.teams, total.teams_with_champion) == (6, {2: 3, 3: 1}, 4, 1)
    assert total.trained_delivery == Delivery(3, 1, 2)


def test_training_expiring_today_is_not_current() -> None:
    assert not Span(2, date(2024, 1, 1), TODAY).current_on(TODAY)
    assert Span(2, date(2024, 1, 1), TODAY + timedelta(days=1)).current_on(TODAY)
    assert Span(2, date(2024, 1, 1), None).current_on(TODAY)
    assert not Span(2, TODAY + timedelta(days=1), None).current_on(TODAY)


def _facts(n: int) -> Facts:
    """n staff in one agency, the first half trained at Level 2, each with a before-and-after rating
    and two contacts (one complete)."""
    staff = dict.fromkeys(range(1, n + 1), 1)
    spans = {u: [Span(2, TODAY - timedelta(days=400), TODAY + timedelta(days=10 if u == 1 else 400))] for u in staff if u <= n // 2}
    return Facts(
        agencies={1: "Agency A"}, staff=staff, spans=spans, teams={1: [10, 11, 12, 13, 14, 15]}, champion_teams={10, 11, 12, 13, 14},
        ratings={u: (dict.fromkeys(CONFIDENCE_FIELDS, 2), dict.fromkeys(CONFIDENCE_FIELDS, 3 + (u % 2))) for u in staff},
        rating_agency=dict.fromkeys(staff, 1),
        contacts=[(u, TODAY, complete) for u in staff for complete in (True, False)],
    )


def test_build_on_a_pure_data_set_with_known_answers() -> None:
    row, total = coverage.build(_facts(10), TODAY)
    assert (row.staff, row.trained[2], row.expiring[2], row.teams_with_champion) == (10, 5, 1, 5)
    assert row.confidence["professional_curiosity"] == Change(10, 2.0, 3.5)
    assert row.trained_delivery == Delivery(10, 5, 5)
    assert row.untrained_delivery == Delivery(10, 5, 5)
    shown = coverage.present(row)
    assert shown["staff"] == "10"
    assert shown["trained"] == {2: "5 of 10 (50%)", 3: "0 of 10 (0%)"}
    assert shown["expiring"] == {2: "<5", 3: "0"}
    assert shown["champions"] == "5 of 6 (83%)"
    assert shown["confidence"][0] == ("Knowing the safe sleep message", "+1.5 (from 2.0 to 3.5)")
    assert shown["trained_delivery"] == "50% of 10 contacts, by 5 staff"
    assert total.agency == "All agencies"
    assert total.staff == 10


def test_small_numbers_are_suppressed() -> None:
    shown = coverage.present(coverage.build(_facts(4), TODAY)[0])
    assert shown["staff"] == "<5"
    assert shown["trained"][2] == "<5 of <5 (<5)"
    assert shown["confidence_people"] == "<5"
    assert {value for _, value in shown["confidence"]} == {"<5"}
    assert shown["trained_delivery"] == "<5"  # 4 contacts
    assert shown["untrained_delivery"] == "<5"


@pytest.mark.parametrize(("part", "whole", "expected"), [
    (0, 0, "0 of 0 (<5)"), (0, 12, "0 of 12 (0%)"), (3, 12, "<5 of 12 (<5)"), (5, 12, "5 of 12 (42%)"), (4, 4, "<5 of <5 (<5)"),
])
def test_of_suppresses_counts_and_shares_resting_on_fewer_than_five(part: int, whole: int, expected: str) -> None:
    assert coverage.of(part, whole) == expected


def test_confidence_change_needs_five_people() -> None:
    assert coverage.change(Change(4, 2.0, 4.0)) == "<5"
    assert coverage.change(Change(5, 3.0, 2.8)) == "-0.2 (from 3.0 to 2.8)"


# --- the page --------------------------------------------------------------------------------


def _client(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _text(response: Any) -> str:
    return html.unescape(response.content.decode())


@pytest.mark.parametrize("persona", ["analyst", "admin", "training_lead"])
def test_coverage_page_for_the_training_lead_and_analysts_shows_no_names(
    cast: dict[str, User], lead: User, data_set: dict[str, User], persona: str
) -> None:
    viewer = lead if persona == "training_lead" else cast[persona]
    response = _client(viewer).get(reverse("workforce:coverage"))
    assert response.status_code == 200
    page = _text(response)
    assert "Test Health Visiting" in page
    assert "All agencies" in page
    assert "Do trained staff give all three messages more often?" in page
    assert "<5" in page
    for name in ("Hv Tester", "Hana", "hv-harriet", "lead-lucy", "Lead Tester", "Mw Tester", "Sophie", "Jack", "Hart", "ex-hv"):
        assert name not in page, name
    assert AuditEvent.objects.filter(action=Action.VIEW, actor=viewer, summary="Viewed training coverage by agency").exists()


@pytest.mark.parametrize("persona", ["health_visitor", "lead", "midwife", "police", "outsider"])
def test_coverage_page_is_not_found_for_practitioners(cast: dict[str, User], persona: str) -> None:
    assert _client(cast[persona]).get(reverse("workforce:coverage")).status_code == 404


def test_coverage_page_asks_strangers_to_sign_in(db: Any) -> None:
    response = _client(None).get(reverse("workforce:coverage"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:sign_in"))
