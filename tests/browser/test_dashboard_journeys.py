"""Dashboard journeys: the analyst filters the figures, downloads a table and reads how each figure is
measured; a safeguarding lead sees their own agency, fixed; a practitioner is refused. The page reflows
to 320 px. Every page is checked with axe through `helpers`.

Screenshots of the dashboard at 1280 px and 320 px go to $KBS_SCREENSHOTS when it is set (never into
the repository).
"""

import csv
import io
import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from kbs.nonprod.personas import HEALTH_VISITING_AGENCY
from tests.browser.helpers import Server, check, click_link, sign_in_as, submit, visit
from tests.browser.steps import body_fits

pytestmark = pytest.mark.browser

PHONE = {"width": 320, "height": 800}
SCREENSHOTS = os.environ.get("KBS_SCREENSHOTS")


def _screenshot(page: Page, name: str) -> None:
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / name), full_page=True)


def test_analyst_filters_the_dashboard_downloads_a_table_and_reads_how_we_measure(page: Page, server: Server) -> None:
    sign_in_as(page, server, "analyst")
    click_link(page, "Dashboard")
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
    expect(page.get_by_role("heading", name=re.compile("^Figures for "))).to_be_visible()
    expect(page.get_by_role("img", name="Parents and carers reached")).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("Training and champions"))).to_be_visible()
    _screenshot(page, "dashboard-1280.png")

    # A bad period is explained, and nothing else is shown.
    from_group = page.get_by_role("group", name="From")
    from_group.get_by_label("Month").fill("13")
    submit(page, "Show the figures", status=400)
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_contain_text("The month the period starts must be a number from 1 to 12")
    expect(page.get_by_role("heading", name=re.compile("^Figures for "))).to_have_count(0)

    # Six months of 2026, in Derby's DE22, at the new baby review.
    page.get_by_role("group", name="From").get_by_label("Month").fill("1")
    page.get_by_role("group", name="From").get_by_label("Year").fill("2026")
    page.get_by_role("group", name="To").get_by_label("Month").fill("6")
    page.get_by_role("group", name="To").get_by_label("Year").fill("2026")
    page.get_by_label("Area (postcode district)").fill("de22")
    page.get_by_label("Contact point").select_option(label="New baby review")
    submit(page, "Show the figures", status=200)
    expect(page.get_by_role("heading", name="Figures for January 2026 to June 2026")).to_be_visible()
    expect(page.get_by_label("Area (postcode district)")).to_have_value("DE22")
    at_contacts = page.get_by_role("region", name=re.compile("^Babies given all three messages at each universal contact, "))
    expect(at_contacts.get_by_role("row")).to_have_count(2)  # the heading, and the new baby review alone
    expect(at_contacts.get_by_role("row").nth(1)).to_contain_text("New baby review")

    # The CSV keeps the filters and holds the table.
    region = page.get_by_role("region", name=re.compile("^Parents and carers reached, "))
    shown = [[" ".join(cell.split()) for cell in row.locator("th, td").all_inner_texts()] for row in region.get_by_role("row").all()]
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile(r"^Download this table \(CSV\)\s*:\s*Parents and carers reached$")).click()
    assert download.value.suggested_filename == "kbs-carers-reached-2026-01-to-2026-06.csv"
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8"))))
    assert rows == shown
    response = page.request.get(server("/dashboard/carers-reached.csv?district=DE22"))
    assert response.status == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"

    # How it is measured.
    click_link(page, re.compile(r"^How this is measured\s*:\s*Parents and carers reached$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("How we measure")
    assert page.url.endswith("#carers-reached")
    expect(page.get_by_role("heading", name="Parents and carers reached", level=3)).to_be_visible()
    expect(page.get_by_text("manage.py rebuild_rollups")).to_be_visible()


def test_dashboard_reflows_on_a_phone(page: Page, server: Server) -> None:
    page.set_viewport_size(PHONE)
    sign_in_as(page, server, "analyst")
    visit(page, server("/dashboard/"))
    body_fits(page, PHONE["width"])
    _screenshot(page, "dashboard-320.png")
    visit(page, server("/dashboard/how-we-measure/"))
    body_fits(page, PHONE["width"])


def test_safeguarding_lead_sees_their_own_agency_fixed(page: Page, server: Server) -> None:
    sign_in_as(page, server, "safeguarding-lead")
    click_link(page, "Dashboard")
    expect(page.locator(".nhsuk-caption-l")).to_have_text(HEALTH_VISITING_AGENCY)
    expect(page.get_by_label("Agency", exact=True)).to_have_count(0)
    expect(page.locator("form")).to_contain_text(HEALTH_VISITING_AGENCY)
    # Asking for every agency by hand changes nothing.
    visit(page, server("/dashboard/?agency=0"))
    expect(page.locator(".nhsuk-caption-l")).to_have_text(HEALTH_VISITING_AGENCY)
    trained = page.get_by_role("region", name="Trained staff and champions")
    expect(trained.get_by_role("row")).to_have_count(2)
    expect(trained).to_contain_text(HEALTH_VISITING_AGENCY)


def test_practitioner_cannot_see_the_dashboard(page: Page, server: Server) -> None:
    sign_in_as(page, server, "health-visitor")
    expect(page.get_by_role("link", name="Dashboard")).to_have_count(0)
    visit(page, server("/dashboard/"), status=403)
    expect(page.get_by_role("heading", level=1)).to_have_text("You cannot see this page")
    check(page)
