"""Workforce journeys: the Level 2 e-learning (a module, its knowledge check failed then passed),
champions and confidence ratings; the Level 3 course (a session of one place, booking, the waiting
list and an offered place accepted); coverage and the training records import.

Every page is checked with axe through `helpers`. The server has its own database, so the right
answers to the knowledge check come from the course content files the server loaded.
"""

import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from playwright.sync_api import Browser, FilePayload, Page, expect

from tests.browser.helpers import Server, check, click_link, new_context, sign_in_as, submit, visit
from tests.browser.steps import fill_date

pytestmark = pytest.mark.browser

LEVEL2 = Path(__file__).resolve().parents[2] / "kbs" / "workforce" / "content" / "level2"


def _module(order: int) -> dict[str, Any]:
    for path in sorted(LEVEL2.glob("*.yaml")):
        content = yaml.safe_load(path.read_text(encoding="utf-8"))
        if content["order"] == order:
            return dict(content)
    raise AssertionError(f"no Level 2 module {order} in {LEVEL2}")


def _answer_check(page: Page, questions: list[dict[str, Any]], *, right: bool) -> None:
    """Tick one answer to every question: the right one, or the next one along (always wrong)."""
    for number, question in enumerate(questions, start=1):
        index = question["answer"] if right else (question["answer"] + 1) % len(question["choices"])
        fieldset = page.get_by_role("group", name=f"{number}. {question['text']}", exact=True)
        fieldset.get_by_label(question["choices"][index], exact=True).check()


def test_level2_module_failed_then_passed_champions_and_confidence(page: Page, server: Server) -> None:
    module = _module(1)
    questions = module["questions"]
    sign_in_as(page, server, "health-visitor")

    # Training home, then the course overview, then module 1.
    click_link(page, "Training")
    expect(page.get_by_role("heading", level=1)).to_have_text("Training")
    click_link(page, "Go to the e-learning")
    expect(page.get_by_role("heading", level=1)).to_have_text("Protecting Babies from Harm")
    progress = page.get_by_role("region", name="Modules")
    expect(progress.get_by_role("row").filter(has_text=module["title"])).to_contain_text("Not started")
    click_link(page, module["title"])
    expect(page.get_by_role("heading", level=1)).to_have_text(module["title"])

    # Read every page.
    pages = module["pages"]
    click_link(page, "Start the module")
    for number, content in enumerate(pages, start=1):
        expect(page.get_by_role("heading", level=1)).to_have_text(content["title"])
        expect(page.locator(".nhsuk-caption-l")).to_contain_text(f"page {number} of {len(pages)}")
        submit(page, "Continue" if number < len(pages) else "Continue to the knowledge check", status=200)

    # The knowledge check: every answer wrong first.
    expect(page.get_by_role("heading", level=1)).to_have_text("Knowledge check")
    _answer_check(page, questions, right=False)
    submit(page, "Check my answers", status=200)
    expect(page.get_by_role("heading", level=1)).to_have_text("Not passed yet: 0%")
    cards = page.locator(".nhsuk-card")
    expect(cards).to_have_count(len(questions))
    first = questions[0]
    expect(cards.first).to_contain_text(first["text"])
    expect(cards.first).to_contain_text(f"The right answer: {first['choices'][first['answer']]}")
    expect(cards.first).to_contain_text(" ".join(first["explanation"].split())[:60])

    # Try again with the right answers.
    click_link(page, "Try the knowledge check again")
    _answer_check(page, questions, right=True)
    submit(page, "Check my answers", status=200)
    expect(page.get_by_role("heading", level=1)).to_have_text("You passed: 100%")
    expect(page.get_by_text("You got every question right.")).to_be_visible()
    second = _module(2)
    expect(page.get_by_role("link", name=f"Go to the next module: {second['title']}")).to_be_visible()

    # Progress shows the module done.
    click_link(page, "Back to the course")
    row = page.get_by_role("region", name="Modules").get_by_role("row").filter(has_text=module["title"])
    expect(row).to_contain_text("Passed")
    expect(row).to_contain_text(f"{len(pages)} of {len(pages)}")
    expect(row).to_contain_text("100%")
    expect(page.get_by_text(f"1 of {len(list(LEVEL2.glob('*.yaml')))} modules passed.")).to_be_visible()

    # The champions directory, and the champion named on My families.
    visit(page, server("/training/"))
    click_link(page, "Find a Keeping Babies Safe champion")
    expect(page.get_by_role("heading", level=1)).to_have_text("Keeping Babies Safe champions")
    champion = page.locator(".nhsuk-inset-text").filter(has_text="Your champion is")
    expect(champion).to_be_visible()
    champion_name = re.sub(r"^Your champion is (.+?)( \(.*\))?\.$", r"\1", champion.locator("p").inner_text().strip())
    expect(page.locator(".nhsuk-card__heading").filter(has_text=champion_name).first).to_be_visible()
    visit(page, server("/families/"))
    line = page.locator("p").filter(has_text="Your Keeping Babies Safe champion:")
    expect(line).to_contain_text(champion_name)
    expect(line.get_by_role("link", name=champion_name)).to_have_attribute("href", "/training/champions/")

    # Rate confidence before the Level 2 course, once.
    visit(page, server("/training/"))
    click_link(page, "Rate your confidence")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your confidence")
    click_link(page, "Rate your confidence before Protecting Babies from Harm (Level 2 e-learning)")
    radios = page.locator(".nhsuk-radios")
    expect(radios).to_have_count(7)
    for index in range(7):
        radios.nth(index).get_by_label("4", exact=True).check()
    submit(page, "Save my ratings", status=200)
    expect(page.get_by_role("heading", level=1)).to_have_text("Your confidence")
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text("Your confidence rating is saved")
    table = page.get_by_role("region", name="Protecting Babies from Harm (Level 2 e-learning)")
    expect(table.get_by_role("row").filter(has_text="Knowing the safe sleep message")).to_contain_text("4")
    expect(page.get_by_role("link", name="Rate your confidence before Protecting Babies from Harm (Level 2 e-learning)")).to_have_count(0)


def _session_label(when: date) -> str:
    return f"{when.day} {when:%B %Y} at 09:30"


def test_level3_full_session_waiting_list_offer_accepted_coverage_and_import(browser: Browser, server: Server) -> None:
    when = date.today() + timedelta(days=45)
    trainer = "Tess Trainer-Waitlist"
    contexts = {key: new_context(browser) for key in ("administrator", "gp", "midwife")}
    try:
        admin, gp, midwife = (contexts[k].new_page() for k in ("administrator", "gp", "midwife"))

        # The administrator adds a session with one place.
        sign_in_as(admin, server, "administrator")
        visit(admin, server("/training/level-3/"))
        expect(admin.get_by_role("heading", level=1)).to_have_text("Keeping Babies Safe (Level 3)")
        click_link(admin, "Add a session")
        fill_date(admin, "id_on", when)
        admin.get_by_label("Start time").fill("09:30")
        admin.get_by_label("End time").fill("16:00")
        admin.get_by_label("Venue").fill("Council House, Corporation Street, Derby DE1 2FS, Room 2")
        admin.get_by_label("Trainer").fill(trainer)
        admin.get_by_label("Places").fill("1")
        submit(admin, "Add the session", status=200)
        expect(admin.locator(".nhsuk-notification-banner")).to_contain_text("Session added")
        expect(admin.get_by_role("heading", level=1)).to_have_text(_session_label(when))
        session_url = admin.url
        expect(admin.get_by_text("Nobody has booked yet.")).to_be_visible()

        # The GP books the only place.
        sign_in_as(gp, server, "gp")
        visit(gp, server("/training/level-3/"))
        row = gp.get_by_role("region", name="Sessions to come").get_by_role("row").filter(has_text=trainer)
        expect(row).to_contain_text("1 place left")
        with gp.expect_navigation():
            row.get_by_role("link").click()
        check(gp)
        assert gp.url == session_url
        submit(gp, "Book a place", status=200)
        expect(gp.locator(".nhsuk-notification-banner")).to_contain_text("Place booked")
        expect(gp.locator("#actions .nhsuk-tag")).to_have_text("Booked")

        # The midwife finds it full and joins the waiting list.
        sign_in_as(midwife, server, "midwife")
        visit(midwife, server("/training/level-3/"))
        row = midwife.get_by_role("region", name="Sessions to come").get_by_role("row").filter(has_text=trainer)
        expect(row).to_contain_text("Full: join the waiting list")
        visit(midwife, session_url)
        submit(midwife, "Join the waiting list", status=200)
        expect(midwife.locator(".nhsuk-notification-banner")).to_contain_text("you are on the waiting list")
        expect(midwife.locator("#actions .nhsuk-tag")).to_have_text("On the waiting list")

        # The GP cancels: the midwife is offered the place.
        visit(gp, session_url)
        submit(gp, "Cancel my booking", status=200)
        expect(gp.locator(".nhsuk-notification-banner")).to_contain_text("Booking cancelled")
        expect(gp.get_by_role("button", name="Book a place")).to_have_count(0)
        expect(gp.get_by_role("button", name="Join the waiting list")).to_be_visible()

        visit(midwife, server("/training/level-3/"))
        expect(midwife.get_by_role("region", name="Sessions to come").get_by_role("row").filter(has_text=trainer)) \
            .to_contain_text("Offered a place")
        visit(midwife, session_url)
        expect(midwife.locator("#actions .nhsuk-tag")).to_have_text("Place offered")
        offer = midwife.locator("#actions p").filter(has_text="Accept it by")
        expect(offer).to_contain_text(re.compile(r"Accept it by \d{1,2} \w+ \d{4} at \d{2}:\d{2}"))
        mails = [m for m in server.mails() if "a place on the Level 3 course is yours" in m]
        assert mails, "the midwife was not e-mailed the offer"
        assert session_url.removeprefix(server.url) in mails[-1], "the offer e-mail does not link to the session"
        submit(midwife, "Accept the place", status=200)
        expect(midwife.locator(".nhsuk-notification-banner")).to_contain_text("Place accepted")
        expect(midwife.locator("#actions .nhsuk-tag")).to_have_text("Booked")

        # The administrator sees the bookings in order.
        visit(admin, session_url)
        bookings = admin.get_by_role("region", name="Bookings").get_by_role("row")
        expect(bookings.nth(1)).to_contain_text("Cancelled")
        expect(bookings.nth(2)).to_contain_text("Booked")

        # Coverage.
        visit(admin, server("/training/coverage/"))
        expect(admin.get_by_role("heading", level=1)).to_be_visible()

        # Import with one bad row: a row-by-row report, nothing imported.
        visit(admin, server("/training/records/import/"))
        expect(admin.get_by_role("heading", level=1)).to_have_text("Import training records")
        csv = (
            "email or username,course code,level,completed_on,score,expires_on\n"
            "demo-gp,L3-KBS,3,2024-02-29,,\n"
            "nobody-here@example.org,L3-KBS,3,2024-02-29,,\n"
        )
        admin.get_by_label("CSV file of training records").set_input_files(
            files=FilePayload(name="records.csv", mimeType="text/csv", buffer=csv.encode("utf-8"))
        )
        submit(admin, "Check and import", status=400)
        expect(admin.locator(".nhsuk-error-summary")).to_contain_text("Nothing was imported")
        problems = admin.get_by_role("region", name="Problems in the file").get_by_role("row")
        expect(problems).to_have_count(2)
        expect(problems.nth(1).get_by_role("cell").first).to_have_text("3")
        visit(gp, server("/training/records/"))
        expect(gp.locator("main")).not_to_contain_text("29 February 2024")
    finally:
        for context in contexts.values():
            context.close()
