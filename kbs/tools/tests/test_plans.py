"""The family's safe sleep plan: the form, the printable page and the PDF, for every persona.

A refusal is the same 404 as a missing record; anonymous people are sent to sign in; a form with a
problem shows it next to the field and saves nothing.
"""

import html
import json
import re
import subprocess
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kbs.accounts.models import User
from kbs.audit.models import Action, AuditEvent
from kbs.core.pdf import LocalOnlyFetcher, RemoteResourceRefused, render_pdf
from kbs.families.models import Family
from kbs.tools import actions
from kbs.tools.models import Assessment, SafeSleepPlan
from kbs.tools.plans import KEY_MESSAGES

TODAY = timezone.localdate()
SAMPLES = Path(__file__).resolve().parent.parent / "samples"
OUT_OF_ROUTINE = "At Nana's house Amelia sleeps in the travel cot next to Mum's bed."
PLAN = {
    "night_sleep_place": "Cot next to Mum's bed",
    "day_sleep_place": "Moses basket in the living room",
    "out_of_routine_plan": OUT_OF_ROUTINE,
    "agreed_with": "Sophie Hart (mother)",
    "other_actions": "Leaflet given",
    "review_on": TODAY + timedelta(days=28),
}
PAGES = ["plan_new", "plan", "plan_pdf"]


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _complete(by: User, family: Family, slug: str, sample: str) -> Assessment:
    assessment = actions.start_assessment(by=by, baby=family.babies.get(), tool_slug=slug)
    answers = json.loads((SAMPLES / sample).read_text())
    actions.save_answers(by=by, assessment=assessment, answers=answers)
    outcome = actions.preview(assessment)
    assert outcome is not None
    steps = actions.SameDaySteps(
        csc_referral_at=timezone.now(), csc_referral_reference="CSC-1",
        medical_review_at=timezone.now(), medical_review_where="Royal Derby Hospital",
    )
    return actions.complete_assessment(by=by, assessment=assessment, confirmed_actions=list(outcome.actions), steps=steps)


@pytest.fixture
def assessment(cast: dict[str, User], family: Family) -> Assessment:
    """A completed safer sleep assessment at the high level (a sofa sleep)."""
    return _complete(cast["health_visitor"], family, "safer-sleep", "safer-sleep-high.json")


@pytest.fixture
def plan(assessment: Assessment, cast: dict[str, User]) -> SafeSleepPlan:
    return actions.record_sleep_plan(by=cast["health_visitor"], assessment=assessment, plan=dict(PLAN))


def _url(name: str, assessment: Assessment) -> str:
    return reverse(f"tools:{name}", args=[assessment.public_id])


def _text(response: Any) -> str:
    return html.unescape(response.content.decode())


def _post(**overrides: Any) -> dict[str, str]:
    data = {**PLAN, **overrides}
    review = data.pop("review_on")
    parts = ("", "", "") if review is None else (str(review.day), str(review.month), str(review.year))
    data.update(dict(zip(("review_on-day", "review_on-month", "review_on-year"), parts, strict=True)))
    return data


def _field_error(response: Any, field: str) -> str:
    found = re.search(rf'id="id_{field}-error"\s*>\s*<span class="nhsuk-u-visually-hidden">Error: </span>(.*?)</span>',
                      response.content.decode(), re.S)
    assert found, f"no error shown next to {field}"
    return " ".join(html.unescape(found.group(1)).split())


def _pdf_text(pdf: bytes) -> str:
    done = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True, timeout=30)
    return " ".join(done.stdout.decode().split())


def _assert_sign_in_redirect(response: Any, url: str) -> None:
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:sign_in") + "?next=")
    assert url in response["Location"].replace("%2F", "/")


# --- the form ----------------------------------------------------------------------------------


def test_plan_form_prefilled_from_safe_places_in_answers(client: Client, cast: dict[str, User], assessment: Assessment) -> None:
    client.force_login(cast["health_visitor"])
    response = client.get(_url("plan_new", assessment))
    assert response.status_code == 200
    page = _text(response)
    assert "Make a safe sleep plan" in page
    assert 'value="Cot, in the same room as a parent or carer"' in page
    assert 'value="Moses basket, in the same room as a parent or carer"' in page


def test_plan_form_leaves_unsafe_place_blank(client: Client, cast: dict[str, User], family: Family) -> None:
    by = cast["health_visitor"]
    assessment = actions.start_assessment(by=by, baby=family.babies.get(), tool_slug="safer-sleep")
    answers = json.loads((SAMPLES / "safer-sleep-high.json").read_text()) | {"day_sleep_place": "sofa_or_armchair"}
    actions.save_answers(by=by, assessment=assessment, answers=answers)
    outcome = actions.preview(assessment)
    assert outcome is not None
    actions.complete_assessment(by=by, assessment=assessment, confirmed_actions=list(outcome.actions))
    client.force_login(by)
    page = client.get(_url("plan_new", assessment)).content.decode()
    assert re.search(r'name="day_sleep_place"[^>]*value=""', page)
    assert "sofa" not in re.search(r'<input[^>]*name="day_sleep_place"[^>]*>', page).group(0).lower()  # type: ignore[union-attr]


def test_plan_form_saves_plan_and_redirects(client: Client, cast: dict[str, User], assessment: Assessment) -> None:
    client.force_login(cast["health_visitor"])
    response = client.post(_url("plan_new", assessment), _post())
    assert response.status_code == 302
    assert response["Location"] == _url("plan", assessment)
    saved = SafeSleepPlan.objects.get()
    assert saved.assessment == assessment
    assert saved.created_by == cast["health_visitor"]
    assert saved.out_of_routine_plan == OUT_OF_ROUTINE
    assert saved.review_on == PLAN["review_on"]
    assert AuditEvent.objects.filter(action=Action.CREATE, object_type="safesleepplan").count() == 1


def test_plan_form_update_starts_from_plan_in_force(client: Client, cast: dict[str, User], plan: SafeSleepPlan) -> None:
    client.force_login(cast["health_visitor"])
    page = _text(client.get(_url("plan_new", plan.assessment)))
    assert "Update the safe sleep plan" in page
    assert f'value="{PLAN["night_sleep_place"]}"' in page
    response = client.post(_url("plan_new", plan.assessment), _post(night_sleep_place="Crib by the bed"))
    assert response.status_code == 302
    assert SafeSleepPlan.objects.count() == 2
    assert "Crib by the bed" in _text(client.get(_url("plan", plan.assessment)))


@pytest.mark.parametrize(("field", "message"), [
    ("night_sleep_place", "Enter where the baby will sleep at night"),
    ("day_sleep_place", "Enter where the baby will sleep in the day"),
    ("out_of_routine_plan", "Enter where the baby will sleep when the routine changes"),
    ("agreed_with", "Enter who you agreed the plan with"),
])
def test_plan_form_required_field_missing_saves_nothing(client: Client, cast: dict[str, User], assessment: Assessment,
                                                        field: str, message: str) -> None:
    client.force_login(cast["health_visitor"])
    response = client.post(_url("plan_new", assessment), _post(**{field: "   "}))
    assert response.status_code == 400
    assert _field_error(response, field) == message
    assert "There is a problem" in _text(response)
    assert SafeSleepPlan.objects.count() == 0


def test_plan_form_review_date_in_past_saves_nothing(client: Client, cast: dict[str, User], assessment: Assessment) -> None:
    client.force_login(cast["health_visitor"])
    response = client.post(_url("plan_new", assessment), _post(review_on=TODAY - timedelta(days=1)))
    assert response.status_code == 400
    assert _field_error(response, "review_on") == "The date to look at the plan again must be today or in the future"
    assert 'value="Cot next to Mum&#39;s bed"' in response.content.decode()  # what was typed is kept
    assert SafeSleepPlan.objects.count() == 0


def test_plan_form_review_date_not_real_saves_nothing(client: Client, cast: dict[str, User], assessment: Assessment) -> None:
    client.force_login(cast["health_visitor"])
    data = _post() | {"review_on-day": "31", "review_on-month": "2", "review_on-year": str(TODAY.year + 1)}
    response = client.post(_url("plan_new", assessment), data)
    assert response.status_code == 400
    assert _field_error(response, "review_on") == "The date to look at the plan again must be a real date"
    assert SafeSleepPlan.objects.count() == 0


def test_plan_form_review_date_optional(client: Client, cast: dict[str, User], assessment: Assessment) -> None:
    client.force_login(cast["health_visitor"])
    response = client.post(_url("plan_new", assessment), _post(review_on=None, other_actions=""))
    assert response.status_code == 302
    assert SafeSleepPlan.objects.get().review_on is None


def test_plan_form_too_long_saves_nothing(client: Client, cast: dict[str, User], assessment: Assessment) -> None:
    client.force_login(cast["health_visitor"])
    response = client.post(_url("plan_new", assessment), _post(agreed_with="x" * 301))
    assert response.status_code == 400
    assert _field_error(response, "agreed_with") == "Who you agreed the plan with must be 300 characters or fewer"
    assert SafeSleepPlan.objects.count() == 0


# --- the page ----------------------------------------------------------------------------------


def test_plan_page_shows_the_plan(client: Client, cast: dict[str, User], plan: SafeSleepPlan) -> None:
    client.force_login(cast["midwife"])
    response = client.get(_url("plan", plan.assessment))
    assert response.status_code == 200
    page = _text(response)
    assert "Safe sleep plan for Amelia" in page
    for value in (PLAN["night_sleep_place"], PLAN["day_sleep_place"], OUT_OF_ROUTINE, PLAN["agreed_with"], "Leaflet given"):
        assert value in page
    assert "When the routine changes" in page
    assert KEY_MESSAGES[0] in page
    # The sofa rule fired, so its message for parents is on the plan.
    sofa = next(f for f in plan.assessment.outcome["flags"] if f["rule"] == "SS-SOFA")  # type: ignore[index]
    assert " ".join(sofa["message_for_parents"].split()) in " ".join(page.split())
    review: date = PLAN["review_on"]  # type: ignore[assignment]
    assert f"{review.day} {review:%B %Y}" in page
    assert _url("plan_pdf", plan.assessment) in page
    assert "Print" in page
    assert AuditEvent.objects.filter(action=Action.VIEW, object_id=str(plan.assessment.public_id)).exists()


def test_plan_page_shows_newest_plan(client: Client, cast: dict[str, User], plan: SafeSleepPlan) -> None:
    actions.record_sleep_plan(by=cast["health_visitor"], assessment=plan.assessment,
                              plan={**PLAN, "night_sleep_place": "Side-car crib"})
    client.force_login(cast["health_visitor"])
    page = _text(client.get(_url("plan", plan.assessment)))
    assert "Side-car crib" in page
    assert PLAN["night_sleep_place"] not in page


def test_plan_page_not_found_before_a_plan(client: Client, cast: dict[str, User], assessment: Assessment) -> None:
    client.force_login(cast["health_visitor"])
    assert client.get(_url("plan", assessment)).status_code == 404
    assert client.get(_url("plan_pdf", assessment)).status_code == 404


# --- the outcome page section ----------------------------------------------------------------


def _make_plan_button(page: str, assessment: Assessment) -> bool:
    """The button-link (not the confirmed action of the same name in the outcome's summary)."""
    href = f'href="{_url("plan_new", assessment)}"'
    return any(href in attrs and "nhsuk-button" in attrs and "Make a safe sleep plan with the family" in text
               for attrs, text in re.findall(r"<a\b([^>]*)>(.*?)</a>", page, re.S))


def test_outcome_page_offers_to_make_a_plan(client: Client, cast: dict[str, User], assessment: Assessment) -> None:
    client.force_login(cast["health_visitor"])
    page = _text(client.get(assessment.get_absolute_url()))
    assert "Safe sleep plan" in page
    assert _make_plan_button(page, assessment)


def test_outcome_page_links_to_the_plan(client: Client, cast: dict[str, User], plan: SafeSleepPlan) -> None:
    client.force_login(cast["health_visitor"])
    page = _text(client.get(plan.assessment.get_absolute_url()))
    assert "Agreed with Sophie Hart (mother)" in page
    for name in PAGES:
        assert _url(name, plan.assessment) in page
    assert "Update the plan" in page
    assert not _make_plan_button(page, plan.assessment)


# --- the PDF -----------------------------------------------------------------------------------


def test_plan_pdf_is_the_printed_plan(client: Client, cast: dict[str, User], plan: SafeSleepPlan) -> None:
    client.force_login(cast["health_visitor"])
    response = client.get(_url("plan_pdf", plan.assessment))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="safe-sleep-plan.pdf"'
    assert response.content.startswith(b"%PDF")
    text = _pdf_text(response.content)
    assert "Safe sleep plan for Amelia" in text
    assert OUT_OF_ROUTINE in text
    assert KEY_MESSAGES[0] in text
    assert f"Made with Keeping Babies Safe on {TODAY.day} {TODAY:%B %Y}" in text
    export = AuditEvent.objects.get(action=Action.EXPORT)
    assert export.actor == cast["health_visitor"]
    assert export.family == plan.assessment.family
    assert export.object_id == str(plan.pk)


def test_render_pdf_fetches_nothing_remote(tmp_path: Path) -> None:
    (tmp_path / "inside.txt").write_text("fine")
    fetcher = LocalOnlyFetcher(tmp_path.resolve())
    for url in ("http://example.com/x.png", "https://example.com/x.css", (tmp_path / ".." / "outside.txt").as_uri()):
        with pytest.raises(RemoteResourceRefused):
            fetcher.fetch(url)
    assert fetcher.fetch((tmp_path / "inside.txt").as_uri()).read() == b"fine"
    assert LocalOnlyFetcher(None).fetch("data:text/plain,hi").read() == b"hi"
    # A page naming a remote image still renders, without the image.
    assert render_pdf('<p>Hello</p><img src="http://example.com/x.png">').startswith(b"%PDF")


# --- refusals ----------------------------------------------------------------------------------


@pytest.mark.parametrize("page", PAGES)
def test_plan_refused_for_draft_assessment(client: Client, cast: dict[str, User], family: Family, page: str) -> None:
    draft = actions.start_assessment(by=cast["health_visitor"], baby=family.babies.get(), tool_slug="safer-sleep")
    client.force_login(cast["health_visitor"])
    assert client.get(_url(page, draft)).status_code == 404


@pytest.mark.parametrize("page", PAGES)
def test_plan_refused_for_bruising_assessment(client: Client, cast: dict[str, User], family: Family, page: str) -> None:
    bruising = _complete(cast["health_visitor"], family, "bruising", "bruising-non-mobile.json")
    assert bruising.is_completed
    client.force_login(cast["health_visitor"])
    assert client.get(_url(page, bruising)).status_code == 404


def test_plan_form_post_refused_for_draft_saves_nothing(client: Client, cast: dict[str, User], family: Family) -> None:
    draft = actions.start_assessment(by=cast["health_visitor"], baby=family.babies.get(), tool_slug="safer-sleep")
    client.force_login(cast["health_visitor"])
    assert client.post(_url("plan_new", draft), _post()).status_code == 404
    assert SafeSleepPlan.objects.count() == 0


@pytest.mark.parametrize("persona", ["police", "analyst", "outsider"])
@pytest.mark.parametrize("page", PAGES)
def test_plan_refused_as_not_found(client: Client, cast: dict[str, User], plan: SafeSleepPlan, persona: str, page: str) -> None:
    client.force_login(cast[persona])
    response = client.get(_url(page, plan.assessment))
    assert response.status_code == 404
    assert "Page not found" in _text(response)
    assert not AuditEvent.objects.filter(action=Action.EXPORT).exists()


@pytest.mark.parametrize("persona", ["police", "analyst"])
def test_plan_form_post_refused_saves_nothing(client: Client, cast: dict[str, User], assessment: Assessment, persona: str) -> None:
    client.force_login(cast[persona])
    assert client.post(_url("plan_new", assessment), _post()).status_code == 404
    assert SafeSleepPlan.objects.count() == 0


@pytest.mark.parametrize("page", PAGES)
def test_plan_sends_anonymous_to_sign_in(client: Client, plan: SafeSleepPlan, page: str) -> None:
    url = _url(page, plan.assessment)
    _assert_sign_in_redirect(client.get(url), url)


def test_plan_not_found_for_malformed_id(client: Client, cast: dict[str, User], plan: SafeSleepPlan) -> None:
    client.force_login(cast["health_visitor"])
    assert client.get(reverse("tools:plan", args=["not-an-id"])).status_code == 404
