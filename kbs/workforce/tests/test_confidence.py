"""Confidence self-ratings: saved through the action, shown to the person only."""

from typing import Any

import pytest
from django.db import IntegrityError
from django.test import Client
from django.urls import reverse

from kbs.accounts.models import User
from kbs.audit.models import AuditEvent
from kbs.workforce import actions
from kbs.workforce.models import CONFIDENCE_FIELDS, ConfidenceRating

BEFORE = dict.fromkeys(CONFIDENCE_FIELDS, 2)
AFTER = {**dict.fromkeys(CONFIDENCE_FIELDS, 4), "professional_curiosity": 2}


def _form(scores: dict[str, int]) -> dict[str, str]:
    return {name: str(value) for name, value in scores.items()}


def test_rate_confidence_saves_and_audits_without_the_scores(cast: dict[str, User]) -> None:
    rating = actions.rate_confidence(by=cast["health_visitor"], course_code="L2-PBFH", when="before", scores=BEFORE)
    assert rating.scores == BEFORE
    event = AuditEvent.objects.get(object_type="confidencerating")
    assert event.detail == {}


def test_one_rating_of_each_kind_per_course(cast: dict[str, User]) -> None:
    actions.rate_confidence(by=cast["health_visitor"], course_code="L2-PBFH", when="before", scores=BEFORE)
    with pytest.raises(actions.Refused, match="already"):
        actions.rate_confidence(by=cast["health_visitor"], course_code="L2-PBFH", when="before", scores=AFTER)
    actions.rate_confidence(by=cast["health_visitor"], course_code="L2-PBFH", when="after", scores=AFTER)
    actions.rate_confidence(by=cast["health_visitor"], course_code="L3-KBS", when="before", scores=BEFORE)
    assert ConfidenceRating.objects.count() == 3


@pytest.mark.parametrize("scores", [
    {**BEFORE, "know_safe_sleep": 6},
    {**BEFORE, "know_safe_sleep": 0},
    {k: v for k, v in BEFORE.items() if k != "professional_curiosity"},
    {**BEFORE, "know_safe_sleep": True},
])
def test_ratings_outside_1_to_5_are_refused(cast: dict[str, User], scores: dict[str, Any]) -> None:
    with pytest.raises(actions.Refused):
        actions.rate_confidence(by=cast["health_visitor"], course_code="L2-PBFH", when="before", scores=scores)
    assert not ConfidenceRating.objects.exists()


def test_the_database_refuses_a_rating_out_of_range(cast: dict[str, User]) -> None:
    from django.utils import timezone

    with pytest.raises(IntegrityError):
        ConfidenceRating.objects.create(
            user=cast["health_visitor"], course_code="L2-PBFH", when="before", rated_at=timezone.now(),
            **{**BEFORE, "deliver_safe_space": 9},
        )


def test_rating_through_the_page(cast: dict[str, User], client: Client) -> None:
    client.force_login(cast["health_visitor"])
    url = reverse("workforce:rate", args=["L2-PBFH", "before"])
    assert client.get(url).status_code == 200
    response = client.post(url, _form(BEFORE))
    assert response["Location"] == reverse("workforce:confidence")
    assert ConfidenceRating.objects.get(user=cast["health_visitor"]).scores == BEFORE


def test_missing_rating_shows_an_error_and_saves_nothing(cast: dict[str, User], client: Client) -> None:
    client.force_login(cast["health_visitor"])
    data = _form(BEFORE)
    del data["deliver_safe_handling"]
    data["know_safe_sleep"] = "7"
    response = client.post(reverse("workforce:rate", args=["L2-PBFH", "before"]), data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Choose a rating from 1 to 5 for giving the safe handling message" in page
    assert "Choose a rating from 1 to 5 for knowing the safe sleep message" in page
    assert not ConfidenceRating.objects.exists()


def test_rating_twice_through_the_page_is_refused(cast: dict[str, User], client: Client) -> None:
    client.force_login(cast["health_visitor"])
    url = reverse("workforce:rate", args=["L2-PBFH", "before"])
    client.post(url, _form(BEFORE))
    response = client.post(url, _form(AFTER))
    assert response.status_code == 400
    assert "already rated" in response.content.decode()
    assert ConfidenceRating.objects.get().scores == BEFORE


@pytest.mark.parametrize(("course", "when"), [("L9", "before"), ("L2-PBFH", "during")])
def test_unknown_course_or_moment_is_404(cast: dict[str, User], client: Client, course: str, when: str) -> None:
    client.force_login(cast["health_visitor"])
    assert client.get(reverse("workforce:rate", args=[course, when])).status_code == 404


def test_person_sees_their_own_before_and_after(cast: dict[str, User], client: Client) -> None:
    hv = cast["health_visitor"]
    actions.rate_confidence(by=hv, course_code="L2-PBFH", when="before", scores=BEFORE)
    actions.rate_confidence(by=hv, course_code="L2-PBFH", when="after", scores=AFTER)
    client.force_login(hv)
    page = client.get(reverse("workforce:confidence")).content.decode()
    assert "Knowing the safe sleep message" in page
    assert "+2" in page
    assert "No change" in page
    assert "You have given both ratings for this course" in page


def test_nobody_sees_anyone_elses_ratings(cast: dict[str, User], training_lead: User, client: Client) -> None:
    actions.rate_confidence(by=cast["midwife"], course_code="L2-PBFH", when="before", scores=AFTER)
    for user in [cast["health_visitor"], training_lead, cast["admin"]]:
        client.force_login(user)
        page = client.get(reverse("workforce:confidence")).content.decode()
        assert "Not rated" not in page  # no table at all: this person has rated nothing
        assert "Rate your confidence before" in page


def test_confidence_pages_refuse_outsiders_and_anonymous(cast: dict[str, User], client: Client) -> None:
    url = reverse("workforce:rate", args=["L2-PBFH", "before"])
    response = client.get(url)
    assert response.status_code == 302
    client.force_login(cast["outsider"])
    assert client.get(reverse("workforce:confidence")).status_code == 404
    assert client.post(url, _form(BEFORE)).status_code == 404
    assert not ConfidenceRating.objects.exists()
