"""The API documentation page in a real Chromium: a health visitor opens /api/docs, checked with axe
on a desktop and at 320 px, follows the contents to an operation and downloads the OpenAPI
description with their signed-in session; the same page under the real Content Security Policy
runs no refused script or style; and a role without the API is told the page is not there.
"""

import json
import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.helpers import Server, new_context, sign_in_as, visit

pytestmark = pytest.mark.browser

OPERATIONS = ["List the assessment tools", "What a tool asks", "Evaluate answers", "Find a baby"]


def test_a_practitioner_reads_the_api_documentation(browser: Browser, server: Server) -> None:
    context = new_context(browser)
    try:
        page = context.new_page()
        sign_in_as(page, server, "health-visitor")
        visit(page, server("/api/docs"))
        expect(page.get_by_role("heading", level=1)).to_have_text("API documentation")
        for summary in OPERATIONS:
            expect(page.get_by_role("heading", level=3, name=summary)).to_be_visible()

        # The contents lead to each operation on the same page.
        page.get_by_role("link", name="Find a baby", exact=True).last.click()
        expect(page).to_have_url(re.compile(r"/api/docs#findBaby$"))
        find = page.get_by_role("region", name="Body of Find a baby")
        expect(find).to_contain_text("nhs_number")
        expect(find).to_contain_text("postcode")

        # The description itself, with the session the page was opened with.
        with page.expect_response(lambda r: r.url.endswith("/api/v1/openapi.json")) as schema:
            page.get_by_role("link", name=re.compile("Download the OpenAPI description")).click()
        assert schema.value.status == 200
        assert set(json.loads(schema.value.body())["paths"]) == {
            "/api/v1/tools", "/api/v1/tools/{slug}", "/api/v1/tools/{slug}/evaluate", "/api/v1/babies/find",
            "/api/v1/families/{family_id}/contacts", "/api/v1/contacts/{contact_id}",
            "/api/v1/families", "/api/v1/families/{family_id}", "/api/v1/people/{person_id}",
            "/api/v1/families/{family_id}/concerns", "/api/v1/concerns/{concern_id}", "/api/v1/tasks",
            "/api/v1/tasks/{task_id}", "/api/v1/tasks/{task_id}/complete", "/api/v1/babies/{baby_id}/assessments",
            "/api/v1/assessments/{assessment_id}"}

        # A phone.
        page.set_viewport_size({"width": 320, "height": 800})
        visit(page, server("/api/docs"))
    finally:
        context.close()


def test_the_documentation_keeps_to_the_content_security_policy(browser: Browser, server: Server) -> None:
    context = new_context(browser, bypass_csp=False)
    problems: list[str] = []
    try:
        page = context.new_page()
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.goto(server("/demo/personas/"))
        with page.expect_navigation():
            page.get_by_role("button", name=re.compile("^Community midwife")).click()
        response = page.goto(server("/api/docs"))
        assert response is not None
        assert response.status == 200
        expect(page.get_by_role("heading", level=1)).to_have_text("API documentation")
    finally:
        context.close()
    assert not problems, "\n".join(problems)


def test_a_role_without_the_api_finds_no_documentation(page: Page, server: Server) -> None:
    sign_in_as(page, server, "analyst")
    visit(page, server("/api/docs"), status=404)
