"""Births import journey: the demo midwife uploads a births file with one good row (a baby the demo
already has, so it is matched and nothing in the shared demo world changes) and one bad row, sees
the rejected row and downloads the report, is refused an all-or-nothing import, imports the
accepted row only and sees the result. Every page is checked with axe."""

import csv
import io
from datetime import date, timedelta

import pytest
from playwright.sync_api import FilePayload, Page, expect

from kbs.imports.validation import COLUMNS
from kbs.nonprod.demo import DEMO_BABY_NHS_NUMBER
from tests.browser.helpers import Server, check, click_link, sign_in_as, submit

pytestmark = pytest.mark.browser


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
    return out.getvalue().encode("utf-8")


def test_midwife_imports_the_accepted_rows_of_a_births_file(page: Page, server: Server) -> None:
    sign_in_as(page, server, "midwife")
    click_link(page, "Import births")
    expect(page.get_by_role("heading", level=1)).to_have_text("Import births")
    main = page.locator("main")

    submit(page, "Check the file", status=400)
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Choose a CSV file of births")

    births = FilePayload(name="births.csv", mimeType="text/csv", buffer=_file())
    page.get_by_label("CSV file of births").set_input_files(files=births)
    submit(page, "Check the file", status=200)
    expect(page.get_by_role("heading", level=1)).to_have_text("Check the births file")
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
