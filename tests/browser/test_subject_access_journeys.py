"""Subject access journey: the data protection officer records a request about the demo baby
(found by NHS number, after an unknown number is refused), gathers the records, withholds the
household's details, completes the review, releases, and downloads the frozen PDF and JSON.

Every page is checked with axe through `helpers`. The demo baby's NHS number and name come from
kbs/nonprod/demo.py.
"""

import json
import re
from datetime import timedelta
from urllib.parse import urljoin

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from kbs.nonprod.demo import DEMO_BABY_NAME, DEMO_BABY_NHS_NUMBER, DEMO_FAMILY_ADDRESS
from tests.browser.helpers import Server, check, click_link, sign_in_as, submit
from tests.browser.steps import body_fits, choose, error_summary, fill_date, follow_button_link, pdf_text, resize_to

pytestmark = pytest.mark.browser


def test_officer_records_reviews_and_releases_a_subject_access_request(page: Page, server: Server) -> None:
    sign_in_as(page, server, "dpo")
    click_link(page, "Subject access")
    expect(page.get_by_role("heading", level=1)).to_have_text("Subject access requests")
    follow_button_link(page, "Record a new request")

    # An NHS number nobody in KBS has is refused, and nothing is saved.
    received = timezone.localdate() - timedelta(days=2)
    choose(page, "Who made the request?", "The person themself")
    page.get_by_label("How was the identity of the person asking checked?").fill(
        "Birth certificate and the mother's passport seen at the clinic"
    )
    fill_date(page, "id_received_on", received)
    page.get_by_label("The subject's NHS number").fill("999 000 0042")
    submit(page, "Record the request", status=400)
    expect(error_summary(page)).to_contain_text("No baby or person in KBS has the NHS number 999 000 0042")

    page.get_by_label("The subject's NHS number").fill(DEMO_BABY_NHS_NUMBER)
    submit(page, "Record the request", status=200)
    expect(page.get_by_role("heading", level=1)).to_have_text(DEMO_BABY_NAME)
    expect(page.locator(".nhsuk-summary-list")).to_contain_text("days left")

    submit(page, "Gather the records", status=200)
    expect(page.get_by_role("heading", level=1)).to_have_text("Review the records")
    household = page.locator(".nhsuk-card").filter(has=page.get_by_role("heading", name="Household", exact=True)).first
    expect(household).to_contain_text(DEMO_FAMILY_ADDRESS[0])
    with page.expect_navigation():
        household.get_by_role("link", name=re.compile("^Withhold all or part of this item")).click()
    check(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Withhold from the release")
    choose(page, "What should be withheld?", "The whole item")
    choose(page, "Why?", "Third-party information")
    submit(page, "Withhold", status=200)
    expect(page.locator(".nhsuk-card").filter(has_text="[withheld: Third-party information]")).to_have_count(1)

    click_link(page, "Back to the request")
    submit(page, "Mark the review complete", status=200)
    submit(page, "Release the records", status=200)
    expect(page.locator(".nhsuk-summary-list")).to_contain_text("Released")
    pdf_link = page.get_by_role("link", name="Download the PDF")
    json_link = page.get_by_role("link", name="Download the JSON")
    expect(pdf_link).to_be_visible()
    expect(json_link).to_be_visible()

    text = pdf_text(page, pdf_link.get_attribute("href") or "")
    assert f"Records held about {DEMO_BABY_NAME}" in text
    assert "[withheld: Third-party information]" in text
    assert DEMO_FAMILY_ADDRESS[0] not in text
    response = page.request.get(urljoin(page.url, json_link.get_attribute("href") or ""))
    assert response.status == 200
    released = json.loads(response.body())
    assert released["subject"]["name"] == DEMO_BABY_NAME
    assert released["withheld"]["items"] == 1

    # The list no longer shows it as open; it reflows on a phone.
    click_link(page, "Subject access")
    expect(page.get_by_role("list").filter(has_text=DEMO_BABY_NAME).first).to_contain_text("released")
    resize_to(page, {"width": 320, "height": 800})
    check(page)
    body_fits(page, 320)
