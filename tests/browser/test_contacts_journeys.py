"""Contacts and the three messages on a phone-sized screen, and a concern followed through to an
acknowledged referral with its chronology, in a real Chromium with an axe WCAG 2.2 AA scan of every
page visited. Then the work lists and other pages no other journey reaches.

Each journey registers its own family through the pages, so none depends on the demo data.
"""

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from kbs.nonprod.personas import HEALTH_VISITING_AGENCY, PERSONAS_BY_KEY
from tests.browser.helpers import Server, check, click_link, sign_in_as, sign_out, submit, visit
from tests.browser.steps import (
    add_person,
    banner,
    body_fits,
    choose,
    error_summary,
    fill_date,
    group,
    pdf_text,
    register_family,
    weeks_ago,
)

pytestmark = pytest.mark.browser

PHONE = {"width": 320, "height": 800}
HEALTH_VISITOR = PERSONAS_BY_KEY["health-visitor"]
LEAD = PERSONAS_BY_KEY["safeguarding-lead"]


def messages_for(page: Page, person: str) -> Locator:
    """The fieldset of one person's three messages on the contact form ("Dean Fenwick (father)")."""
    return page.get_by_role("group", name=re.compile("^" + re.escape(person) + r" \("))


# --- 4. A home visit at 320 px: who was there, the three messages, a life event ----------------


def test_home_visit_on_a_phone_records_the_three_messages(page: Page, server: Server) -> None:
    page.set_viewport_size(PHONE)
    sign_in_as(page, server, "health-visitor")
    family = register_family(page, server, first_name="Mia", family_name="Fenwick", postcode="DE22 1XU",
                             born_on=weeks_ago(9, 3))
    add_person(page, family.url, first_name="Jade", last_name="Fenwick", relationship="Birth mother")
    add_person(page, family.url, first_name="Dean", last_name="Fenwick", relationship="Father")
    body_fits(page, PHONE["width"])
    expect(page.get_by_role("row").filter(has_text="Dean Fenwick").locator(".nhsuk-tag", has_text="Never seen")).to_be_visible()

    click_link(page, "Record a contact")
    expect(page.get_by_role("heading", level=1)).to_have_text("Record a contact")
    body_fits(page, PHONE["width"])
    page.get_by_label("Type of contact").select_option(label="Home visit")
    choose(page, "Where did the contact happen?", "The family's home")
    who = group(page, "Who was there?")
    who.get_by_label("Jade Fenwick (birth mother)").check()
    choose(page, "Did you see the baby?", "Yes")
    choose(page, "Where does the baby sleep, as you saw it?", "Cot, crib or Moses basket, clear and flat")
    choose(page, "Was an interpreter used?", "No")
    mother = messages_for(page, "Jade Fenwick")
    for label in ("Safe sleep", "Safe handling, including coping with crying (ICON)", "Safe space (home safety)",
                  "Leaflet given", "Understanding checked (teach-back)"):
        mother.get_by_label(label, exact=True).check()
    father = messages_for(page, "Dean Fenwick")
    for label in ("Safe sleep", "Safe handling, including coping with crying (ICON)", "Leaflet given",
                  "Understanding checked (teach-back)"):
        father.get_by_label(label, exact=True).check()
    choose(page, "Anything that changes the routine?", "Visitors or celebrations")
    page.get_by_label("What is happening (optional)").fill("Grandparents staying for two weeks over the christening")
    page.get_by_label("Notes (optional)").fill("Both parents shown the cot. Dad does most of the night feeds.")
    choose(page, "Share these notes with other agencies?", "Yes")

    # Messages ticked for someone not marked as there: refused, with the reason by his boxes.
    submit(page, "Save the contact", status=400)
    body_fits(page, PHONE["width"])
    summary = error_summary(page)
    problem = "Mark Dean Fenwick as present, or untick the messages for him"
    expect(summary).to_contain_text(problem)
    expect(summary).to_be_focused()
    expect(messages_for(page, "Dean Fenwick").locator(".nhsuk-error-message")).to_contain_text(problem)
    # Everything ticked is kept.
    expect(messages_for(page, "Jade Fenwick").get_by_label("Safe space (home safety)")).to_be_checked()
    expect(messages_for(page, "Dean Fenwick").get_by_label("Safe sleep", exact=True)).to_be_checked()
    expect(group(page, "Anything that changes the routine?").get_by_label("Visitors or celebrations")).to_be_checked()
    expect(summary.get_by_role("link", name=problem)).to_have_attribute("href", re.compile(r"^#msg-[0-9a-f-]+$"))
    summary.get_by_role("link", name=problem).click()
    expect(messages_for(page, "Dean Fenwick").get_by_role("checkbox").first).to_be_focused()

    group(page, "Who was there?").get_by_label("Dean Fenwick (father)").check()
    submit(page, "Save the contact", status=200)
    assert page.url == family.url
    expect(banner(page)).to_contain_text("Contact recorded")
    body_fits(page, PHONE["width"])

    # The three messages: the father has not had safe space.
    grid = page.get_by_role("region", name="The three messages for each carer")
    headers = [h.strip() for h in grid.locator("thead th").all_inner_texts()]
    safe_space = next(i for i, h in enumerate(headers) if h.lower().startswith("safe space"))
    dean = grid.get_by_role("row").filter(has=page.get_by_role("rowheader", name=re.compile("^Dean Fenwick")))
    jade = grid.get_by_role("row").filter(has=page.get_by_role("rowheader", name=re.compile("^Jade Fenwick")))
    expect(dean.locator("td").nth(safe_space - 1)).to_have_text("Not given")
    expect(dean.locator("td", has_text="Not given")).to_have_count(1)
    expect(jade.locator("td", has_text="Not given")).to_have_count(0)
    expect(page.get_by_text("Some parents or carers have not had all three messages.")).to_be_visible()
    # Both were seen today.
    expect(page.get_by_role("row").filter(has_text="Dean Fenwick").locator(".nhsuk-tag", has_text="Never seen")).to_have_count(0)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]

    # The contact itself.
    click_link(page, "Home visit")
    expect(page.get_by_role("heading", level=1)).to_have_text("Home visit")
    body_fits(page, PHONE["width"])
    given = page.get_by_role("region", name="Messages given at this contact")
    expect(given.get_by_role("row").filter(has_text="Dean Fenwick")).to_contain_text("Not given")
    expect(page.get_by_role("listitem").filter(has_text="Visitors or celebrations")).to_contain_text(
        "Grandparents staying for two weeks over the christening")

    # The life event gave her a task: revisit the safe sleep plan.
    visit(page, server("/my-work/"))
    body_fits(page, PHONE["width"])
    card = page.locator(".nhsuk-card").filter(has_text="Revisit the safe sleep plan").filter(
        has_text=f"Family at {family.postcode}")
    expect(card).to_have_count(1)
    expect(card.get_by_role("link")).to_contain_text("Visitors or celebrations")
    card.get_by_role("link", name=re.compile("^Revisit the safe sleep plan")).click()
    page.wait_for_load_state()
    check(page)
    body_fits(page, PHONE["width"])
    expect(page.get_by_role("heading", level=1)).to_contain_text("Revisit the safe sleep plan")
    page.get_by_label("What was done (optional)").fill("Talked through where Mia sleeps while the grandparents stay.")
    submit(page, "Mark as done", status=200)
    expect(banner(page)).to_contain_text("Task done")
    expect(page.locator(".nhsuk-card").filter(has_text="Revisit the safe sleep plan").filter(
        has_text=f"Family at {family.postcode}")).to_have_count(0)


# --- 5. A concern, the lead's decision, a referral acknowledged and closed, the chronology --------


def test_concern_to_an_acknowledged_referral_and_the_chronology(page: Page, server: Server) -> None:
    assert HEALTH_VISITOR.agency_name == LEAD.agency_name == HEALTH_VISITING_AGENCY
    sign_in_as(page, server, "health-visitor")
    family = register_family(page, server, first_name="Noah", family_name="Pelling", postcode="DE21 6TB",
                             born_on=weeks_ago(7, 2))
    what_was_seen = ("Baby asleep on the sofa between both parents at 11am; a bottle of vodka and two glasses "
                     "on the table. Mum said they had been out the night before.")

    visit(page, family.url)
    click_link(page, "Raise a concern")
    expect(page.get_by_role("heading", level=1)).to_have_text("Raise a concern")
    expect(group(page, "Which baby is this about?").get_by_label(family.baby_name)).to_be_checked()
    submit(page, "Raise the concern", status=400)
    summary = error_summary(page)
    expect(summary).to_contain_text("Select what the concern is about")
    expect(summary).to_contain_text("Describe what you saw or heard")
    expect(summary).to_contain_text("Select how serious the concern is")
    choose(page, "What is the concern about?", "Unsafe sleep")
    page.get_by_label("What did you see or hear?").fill(what_was_seen)
    choose(page, "How serious is it?", "High: needs a decision today")
    submit(page, "Raise the concern", status=200)
    expect(banner(page)).to_contain_text("Concern raised. Your safeguarding lead has been told.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Unsafe sleep")
    expect(page.get_by_text("Waiting for the safeguarding lead")).to_be_visible()
    expect(page.get_by_text(re.compile(r"^Decision: "))).to_contain_text(re.compile(r"(Due|Was due) by"))
    concern_url = page.url
    assert page.get_by_role("heading", name="Decide what happens").count() == 0  # not hers to decide
    sign_out(page, server)

    # The safeguarding lead of the same trust decides.
    sign_in_as(page, server, "safeguarding-lead")
    click_link(page, "Inbox")
    expect(page.get_by_role("heading", level=1)).to_have_text("Concerns waiting for your decision")
    row = page.get_by_role("row").filter(has_text=family.baby_name)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("High")
    expect(row).to_contain_text(HEALTH_VISITOR.full_name)
    row.get_by_role("link", name="Unsafe sleep").click()
    page.wait_for_url(concern_url)
    check(page)
    expect(page.locator(".nhsuk-summary-list__row", has_text="What was seen or heard")).to_contain_text(what_was_seen)

    submit(page, "Record the decision", status=400)
    summary = error_summary(page)
    expect(summary).to_contain_text("Select what you have decided")
    expect(summary).to_contain_text("Give the reasons for your decision")
    choose(page, "What have you decided?", "Refer to children's social care")
    page.get_by_label("Your reasons").fill("Unsafe sleep after alcohol with a 7-week-old: meets the threshold for a referral.")
    submit(page, "Record the decision", status=200)
    expect(banner(page)).to_contain_text("Decision recorded")
    expect(page.locator(".nhsuk-warning-callout", has_text="Referral not recorded yet")).to_be_visible()
    # A decision to refer cannot be closed before the referral is recorded.
    expect(page.get_by_text("The decision was to refer: record the referral before closing the concern.")).to_be_visible()

    click_link(page, "Record a referral")
    expect(page.get_by_role("heading", level=1)).to_have_text("Record a referral")
    expect(group(page, "Who was the referral made to?").get_by_label(
        "Children's social care (front door or MASH)")).to_be_checked()
    choose(page, "How was it made?", "Phone")
    page.get_by_label("Their reference (optional)").fill("MASH-26-04417")
    submit(page, "Record the referral", status=400)
    expect(error_summary(page)).to_contain_text("Enter who took the referral")
    page.get_by_label("Who took the referral").fill("Sam Iqbal, duty social worker, Derby MASH")
    submit(page, "Record the referral", status=200)
    expect(banner(page)).to_contain_text("Referral recorded. The clock for its acknowledgement has started.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Referral to Children's social care (front door or MASH)")
    expect(page.get_by_text("Made, waiting for acknowledgement")).to_be_visible()
    expect(page.get_by_text(re.compile(r"^Acknowledgement: "))).to_contain_text(re.compile(r"Due by \d"))
    expect(page.locator(".nhsuk-summary-list__row", has_text="Who took it")).to_contain_text("Sam Iqbal")
    expect(page.locator(".nhsuk-summary-list__row", has_text="Their reference")).to_contain_text("MASH-26-04417")
    referral_url = page.url

    # The acknowledgement: not in the future, then today.
    fill_date(page, "id_day", weeks_ago(-1))
    submit(page, "Record the acknowledgement", status=400)
    expect(error_summary(page)).to_contain_text("The acknowledgement cannot be in the future")
    fill_date(page, "id_day", weeks_ago(0))  # the time is filled in with now
    submit(page, "Record the acknowledgement", status=200)
    expect(banner(page)).to_contain_text("Acknowledgement recorded")
    expect(page.get_by_text("Acknowledged, waiting for the outcome")).to_be_visible()

    submit(page, "Record the outcome", status=400)
    expect(error_summary(page)).to_contain_text("Select the outcome of the referral")
    choose(page, "What was the outcome?", "Child and family assessment (child in need)")
    page.get_by_label("Anything else to record (optional)").fill("Allocated to the Referral and Assessment Team.")
    submit(page, "Record the outcome", status=200)
    expect(banner(page)).to_contain_text("Outcome recorded")
    expect(page.locator(".nhsuk-summary-list__row", has_text="Outcome").first).to_contain_text(
        "Child and family assessment (child in need)")
    assert page.url == referral_url

    click_link(page, "Unsafe sleep")  # "About the concern"
    assert page.url == concern_url
    submit(page, "Close the concern", status=400)
    expect(error_summary(page)).to_contain_text("Say what was done, or why the concern is being closed")
    page.get_by_label("What was done").fill("Referred to the MASH; child and family assessment under way.")
    submit(page, "Close the concern", status=200)
    expect(banner(page)).to_contain_text("Concern closed")
    expect(page.locator(".nhsuk-tag", has_text="Closed")).to_be_visible()
    timeline = page.get_by_role("region", name="What has happened to this concern")
    expect(timeline).to_contain_text(LEAD.full_name)

    # The inbox no longer lists it.
    visit(page, server("/concerns/inbox/"))
    expect(page.get_by_role("row").filter(has_text=family.baby_name)).to_have_count(0)

    # The family's chronology has the concern and the referral, on the page and in the PDF.
    visit(page, family.url)
    click_link(page, "Chronology")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Chronology for family at {family.postcode}")
    entries = page.get_by_role("region", name="Chronology")
    expect(entries.get_by_role("row").filter(has_text=f"Concern raised by {HEALTH_VISITING_AGENCY} (high severity): Unsafe sleep")).to_have_count(1)
    expect(entries.get_by_role("row").filter(has_text="The safeguarding lead decided: Refer to children's social care")).to_have_count(1)
    expect(entries.get_by_role("row").filter(
        has_text=f"{HEALTH_VISITING_AGENCY} referred the family to Children's social care (front door or MASH) (phone)")).to_have_count(1)
    expect(entries.get_by_role("row").filter(has_text="acknowledged the referral")).to_have_count(1)
    expect(entries.get_by_role("row").filter(has_text="Outcome of the referral")).to_have_count(1)
    expect(entries.get_by_role("row").filter(has_text="closed by the safeguarding lead")).to_have_count(1)

    text = pdf_text(page, page.get_by_role("link", name="as a PDF for a case review").get_attribute("href") or "")
    assert "Unsafe sleep" in text
    assert "Concern raised by" in text
    assert "referred the family to Children's social care" in text or "referred the family to Children’s social care" in text, text[:3000]
    assert family.postcode in text

    # Filtered to concerns only, the referral rows go.
    page.get_by_label("Kind of entry").select_option(label="Concern")
    submit(page, "Apply filters", status=200)
    entries = page.get_by_role("region", name="Chronology")
    expect(entries.get_by_role("row").filter(has_text="referred the family to")).to_have_count(0)
    expect(entries.get_by_role("row").filter(has_text="Concern raised by")).to_have_count(1)
    click_link(page, "Clear filters")

    # The baby's chronology includes the entries about the baby.
    visit(page, family.baby_url)
    click_link(page, "Chronology")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Chronology for {family.baby_name}")
    expect(page.get_by_role("region", name="Chronology").get_by_role("row").filter(has_text="Concern raised by")).to_have_count(1)


# --- 6. Pages no other journey reaches ---------------------------------------------------------------


def test_work_lists_and_other_pages(page: Page, server: Server) -> None:
    sign_in_as(page, server, "health-visitor")
    click_link(page, "My work")
    expect(page.get_by_role("heading", level=1)).to_have_text("My work")
    click_link(page, "My families")
    click_link(page, "Babies with gaps in the three messages")
    expect(page.get_by_role("heading", level=1)).to_have_text("Babies with gaps")

    # A referral made straight away, without a concern: the form and its errors (nothing saved).
    visit(page, server("/families/"))
    page.get_by_role("region", name="Families").get_by_role("link").first.click()
    page.wait_for_load_state()
    check(page)
    click_link(page, "Record a referral")
    expect(page.get_by_role("heading", level=1)).to_have_text("Record a referral")
    expect(page.get_by_text("Use this when a referral was made straight away")).to_be_visible()
    page.get_by_label("Time the referral was made").fill("25:00")
    submit(page, "Record the referral", status=400)
    summary = error_summary(page)
    expect(summary).to_contain_text("Select who the referral was made to")
    expect(summary).to_contain_text("Select how the referral was made")
    expect(summary).to_contain_text("Enter who took the referral")
    expect(summary).to_contain_text("The time the referral was made must be a time like 14:30")
    visit(page, server("/tools/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Tools and their rules")
    expect(page.get_by_text("SS-HAZARDOUS-BED-SHARING").first).to_be_visible()
    # Not hers: the lists of a safeguarding lead and of the administrator.
    visit(page, server("/tools/settings/"), status=404)
    sign_out(page, server)

    sign_in_as(page, server, "safeguarding-lead")
    click_link(page, "Inbox")
    click_link(page, "See everything overdue in your agency")
    expect(page.get_by_role("heading", level=1)).to_have_text("Overdue")
    click_link(page, "Sign-off")
    expect(page.get_by_role("heading", level=1)).to_have_text("Waiting for your sign-off")
    click_link(page, "My work")
    expect(page.get_by_role("heading", level=1)).to_have_text("My work")
    tasks = page.locator(".nhsuk-card h2 a")
    if tasks.count():
        click_link(page, tasks.first.inner_text().strip())
        expect(page.get_by_role("heading", level=1)).not_to_be_empty()
