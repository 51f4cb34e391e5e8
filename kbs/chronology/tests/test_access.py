"""Which chronology entries a person sees: shared ones, and their own agency's unshared ones."""

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from kbs.accounts.models import User
from kbs.chronology.access import entries_for
from kbs.chronology.actions import add_entry
from kbs.chronology.models import Entry, Kind
from kbs.families.models import Baby, Family


def _summaries(entries: Any) -> set[str]:
    return {entry.summary for entry in entries}


@pytest.fixture
def notes(family: Family, cast: dict[str, User]) -> dict[str, Entry]:
    return {
        "hv_private": add_entry(by=cast["health_visitor"], family=family, kind=Kind.CONTACT,
                                summary="Health visiting private note", shared=False),
        "maternity_private": add_entry(by=cast["midwife"], family=family, kind=Kind.CONTACT,
                                       summary="Maternity private note", shared=False),
        "maternity_shared": add_entry(by=cast["midwife"], family=family, kind=Kind.CONTACT,
                                      summary="Maternity shared note"),
    }


def test_entries_for_family_shows_shared_and_own_agency_entries(family: Family, cast: dict[str, User], notes: Any) -> None:
    seen = _summaries(entries_for(cast["health_visitor"], family=family))
    assert {"Health visiting private note", "Maternity shared note"} <= seen
    assert "Maternity private note" not in seen


def test_entries_for_family_shows_other_agency_its_own_unshared_entries(family: Family, cast: dict[str, User], notes: Any) -> None:
    seen = _summaries(entries_for(cast["midwife"], family=family))
    assert {"Maternity private note", "Maternity shared note"} <= seen
    assert "Health visiting private note" not in seen


def test_entries_for_family_safeguarding_lead_sees_own_agency_unshared_but_not_others(
    family: Family, cast: dict[str, User], notes: Any
) -> None:
    seen = _summaries(entries_for(cast["lead"], family=family))
    assert "Health visiting private note" in seen
    assert "Maternity private note" not in seen


def test_entries_for_user_without_agency_sees_no_unshared_entry(
    family: Family, cast: dict[str, User], make_user: Any
) -> None:
    add_entry(by=None, family=family, kind=Kind.CONTACT, summary="System note kept back", shared=False)
    nobody = make_user("free-floating", "health-visitor", None)
    assert "System note kept back" not in _summaries(entries_for(nobody, family=family))
    assert "System note kept back" not in _summaries(entries_for(cast["health_visitor"], family=family))


def test_entries_for_without_view_permission_is_empty(family: Family, cast: dict[str, User], notes: Any) -> None:
    assert not entries_for(cast["analyst"], family=family).exists()
    assert not entries_for(cast["outsider"], family=family).exists()


def test_entries_for_baby_includes_family_level_entries_but_not_a_siblings(family: Family, cast: dict[str, User]) -> None:
    baby = family.babies.get()
    # No action adds a second baby to a family yet, so the twin is made directly.
    twin = Baby.objects.create(family=family, given_name="Ava", family_name="Hart", date_of_birth=baby.date_of_birth)
    add_entry(by=cast["health_visitor"], family=family, baby=baby, kind=Kind.CONTACT, summary="About Amelia")
    add_entry(by=cast["health_visitor"], family=family, baby=twin, kind=Kind.CONTACT, summary="About Ava")
    add_entry(by=cast["health_visitor"], family=family, kind=Kind.LIFE_EVENT, summary="Family moved house")

    for_baby = _summaries(entries_for(cast["health_visitor"], baby=baby))
    assert {"About Amelia", "Family moved house"} <= for_baby
    assert "About Ava" not in for_baby
    assert {"About Amelia", "About Ava", "Family moved house"} <= _summaries(entries_for(cast["health_visitor"], family=family))


def test_entries_for_is_newest_first(family: Family, cast: dict[str, User]) -> None:
    now = timezone.now()
    add_entry(by=cast["health_visitor"], family=family, kind=Kind.CONTACT, summary="Older", at=now - timedelta(days=400))
    add_entry(by=cast["health_visitor"], family=family, kind=Kind.CONTACT, summary="Newer", at=now + timedelta(minutes=1))
    entries = list(entries_for(cast["health_visitor"], family=family))
    assert entries[0].summary == "Newer"
    assert entries[-1].summary == "Older"
    assert [e.at for e in entries] == sorted((e.at for e in entries), reverse=True)


def test_entries_for_needs_exactly_one_subject(family: Family, cast: dict[str, User]) -> None:
    with pytest.raises(TypeError):
        entries_for(cast["health_visitor"])
    with pytest.raises(TypeError):
        entries_for(cast["health_visitor"], family=family, baby=family.babies.get())


def test_entries_for_joins_what_a_row_needs(family: Family, cast: dict[str, User], django_assert_num_queries: Any) -> None:
    user = cast["health_visitor"]
    assert user.permissions  # roles are read once per request, not per query
    with django_assert_num_queries(1):
        for entry in entries_for(user, family=family):
            str(entry.agency)
            str(entry.baby)
