"""The public "Keeping babies safe" pages in a real Chromium, with an axe WCAG 2.2 AA scan of every
page: every page in English, each language at least once, Urdu from right to left, a phone-sized
screen, printing, and no cookies. Then the statements, and an administrator marking a translation
as checked.

A grandfather who looks after his granddaughter two days a week opens the pages on his phone in
Polish, reads what to do when she will not stop crying, and prints the safe sleep page for the fridge.
"""

import re

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.helpers import Server, check, click_link, sign_in_as, sign_out, visit
from tests.browser.steps import body_fits

pytestmark = pytest.mark.browser

PHONE = {"width": 320, "height": 800}
PAGES = ["", "safer-sleep/", "coping-with-crying/", "safe-handling/", "safe-home/", "bruises-and-marks/",
         "worried-about-a-baby/"]
NOTICE = "This translation has not yet been checked by a qualified translator."


def _public(server: Server, lang: str = "", slug: str = "") -> str:
    return server("/keeping-babies-safe/" + (f"{lang}/" if lang else "") + slug)


def test_every_public_page_in_english_passes_axe_and_sets_no_cookie(page: Page, context: BrowserContext,
                                                                    server: Server) -> None:
    for slug in PAGES:
        visit(page, _public(server, slug=slug))
        expect(page.locator("html")).to_have_attribute("lang", "en-GB")
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert NOTICE not in page.locator("main").inner_text()
    assert context.cookies() == [], "the public pages must set no cookie"


@pytest.mark.parametrize(("lang", "slug", "heading"), [
    ("pl", "coping-with-crying/", "Radzenie sobie z płaczem"),
    ("pl", "", "Bezpieczeństwo niemowląt"),
    ("ro", "safer-sleep/", "Somn mai sigur"),
    ("ro", "worried-about-a-baby/", "Sunteți îngrijorat pentru un bebeluș?"),
    ("ur", "safe-home/", "محفوظ گھر"),
    ("ur", "bruises-and-marks/", "اگر آپ کے بچے کو نیل یا کوئی نشان ہو"),
])
def test_translated_pages_pass_axe_and_say_they_await_review(page: Page, context: BrowserContext, server: Server,
                                                             lang: str, slug: str, heading: str) -> None:
    visit(page, _public(server, lang, slug))
    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    expect(page.locator("main").get_by_text(NOTICE)).to_be_visible()
    assert context.cookies() == []


def test_urdu_reads_right_to_left(page: Page, server: Server) -> None:
    visit(page, _public(server, "ur", "coping-with-crying/"))
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    main = page.locator(".kbs-public")
    assert main.evaluate("e => getComputedStyle(e).direction") == "rtl"
    # The main column sits on the right, with the list of pages on its left, and the heading starts
    # at the main column's right edge.
    column = main.bounding_box()
    side = page.locator(".kbs-related").bounding_box()
    heading = page.get_by_role("heading", level=1).bounding_box()
    assert column is not None
    assert side is not None
    assert heading is not None
    assert column["x"] > side["x"] + side["width"]
    column_right, heading_right = column["x"] + column["width"], heading["x"] + heading["width"]
    assert column_right - 20 <= heading_right <= column_right  # within the column's padding
    # Bullets and the inset's bar are on the right too.
    assert page.locator("main ul:not(.nhsuk-list)").first.evaluate("e => getComputedStyle(e).paddingRight") != "0px"
    inset = page.locator(".nhsuk-inset-text").first
    assert inset.evaluate("e => getComputedStyle(e).borderRightWidth") == "8px"
    # The links to other languages keep their own direction and name the language in itself.
    expect(page.get_by_role("link", name="English", exact=True)).to_have_attribute("dir", "ltr")


def test_grandfather_reads_about_crying_in_polish_on_his_phone_and_prints_safe_sleep(
        page: Page, context: BrowserContext, server: Server) -> None:
    page.set_viewport_size(PHONE)
    visit(page, _public(server))
    body_fits(page, PHONE["width"])
    click_link(page, "Polski")
    expect(page.locator("html")).to_have_attribute("lang", "pl")
    body_fits(page, PHONE["width"])
    click_link(page, "Radzenie sobie z płaczem")
    expect(page.get_by_role("heading", level=2, name=re.compile("Możesz na chwilę odejść"))).to_be_visible()
    body_fits(page, PHONE["width"])
    click_link(page, "Bezpieczniejszy sen")
    body_fits(page, PHONE["width"])
    expect(page.get_by_role("heading", name="Dla dziadków i innych opiekunów")).to_be_visible()

    # With JavaScript the page offers a print button; the instructions are there for everyone.
    expect(page.get_by_role("button", name="Drukuj tę stronę")).to_be_visible()
    page.emulate_media(media="print")
    expect(page.locator(".kbs-languages")).to_be_hidden()
    expect(page.locator(".kbs-print-help")).to_be_hidden()
    expect(page.locator(".kbs-related")).to_be_hidden()
    expect(page.locator(".kbs-print-only")).to_contain_text("/keeping-babies-safe/pl/safer-sleep/")
    page.emulate_media(media="screen")
    assert context.cookies() == []


def test_worried_page_gives_999_and_the_example_numbers_at_320px(page: Page, server: Server) -> None:
    page.set_viewport_size(PHONE)
    visit(page, _public(server, slug="worried-about-a-baby/"))
    body_fits(page, PHONE["width"])
    expect(page.get_by_role("heading", name=re.compile("Call 999 now if a baby is in danger"))).to_be_visible()
    expect(page.locator('a[href^="tel:"]').first).to_be_visible()
    expect(page.get_by_text("Example: not a real number").first).to_be_visible()


def test_unknown_language_is_not_found(page: Page, server: Server) -> None:
    visit(page, _public(server, "fr"), status=404)


@pytest.mark.parametrize(("path", "heading"), [("/privacy/", "Privacy notice"),
                                               ("/accessibility/", "Accessibility statement"),
                                               ("/cookies/", "Cookies")])
def test_statements_pass_axe_without_signing_in(page: Page, context: BrowserContext, server: Server, path: str,
                                                heading: str) -> None:
    visit(page, server(path))
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    assert context.cookies() == []


def test_public_footer_links_the_statements(page: Page, server: Server) -> None:
    visit(page, _public(server, "ro"))
    click_link(page, "Cookie-uri (în engleză)")
    expect(page.get_by_role("heading", level=1)).to_have_text("Cookies")


def test_administrator_marks_romanian_checked_and_the_notice_goes(page: Page, server: Server) -> None:
    sign_in_as(page, server, "administrator")
    visit(page, server("/translations/"))
    row = page.get_by_role("row").filter(has_text="Romanian")
    expect(row).to_contain_text("Awaiting review")
    with page.expect_navigation():
        row.get_by_role("button", name=re.compile("^Mark as checked")).click()
    check(page)
    expect(page.get_by_role("row").filter(has_text="Romanian")).to_contain_text("Checked")
    visit(page, _public(server, "ro", "safe-home/"))
    assert NOTICE not in page.locator("main").inner_text()
    # Put it back, so that the rest of the session sees the notice as before.
    visit(page, server("/translations/"))
    page.get_by_role("row").filter(has_text="Romanian").get_by_role("button", name=re.compile("^Mark as awaiting review")).click()
    page.wait_for_load_state("load")
    check(page)
    # Another page: the browser may keep the one above for five minutes (the pages are cacheable).
    visit(page, _public(server, "ro", "safe-handling/"))
    expect(page.locator("main").get_by_text(NOTICE)).to_be_visible()
    expect(page.get_by_role("link", name="Sign out")).to_have_count(0)  # the public pages are the same for everyone
    visit(page, server("/translations/"))
    sign_out(page, server)


