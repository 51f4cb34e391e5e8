import pytest
from playwright.sync_api import Page, expect
from tests.browser.helpers import Server, check, click_link, sign_in_as, submit, visit
from tests.browser.steps import add_person, body_fits, pdf_text, register_family, weeks_ago

pytestmark = pytest.mark.browser


def test_scratch(page: Page, server: Server) -> None:
    page.set_viewport_size({"width": 320, "height": 800})
    sign_in_as(page, server, "health-visitor")
    family = register_family(page, server, first_name="Ava", family_name="Scratch", postcode="DE22 1XU", born_on=weeks_ago(3))
    add_person(page, family.url, first_name="Lee", last_name="Scratch", relationship="Father")
    visit(page, family.baby_url)
    check(page)
    body_fits(page, 320)
    page.screenshot(path="/tmp/baby_icon.png", full_page=True)
    click_link(page, "Make a coping with crying plan")
    check(page)
    submit(page, "Save the plan", status=400)
    check(page)
    page.get_by_label("What will the family try, to soothe the baby?").fill("Feed, cuddle, sing")
    page.get_by_label("Who can they call for help?").fill("Nana 07700 900123")
    page.get_by_label("Who did you agree the plan with?").fill("Lee Scratch (father)")
    submit(page, "Save the plan")
    check(page)
    body_fits(page, 320)
    expect(page.get_by_role("heading", level=1)).to_have_text("Coping with crying plan for Ava")
    assert "Never, ever shake a baby" in pdf_text(page, page.get_by_role("link", name="Download the plan (PDF)").get_attribute("href"))
    visit(page, family.url)
    click_link(page, "Record a contact")
    check(page)
    page.screenshot(path="/tmp/record_prompts.png", full_page=False)
