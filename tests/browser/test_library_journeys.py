"""Library journeys: a health visitor searches the library for "bruising", opens the guidance, and
follows the learning from the review behind it to the bruising rule's "why" page; the partnership
administrator adds a document, uploads a new version of the safer sleep guidance (after a
disguised file is refused) and sees it in the history; the safeguarding lead sees the reviews due.

Every page is checked with axe through `helpers`. The demo data (kbs/library/demo.py and
kbs/learning/demo.py) give the documents and reviews; the titles come from those modules.
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import FilePayload, Page, expect

from kbs.learning.demo import BRUISE_RAPID_REVIEW, OUT_OF_ROUTINE
from kbs.library.demo import (
    BRUISING_BRIEF,
    BRUISING_GUIDANCE,
    BRUISING_LEAFLET,
    BRUISING_TOOL,
    SAFER_SLEEP_GUIDANCE,
    simple_pdf,
)
from tests.browser.helpers import Server, check, click_link, sign_in_as, submit, visit
from tests.browser.steps import fill_date

pytestmark = pytest.mark.browser


def _results(page: Page) -> list[str]:
    return page.get_by_role("list", name="Documents").get_by_role("heading").all_inner_texts()


def test_practitioner_searches_for_bruising_and_follows_the_learning(page: Page, server: Server) -> None:
    sign_in_as(page, server, "health-visitor")
    click_link(page, "Library")
    expect(page.get_by_role("heading", level=1)).to_have_text("Library")

    page.get_by_label("Search the library").fill("bruising")
    submit(page, "Search")
    expect(page.get_by_role("heading", level=2).first).to_have_text("4 results for ‘bruising’")
    assert set(_results(page)) == {BRUISING_GUIDANCE, BRUISING_LEAFLET, BRUISING_TOOL, BRUISING_BRIEF}
    results = page.get_by_role("list", name="Documents")
    guidance = results.get_by_role("listitem").filter(has_text=BRUISING_GUIDANCE)
    expect(guidance).to_contain_text("Practice guidance")
    expect(guidance).to_contain_text("Overdue for review")
    expect(results.get_by_role("listitem").filter(has_text=BRUISING_TOOL).get_by_role("link", name=re.compile("Open the link"))) \
        .to_have_attribute("href", "/tools/#bruising")

    # A topic filter alone.
    page.get_by_label("Search the library").fill("")
    page.get_by_label("Topic").select_option(label="Dogs")
    submit(page, "Search")
    assert _results(page) == ["Dogs and babies: keeping your baby safe"]

    # The guidance, its current version and the learning behind it.
    visit(page, server("/library/?q=bruising"))
    click_link(page, BRUISING_GUIDANCE)
    expect(page.get_by_role("heading", level=1)).to_have_text(BRUISING_GUIDANCE)
    expect(page.get_by_role("region", name="Versions").get_by_role("row")).to_have_count(2)
    download = page.get_by_role("link", name=re.compile(r"^Download .*version 1"))
    response = page.request.get(server(str(download.first.get_attribute("href"))))
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-disposition"].startswith("attachment;")
    assert response.body().startswith(b"%PDF-")

    click_link(page, BRUISE_RAPID_REVIEW)
    expect(page.get_by_role("heading", level=1)).to_have_text(BRUISE_RAPID_REVIEW)
    expect(page.locator("main")).to_contain_text("Local review")
    click_link(page, re.compile("rule BR-NON-MOBILE"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Why rule BR-NON-MOBILE: Bruise or possible bruise on a non-mobile baby")
    expect(page.locator("main")).to_contain_text("Where it comes from")
    expect(page.locator("main")).to_contain_text(f"{BRUISE_RAPID_REVIEW}, recommendation 1")

    # Every review.
    click_link(page, "Library")
    click_link(page, "Learning from reviews")
    reviews = page.get_by_role("region", name="Reviews")
    for title in (OUT_OF_ROUTINE, "The myth of invisible men", "Theo", BRUISE_RAPID_REVIEW):
        expect(reviews.get_by_role("link", name=title, exact=True)).to_be_visible()
    click_link(page, OUT_OF_ROUTINE)
    expect(page.locator("main")).to_contain_text("National review")
    expect(page.locator("main")).to_contain_text("The safe sleep message")


def test_administrator_adds_a_document_and_a_new_version(page: Page, server: Server) -> None:
    sign_in_as(page, server, "administrator")
    click_link(page, "Library")

    # Add a link document.
    click_link(page, "Add a document")
    page.get_by_label("Title").fill("Safe handling: holding your baby")
    page.get_by_label("What kind of document is it?").select_option(label="Link")
    page.get_by_label("Summary").fill("Support your baby's head and neck, and never shake a baby.")
    page.get_by_label("Everyone, including parents and carers").check()
    page.get_by_label("Safe handling", exact=True).check()
    today = timezone.localdate()
    fill_date(page, "id_published_on", today)
    fill_date(page, "id_review_by", today - timedelta(days=1))
    page.get_by_label("Web address (optional)").fill("https://www.nhs.uk/")
    submit(page, "Add the document", status=400)
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("The review date must be after the date published")
    fill_date(page, "id_review_by", today + timedelta(days=365))
    submit(page, "Add the document", status=200)
    expect(page.get_by_role("heading", level=1)).to_have_text("Safe handling: holding your baby")

    # A new version of the safer sleep guidance: a disguised file first, then a real PDF.
    click_link(page, "Library")
    click_link(page, SAFER_SLEEP_GUIDANCE)
    expect(page.get_by_role("region", name="Versions").get_by_role("row")).to_have_count(3)
    click_link(page, re.compile("^Upload a new version"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Upload a new version")
    page.get_by_label("The new version").set_input_files(
        files=FilePayload(name="safer-sleep-v3.pdf", mimeType="application/pdf", buffer=b"PK\x03\x04 a Word document")
    )
    page.get_by_label("What changed?").fill("Adds the temperature of the room")
    fill_date(page, "id_review_by", today + timedelta(days=365))
    submit(page, "Upload the new version", status=400)
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("The file is called .pdf but is not a PDF")
    page.get_by_label("The new version").set_input_files(
        files=FilePayload(name="safer-sleep-v3.pdf", mimeType="application/pdf",
                          buffer=simple_pdf(SAFER_SLEEP_GUIDANCE, ["Keep the room between 16 and 20 degrees."]))
    )
    submit(page, "Upload the new version", status=200)
    expect(page.get_by_role("heading", level=1)).to_have_text(SAFER_SLEEP_GUIDANCE)
    expect(page.locator("main")).to_contain_text("Version 3, uploaded")
    rows = page.get_by_role("region", name="Versions").get_by_role("row")
    expect(rows).to_have_count(4)
    expect(rows.nth(1)).to_contain_text("Adds the temperature of the room")
    expect(rows.nth(1)).to_contain_text("Aisha Rahman")
    expect(rows.nth(3)).to_contain_text("First version")
    expect(page.locator("main")).to_contain_text("Learning behind this document")

    # Every document's review, for the administrator.
    click_link(page, "Library")
    click_link(page, re.compile("^Reviews due"))
    expect(page.get_by_role("region", name="Documents due for review")).to_contain_text(BRUISING_GUIDANCE)


def test_owner_sees_their_reviews_due(page: Page, server: Server) -> None:
    sign_in_as(page, server, "safeguarding-lead")
    click_link(page, "Library")
    click_link(page, re.compile("^Reviews due"))
    due = page.get_by_role("region", name="Documents due for review")
    expect(due.get_by_role("row")).to_have_count(2)
    expect(due).to_contain_text(BRUISING_GUIDANCE)
    expect(due).to_contain_text("Overdue for review")
    click_link(page, BRUISING_GUIDANCE)
    click_link(page, re.compile("^Upload a new version"))
    check(page)
