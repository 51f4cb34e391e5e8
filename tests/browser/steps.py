"""Steps the tools and contacts journeys share: registering a fresh family through the UI, answering
NHS.UK radios and checkboxes by their question, dates, PDFs and reflow.

The demo data are extended by other people while these journeys are written, so the journeys make
what they need through the pages (a fresh family each, with an NHS number nobody else uses) and
never rely on a particular demo record. Every page is still checked with axe through `helpers`.
"""

import itertools
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import urljoin

import pytest
from playwright.sync_api import Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from kbs.core.validators import nhs_number_is_valid
from tests.browser.helpers import Server, check, click_link, submit, visit


def _valid_numbers(start: int) -> Iterator[str]:
    for number in itertools.count(start):
        if nhs_number_is_valid(str(number)):
            yield str(number)


# Valid NHS numbers from the 999 test range, in a block neither the demo data (random 999 numbers,
# never 9998...) nor test_journeys.py (from 9998760000) draws from. One iterator for the session, so
# no two fresh families here ever share a number.
_NHS_NUMBERS = _valid_numbers(9_998_790_000)


def next_nhs_number() -> str:
    return next(_NHS_NUMBERS)


def weeks_ago(weeks: int, days: int = 0) -> date:
    return date.today() - timedelta(weeks=weeks, days=days)


def fill_date(page: Page, field_id: str, when: date) -> None:
    """An NHS.UK date input: three boxes with the ids `<id>-day`, `<id>-month` and `<id>-year`."""
    page.locator(f"#{field_id}-day").fill(str(when.day))
    page.locator(f"#{field_id}-month").fill(str(when.month))
    page.locator(f"#{field_id}-year").fill(str(when.year))


def group(page: Page | Locator, question: str) -> Locator:
    """The fieldset of radios or checkboxes whose legend is this question."""
    return page.get_by_role("group", name=question, exact=True)


def choose(page: Page | Locator, question: str, answer: str | re.Pattern[str]) -> None:
    """Tick one answer (a radio or a checkbox) under a question, by the answer's exact label."""
    group(page, question).get_by_label(answer, exact=isinstance(answer, str)).check()


@dataclass
class FreshFamily:
    url: str
    baby_name: str
    baby_url: str
    nhs_number: str
    postcode: str


def register_family(
    page: Page, server: Server, *, first_name: str, family_name: str, postcode: str, born_on: date,
    gestation_weeks: int | None = None, birth_weight_g: int | None = None,
) -> FreshFamily:
    """Register a household with a born baby through the form, as the signed-in practitioner, and
    open the baby's page. Lands on the baby's page."""
    nhs_number = next_nhs_number()
    visit(page, server("/families/register/"))
    page.get_by_label("Yes, the baby has been born").check()
    page.get_by_label("Baby's first name (optional)").fill(first_name)
    page.get_by_label("Baby's last name").fill(family_name)
    fill_date(page, "id_date_of_birth", born_on)
    page.get_by_label("Baby's NHS number (optional)").fill(nhs_number)
    page.get_by_label("Sex", exact=True).select_option("female")
    if gestation_weeks is not None:
        page.get_by_label("Gestation at birth in completed weeks (optional)").fill(str(gestation_weeks))
    if birth_weight_g is not None:
        page.get_by_label("Birth weight in grams (optional)").fill(str(birth_weight_g))
    page.get_by_label("Address line 1").fill("3 Elm Row")
    page.get_by_label("Town or city").fill("Derby")
    page.get_by_label("Postcode").fill(postcode)
    choose(page, "Does the family need an interpreter?", "No")
    page.get_by_label("Why is your agency working with this family?").fill("New birth notification to health visiting")
    for _ in range(20):
        with page.expect_navigation() as navigation:
            page.get_by_role("button", name="Register family", exact=True).click()
        check(page)
        if navigation.value is None or navigation.value.status != 400:
            break
        if "A baby with this NHS number is already registered" not in page.locator(".nhsuk-error-summary").inner_text():
            break
        # Someone else's data took this number after all: take the next one.
        nhs_number = next_nhs_number()
        page.get_by_label("Baby's NHS number (optional)").fill(nhs_number)
    if navigation.value is not None and navigation.value.status == 400:
        # A close match (same day of birth, and the same last name or postcode) from data we do
        # not control: say it is not the same baby, as a practitioner would after looking.
        confirm = page.get_by_role("checkbox", name=re.compile("this is a different baby"))
        assert confirm.count() == 1, f"registration refused: {page.locator('.nhsuk-error-summary').inner_text()}"
        confirm.check()
        submit(page, "Register family", status=200)
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text("Family registered")
    family_url = page.url
    baby_name = f"{first_name} {family_name}"
    click_link(page, baby_name)
    expect(page.get_by_role("heading", level=1)).to_have_text(baby_name)
    return FreshFamily(url=family_url, baby_name=baby_name, baby_url=page.url, nhs_number=nhs_number,
                       postcode=postcode)


def add_person(page: Page, family_url: str, *, first_name: str, last_name: str, relationship: str) -> None:
    """Add a parent or carer who lives with and looks after the baby. Lands back on the family page."""
    visit(page, family_url)
    click_link(page, "Add someone in the baby's life")
    page.get_by_label("First name").fill(first_name)
    page.get_by_label("Last name").fill(last_name)
    page.get_by_label(relationship, exact=True).check()
    for question in ("Do they live in the baby's home?", "Do they look after the baby regularly?",
                     "Do they have parental responsibility?"):
        choose(page, question, "Yes")
    submit(page, "Save", status=200)
    assert page.url == family_url
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text(f"{first_name} {last_name} added")


def pdf_text(page: Page, url: str) -> str:
    """Download a PDF with the signed-in page's cookies and return its text, whitespace squeezed."""
    url = urljoin(page.url, url)
    response = page.request.get(url)
    assert response.status == 200, f"{url} answered {response.status}"
    assert response.headers["content-type"].split(";")[0] == "application/pdf", response.headers["content-type"]
    body = response.body()
    assert body.startswith(b"%PDF-"), f"{url} is not a PDF"
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        pytest.fail("pdftotext is missing: install poppler-utils to read the PDFs the journeys download", pytrace=False)
    result = subprocess.run([pdftotext, "-", "-"], input=body, capture_output=True, timeout=60, check=True)
    return re.sub(r"\s+", " ", result.stdout.decode("utf-8", errors="replace"))


def body_fits(page: Page, width: int) -> None:
    """The page reflows to `width` without scrolling sideways (WCAG 1.4.10). Waits briefly, because
    the NHS.UK header menu re-lays itself out on a resize event after a short delay."""
    try:
        page.wait_for_function("(w) => document.documentElement.scrollWidth <= w", arg=width, timeout=3000)
    except PlaywrightTimeoutError:
        too_wide = page.evaluate(
            """(width) => [...document.querySelectorAll('body *')]
                 .filter(e => e.getBoundingClientRect().right > width + 1).slice(0, 5)
                 .map(e => `${e.tagName.toLowerCase()}.${e.className} ends at ${Math.round(e.getBoundingClientRect().right)}`)""",
            width,
        )
        scroll_width = page.evaluate("() => document.documentElement.scrollWidth")
        pytest.fail(f"{page.url} scrolls sideways at {width} px: the page is {scroll_width} px wide; too wide: {too_wide}")


def follow_button_link(page: Page, name: str) -> Page:
    """Follow a link drawn as an NHS.UK button (an `a` with role=button), and check the page."""
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name=name, exact=True).click()
    assert navigation.value is not None, f"no response for {page.url}"
    assert navigation.value.status == 200, f"{page.url} answered {navigation.value.status}"
    return check(page)


def error_summary(page: Page) -> Locator:
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_be_visible()
    return summary


def banner(page: Page) -> Locator:
    return page.locator(".nhsuk-notification-banner")


def register_unborn_family(
    page: Page, server: Server, *, first_name: str, family_name: str, postcode: str, expected_on: date,
) -> FreshFamily:
    """Register a household with an unborn baby through the form, as the signed-in practitioner
    (an unborn baby has no NHS number, so the `nhs_number` returned is empty). Lands on the baby's page."""
    visit(page, server("/families/register/"))
    page.get_by_label("No, the mother is pregnant").check()
    page.get_by_label("Baby's first name (optional)").fill(first_name)
    page.get_by_label("Baby's last name").fill(family_name)
    fill_date(page, "id_expected_delivery_date", expected_on)
    page.get_by_label("Address line 1").fill("12 Vicarage Road")
    page.get_by_label("Town or city").fill("Derby")
    page.get_by_label("Postcode").fill(postcode)
    choose(page, "Does the family need an interpreter?", "No")
    page.get_by_label("Why is your agency working with this family?").fill("Booked for maternity care")
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Register family", exact=True).click()
    check(page)
    if navigation.value is not None and navigation.value.status == 400:
        # A close match from data we do not control: not the same baby, as a midwife would decide.
        confirm = page.get_by_role("checkbox", name=re.compile("this is a different baby"))
        assert confirm.count() == 1, f"registration refused: {page.locator('.nhsuk-error-summary').inner_text()}"
        confirm.check()
        submit(page, "Register family", status=200)
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text("Family registered")
    family_url = page.url
    baby_name = f"{first_name} {family_name}"
    click_link(page, re.compile("^" + re.escape(baby_name)))
    expect(page.get_by_role("heading", level=1)).to_contain_text(baby_name)
    return FreshFamily(url=family_url, baby_name=baby_name, baby_url=page.url, nhs_number="", postcode=postcode)


def confirm_all_actions(page: Page, question: str = "Confirm what you have done or will do") -> list[str]:
    """Tick every suggested action on a tool's check answers page; return their labels."""
    boxes = group(page, question).get_by_role("checkbox")
    assert boxes.count() > 0, "no suggested actions to confirm"
    labels = []
    for box in boxes.all():
        box.check()
        labels.append(page.locator(f"label[for='{box.get_attribute('id')}']").inner_text().strip())
    return labels


def day_text(when: date) -> str:
    """A date as the pages write it: 4 March 2027."""
    return f"{when.day} {when:%B %Y}"


def resize_to(page: Page, viewport: dict[str, int]) -> None:
    """Resize the window, then let the NHS.UK header re-lay its navigation out (it moves the links
    that no longer fit into "More" on the next animation frame) before anything is checked: axe run
    in between can catch a link half-way, white on the grey of the menu."""
    page.set_viewport_size(viewport)  # type: ignore[arg-type]
    page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(() => done(null))))")
