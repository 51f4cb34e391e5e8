"""Champions: naming and removing them, the directory, "my champion", and the cascade log."""

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kbs.accounts.models import Role, Team, User
from kbs.accounts.permissions import Permission, has_permission
from kbs.audit.models import Action, AuditEvent
from kbs.workforce import access, actions
from kbs.workforce.models import CascadeBriefing, Champion


@pytest.fixture
def make_champion(training_lead: User) -> Callable[..., Champion]:
    def make(user: User, **extra: Any) -> Champion:
        details: dict[str, Any] = {
            "team": user.team, "areas_covered": "Derby city south", "since": date(2024, 3, 1),
            "contact_phone": "01332 123456",
        }
        details.update(extra)
        return actions.make_champion(by=training_lead, user=user, **details)

    return make


@pytest.fixture
def champion(make_champion: Callable[..., Champion], cast: dict[str, User]) -> Champion:
    """The safeguarding lead is the health-visiting team's champion."""
    return make_champion(cast["lead"])


# --- Roles -------------------------------------------------------------------------------------------


def test_training_lead_role_manages_training_and_administrators_do_too(db: Any) -> None:
    role = Role.objects.get(slug="training-lead")
    assert Permission.MANAGE_TRAINING in role.permissions
    assert "confidence" in role.description
    assert "never one person's answers" in role.description
    assert Permission.MANAGE_TRAINING in Role.objects.get(slug="administrator").permissions
    for slug in ["health-visitor", "practitioner", "safeguarding-lead", "analyst"]:
        assert Permission.MANAGE_TRAINING not in Role.objects.get(slug=slug).permissions


def test_training_lead_has_no_access_to_families(training_lead: User) -> None:
    assert not has_permission(training_lead, Permission.VIEW_FAMILY)


# --- Actions -----------------------------------------------------------------------------------------


def test_make_champion_records_and_audits(champion: Champion, cast: dict[str, User], training_lead: User) -> None:
    assert champion.active
    assert champion.agency == cast["lead"].agency
    assert champion.team == cast["lead"].team
    cast["lead"].refresh_from_db()
    assert cast["lead"].is_kbs_champion
    event = AuditEvent.objects.get(object_type="champion", action=Action.CREATE)
    assert event.actor == training_lead


def test_make_champion_again_updates_details(
    champion: Champion, make_champion: Callable[..., Champion], cast: dict[str, User]
) -> None:
    again = make_champion(cast["lead"], contact_phone="07700 900123")
    assert again.pk == champion.pk
    assert again.contact_phone == "07700 900123"
    event = AuditEvent.objects.get(object_type="champion", action=Action.UPDATE)
    assert event.detail == {"contact_phone": ["01332 123456", "07700 900123"]}


def test_team_must_be_in_the_champions_agency(make_champion: Callable[..., Champion], cast: dict[str, User]) -> None:
    with pytest.raises(actions.Refused, match="own agency"):
        make_champion(cast["health_visitor"], team=cast["police"].team)
    assert not Champion.objects.exists()


def test_someone_without_an_agency_cannot_be_a_champion(
    make_champion: Callable[..., Champion], make_user: Callable[..., User]
) -> None:
    with pytest.raises(actions.Refused):
        make_champion(make_user("no-agency", "analyst", None), team=None)
    assert not Champion.objects.exists()


def test_unmake_champion(champion: Champion, training_lead: User, cast: dict[str, User]) -> None:
    actions.unmake_champion(by=training_lead, champion=champion)
    champion.refresh_from_db()
    cast["lead"].refresh_from_db()
    assert not champion.active
    assert not cast["lead"].is_kbs_champion
    assert AuditEvent.objects.filter(object_type="champion", action=Action.UPDATE, summary__contains="no longer").exists()
    with pytest.raises(actions.Refused):
        actions.unmake_champion(by=training_lead, champion=champion)


# --- Directory and "my champion" ---------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["health_visitor", "midwife", "police", "analyst", "admin"])
def test_every_member_of_staff_sees_champions_contact_details(
    champion: Champion, cast: dict[str, User], client: Client, persona: str
) -> None:
    client.force_login(cast[persona])
    page = client.get(reverse("workforce:champions")).content.decode()
    assert "Lead Tester" in page
    assert "01332 123456" in page
    assert "lead-lucy@example.nhs.uk" in page
    assert "Test Health Visiting" in page


def test_directory_is_404_for_someone_with_no_role(champion: Champion, cast: dict[str, User], client: Client) -> None:
    client.force_login(cast["outsider"])
    assert client.get(reverse("workforce:champions")).status_code == 404


def test_removed_champion_leaves_the_directory(champion: Champion, training_lead: User, cast: dict[str, User], client: Client) -> None:
    actions.unmake_champion(by=training_lead, champion=champion)
    client.force_login(cast["police"])
    assert "Lead Tester" not in client.get(reverse("workforce:champions")).content.decode()


def test_my_champion_prefers_the_same_team_then_the_same_agency(
    make_champion: Callable[..., Champion], cast: dict[str, User], make_user: Callable[..., User], agencies: Any
) -> None:
    hv = cast["health_visitor"]
    other_team = Team.objects.create(agency=hv.agency, name="Another team")
    colleague = make_user("col-cara", "health-visitor", agencies["hv"])
    User.objects.filter(pk=colleague.pk).update(team=other_team)
    colleague.refresh_from_db()
    agency_wide = make_champion(colleague, team=other_team)
    assert access.my_champion(hv) == agency_wide
    same_team = make_champion(cast["lead"])
    assert access.my_champion(hv) == same_team
    assert access.my_champion(cast["lead"]) == agency_wide  # never yourself
    assert access.my_champion(cast["police"]) is None
    assert access.my_champion(cast["outsider"]) is None


def test_my_champion_is_shown_on_my_families_and_the_training_page(
    champion: Champion, cast: dict[str, User], client: Client
) -> None:
    client.force_login(cast["health_visitor"])
    mine = client.get(reverse("families:mine")).content.decode()
    assert "Your Keeping Babies Safe champion" in mine
    assert "Lead Tester" in mine
    assert "Lead Tester" in client.get(reverse("workforce:home")).content.decode()
    client.force_login(cast["police"])
    assert "Your Keeping Babies Safe champion" not in client.get(reverse("families:mine")).content.decode()


# --- Champion admin ----------------------------------------------------------------------------------


def _champion_form(**overrides: str) -> dict[str, str]:
    data = {
        "email": "hv-harriet@example.nhs.uk", "team": "", "areas_covered": "North Derby",
        "since-day": "1", "since-month": "2", "since-year": "2025", "contact_phone": "01332 000111",
    }
    data.update(overrides)
    return data


def test_training_lead_makes_a_champion(training_lead: User, cast: dict[str, User], client: Client) -> None:
    client.force_login(training_lead)
    response = client.post(reverse("workforce:manage_champions"), _champion_form(team=str(cast["health_visitor"].team_id)))
    assert response.status_code == 302
    champion = Champion.objects.get(user=cast["health_visitor"])
    assert (champion.since, champion.team, champion.contact_phone) == (date(2025, 2, 1), cast["health_visitor"].team, "01332 000111")


@pytest.mark.parametrize(("overrides", "message"), [
    ({"email": "nobody@example.nhs.uk"}, "Nobody with this e-mail address"),
    ({"email": ""}, "Enter the e-mail address"),
    ({"contact_phone": ""}, "Enter a phone number"),
    ({"since-day": "31", "since-month": "2"}, "must be a real date"),
    ({"team": "TEAM_OF_POLICE"}, "own agency"),
])
def test_invalid_champion_form_saves_nothing(
    training_lead: User, cast: dict[str, User], client: Client, overrides: dict[str, str], message: str
) -> None:
    if overrides.get("team") == "TEAM_OF_POLICE":
        overrides = {"team": str(cast["police"].team_id)}
    client.force_login(training_lead)
    response = client.post(reverse("workforce:manage_champions"), _champion_form(**overrides))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Champion.objects.exists()
    assert not AuditEvent.objects.filter(object_type="champion").exists()


@pytest.mark.parametrize("persona", ["health_visitor", "lead", "police", "analyst", "outsider"])
def test_only_training_managers_make_or_remove_champions(
    champion: Champion, cast: dict[str, User], client: Client, persona: str
) -> None:
    client.force_login(cast[persona])
    assert client.post(reverse("workforce:manage_champions"), _champion_form()).status_code == 404
    assert client.post(reverse("workforce:remove_champion", args=[champion.pk])).status_code == 404
    champion.refresh_from_db()
    assert champion.active
    assert not Champion.objects.filter(user=cast["health_visitor"]).exists()


def test_training_lead_removes_a_champion(champion: Champion, training_lead: User, client: Client) -> None:
    client.force_login(training_lead)
    page = client.get(reverse("workforce:manage_champions")).content.decode()
    assert reverse("workforce:remove_champion", args=[champion.pk]) in page
    response = client.post(reverse("workforce:remove_champion", args=[champion.pk]))
    assert response["Location"] == reverse("workforce:manage_champions")
    champion.refresh_from_db()
    assert not champion.active
    assert client.post(reverse("workforce:remove_champion", args=[999999])).status_code == 404


# --- Cascade log ---------------------------------------------------------------------------------------


def _briefing_form(**overrides: str) -> dict[str, str]:
    day = timezone.localdate() - timedelta(days=3)
    data = {
        "given_on-day": str(day.day), "given_on-month": str(day.month), "given_on-year": str(day.year),
        "audience": "Early help team meeting", "topic": "Safe sleep when the routine changes", "attendees": "12",
        "notes": "",
    }
    data.update(overrides)
    return data


def test_champion_records_a_briefing(champion: Champion, cast: dict[str, User], client: Client) -> None:
    client.force_login(cast["lead"])
    response = client.get(reverse("workforce:my_briefings"))
    url = reverse("workforce:briefings", args=[champion.pk])
    assert response["Location"] == url
    response = client.post(url, _briefing_form())
    assert response["Location"] == url
    briefing = CascadeBriefing.objects.get()
    assert (briefing.champion, briefing.attendees, briefing.topic) == (champion, 12, "Safe sleep when the routine changes")
    assert AuditEvent.objects.filter(object_type="cascadebriefing", action=Action.CREATE, actor=cast["lead"]).exists()
    assert "Early help team meeting" in client.get(url).content.decode()


@pytest.mark.parametrize(("overrides", "message"), [
    ({"attendees": "0"}, "At least one person"),
    ({"attendees": "lots"}, "whole number"),
    ({"topic": ""}, "Enter the topic"),
    ({"given_on-year": str(timezone.localdate().year + 1)}, "today or in the past"),
])
def test_invalid_briefing_saves_nothing(
    champion: Champion, cast: dict[str, User], client: Client, overrides: dict[str, str], message: str
) -> None:
    client.force_login(cast["lead"])
    response = client.post(reverse("workforce:briefings", args=[champion.pk]), _briefing_form(**overrides))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not CascadeBriefing.objects.exists()


def test_cascade_log_is_the_champions_and_the_training_leads(
    champion: Champion, cast: dict[str, User], training_lead: User, client: Client
) -> None:
    url = reverse("workforce:briefings", args=[champion.pk])
    for persona in ["health_visitor", "police", "outsider"]:
        client.force_login(cast[persona])
        assert client.get(url).status_code == 404, persona
        assert client.post(url, _briefing_form()).status_code == 404, persona
        assert client.get(reverse("workforce:my_briefings")).status_code == 404, persona
    client.force_login(training_lead)
    page = client.get(url)
    assert page.status_code == 200
    assert "Record a briefing" not in page.content.decode()
    assert client.post(url, _briefing_form()).status_code == 404  # the lead reads; the champion records
    assert not CascadeBriefing.objects.exists()


def test_a_former_champion_cannot_record_briefings(champion: Champion, cast: dict[str, User], training_lead: User) -> None:
    actions.unmake_champion(by=training_lead, champion=champion)
    champion.refresh_from_db()
    with pytest.raises(actions.Refused):
        actions.record_briefing(by=cast["lead"], champion=champion, given_on=timezone.localdate(), audience="Team",
                                topic="ICON", attendees=3)


def test_demo_loader_names_one_champion_per_agency_and_is_idempotent(cast: dict[str, User]) -> None:
    from kbs.workforce.demo import load_workforce_demo

    first = load_workforce_demo()
    assert first["modules"] == 6
    assert first["champions"] == Champion.objects.count() == 4  # every test agency has staff in a team
    assert CascadeBriefing.objects.count() == 4
    again = load_workforce_demo()
    assert again["champions"] == 0
    assert Champion.objects.count() == 4
