"""Births import journey: the demo midwife uploads a births file with one good row (a baby the demo
already has, so it is matched and nothing in the shared demo world changes), one bad row and 600
rows repeating the demo baby (rejected as duplicates, and enough that the file is checked in two
parts), watches the "Checking your file" page, sees the rejected rows and downloads the report, is
refused an all-or-nothing import, imports the accepted row only and sees the result. Every page is
checked with axe, the progress page too."""

import csv
import io
import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import FilePayload, Page, Route, expect

from kbs.imports.validation import COLUMNS
from kbs.nonprod.demo import DEMO_BABY_NHS_NUMBER
from tests.browser.helpers import Server, check, click_link, sign_in_as, submit

pytestmark = pytest.mark.browser


REFRESH = '<meta http-equiv="refresh" content="0">'
DUPLICATES = 600


def _file() -> bytes:
    born = (date.today() - timedelta(days=3)).isoformat()
    row = {"nhs_number": DEMO_BABY_NHS_NUMBER, "date_of_birth": born, "sex": "female", "gestation_weeks": "39",
           "birth_weight_g": "3300", "mother_given_name": "Journey", "mother_family_name": "Test",
           "mother_nhs_number": "", "mother_date_of_birth": "1994-01-01", "address_line_1": "1 Test Street",
           "address_line_2": "", "town": "Derby", "postcode": "DE1 2AB", "language": "English"}
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(COLUMNS))
    writer.writeheader()
    writer.writerow(row)
    writer.writerow({**row, "nhs_number": "9990000019", "sex": "unknown sex"})
    for _ in range(DUPLICATES):
        writer.writerow(row)
    return out.getvalue().encode("utf-8")


def test_midwife_imports_the_accepted_rows_of_a_births_file(page: Page, server: Server) -> None:
    sign_in_as(page, server, "midwife")
    click_link(page, "Import births")
    expect(page.get_by_role("heading", level=1)).to_have_text("Import births")
    main = page.locator("main")

    submit(page, "Check the file", status=400)
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Choose a CSV file of births")

    # The file is checked in two parts: the progress page moves itself on (no script) to the check page.
    births = FilePayload(name="births.csv", mimeType="text/csv", buffer=_file())
    page.get_by_label("CSV file of births").set_input_files(files=births)
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check the births file", timeout=20_000)
    check(page)
    expect(main).to_contain_text("Match a baby by NHS number (not changed)")
    expect(main).to_contain_text("The baby's NHS number is not valid: its check digit does not match")
    expect(main).to_contain_text("The baby's sex must be female, male or not_known")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the report of rejected rows (CSV)").click()
    assert download.value.suggested_filename.startswith("rejected-rows-")

    page.get_by_label("All or nothing: import only if every row is accepted").check()
    submit(page, "Import 1 birth", status=400)
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Nothing was imported")

    page.get_by_label("Import the accepted rows only, and leave out the rejected rows").check()
    submit(page, "Import 1 birth", status=200)
    expect(page.get_by_role("heading", level=1)).to_have_text("Births imported")
    expect(main).to_contain_text("Matched a baby already known (not changed)")
    check(page)


def test_the_checking_page_shows_progress_and_has_a_continue_button(page: Page, server: Server) -> None:
    """To look at the progress page (and scan it), its refresh is taken out on the way to the
    browser, after checking that the server sent it; Continue then checks the rest."""
    sign_in_as(page, server, "midwife")
    click_link(page, "Import births")
    refreshes: list[bool] = []

    def without_refresh(route: Route) -> None:
        response = route.fetch()  # the upload, and the first part checked (the redirect followed)
        body = response.text()
        refreshes.append(REFRESH in body)
        route.fulfill(response=response, body=body.replace(REFRESH, ""))

    upload = re.compile(r"/imports/births/$")
    page.route(upload, without_refresh)
    births = FilePayload(name="births.csv", mimeType="text/csv", buffer=_file())
    page.get_by_label("CSV file of births").set_input_files(files=births)
    submit(page, "Check the file", status=200)
    expect(page.get_by_role("heading", level=1)).to_have_text("Checking your file")
    expect(page.locator("main")).to_contain_text(f"Checked 500 of {DUPLICATES + 2:,} rows")
    assert refreshes == [True]
    page.unroute(upload)
    submit(page, "Continue", status=200)
    expect(page.get_by_role("heading", level=1)).to_have_text("Check the births file")
    expect(page.locator("main")).to_contain_text(re.compile(rf"Births in the file\s*{DUPLICATES + 2}"))
