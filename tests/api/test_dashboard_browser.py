"""The dashboard in a real headless Chromium (Debian's), against a real uvicorn server:
sign in, submit a build with the scripted company, watch it run and finish, read files and diff.

MACROHARD_DASHBOARD_SCREENSHOT=docs/dashboard.png saves a screenshot of the finished page
(scripts/screenshot_dashboard.py does that).
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from macrohard.api import create_app
from tests.company.scripted_company import REQUEST

from .harness import Models, make_settings
from .live import serving

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOT = os.environ.get("MACROHARD_DASHBOARD_SCREENSHOT")

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(),
    reason="Debian's chromium is not installed (apt-get install chromium; "
    "`make setup` installs it when run as root)",
)


def sign_in(page: Page, token: str) -> None:
    page.fill("#token", token)
    page.click("#login-form button[type=submit]")


def test_submit_a_build_and_watch_it_finish(tmp_path: Path) -> None:
    models = Models(delay=0.3)  # a little slow, so the page sees the build at work
    app = create_app(make_settings(tmp_path / "data", models))
    token = app.state.api.tenants.create("acme")[1]
    problems: list[str] = []
    with serving(app) as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 1200})
            page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
            page.on(
                "console",
                lambda msg: problems.append(msg.text) if msg.type == "error" else None,
            )
            refused = "the server responded with a status of 401"  # the wrong token, on purpose
            page.goto(url)

            sign_in(page, "mh_not-a-token")
            expect(page.locator("#login-error")).to_contain_text("not accepted")
            sign_in(page, token)
            expect(page.locator("#app-view")).to_be_visible()
            expect(page.locator("#login-view")).to_be_hidden()
            expect(page.locator("#no-builds")).to_be_visible()
            expect(page.locator("#who")).to_contain_text("acme · 0/2 builds active")

            page.fill("#request", REQUEST)
            page.click("#submit")
            status = page.locator("#detail-status")
            expect(status).to_have_text("running", timeout=30_000)
            expect(page.locator("#timeline-chart g.phase")).to_have_count(7)
            expect(page.locator("#detail-live")).to_have_text("following")
            expect(page.locator("#events li").first).to_contain_text("run.created")

            expect(status).to_have_text("succeeded", timeout=180_000)
            expect(page.locator("#detail-verdict")).to_have_text("verdict: shipped")
            expect(page.locator("#events li").last).to_contain_text("end: succeeded")
            expect(page.locator("#events li", has_text="phase.started spec (pm)")).to_have_count(1)
            expect(page.locator("#timeline-chart g.phase.done")).to_have_count(7)
            expect(page.locator("#gates li.passed", has_text="tests")).to_have_count(1)
            expect(page.locator("#builds li").first).to_contain_text("succeeded")
            expect(page.locator("#who")).to_contain_text(re.compile(r"[1-9][\d,]* tokens today"))

            page.click("button[data-tab=files]")
            page.click("#files li[data-path='mathutil.py']")
            expect(page.locator("#file-content")).to_contain_text("def add(a: int, b: int)")
            page.click("button[data-tab=diff]")
            expect(page.locator("#diff")).to_contain_text("+def mul(a: int, b: int) -> int:")

            page.click("button[data-tab=files]")
            if SCREENSHOT:
                page.screenshot(path=SCREENSHOT, full_page=True)

            # signing out forgets the token
            page.click("#logout")
            expect(page.locator("#login-view")).to_be_visible()
            assert page.evaluate("sessionStorage.getItem('macrohard.token')") is None
        finally:
            browser.close()
    assert [p for p in problems if refused not in p] == []
