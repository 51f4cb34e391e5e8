"""Staff administration journey: the partnership administrator finds a member of staff, gives them a
role with a reason (after forgetting the reason once), sees it listed, removes it again, opens
the page for deactivating the account, reads the role descriptions, and signs out of every device from "Your account".

The member of staff is the demo analyst persona; the role given and then removed is the training
lead's, so the demo data end as they began. Every page is checked with axe through `helpers`.
"""

import pytest
from playwright.sync_api import Page, expect

from kbs.nonprod.personas import PERSONAS_BY_KEY
from tests.browser.helpers import Server, check, click_link, sign_in_as, submit, visit

pytestmark = pytest.mark.browser

ANALYST = PERSONAS_BY_KEY["analyst"]


def _roles(page: Page) -> list[str]:
    return page.get_by_role("list", name="Roles").get_by_role("heading").all_inner_texts()


def test_administrator_gives_and_removes_a_role_and_signs_out_everywhere(page: Page, server: Server) -> None:
    sign_in_as(page, server, "administrator")
    visit(page, server("/staff/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Staff accounts")

    # Find the analyst by name.
    page.get_by_label("Name or username").fill(ANALYST.last_name)
    submit(page, "Search", status=200)
    expect(page.get_by_role("heading", level=2).first).to_have_text("1 person found")
    click_link(page, ANALYST.full_name)
    expect(page.get_by_role("heading", level=1)).to_have_text(ANALYST.full_name)
    assert _roles(page) == ["Partnership analyst"]

    # Give a role: the reason is required.
    click_link(page, f"Give {ANALYST.full_name} a role")
    page.get_by_label("Training lead").check()
    submit(page, "Give the role", status=400)
    expect(page.get_by_role("alert").filter(has_text="There is a problem")).to_contain_text("Enter the reason for the change")
    expect(page.get_by_label("Training lead")).to_be_checked()
    page.get_by_label("Why are you making this change?").fill("Covering the training lead's leave")
    submit(page, "Give the role", status=200)
    expect(page.get_by_text(f"{ANALYST.full_name} now has the role Training lead")).to_be_visible()
    assert _roles(page) == ["Partnership analyst", "Training lead"]

    # Remove it again.
    click_link(page, f"Remove the role Training lead from {ANALYST.full_name}")
    expect(page.get_by_label("Training lead")).to_be_checked()
    page.get_by_label("Why are you making this change?").fill("Leave cover has ended")
    submit(page, "Remove the role", status=200)
    expect(page.get_by_text(f"{ANALYST.full_name} no longer has the role Training lead")).to_be_visible()
    assert _roles(page) == ["Partnership analyst"]

    # The page for deactivating the account (left without doing it).
    click_link(page, f"Deactivate {ANALYST.full_name}'s account")
    expect(page.get_by_role("heading", level=1)).to_have_text("Deactivate the account")
    click_link(page, "Back")

    # The role descriptions.
    click_link(page, "Roles and what they allow")
    expect(page.get_by_role("heading", level=2, name="Data protection officer")).to_be_visible()
    expect(page.get_by_text("Give and remove staff roles, deactivate and reactivate accounts").first).to_be_visible()

    # Your account, at a phone's width too, then sign out of every device.
    visit(page, server("/account/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")
    expect(page.get_by_role("heading", name="Partnership administrator")).to_be_visible()
    page.set_viewport_size({"width": 320, "height": 800})
    check(page)
    page.set_viewport_size({"width": 1280, "height": 900})
    submit(page, "Sign out of every device", status=200)
    expect(page.get_by_text("You have signed out of every device, this one included")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    visit(page, server("/staff/"))
    assert "/sign-in/" in page.url
