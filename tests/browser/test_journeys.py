"""Journeys per role in a real Chromium, with an axe WCAG 2.2 AA scan of every page visited.

The server and its demo data are set up once per session (see conftest.py). Journeys that change
data register their own family or use emergency access, which the others do not depend on.
"""

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from kbs.core.validators import nhs_number_is_valid
from kbs.nonprod.demo import (
    DEMO_BABY_NAME,
    DEMO_BABY_NHS_NUMBER,
    DEMO_FATHER_NAME,
)
from kbs.nonprod.personas import HEALTH_VISITING_AGENCY, PERSONAS_BY_KEY
from tests.browser.helpers import Server, check, click_link, new_context, sign_in_as, sign_out, submit, visit

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
BREAK_GLASS_REASON = "Officers are at the address after a 999 call about a fight; we need to know who lives there."


def unused_nhs_numbers(count: int, start: int = 9_998_760_000) -> list[str]:
    """Valid NHS numbers from the 999 test range that the demo data do not use (they draw 999xxxxxx at
    random, but never from this block of 9998...)."""
    found = []
    number = start
    while len(found) < count:
        if nhs_number_is_valid(str(number)):
            found.append(str(number))
        number += 1
    return found


def first_wrong_check_digit(nhs_number: str) -> str:
    return next(nhs_number[:9] + d for d in "0123456789" if not nhs_number_is_valid(nhs_number[:9] + d))


def fill_register_form(page: Page, *, nhs_number: str, family_name: str, postcode: str) -> None:
    page.get_by_label("Yes, the baby has been born").check()
    page.get_by_label("Baby's first name (optional)").fill("Poppy")
    page.get_by_label("Baby's last name").fill(family_name)
    page.locator("#id_date_of_birth-day").fill("2")
    page.locator("#id_date_of_birth-month").fill("1")
    page.locator("#id_date_of_birth-year").fill("2026")
    page.get_by_label("Baby's NHS number (optional)").fill(nhs_number)
    page.get_by_label("Sex", exact=True).select_option("female")
    page.get_by_label("Address line 1").fill("14 Larch Close")
    page.get_by_label("Town or city").fill("Derby")
    page.get_by_label("Postcode").fill(postcode)
    page.get_by_role("group", name="Does the family need an interpreter?").get_by_label("No").check()
    page.get_by_label("Why is your agency working with this family?").fill("New birth notification to health visiting")


def yes(page: Page, question: str) -> None:
    page.get_by_role("group", name=question).get_by_label("Yes", exact=True).check()


WIDER_THAN = """(width) => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > width + 1)
  .slice(0, 5).map(e => `${e.tagName.toLowerCase()}.${e.className} ends at ${Math.round(e.getBoundingClientRect().right)}`)"""


def body_fits(page: Page, width: int) -> None:
    """The page reflows to `width` without scrolling sideways (WCAG 1.4.10). Waits briefly, because
    the NHS.UK header menu re-lays itself out on a resize event after a short delay."""
    try:
        page.wait_for_function("(w) => document.documentElement.scrollWidth <= w", arg=width, timeout=3000)
    except PlaywrightTimeoutError:
        scroll_width = page.evaluate("() => document.documentElement.scrollWidth")
        pytest.fail(f"{page.url} scrolls sideways at {width} px: the page is {scroll_width} px wide; "
                    f"too wide: {page.evaluate(WIDER_THAN, width)}")


# --- Journey 1 ----------------------------------------------------------------------------------------


def test_health_visitor_registers_a_family_and_adds_the_father(page: Page, server: Server) -> None:
    good, _ = unused_nhs_numbers(2)
    sign_in_as(page, server, "health-visitor")
    visit(page, server("/families/register/"))
    page.set_viewport_size({"width": 320, "height": 800})
    body_fits(page, 320)
    page.set_viewport_size({"width": 1280, "height": 900})

    # First with a mistyped NHS number: the error summary says what is wrong, and takes the focus.
    fill_register_form(page, nhs_number=first_wrong_check_digit(good), family_name="Whitlock", postcode="DE22 3LP")
    submit(page, "Register family", status=400)
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("There is a problem")
    expect(summary).to_contain_text("Enter a valid NHS number: the check digit does not match")
    expect(summary).to_be_focused()
    assert page.title().startswith("Error: ")
    # What was typed is kept.
    expect(page.get_by_label("Address line 1")).to_have_value("14 Larch Close")
    # The summary's link takes you to the field.
    summary.get_by_role("link", name=re.compile("check digit")).click()
    expect(page.get_by_label("Baby's NHS number (optional)")).to_be_focused()

    page.get_by_label("Baby's NHS number (optional)").fill(good)
    submit(page, "Register family", status=200)
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text("Family registered")
    expect(page.get_by_role("heading", level=1)).to_have_text("14 Larch Close, DE22 3LP")
    expect(page.get_by_role("link", name="Poppy Whitlock")).to_be_visible()
    family_url = page.url

    click_link(page, "Add someone in the baby's life")
    page.get_by_label("First name").fill("Lee")
    page.get_by_label("Last name").fill("Whitlock")
    page.get_by_label("Father", exact=True).check()
    yes(page, "Do they live in the baby's home?")
    yes(page, "Do they look after the baby regularly?")
    yes(page, "Do they have parental responsibility?")
    submit(page, "Save", status=200)
    assert page.url == family_url
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text("Lee Whitlock added")
    row = page.get_by_role("row").filter(has_text="Lee Whitlock")
    expect(row.locator(".nhsuk-tag", has_text="Never seen")).to_be_visible()
    warning = page.locator(".nhsuk-warning-callout").filter(has_text="Not seen by anyone")
    expect(warning).to_contain_text("Lee Whitlock lives with or looks after the baby but has not been seen")

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "family-page.png"), full_page=True)
    page.set_viewport_size({"width": 320, "height": 800})
    check(page)
    body_fits(page, 320)
    page.screenshot(path=str(SCREENSHOTS / "family-page-320.png"), full_page=True)


def test_register_form_works_without_javascript(browser: Browser, server: Server) -> None:
    _, good = unused_nhs_numbers(2)
    context = new_context(browser, java_script_enabled=False)
    try:
        page = context.new_page()
        # axe cannot run with JavaScript off; these same pages are scanned with it on in the journey above.
        page.goto(server("/demo/personas/"))
        with page.expect_navigation():
            page.get_by_role("button", name=re.compile("^Health visitor")).click()
        page.goto(server("/families/register/"))
        page.get_by_role("button", name="Register family").click()
        expect(page.locator(".nhsuk-error-summary")).to_contain_text("Select whether the baby has been born")
        fill_register_form(page, nhs_number=good, family_name="Okonkwo", postcode="DE1 1AA")
        page.get_by_role("button", name="Register family").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("14 Larch Close, DE1 1AA")
        expect(page.get_by_role("link", name="Poppy Okonkwo")).to_be_visible()
        # Without JavaScript the header menu cannot fold into "More": the page must still fit.
        page.set_viewport_size({"width": 320, "height": 800})
        body_fits(page, 320)
    finally:
        context.close()


# --- Journey 2 ----------------------------------------------------------------------------------------


def test_police_officer_takes_emergency_access_and_the_lead_sees_it(page: Page, server: Server) -> None:
    officer = PERSONAS_BY_KEY["police-officer"]
    sign_in_as(page, server, "police-officer")
    visit(page, server("/find/"))
    page.get_by_label("Baby's NHS number").fill(DEMO_BABY_NHS_NUMBER)
    submit(page, "Search", status=200)
    found_url = page.url
    expect(page.get_by_role("heading", name="1 record found")).to_be_visible()
    expect(page.get_by_role("heading", name="A baby is registered")).to_be_visible()
    expect(page.get_by_text(f"Agencies working with the family now: {HEALTH_VISITING_AGENCY}.")).to_be_visible()
    assert DEMO_BABY_NAME not in page.content()
    assert "Hart" not in page.inner_text("main")

    emergency = page.get_by_role("link", name=re.compile("^Take emergency access"))
    family_id = re.search(r"/find/([0-9a-f-]+)/emergency-access/", emergency.get_attribute("href") or "")
    assert family_id, "the emergency access link names no family"

    # The family page itself is refused, exactly as if it did not exist.
    visit(page, server(f"/families/{family_id[1]}/"), status=404)
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    assert "Hart" not in page.content()

    # Recording an involvement is the usual way in; the officer starts it, but the need is urgent.
    visit(page, found_url)
    click_link(page, "Record that your agency is working with this family")
    expect(page.get_by_role("heading", level=1)).to_have_text("Record your agency's involvement")
    submit(page, "Record involvement", status=400)
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Enter the reason")

    visit(page, found_url)
    click_link(page, re.compile("^Take emergency access"))
    page.get_by_label("Why do you need to see this family's record now?").fill("Urgent")
    submit(page, "Take emergency access", status=400)
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("at least 10 characters")
    page.get_by_label("Why do you need to see this family's record now?").fill(BREAK_GLASS_REASON)
    submit(page, "Take emergency access", status=200)
    assert page.url == server(f"/families/{family_id[1]}/")
    banner = page.locator(".nhsuk-warning-callout").filter(has_text="Emergency access")
    expect(banner).to_contain_text("You are seeing this family through emergency access until")
    expect(banner).to_contain_text(BREAK_GLASS_REASON)
    expect(page.get_by_role("link", name=DEMO_BABY_NAME)).to_be_visible()
    sign_out(page, server)

    sign_in_as(page, server, "safeguarding-lead")
    visit(page, server("/audit/"))
    page.get_by_label("What they did").select_option("break_glass")
    submit(page, "Search", status=200)
    row = page.get_by_role("row").filter(has_text=officer.full_name)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Took emergency access")
    expect(row).to_contain_text(f"Reason: {BREAK_GLASS_REASON}")
    expect(row).to_contain_text(family_id[1])

    notices = [m for m in server.mails() if "emergency access" in m.lower()]
    assert notices, "no e-mail about the emergency access was written"
    assert any(BREAK_GLASS_REASON in m and officer.full_name in m for m in notices)
    assert not any(DEMO_BABY_NAME in m for m in notices), "the e-mail names the baby"


# --- Journey 3 ----------------------------------------------------------------------------------------


def active(page: Page) -> dict[str, str]:
    return page.evaluate(
        """() => { const e = document.activeElement;
                   return {tag: e.tagName, text: (e.innerText || '').trim(), id: e.id || '',
                           inMain: !!e.closest('main')}; }"""
    )


def test_keyboard_only_sign_in_and_skip_link(page: Page, server: Server) -> None:
    visit(page, server("/demo/personas/"))
    for _ in range(25):
        page.keyboard.press("Tab")
        if active(page)["text"].startswith("Health visitor"):
            break
    else:
        pytest.fail("tabbing never reached the health visitor's sign-in button")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    check(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("My families")

    page.keyboard.press("Tab")
    assert active(page)["text"] == "Skip to main content"
    expect(page.locator(".nhsuk-skip-link")).to_be_visible()  # it shows itself when focused
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    now = active(page)
    assert now["inMain"], f"after the skip link, Tab went to {now}, outside the main content"


# --- Journey 4: every other page at least once ----------------------------------------------------------


def test_health_visitor_pages(page: Page, server: Server) -> None:
    sign_in_as(page, server, "health-visitor")  # lands on My families
    expect(page.get_by_role("heading", level=1)).to_have_text("My families")
    page.get_by_label("Search by name, NHS number or postcode").fill("Hart")
    submit(page, "Search", status=200)
    expect(page.get_by_text(re.compile(r"\d+ results? for ‘Hart’"))).to_be_visible()

    click_link(page, DEMO_BABY_NAME)
    family_url = page.url
    father = page.get_by_role("row").filter(has_text=DEMO_FATHER_NAME)
    expect(father.locator(".nhsuk-tag", has_text="Never seen")).to_be_visible()

    click_link(page, DEMO_BABY_NAME)
    expect(page.get_by_role("heading", level=1)).to_have_text(DEMO_BABY_NAME)
    click_link(page, "Change baby's details")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Change details of {DEMO_BABY_NAME}")

    visit(page, family_url)
    click_link(page, DEMO_FATHER_NAME)
    expect(page.get_by_role("heading", level=1)).to_have_text(DEMO_FATHER_NAME)
    click_link(page, re.compile("^Change"))

    visit(page, family_url)
    click_link(page, "Change household details")
    expect(page.get_by_role("heading", level=1)).to_have_text("Change household details")

    visit(page, server("/find/"))
    submit(page, "Search", status=400)
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Enter the baby's NHS number")

    visit(page, server("/accessibility/"))
    visit(page, server("/privacy/"))
    visit(page, server("/no-such-page/"), status=404)
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    sign_out(page, server)
    expect(page.get_by_role("heading", level=1)).to_have_text("You have signed out")


def test_midwife_record_birth_page(page: Page, server: Server) -> None:
    sign_in_as(page, server, "midwife")
    page.get_by_role("row").filter(has_text=re.compile(r"Due \d")).first.get_by_role("link").click()
    check(page)
    page.locator(".nhsuk-card").filter(has_text="Unborn.").first.get_by_role("link").click()
    check(page)
    expect(page.locator(".nhsuk-caption-l")).to_have_text("Unborn baby")
    click_link(page, "Record the birth")
    expect(page.get_by_role("heading", level=1)).to_have_text("Record the birth")
    # Not recorded: an empty form shows the errors, and leaves the demo data as they were.
    submit(page, "Record birth", status=400)
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Enter the date of birth")


def test_analyst_overview(page: Page, server: Server) -> None:
    sign_in_as(page, server, "analyst")
    expect(page.get_by_role("heading", level=1)).to_have_text("Partnership overview")
    assert DEMO_BABY_NAME not in page.content()


def test_administrator_audit_trail(page: Page, server: Server) -> None:
    sign_in_as(page, server, "administrator")  # lands on the overview
    visit(page, server("/audit/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit trail")
    page.get_by_label("Who (name or username)").fill("Helen")
    submit(page, "Search", status=200)
    page.locator("#id_since-day").fill("31")
    page.locator("#id_since-month").fill("2")
    page.locator("#id_since-year").fill("2026")
    submit(page, "Search", status=400)
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("must be a real date")


def test_signed_out_pages(page: Page, server: Server) -> None:
    visit(page, server("/"))  # redirects to sign in
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    submit(page, "Sign in", status=400)
    expect(page.locator(".nhsuk-error-summary")).to_be_visible()
    visit(page, server("/accessibility/"))
    visit(page, server("/privacy/"))
    visit(page, server("/families/"))  # sign in first, then back
    assert "/sign-in/?next=" in page.url
    visit(page, server("/no-such-page/"), status=404)


def test_pages_keep_to_the_content_security_policy(browser: Browser, server: Server) -> None:
    """Every other test bypasses the CSP so that axe can be injected; this one keeps it and listens."""
    context = new_context(browser, bypass_csp=False)
    problems: list[str] = []
    try:
        page = context.new_page()
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.goto(server("/demo/personas/"))
        with page.expect_navigation():
            page.get_by_role("button", name=re.compile("^Health visitor")).click()
        page.goto(server("/families/register/"))
        page.get_by_role("button", name="Register family").click()
        page.wait_for_load_state("load")
        expect(page.locator(".nhsuk-error-summary")).to_be_focused()  # our JS ran under the CSP
    finally:
        context.close()
    problems = [p for p in problems if "Failed to load resource" not in p]
    assert not problems, "\n".join(problems)


def test_header_marks_one_page_as_current(page: Page, server: Server) -> None:
    sign_in_as(page, server, "health-visitor")
    visit(page, server("/families/register/"))
    current = page.locator(".nhsuk-header__navigation [aria-current=page]")
    expect(current).to_have_count(1, timeout=1000)
    expect(current).to_have_text("My families")
