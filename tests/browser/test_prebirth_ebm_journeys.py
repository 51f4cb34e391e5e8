"""The pre-birth path, Every Baby Matters over two visits, safe space with the coping-with-crying
plan, and a baby's death, in a real Chromium with an axe WCAG 2.2 AA scan of every page visited.

1. A midwife screens an unborn baby at 18 weeks, finds a reason to refer, and the pre-birth clock
   starts: the referral due today, the planning meeting by 20 weeks, the timeline and its table; she
   records the referral, writes the delivery safety plan (refused as complete until it has what the
   ward needs), prints it for the ward, and records the birth, which makes the follow-up tasks.
   The partnership's timetable settings are for the administrator only.
2. A health visitor does Every Baby Matters over two visits, and agrees a support plan and its PDF.
3. Safe space at 6 to 8 weeks, the ICON panel and the coping-with-crying plan and its PDF.
4. A baby's death: the form, the baby's page afterwards, and the chronology pack.

Each journey registers its own family through the pages, so none depends on the demo data.
"""

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import Server, check, click_link, sign_in_as, submit, visit
from tests.browser.steps import (
    banner,
    body_fits,
    choose,
    confirm_all_actions,
    day_text,
    error_summary,
    fill_date,
    follow_button_link,
    group,
    next_nhs_number,
    pdf_text,
    register_family,
    register_unborn_family,
    resize_to,
    weeks_ago,
)

pytestmark = pytest.mark.browser

PHONE = {"width": 320, "height": 800}
DESKTOP = {"width": 1280, "height": 900}
SCREENING = "Pre-birth vulnerability screening"
EBM = "Every Baby Matters"
SAFE_SPACE = "Safe space"
TASK_LINK = re.compile(r"https?://[^\s]+/tasks/[0-9a-f-]+/")


def london_today() -> date:
    """Today where the server counts the days (settings.TIME_ZONE), not where the tests run."""
    return datetime.now(ZoneInfo("Europe/London")).date()


def heading(page: Page, text: str | re.Pattern[str]) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text(text)


def short_day(when: date) -> str:
    """A date as the timeline writes it: 4 Mar 2027."""
    return f"{when.day} {when:%b %Y}"


def start_tool(page: Page, title: str) -> None:
    """Press a tool's start button on the baby's page; lands on its first section."""
    submit(page, f"Start {title.lower()}", status=200)
    expect(page.locator(".nhsuk-caption-l")).to_contain_text(f"{title} for ")


def continue_section(page: Page) -> None:
    submit(page, "Save and continue", status=200)


def answer_all(page: Page, answer: str, **exceptions: str) -> None:
    """Answer every radio question on the section showing with `answer`, except those named."""
    for fieldset in page.get_by_role("group").all():
        question = fieldset.locator("legend").first.inner_text().strip()
        fieldset.get_by_label(exceptions.get(question, answer), exact=True).check()


# --- 1. The pre-birth path --------------------------------------------------------------------------


def test_pre_birth_screening_to_the_clock_the_delivery_plan_and_the_birth(page: Page, server: Server) -> None:
    today = london_today()
    expected_on = today + timedelta(weeks=22)  # 18 weeks and 0 days pregnant today
    planning_by = expected_on - timedelta(weeks=20)  # by 20+0 weeks
    conference_by = expected_on - timedelta(weeks=12)  # by 28+0 weeks
    sign_in_as(page, server, "midwife")
    family = register_unborn_family(page, server, first_name="Wren", family_name="Halloway", postcode="DE23 6FL",
                                    expected_on=expected_on)
    expect(page.locator(".nhsuk-caption-l")).to_have_text("Unborn baby")
    expect(page.locator(".nhsuk-summary-list__row", has_text="Weeks of pregnancy now")).to_contain_text("18 weeks 0 days")
    expect(page.get_by_role("heading", name="Pre-birth", exact=True)).to_have_count(0)  # no case yet

    # The screening: domestic abuse during the pregnancy is a reason to refer.
    start_tool(page, SCREENING)
    heading(page, "The pregnancy")
    expect(page.get_by_label("How many weeks pregnant is the mother now?")).to_have_value("18")
    page.get_by_label("Mother's age in years").fill("24")
    answer_all(page, "No")
    continue_section(page)
    heading(page, "Children already in the family")
    answer_all(page, "No")
    continue_section(page)
    heading(page, "The parents and the household")
    answer_all(page, "No", **{"Is there domestic abuse, including during this pregnancy?": "Yes"})
    continue_section(page)

    heading(page, "Check your answers")
    expect(page.get_by_text("Level:")).to_contain_text("High: act today")
    trigger = page.locator(".nhsuk-card", has_text="Rule PB-TRIGGER, because:")
    expect(trigger).to_have_count(1)
    expect(trigger.get_by_role("heading")).to_contain_text("A reason to refer the unborn baby to children's social care")
    expect(trigger.get_by_role("listitem").filter(has_text="Is there domestic abuse")).to_contain_text("Yes")
    expect(trigger).to_contain_text("Refer to children's social care now; do not wait for a particular week of pregnancy.")
    expect(trigger.get_by_role("link", name=re.compile("^London Safeguarding Children Procedures"))).to_have_attribute(
        "href", re.compile("^https?://"))
    actions = confirm_all_actions(page)
    assert "Refer to children's social care" in actions
    submit(page, "Complete assessment", status=200)
    expect(banner(page)).to_contain_text("Assessment completed")
    heading(page, "Outcome")

    # The baby's page: the pre-birth panel has the clock in brief.
    visit(page, family.baby_url)
    panel = page.locator(".nhsuk-card", has=page.get_by_role("heading", name="Pre-birth", exact=True))
    expect(panel).to_contain_text(f"A reason to refer was found on {day_text(today)}. Timetable: 5 due.")
    expect(panel).to_contain_text(f"Next: Referral to children's social care: Due by {day_text(today)}")
    # The referral is the midwife's own task, urgent, due today.
    click_link(page, "My work")
    referral_task = page.locator(".nhsuk-card", has_text="Pre-birth: refer the unborn baby to children's social care today"
                                 ).filter(has_text=family.baby_name)
    expect(referral_task).to_have_count(1)
    expect(referral_task).to_contain_text("Urgent")

    # The pre-birth page: the timetable, the timeline and its table.
    visit(page, family.baby_url)
    click_link(page, f"Pre-birth plan and timeline for {family.baby_name}")
    case_url = page.url
    heading(page, "Pre-birth plan")
    expect(page.locator(".nhsuk-summary-list__row", has_text="Weeks of pregnancy now")).to_contain_text("18+0 weeks")
    expect(page.locator(".nhsuk-summary-list__row", has_text="Reason to refer found")).to_contain_text(
        f"{day_text(today)}, at 18+0 weeks")
    timeline = page.get_by_role("img", name="Timeline of the pregnancy, 0 to 42 weeks")
    expect(timeline).to_be_visible()
    expect(timeline.locator("desc")).to_have_text("5 due. The table below gives the same information.")
    for words in ("Today", "18+0", "Referral", f"Due by {short_day(today)}", "Planning meeting",
                  f"Due by {short_day(planning_by)}", "Child protection conference", f"Due by {short_day(conference_by)}",
                  "Discharge planning"):
        expect(timeline.locator("text", has_text=words).first).to_be_attached()
    table = page.get_by_role("region", name="Pre-birth timetable")
    referral_row = table.get_by_role("row", name=re.compile("^Referral to children's social care"))
    expect(referral_row).to_contain_text("On the day the trigger was found")
    expect(referral_row).to_contain_text(f"Due by {day_text(today)}")
    planning_row = table.get_by_role("row", name=re.compile("^Pre-birth planning meeting"))
    expect(planning_row).to_contain_text("By 20 weeks")
    expect(planning_row).to_contain_text(f"Due by {day_text(planning_by)}")
    expect(table.get_by_role("row", name=re.compile("^Initial child protection conference"))).to_contain_text("By 28 weeks")
    expect(table.get_by_role("row", name=re.compile("^Discharge planning meeting"))).to_contain_text(
        "Before the baby leaves hospital")
    expect(page.get_by_text("No steps recorded yet.")).to_be_visible()

    # On a phone the timeline and the table reflow: nothing makes the page scroll sideways.
    resize_to(page, PHONE)
    check(page)
    body_fits(page, PHONE["width"])
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    resize_to(page, DESKTOP)

    # The referral is made, by phone, and recorded.
    click_link(page, "Referral to children's social care: Record as done")
    heading(page, "Referral to children's social care")
    fill_date(page, "id_done_on", today)
    page.get_by_label("How was the referral made? (optional)").select_option(label="Phone")
    page.get_by_label("Who took the referral? (optional)").fill("Derby City front door, duty social worker")
    page.get_by_label("Children's social care reference (optional)").fill("CSC-PB-30417")
    submit(page, "Record as done", status=200)
    assert page.url == case_url
    expect(banner(page)).to_contain_text("Referral to children's social care: recorded as done")
    expect(table.get_by_role("row", name=re.compile("^Referral to children's social care"))).to_contain_text(
        re.compile(r"\bDone\b"))
    expect(page.get_by_role("listitem").filter(has_text="Referral to children's social care: done on")).to_contain_text(
        f"done on {day_text(today)}, recorded by Priya Sharma")
    expect(page.get_by_role("link", name="the referral")).to_be_visible()
    expect(timeline.locator("desc")).to_have_text("4 due, 1 done. The table below gives the same information.")
    visit(page, server("/my-work/"))
    expect(page.locator(".nhsuk-card", has_text="Pre-birth: refer the unborn baby").filter(has_text=family.baby_name)
           ).to_have_count(0)

    # The delivery safety plan: refused as complete while the ward's parts are missing.
    visit(page, case_url)
    click_link(page, "Start the delivery safety plan")
    heading(page, "Delivery safety plan")
    resize_to(page, PHONE)
    check(page)
    body_fits(page, PHONE["width"])
    resize_to(page, DESKTOP)
    discharge = "No discharge before the discharge planning meeting. Baby to go home with mother only if agreed there."
    page.get_by_label("Discharge arrangements").fill(discharge)
    submit(page, "Mark as complete", status=400)
    summary = error_summary(page)
    expect(summary).to_contain_text("The plan is saved, but it cannot be marked as complete yet")
    expect(page.get_by_label("Birthing partner")).to_have_accessible_description(
        re.compile("Enter the birthing partner, or write that there is none"))
    expect(group(page, "Must anyone be kept out of the maternity unit?")).to_have_accessible_description(
        re.compile("Say whether anyone must be kept out of the maternity unit"))
    expect(page.get_by_label("Who to call when the mother arrives in labour")).to_have_accessible_description(
        re.compile("Enter who to call when the mother arrives in labour, with their phone numbers"))
    expect(page.get_by_label("Discharge arrangements")).to_have_value(discharge)  # what was typed is kept
    expect(page.get_by_label("Discharge arrangements")).not_to_have_accessible_description(re.compile("Error"))
    summary.get_by_role("link", name="Enter the birthing partner, or write that there is none").click()
    expect(page.get_by_label("Birthing partner")).to_be_focused()

    partner = "Jodie Halloway (sister)"
    page.get_by_label("Birthing partner").fill(partner)
    choose(page, "Must anyone be kept out of the maternity unit?", "Yes")
    page.get_by_label("Who must be kept out of the unit, and why").fill(
        "Dean Marlow, ex-partner: non-molestation order. Told by the police on the day of the order.")
    page.get_by_label("Who to call when the mother arrives in labour").fill(
        "Laura Bennett, social worker, 01332 640000 (working hours); emergency duty team 01332 786968 (out of hours)")
    choose(page, "Has the plan been agreed with the parents?", "Yes")
    fill_date(page, "id_agreed_on", today)
    choose(page, "Who has the plan been shared with?", "The maternity ward")
    submit(page, "Mark as complete", status=200)
    expect(banner(page)).to_contain_text("Delivery safety plan complete")
    heading(page, "Delivery safety plan")
    expect(page.get_by_text("Complete", exact=True)).to_be_visible()
    expect(page.locator(".nhsuk-summary-list__row", has_text="Birthing partner")).to_contain_text(partner)
    expect(page.locator(".nhsuk-summary-list__row", has_text="Agreed with the parents")).to_contain_text(
        f"Yes, on {day_text(today)}")
    expect(page.locator(".nhsuk-summary-list__row", has_text="Shared with")).to_contain_text("The maternity ward")

    text = pdf_text(page, page.get_by_role("link", name="Download the plan for the ward (PDF)").get_attribute("href") or "")
    assert partner in text, f"the birthing partner is not in the ward's PDF: {text[:1500]}"
    assert "OFFICIAL-SENSITIVE" in text
    assert "Dean Marlow" in text
    assert "DRAFT" not in text

    # The birth: the baby's record becomes a born baby's, and the follow-ups are made.
    visit(page, family.baby_url)
    mails_before = len(server.mails())
    click_link(page, "Record the birth")
    heading(page, "Record the birth")
    fill_date(page, "id_date_of_birth", today)
    page.get_by_label("Baby's NHS number (optional)").fill(next_nhs_number())
    page.get_by_label("Gestation at birth in completed weeks (optional)").fill("39")
    choose(page, "Is this baby a twin, triplet or more?", "No")
    submit(page, "Record birth", status=200)
    expect(banner(page)).to_contain_text("Birth recorded")
    assert page.url == family.baby_url
    expect(page.locator(".nhsuk-caption-l")).to_have_text("Baby")
    expect(page.locator(".nhsuk-summary-list__row", has_text="Date of birth")).to_contain_text(day_text(today))
    expect(page.locator(".nhsuk-summary-list__row", has_text="Gestation at birth")).to_contain_text("39 weeks")
    expect(page.get_by_role("link", name="Record the birth")).to_have_count(0)
    panel = page.locator(".nhsuk-card", has=page.get_by_role("heading", name="Pre-birth", exact=True))
    expect(panel).to_contain_text("Timetable:")

    # The follow-up tasks are for the maternity service's safeguarding leads (unassigned), so they
    # reach them by e-mail, and the midwife can open them from the link; her own "My work" lists
    # only what is assigned to her (see the report).
    visit(page, server("/my-work/"))
    heading(page, "My work")
    links = sorted({m.group(0) for mail in server.mails()[mails_before:] for m in TASK_LINK.finditer(mail)})
    assert links, "recording the birth e-mailed nobody about a follow-up task"
    titles = []
    for link in links:
        visit(page, link)
        titles.append(page.get_by_role("heading", level=1).inner_text().strip())
    assert "Pre-birth: hold the discharge planning meeting before the baby leaves hospital" in titles, titles
    assert any(t.startswith("Pre-birth: tell the social worker") for t in titles), titles

    visit(page, family.baby_url)
    click_link(page, "Chronology")
    expect(page.get_by_text(re.compile("The baby with a pre-birth plan has been born")).first).to_be_visible()


def test_pre_birth_timetable_settings_are_for_the_administrator(page: Page, server: Server) -> None:
    sign_in_as(page, server, "administrator")
    visit(page, server("/pre-birth/settings/"))
    heading(page, "Pre-birth timetable")
    expect(page.get_by_label("Pre-birth planning meeting: by how many weeks", exact=True)).to_have_value("20")
    expect(page.get_by_label("Initial child protection conference: by how many weeks", exact=True)).to_have_value("28")
    expect(page.get_by_label("Delivery safety plan agreed and shared: by how many weeks when a premature birth is likely",
                             exact=True)).to_have_value("28")
    page.get_by_role("link", name="Sign out").click()
    page.wait_for_url("**/sign-out/")
    check(page)
    submit(page, "Sign out", status=200)

    sign_in_as(page, server, "health-visitor")
    visit(page, server("/pre-birth/settings/"), status=404)
    heading(page, "Page not found")


# --- 2. Every Baby Matters over two visits, and the support plan -------------------------------------


def test_every_baby_matters_over_two_visits_to_a_support_plan(page: Page, server: Server) -> None:
    sign_in_as(page, server, "health-visitor")
    family = register_family(page, server, first_name="Iris", family_name="Penhallow", postcode="DE22 3LQ",
                             born_on=weeks_ago(7), gestation_weeks=39, birth_weight_g=3300)

    # The first visit: the vulnerability checklist and bonding, then away.
    start_tool(page, EBM)
    heading(page, "Vulnerability and protective factors")
    choose(page, "Which of these apply to a parent or carer?", "Vulnerable parent with no one to support them")
    choose(page, "Which of these apply to the baby?", "None of these")
    choose(page, "Which of these apply to the home and the family's circumstances?",
           "Money worries, debt, or going without food or heating")
    choose(page, "What is helping to keep the baby safe?", "Parents take part in appointments and services")
    continue_section(page)
    heading(page, "Bonding and attachment")
    choose(page, "Does the parent respond when the baby cries, is hungry or needs settling?", "Usually")
    choose(page, "Does a parent or carer believe the baby cries on purpose, or to upset them?", "No")
    choose(page, "Your judgement about bonding and attachment", "A strength")
    continue_section(page)
    heading(page, "The baby's development")
    progress = page.get_by_role("navigation", name="Sections of this assessment")
    expect(progress).to_contain_text("Bonding and attachment Answered")
    click_link(page, "My families")
    heading(page, "My families")

    # The second visit: back through the baby's page, where the draft waits.
    visit(page, family.baby_url)
    draft = page.get_by_role("region", name="Assessments").get_by_role("row").filter(has_text="Draft")
    expect(draft).to_have_count(1)
    with page.expect_navigation():
        draft.get_by_role("link", name="Every baby matters").click()
    check(page)
    heading(page, "Check your answers")
    expect(page.get_by_text("Some questions still need an answer")).to_be_visible()
    expect(page.locator(".nhsuk-summary-list__row", has_text="Which of these apply to a parent or carer?")).to_contain_text(
        "Vulnerable parent with no one to support them")
    click_link(page, "Select an answer: your judgement about the baby's development")
    heading(page, "The baby's development")
    expect(group(page, "Has the baby been born?").get_by_label("Yes")).to_be_checked()
    expect(page.get_by_label("How old is the baby, in days?")).to_have_value(re.compile(r"^(48|49|50)$"))
    choose(page, "Your judgement about the baby's development", "Some support would help")
    continue_section(page)
    heading(page, "Health and well-being")
    choose(page, "What do you know about the mental health of the parents and carers?", "No concerns")
    choose(page, "How much alcohol do the parents and carers drink?", "None")
    choose(page, "Does any parent or carer use drugs, or take medicine that makes them drowsy?", "Neither")
    choose(page, "Who smokes in the household?", "No one")
    choose(page, "Have you asked about domestic abuse, in private and when it was safe to do so?", "Yes")
    choose(page, "Has anyone told you about domestic abuse in the family?", "No")
    page.get_by_label("How do the parents and carers say they are coping?").fill("Mum says she is exhausted and alone at night.")
    choose(page, "Your judgement about health and well-being", "A concern")
    continue_section(page)
    heading(page, "Knowledge and expectations")
    choose(page, "Your judgement about knowledge and expectations", "A strength")
    continue_section(page)
    heading(page, "Community strengths and stressors")
    choose(page, "Is anything coming up that will change the family's routine?", "No")
    choose(page, "Does a dog live in the home, or visit it regularly?", "No")
    choose(page, "Your judgement about community strengths and stressors", "A strength")
    continue_section(page)
    heading(page, "Who is in your baby's life")
    choose(page, "Is any adult in the baby's life known to pose a risk?", "No")
    choose(page, "Has a parent had a new partner since the last contact?", "No")
    choose(page, "Your judgement about who is in the baby's life", "A strength")
    continue_section(page)

    # The outcome: each fired rule with its reasons and its source.
    heading(page, "Check your answers")
    expect(page.get_by_text("Level:")).to_contain_text("Raised")
    factors = page.locator(".nhsuk-card", has_text="Rule EBM-SEVERAL-FACTORS, because:")
    expect(factors.get_by_role("heading")).to_contain_text("Two or more vulnerability factors")
    expect(factors.get_by_role("listitem").filter(has_text="Which of these apply to a parent or carer?")).to_contain_text(
        "Vulnerable parent with no one to support them")
    expect(factors.get_by_role("listitem").filter(has_text="home and the family's circumstances")).to_contain_text(
        "Money worries")
    expect(factors.get_by_role("link", name=re.compile("^Wiltshire Safeguarding Vulnerable People Partnership"))).to_be_visible()
    area = page.locator(".nhsuk-card", has_text="Rule EBM-AREA-CONCERN, because:")
    expect(area.get_by_role("listitem").filter(has_text="Your judgement about health and well-being")).to_contain_text(
        "A concern")
    expect(area.get_by_role("link", name=re.compile("^Derby and Derbyshire Safeguarding Children Partnership"))).to_be_visible()
    expect(page.locator(".nhsuk-card", has_text="Rule EBM-CURRENT-RISK")).to_have_count(0)
    for card in page.locator(".nhsuk-card").all():
        expect(card).to_contain_text(re.compile(r"Rule EBM-[A-Z-]+, because:"))
        expect(card.get_by_role("link").last).to_have_attribute("href", re.compile("^https?://"))
    confirm_all_actions(page)
    submit(page, "Complete assessment", status=200)
    expect(banner(page)).to_contain_text("Assessment completed")
    heading(page, "Outcome")

    # The support plan: a half-filled row is an error next to that row.
    follow_button_link(page, "Agree a support plan with the family")
    heading(page, "Agree a support plan")
    found = page.locator(".nhsuk-summary-list")
    expect(found.locator(".nhsuk-summary-list__row", has_text="Health and well-being")).to_contain_text("A concern")
    page.get_by_label("Who did you agree the plan with?").fill("Hannah Penhallow (mother)")
    first_action = "Refer to the family hub for the evening parent support group"
    second_action = "Weigh Iris at the baby clinic and talk through feeding"
    rows = [
        ("Action 1", "Health and well-being", first_action, "Helen Marsh, health visitor", london_today() + timedelta(weeks=2)),
        ("Action 2", "The baby's development", second_action, "Hannah and Helen", london_today() + timedelta(weeks=4)),
    ]
    for legend, area_title, action, who, when in rows:
        row = group(page, legend)
        row.get_by_label("Area").select_option(label=area_title)
        row.get_by_label("What will be done").fill(action)
        row.get_by_label("Who will do it").fill(who)
        number = legend.rsplit(" ", 1)[-1]
        fill_date(page, f"id_action_{number}_by_when", when)
    group(page, "Action 3").get_by_label("What will be done").fill("Ask about a nursery place")
    submit(page, "Save the support plan", status=400)
    summary = error_summary(page)
    expect(summary).to_contain_text("Action 3: choose the area")
    expect(summary).to_contain_text("Action 3: enter who will do it")
    expect(summary).to_contain_text("Action 3: enter the date it will be done by")
    expect(summary).not_to_contain_text("Action 1:")
    third = group(page, "Action 3")
    expect(third.get_by_label("Area")).to_have_accessible_description(re.compile("Action 3: choose the area"))
    expect(third.get_by_label("Who will do it")).to_have_accessible_description(re.compile("Action 3: enter who will do it"))
    expect(third.locator(".nhsuk-error-message")).to_have_count(3)
    expect(group(page, "Action 1").locator(".nhsuk-error-message")).to_have_count(0)
    expect(group(page, "Action 1").get_by_label("What will be done")).to_have_value(first_action)
    third.get_by_label("What will be done").fill("")
    submit(page, "Save the support plan", status=200)
    expect(banner(page)).to_contain_text("Support plan saved")
    heading(page, "Support plan for Iris")
    agreed = page.get_by_role("table", name="Actions agreed for Iris")
    expect(agreed.get_by_role("row")).to_have_count(3)
    expect(agreed.get_by_role("row").filter(has_text=first_action)).to_contain_text("Your own health and well-being")
    expect(agreed.get_by_role("row").filter(has_text=first_action)).to_contain_text(
        day_text(london_today() + timedelta(weeks=2)))
    expect(page.locator(".nhsuk-summary-list__row", has_text="Agreed with")).to_contain_text("Hannah Penhallow (mother)")

    text = pdf_text(page, page.get_by_role("link", name="Download the plan (PDF)").get_attribute("href") or "")
    assert first_action in text, f"the first action is not in the support plan PDF: {text[:1500]}"
    assert second_action in text
    assert "Ask about a nursery place" not in text

    # The outcome now points at the plan.
    click_link(page, "Back to the assessment")
    expect(page.get_by_text(re.compile("^Agreed with Hannah Penhallow \\(mother\\) on .*: 2 actions\\.$"))).to_be_visible()


# --- 3. Safe space at 6 to 8 weeks, the ICON panel and the coping-with-crying plan ------------------


def test_safe_space_at_six_weeks_and_the_coping_with_crying_plan(page: Page, server: Server) -> None:
    sign_in_as(page, server, "health-visitor")
    family = register_family(page, server, first_name="Elsie", family_name="Tremayne", postcode="DE21 4BN",
                             born_on=weeks_ago(7))

    start_tool(page, SAFE_SPACE)
    heading(page, "The baby's stage")
    choose(page, "Which check is this?", "6 to 8 weeks")
    continue_section(page)
    heading(page, "At every stage")
    hot_drinks = "Are hot drinks kept away from the baby, and hot things such as hair straighteners out of reach?"
    answer_all(page, "Yes", **{hot_drinks: "No"})
    continue_section(page)
    # The questions for a baby on the move do not count at 6 to 8 weeks. Today their section is still
    # shown (the section pages ignore show_when: see the report); nothing on it is required.
    if page.get_by_role("heading", level=1).inner_text().startswith("Once the baby is on the move"):
        continue_section(page)
    heading(page, "Dogs")
    choose(page, "If a dog lives in or visits the home, is it kept apart from the baby whenever an adult is not right there?",
           "No dog lives in or visits the home")
    continue_section(page)

    heading(page, "Check your answers")
    expect(page.get_by_text("Level:")).to_contain_text("Raised")
    flag = page.locator(".nhsuk-card", has_text="Rule SPACE-HOT-DRINKS, because:")
    expect(flag).to_have_count(1)
    expect(flag.get_by_role("heading")).to_contain_text("Hot drinks or hot things near the baby")
    expect(flag.get_by_role("listitem").filter(has_text="Are hot drinks kept away")).to_contain_text("No")
    expect(flag).to_contain_text("Hot drinks cause most scalds in children under five.")
    expect(flag).to_contain_text("A hot drink can still scald a baby 15 minutes after it is made.")
    expect(page.locator(".nhsuk-card", has_text=re.compile(r"Rule SPACE-(?!HOT-DRINKS)"))).to_have_count(0)
    confirm_all_actions(page)
    submit(page, "Complete assessment", status=200)
    expect(banner(page)).to_contain_text("Assessment completed")
    expect(page.locator(".nhsuk-card", has_text="Rule SPACE-HOT-DRINKS")).to_be_visible()

    # The ICON panel on the baby's page, and the family's coping-with-crying plan.
    visit(page, family.baby_url)
    expect(page.get_by_role("heading", name="ICON: coping with crying")).to_be_visible()
    touchpoints = page.get_by_role("region", name="ICON touchpoints")
    expect(touchpoints.get_by_role("row")).to_have_count(6)
    expect(touchpoints.get_by_role("row").filter(has_text="5. GP")).to_contain_text("6 to 8 week check")
    expect(page.get_by_role("region", name="Assessments").get_by_role("row").filter(has_text="Safe space")).to_contain_text(
        "Raised")
    click_link(page, "Make a coping with crying plan")
    heading(page, "Make a coping with crying plan")
    submit(page, "Save the plan", status=400)
    summary = error_summary(page)
    for message in ("Enter what the family will try to soothe the baby", "Enter who the family can call for help",
                    "Enter who you agreed the plan with"):
        expect(summary).to_contain_text(message)
    # What to do when the crying gets too much starts from the ICON steps, for the family to change.
    expect(page.get_by_label("What will they do if the crying gets too much?")).not_to_have_value("")
    who_to_call = "Nan (Sheila Tremayne) 07700 900123; Derby City South health visiting team 01332 888000"
    page.get_by_label("What will the family try, to soothe the baby?").fill("Feed, check her nappy, skin to skin, the pram round the block.")
    page.get_by_label("Who can they call for help?").fill(who_to_call)
    page.get_by_label("What will they do if the crying gets too much?").fill(
        "Put Elsie on her back in the cot, close the door, make a cup of tea in the kitchen, call Nan.")
    page.get_by_label("Who did you agree the plan with?").fill("Chloe Tremayne (mother) and Ryan Cole (father)")
    submit(page, "Save the plan", status=200)
    heading(page, "Coping with crying plan for Elsie")
    expect(page.get_by_text(who_to_call)).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("Never, ever shake a baby", re.I))).to_be_visible()
    text = pdf_text(page, page.get_by_role("link", name="Download the plan (PDF)").get_attribute("href") or "")
    assert who_to_call in text, f"who to call is not in the crying plan PDF: {text[:1500]}"
    assert "Elsie" in text

    visit(page, family.baby_url)
    expect(page.get_by_role("link", name="See the coping with crying plan")).to_be_visible()
    expect(page.get_by_role("link", name="Make a coping with crying plan")).to_have_count(0)


# --- 4. A baby's death ----------------------------------------------------------------------------


def test_a_babys_death_is_recorded_and_the_chronology_pack_downloads(page: Page, server: Server) -> None:
    sign_in_as(page, server, "midwife")
    born = weeks_ago(3)
    family = register_family(page, server, first_name="Noah", family_name="Kestrell", postcode="DE24 9HX", born_on=born)
    expect(page.get_by_role("button", name=re.compile("^Start "))).not_to_have_count(0)

    click_link(page, "Record this baby's death")
    heading(page, "Record a baby's death")
    fill_date(page, "id_died_on", born - timedelta(days=2))
    choose(page, "Where did the baby die?", "In hospital")
    page.get_by_label("Which hospital, or where (optional unless somewhere else)").fill(
        "Royal Derby Hospital, children's emergency department")
    page.get_by_label("How did you find out?").fill("The ward sister rang the community midwifery office at 08:10.")
    page.get_by_label("Who else already knows?").fill("The police, the ambulance service and the emergency department.")
    page.get_by_label("Other children in the household").fill("none")
    choose(page, "Has the family been offered bereavement support?", "Yes")
    page.get_by_label("What support, and from whom (if offered)").fill("The hospital's bereavement midwife, Anne Lowe.")
    submit(page, "Record the death", status=400)
    summary = error_summary(page)
    expect(summary).to_contain_text(
        f"The date the baby died must be on or after their date of birth, {born.day} {born:%B %Y}")
    expect(group(page, "Date the baby died")).to_have_accessible_description(re.compile("must be on or after their date of birth"))
    expect(page.get_by_label("How did you find out?")).to_have_value(re.compile("The ward sister rang"))
    died_on = london_today() - timedelta(days=1)
    fill_date(page, "id_died_on", died_on)
    submit(page, "Record the death", status=200)
    expect(banner(page)).to_contain_text("The death is recorded")
    heading(page, f"{family.baby_name} died on {day_text(died_on)}")

    visit(page, family.baby_url)
    expect(page.get_by_role("heading", name=f"This baby died on {day_text(died_on)}")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("^Start "))).to_have_count(0)
    expect(page.get_by_role("link", name="Record this baby's death")).to_have_count(0)
    expect(page.get_by_role("link", name="Record a birthmark")).to_have_count(0)
    expect(page.locator(".nhsuk-summary-list__row", has_text="Date of birth")).to_contain_text("(died aged")

    click_link(page, re.compile("^What was recorded, and your agency's chronology pack"))
    pack = page.get_by_role("link", name="Download your agency's chronology pack (PDF)")
    text = pdf_text(page, pack.get_attribute("href") or "")
    assert "OFFICIAL-SENSITIVE" in text, f"the chronology pack is not marked: {text[:1500]}"
    assert "Kestrell" in text
