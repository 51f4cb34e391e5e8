"""Retention journey: the data protection officer opens the retention review list (the demo's
families are all recent, so nothing is due), finds a family's id in the audit trail (as they would
for a claim or an inquiry), opens its retention review, places a legal hold, sees it on the family
and on the list, and lifts it. Every page is checked with axe."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import Server, click_link, sign_in_as, submit, visit

pytestmark = pytest.mark.browser


def test_dpo_places_and_lifts_a_legal_hold(page: Page, server: Server) -> None:
    sign_in_as(page, server, "dpo")
    click_link(page, "Retention")
    expect(page.get_by_role("heading", level=1)).to_have_text("Retention review")
    main = page.locator("main")
    expect(main).to_contain_text("No records are past their retention date or coming up for review.")
    expect(main).to_contain_text("No family is on a legal hold.")
    expect(main).to_contain_text("Kept until the baby's 25th birthday, or the 26th")

    visit(page, server("/audit/?action=involvement"))
    family_id = page.get_by_role("table").locator("tbody tr td:nth-child(4) span").first.inner_text().strip()
    assert re.fullmatch(r"[0-9a-f-]{36}", family_id), family_id

    visit(page, server(f"/retention/families/{family_id}/"))
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text(re.compile(r"^KBS-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}$"))
    reference = heading.inner_text()
    expect(main).to_contain_text("cannot be disposed of before")

    click_link(page, "Place a legal hold")
    submit(page, "Place the legal hold", status=400)
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Enter why these records must be kept")
    page.get_by_label("Why must these records be kept?").fill("Civil claim notified by the partnership's solicitors")
    submit(page, "Place the legal hold", status=200)
    expect(main).to_contain_text("Legal hold placed")
    expect(page.get_by_role("heading", name=re.compile("On legal hold"))).to_be_visible()
    expect(main).to_contain_text("Civil claim notified")
    expect(page.get_by_role("link", name="Place a legal hold")).to_have_count(0)

    click_link(page, "Retention")
    expect(main).to_contain_text("1 on a legal hold")
    click_link(page, reference)

    click_link(page, "Lift the legal hold")
    page.get_by_label("Why can the hold be lifted?").fill("The claim was withdrawn")
    submit(page, "Lift the legal hold", status=200)
    expect(main).to_contain_text("Legal hold lifted")
    expect(page.get_by_role("heading", name=re.compile("On legal hold"))).to_have_count(0)
    expect(main).to_contain_text("The claim was withdrawn")

    click_link(page, "Retention")
    expect(main).to_contain_text("No family is on a legal hold.")
