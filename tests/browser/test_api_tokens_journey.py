"""API tokens journey: the partnership administrator makes a token for the health visitor's
account (after leaving the form empty once), sees it shown once, and finds it listed with its
"Revoke" button, also at 320 px. Every page is checked with axe through `helpers`."""

import re

import pytest
from playwright.sync_api import Page, expect

from kbs.nonprod.personas import PERSONAS_BY_KEY
from tests.browser.helpers import Server, check, click_link, sign_in_as, submit, visit

pytestmark = pytest.mark.browser

HEALTH_VISITOR = PERSONAS_BY_KEY["health-visitor"]


def test_administrator_makes_a_token_that_is_shown_once(page: Page, server: Server) -> None:
    sign_in_as(page, server, "administrator")
    visit(page, server("/staff/"))
    click_link(page, "API tokens")
    expect(page.get_by_role("heading", level=1)).to_have_text("API tokens")

    click_link(page, "Make a token")
    submit(page, "Make the token", status=400)
    expect(page.get_by_role("alert").filter(has_text="There is a problem")).to_be_visible()

    account = page.get_by_label("Which account the token acts as")
    label = next(text for text in account.locator("option").all_inner_texts() if HEALTH_VISITOR.last_name in text)
    account.select_option(label=label)
    page.get_by_label("Name", exact=True).fill("Browser journey system")
    page.get_by_label("Read babies", exact=True).check()
    submit(page, "Make the token", status=200)
    shown = page.get_by_text(re.compile(r"kbs_[A-Za-z0-9_-]{20,}")).first
    expect(shown).to_be_visible()

    click_link(page, "Back to API tokens")
    row = page.get_by_role("button", name="Revoke Browser journey system")
    expect(row).to_be_visible()
    page.set_viewport_size({"width": 320, "height": 800})
    check(page)
