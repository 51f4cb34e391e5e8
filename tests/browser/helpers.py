"""What the browser journeys share: the running server, contexts, axe, and signing in.

`check(page)` is called on every page a journey visits: it runs axe-core's WCAG 2.2 AA rules, and
two checks axe no longer makes (duplicate ids, which silently detach labels from inputs, and a
page that names itself in its title).
"""

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, BrowserContext, Page, Response

from kbs.nonprod.personas import PERSONAS_BY_KEY

AXE_JS = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@dataclass
class Server:
    url: str
    mail_dir: Path

    def __call__(self, path: str) -> str:
        return self.url + path

    def mails(self) -> list[str]:
        """Every e-mail the server has written to its mail folder, as text, oldest first."""
        files = sorted((f for f in self.mail_dir.glob("*") if f.is_file()), key=lambda f: f.stat().st_mtime)
        return [f.read_text(encoding="utf-8", errors="replace") for f in files]


def new_context(browser: Browser, **options: Any) -> BrowserContext:
    """A desktop-sized context that lets axe in: the site's CSP allows no inline script, and
    Playwright injects axe inline. (One test keeps the CSP on, to show the site itself obeys it.)"""
    options.setdefault("bypass_csp", True)
    options.setdefault("viewport", {"width": 1280, "height": 900})
    context = browser.new_context(**options)
    context.set_default_timeout(10_000)
    return context


AXE_RUN = """async (tags) => {
  const results = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
  return results.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
    nodes: v.nodes.map(n => ({target: n.target, html: n.html, summary: n.failureSummary})),
  }));
}"""

DUPLICATE_IDS = """() => {
  const seen = {};
  for (const e of document.querySelectorAll('[id]')) seen[e.id] = (seen[e.id] || 0) + 1;
  return Object.keys(seen).filter(id => seen[id] > 1);
}"""


def axe_violations(page: Page) -> list[dict[str, Any]]:
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_JS))
    return list(page.evaluate(AXE_RUN, AXE_TAGS))


def format_violations(url: str, violations: list[dict[str, Any]]) -> str:
    lines = [f"axe found {len(violations)} WCAG 2.2 AA violation(s) on {url}:"]
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']} <{v['helpUrl']}>")
        for node in v["nodes"]:
            lines.append(f"    at {' '.join(map(str, node['target']))}: {node['html'][:300]}")
            lines.append("      " + (node["summary"] or "").replace("\n", "\n      "))
    return "\n".join(lines)


# Every page checked in this session and what axe found there (written out by conftest on request).
AXE_LOG: list[dict[str, Any]] = []


def check(page: Page) -> Page:
    """Assert that the page now showing has no accessibility problem we can find automatically."""
    page.wait_for_load_state("load")
    # Let the NHS.UK header finish moving links into "More" after a resize before axe looks.
    page.evaluate("() => new Promise(d => requestAnimationFrame(() => requestAnimationFrame(() => d(null))))")
    violations = axe_violations(page)
    AXE_LOG.append({"url": page.url, "title": page.title(), "width": (page.viewport_size or {}).get("width"),
                    "violations": [v["id"] for v in violations]})
    assert not violations, format_violations(page.url, violations)
    duplicates = page.evaluate(DUPLICATE_IDS)
    assert not duplicates, f"{page.url} repeats the id(s) {duplicates}: a label or link may point at the wrong one"
    assert page.title().endswith("– Keeping Babies Safe"), f"{page.url} has the title {page.title()!r}"
    return page


def visit(page: Page, url: str, *, status: int = 200) -> Page:
    """Go to a URL, check the final response's status and the page's accessibility."""
    _assert_status(page, page.goto(url), status)
    return check(page)


def submit(page: Page, button_name: str | re.Pattern[str], *, status: int | None = None) -> Page:
    """Press a submit button, wait for the page it leads to, and check that page."""
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name=button_name, exact=isinstance(button_name, str)).click()
    if status is not None:
        _assert_status(page, navigation.value, status)
    return check(page)


def click_link(page: Page, name: str | re.Pattern[str], *, status: int = 200) -> Page:
    """Follow a link by its accessible name, and check the page it leads to."""
    with page.expect_navigation() as navigation:
        page.get_by_role("link", name=name, exact=isinstance(name, str)).first.click()
    _assert_status(page, navigation.value, status)
    return check(page)


def _assert_status(page: Page, response: Response | None, status: int) -> None:
    assert response is not None, f"no response for {page.url}"
    assert response.status == status, f"{page.url} answered {response.status}, expected {status}"


def sign_in_as(page: Page, server: Server, key: str) -> Page:
    """Sign in through the demo persona page as the persona with this key (see kbs.nonprod.personas)."""
    persona = PERSONAS_BY_KEY[key]
    visit(page, server("/demo/personas/"))
    button = page.get_by_role("button", name=re.compile("^" + re.escape(persona.job_title)))
    with page.expect_navigation() as navigation:
        button.click()
    _assert_status(page, navigation.value, 200)
    check(page)
    header = page.locator("header").inner_text()
    assert persona.full_name in header, f"signed in as {key}, but the header does not name {persona.full_name}"
    return page


def sign_out(page: Page, server: Server) -> None:
    """Sign out the way a person does: the confirmation page, then the button."""
    page.get_by_role("link", name="Sign out").click()
    page.wait_for_url("**/sign-out/")
    check(page)
    submit(page, "Sign out", status=200)
    assert page.url == server("/signed-out/")
