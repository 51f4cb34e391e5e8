"""The family's three printed plans come out in the language on their record; the practitioner's pages
stay in English and offer the plan in both languages."""

import subprocess
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from kbs.accounts.models import User
from kbs.audit.models import Action, AuditEvent
from kbs.contacts.crying_plans import record_crying_plan
from kbs.families.models import Family
from kbs.public import actions as public_actions
from kbs.tools import actions
from kbs.tools.support_plans import record_support_plan
from kbs.tools.tests.test_plans import PLAN as SLEEP_PLAN
from kbs.tools.tests.test_plans import _complete as complete_safer_sleep
from kbs.tools.tests.test_support_plans import PLAN as SUPPORT_PLAN
from kbs.tools.tests.test_support_plans import _complete_ebm

NOTICE_PL = "To tłumaczenie nie zostało jeszcze sprawdzone przez wykwalifikowanego tłumacza."
NOTICE_EN = "This translation has not yet been checked by a qualified translator."
CRYING_PLAN = {"soothing": "Feed, then a cuddle", "who_to_call": "Babcia Ewa 07700 900123",
               "if_stressed": "Put Amelia in her cot and go in the kitchen.", "agreed_with": "Ewa (mother)"}

# Each plan's title, in Polish and in English.
PLANS: dict[str, tuple[str, str]] = {
    "sleep": ("Plan bezpiecznego snu: Amelia", "Safe sleep plan for Amelia"),
    "crying": ("Plan radzenia sobie z płaczem: Amelia", "Coping with crying plan for Amelia"),
    "support": ("Plan wsparcia: Amelia", "Support plan for Amelia"),
}


def _pdf_text(pdf: bytes) -> str:
    done = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True, timeout=30)
    return " ".join(done.stdout.decode().split())


def _make_with_page(kind: str, by: User, family: Family) -> tuple[str, str]:
    """Record the plan for the family's baby; the addresses of its PDF and of the practitioner's page."""
    if kind == "sleep":
        assessment = complete_safer_sleep(by, family, "safer-sleep", "safer-sleep-high.json")
        actions.record_sleep_plan(by=by, assessment=assessment, plan=dict(SLEEP_PLAN))
        return (reverse("tools:plan_pdf", args=[assessment.public_id]), reverse("tools:plan", args=[assessment.public_id]))
    if kind == "crying":
        baby = family.babies.get()
        record_crying_plan(by=by, baby=baby, plan=dict(CRYING_PLAN))
        return (reverse("contacts:crying_plan_pdf", args=[baby.public_id]),
                reverse("contacts:crying_plan", args=[baby.public_id]))
    assessment = _complete_ebm(by, family)
    record_support_plan(by=by, assessment=assessment, plan=SUPPORT_PLAN)
    return (reverse("tools:support_plan_pdf", args=[assessment.public_id]),
            reverse("tools:support_plan", args=[assessment.public_id]))


def _make(kind: str, by: User, family: Family) -> str:
    return _make_with_page(kind, by, family)[0]


@pytest.fixture
def signed_in(client: Client, cast: dict[str, User]) -> Client:
    client.force_login(cast["health_visitor"])
    return client


@pytest.mark.parametrize("kind", list(PLANS))
def test_plan_prints_in_the_familys_language(signed_in: Client, cast: dict[str, User],
                                             make_family: Callable[..., Family], kind: str) -> None:
    family = make_family(language="polski")
    url = _make(kind, cast["health_visitor"], family)
    polish, english = PLANS[kind]
    text = _pdf_text(signed_in.get(url).content)
    assert polish in text
    assert english not in text
    assert NOTICE_PL in text
    assert NOTICE_EN in text
    export = AuditEvent.objects.filter(action=Action.EXPORT).latest("at")
    assert export.detail.get("language") == "pl"


@pytest.mark.parametrize("kind", list(PLANS))
def test_plan_prints_in_english_when_asked(signed_in: Client, cast: dict[str, User],
                                           make_family: Callable[..., Family], kind: str) -> None:
    url = _make(kind, cast["health_visitor"], make_family(language="Polish"))
    polish, english = PLANS[kind]
    text = _pdf_text(signed_in.get(url + "?lang=en").content)
    assert english in text
    assert polish not in text
    assert NOTICE_EN not in text


@pytest.mark.parametrize("kind", list(PLANS))
def test_plan_for_an_english_speaking_family_is_english(signed_in: Client, cast: dict[str, User],
                                                        make_family: Callable[..., Family], kind: str) -> None:
    url = _make(kind, cast["health_visitor"], make_family(language="English"))
    polish, english = PLANS[kind]
    text = _pdf_text(signed_in.get(url).content)
    assert english in text
    assert polish not in text
    assert NOTICE_EN not in text


def test_safe_sleep_plan_in_polish_translates_the_fixed_text_but_not_what_was_typed(
        signed_in: Client, cast: dict[str, User], make_family: Callable[..., Family]) -> None:
    url = _make("sleep", cast["health_visitor"], make_family(language="Polish"))
    text = _pdf_text(signed_in.get(url).content)
    for words in ("Gdzie śpi Amelia", "Zawsze kładź dziecko do snu na plecach",  # fixed text and key messages
                  "Nigdy nie śpij z dzieckiem na kanapie ani w fotelu",  # the sofa rule's message for parents
                  SLEEP_PLAN["night_sleep_place"], SLEEP_PLAN["agreed_with"],  # as the practitioner typed them
                  "Przygotowano w Keeping Babies Safe", "Strona 1 z"):
        assert words in text, words


def test_plan_notice_goes_once_the_translation_is_reviewed(signed_in: Client, cast: dict[str, User],
                                                           make_family: Callable[..., Family]) -> None:
    url = _make("crying", cast["health_visitor"], make_family(language="Polish"))
    public_actions.mark_translation_reviewed(by=cast["admin"], language="pl")
    text = _pdf_text(signed_in.get(url).content)
    assert "Plan radzenia sobie z płaczem" in text
    assert NOTICE_PL not in text
    assert NOTICE_EN not in text


def test_urdu_plan_is_right_to_left_with_an_urdu_font(signed_in: Client, cast: dict[str, User],
                                                       make_family: Callable[..., Family]) -> None:
    url = _make("crying", cast["health_visitor"], make_family(language="Urdu"))
    pdf = signed_in.get(url).content
    fonts = subprocess.run(["pdffonts", "-"], input=pdf, capture_output=True, check=True, timeout=30).stdout.decode()
    assert "Naskh" in fonts or "Nastaliq" in fonts, fonts


@pytest.mark.parametrize("kind", list(PLANS))
def test_practitioner_page_stays_english_and_offers_both_languages(signed_in: Client, cast: dict[str, User],
                                                                   make_family: Callable[..., Family], kind: str) -> None:
    pdf_url, page_url = _make_with_page(kind, cast["health_visitor"], make_family(language="Romanian"))
    response = signed_in.get(page_url)
    assert response.status_code == 200
    content = response.content.decode()
    assert f'href="{pdf_url}?lang=ro">Download the plan in Romanian (PDF)' in content
    assert f'href="{pdf_url}?lang=en">Download the plan in English (PDF)' in content
    assert '<html lang="en-GB"' in content
    assert "plan for Amelia" in content
    assert "Planul" not in content


def test_practitioner_page_for_an_english_speaking_family_offers_one_download(
        signed_in: Client, cast: dict[str, User], make_family: Callable[..., Family]) -> None:
    pdf_url, page_url = _make_with_page("crying", cast["health_visitor"], make_family(language="English"))
    content = signed_in.get(page_url).content.decode()
    assert f'href="{pdf_url}">Download the plan (PDF)' in content
    assert "?lang=" not in content


def test_unknown_lang_parameter_falls_back_to_the_familys_language(signed_in: Client, cast: dict[str, User],
                                                                   make_family: Callable[..., Family]) -> None:
    url = _make("crying", cast["health_visitor"], make_family(language="Română"))
    assert "Planul pentru momentele cu plâns: Amelia" in _pdf_text(signed_in.get(url + "?lang=xx").content)


def test_refused_persona_gets_no_plan_in_any_language(client: Client, cast: dict[str, User],
                                                      make_family: Callable[..., Family]) -> None:
    url = _make("crying", cast["health_visitor"], make_family(language="Polish"))
    client.force_login(cast["police"])
    assert client.get(url + "?lang=pl").status_code == 404
