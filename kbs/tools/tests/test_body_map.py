"""The body map on the bruising tool's "The mark" page, and the region data it is drawn from."""

import html
import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kbs.accounts.models import User
from kbs.families import actions as family_actions
from kbs.families.models import Family
from kbs.tools import body_map
from kbs.tools.actions import save_answers, start_assessment
from kbs.tools.models import Assessment
from kbs.tools.spec import get_spec


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def draft(cast: dict[str, User], family: Family) -> Assessment:
    return start_assessment(by=cast["health_visitor"], baby=family.babies.get(), tool_slug="bruising")


def _mark_page(client: Client, user: User, assessment: Assessment) -> str:
    client.force_login(user)
    response = client.get(reverse("tools:section", args=[assessment.public_id, "mark"]))
    assert response.status_code == 200
    return response.content.decode()


def _svg(page: str) -> str:
    found = re.search(r'<svg class="kbs-body-map__svg".*?</svg>', page, re.S)
    assert found, "no body map on the page"
    return found.group(0)


def _shape_classes(svg: str) -> dict[str, set[str]]:
    """Region code -> the classes of its shapes (a region can be drawn on more than one view)."""
    classes: dict[str, set[str]] = {}
    for cls, code in re.findall(r'<path class="([^"]*)" data-region="([^"]*)"', svg):
        classes.setdefault(code, set()).update(cls.split())
    return classes


def _select(cast: dict[str, User], assessment: Assessment, regions: list[str]) -> None:
    save_answers(by=cast["health_visitor"], assessment=assessment, answers={"mark_regions": regions},
                 expected_version=assessment.version)


def test_every_mark_region_code_is_on_the_map_except_somewhere_else() -> None:
    codes = [c.code for c in get_spec("bruising").item("mark_regions").codes]
    assert [code for code in codes if code != "other"] == list(body_map.REGIONS)
    assert body_map.CODES == codes
    for code, region in body_map.REGIONS.items():
        assert region.name, code
        assert region.front or region.back or region.face, f"{code} is drawn nowhere"


def test_mark_page_draws_every_region_with_a_name(client: Client, cast: dict[str, User], draft: Assessment) -> None:
    svg = _svg(_mark_page(client, cast["health_visitor"], draft))
    assert 'role="img"' in svg
    classes = _shape_classes(svg)
    assert set(classes) == set(body_map.REGIONS)
    for code, region in body_map.REGIONS.items():
        assert f"<title>{html.escape(region.name.capitalize())}</title>" in svg, code
        assert "kbs-region--selected" not in classes[code]
        assert "kbs-region--birthmark" not in classes[code]
    assert 'aria-label="No places marked yet"' in svg


def test_mark_page_shows_the_selected_regions(client: Client, cast: dict[str, User], draft: Assessment) -> None:
    _select(cast, draft, ["ear", "back", "other"])
    svg = _svg(_mark_page(client, cast["health_visitor"], draft))
    classes = _shape_classes(svg)
    assert {code for code, cls in classes.items() if "kbs-region--selected" in cls} == {"ear", "back"}
    assert 'aria-label="Marked: ear, back, somewhere else"' in svg


def test_mark_page_shows_documented_birthmarks(client: Client, cast: dict[str, User], family: Family,
                                               draft: Assessment) -> None:
    baby = family.babies.get()
    family_actions.record_birthmark(by=cast["midwife"], baby=baby, details={
        "kind": "congenital_dermal_melanocytosis", "regions": ["back", "buttocks"], "size_mm": 35,
        "colour": "Blue-grey", "description": "", "observed_on": timezone.localdate() - timedelta(days=2),
    })
    _select(cast, draft, ["back"])
    page = _mark_page(client, cast["health_visitor"], draft)
    classes = _shape_classes(_svg(page))
    assert {code for code, cls in classes.items() if "kbs-region--birthmark" in cls} == {"back", "buttocks"}
    assert "kbs-region--selected" in classes["back"]
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())
    assert "35 mm, Blue-grey. Where: back and bottom. Confirmed by Mw Tester (Midwife)" in text
    assert 'Answer "Yes" to "Is this very mark already recorded as a birthmark' in text


def test_mark_page_says_when_no_birthmark_is_recorded(client: Client, cast: dict[str, User],
                                                      draft: Assessment) -> None:
    page = _mark_page(client, cast["health_visitor"], draft)
    assert "No birthmarks are recorded for this baby here" in page


def test_mark_page_body_map_comes_before_the_list_it_stands_for(client: Client, cast: dict[str, User],
                                                               draft: Assessment) -> None:
    page = _mark_page(client, cast["health_visitor"], draft)
    assert page.index("kbs-body-map__svg") < page.index('name="mark_regions"')
    assert "Choose the places in the list below; with JavaScript you can also tap the body map." in page
    assert re.search(r'<script type="module" src="[^"]*kbs/body-map\.js"></script>', page)
    # The strict content security policy allows no inline styles, and no tab stops before the script runs.
    assert "style=" not in _svg(page)
    assert "tabindex" not in _svg(page)


def test_label_lists_places_in_map_order() -> None:
    assert body_map.label([]) == "No places marked yet"
    assert body_map.label(["back", "ear"]) == "Marked: ear, back"
    assert body_map.in_words(["buttocks", "back", "scalp"]) == "scalp, back and bottom"
