"""Historic contacts import journey: the demo health visitor uploads a file of contacts recorded in
another system: one good row for the demo baby (with a reference new to this run), one with a bad
NHS number and one in the future; sees the rejected rows and downloads the report, is refused an
all-or-nothing import, imports the accepted row only and sees the result. Every page is checked with
axe, and the upload page at 320 px too."""

import uuid
from datetime import date, timedelta

import pytest
from playwright.sync_api import FilePayload, Page, expect

from kbs.imports.contacts_samples import contact_row, contacts_csv
from kbs.nonprod.demo import DEMO_BABY_NHS_NUMBER
from tests.browser.helpers import Server, check, sign_in_as, submit, visit

pytestmark = pytest.mark.browser


def _file() -> bytes:
    run = uuid.uuid4().hex[:12]
    good = contact_row(DEMO_BABY_NHS_NUMBER, 1, source_reference=f"JOURNEY-{run}-1",
                       contact_date=(date.today() - timedelta(days=2)).isoformat())
    return contacts_csv([
        good,
        {**good, "source_reference": f"JOURNEY-{run}-2", "baby_nhs_number": "9990000019"},
        {**good, "source_reference": f"JOURNEY-{run}-3", "contact_date": (date.today() + timedelta(days=5)).isoformat()},
    ])


def test_health_visitor_imports_the_accepted_rows_of_a_contacts_file(page: Page, server: Server) -> None:
    sign_in_as(page, server, "health-visitor")
    visit(page, server("/imports/contacts/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Import contacts from another system")
    main = page.locator("main")

    submit(page, "Check the file", status=400)
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Choose a CSV file of contacts")

    page.get_by_label("CSV file of contacts").set_input_files(
        files=FilePayload(name="contacts.csv", mimeType="text/csv", buffer=_file()))
    submit(page, "Check the file", status=200)
    expect(page.get_by_role("heading", level=1)).to_have_text("Check the contacts file")
    expect(main).to_contain_text("The baby's NHS number is not valid: its check digit does not match")
    expect(main).to_contain_text("The date of the contact is in the future")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the report of rejected rows (CSV)").click()
    assert download.value.suggested_filename.startswith("rejected-contacts-")

    page.get_by_label("All or nothing: import only if every row is accepted").check()
    submit(page, "Import 1 contact", status=400)
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Nothing was imported")

    page.get_by_label("Import the accepted rows only, and leave out the rejected rows").check()
    submit(page, "Import 1 contact", status=200)
    expect(page.get_by_role("heading", level=1)).to_have_text("Contacts imported")
    expect(main).to_contain_text("Contacts imported")
    check(page)

    page.set_viewport_size({"width": 320, "height": 800})
    visit(page, server("/imports/contacts/"))
