"""What a person sees in the dashboard, observed with headless Chromium (Playwright).

Run as its own process (``python -m tests.e2e.browser_checks`` with a JSON request on stdin):
Playwright's sync API cannot run under the eventlet monkey-patching the nameko test plugin
applies, so test_dashboard.py asks this script and asserts on the JSON it prints.
"""
import json
import sys

from playwright.sync_api import sync_playwright


def log_in(browser, base, key, **viewport):
    page = browser.new_page(viewport=viewport or {"width": 1280, "height": 900})
    page.goto(f"{base}/")
    redirected = "/login" in page.url
    page.fill("#api-key", key)
    page.click("#login")
    page.wait_for_load_state()
    return page, redirected


def observe(request: dict) -> dict:
    base, plan, shots = request["base"], request["plan"], request["artifacts"]
    seen = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=request["chromium"], args=["--no-sandbox"])
        page, seen["login_required"] = log_in(browser, base, request["osm_key"])
        page.goto(f"{base}/?plan={plan}&period={request['period']}")
        row = page.locator(f"tr[data-indicator='{request['indicator']}']")
        seen["th"] = {"lang": page.locator("html").get_attribute("lang"),
                      "value": row.locator("td.value").inner_text(),
                      "province": row.locator(f"td[data-province='{request['province']}']").inner_text(),
                      "row": row.inner_text(), "page": page.content(),
                      "font": page.evaluate("document.fonts.check('16px Sarabun', 'ก')")}
        page.screenshot(path=f"{shots}/overview-th.png", full_page=True)
        page.click("#lang-switch")
        page.wait_for_load_state()
        seen["en"] = {"lang": page.locator("html").get_attribute("lang"),
                      "row": page.locator(f"tr[data-indicator='{request['indicator']}']").inner_text(),
                      "page": page.content()}
        page.screenshot(path=f"{shots}/overview-en.png", full_page=True)
        page.goto(f"{base}/?plan={plan}&period={request['period']}&trend={request['indicator']}")
        page.wait_for_timeout(300)
        seen["chart"] = page.locator("canvas#trend").is_visible()
        page.close()

        phone, _ = log_in(browser, base, request["osm_key"], width=390, height=844)
        seen["tables"] = {}
        for path, table in (("/projects", "#projects"), ("/completeness", "#completeness"),
                            ("/problems", "#problems"), ("/problem-analysis", "#problem-groups"),
                            ("/problem-review", "#pareto-table"), ("/assets", "#transfers"),
                            ("/rejections", "#rejections")):
            phone.goto(f"{base}{path}?plan={plan}")
            seen["tables"][path] = phone.locator(table).count()
            phone.screenshot(path=f"{shots}/{path.strip('/')}-phone.png", full_page=True)
        phone.goto(f"{base}/assets")
        seen["transfers"] = phone.locator("#transfers tr[data-asset]").evaluate_all(
            "rows => rows.map(r => r.dataset.asset)")
        phone.close()

        bad = browser.new_page()
        bad.goto(f"{base}/login")
        bad.fill("#api-key", "not-a-key")
        bad.click("#login")
        bad.wait_for_load_state()
        seen["bad_key_refused"] = bad.locator("#login-error").is_visible()
        bad.close()
        agency, _ = log_in(browser, base, request["agency_key"])
        agency.goto(f"{base}/")
        seen["agency_lands_on"] = agency.url
        agency.close()
        browser.close()
    return seen


def upload(request: dict) -> dict:
    """A province logs in, checks a filled workbook on /report, sends it, and watches each row's
    status change; then its "my reports" page."""
    base, shots = request["base"], request["artifacts"]
    seen = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=request["chromium"], args=["--no-sandbox"])
        page, _ = log_in(browser, base, request["key"])
        page.goto(f"{base}/report?plan={request['plan']}")
        page.set_input_files("#upload-file", request["file"])
        page.click("#check-button")
        page.wait_for_selector("#upload-rows:not([hidden]) tbody tr")
        seen["checked_rows"] = page.locator("#upload-rows tbody tr").count()
        seen["send_enabled"] = page.locator("#send-button").is_enabled()
        page.click("#send-button")
        page.wait_for_function(
            "() => { const c = [...document.querySelectorAll('#upload-rows td[data-status]')];"
            " return c.length > 0 && c.every(td => td.dataset.status !== 'pending'); }",
            timeout=60_000)
        seen["statuses"] = page.locator("#upload-rows td[data-status]").evaluate_all(
            "cells => cells.map(c => c.dataset.status)")
        page.screenshot(path=f"{shots}/report-upload.png", full_page=True)
        page.goto(f"{base}/my-reports?plan={request['plan']}")
        seen["my_reports_rows"] = page.locator("#my-reports tr[data-event]").count()
        page.screenshot(path=f"{shots}/my-reports.png", full_page=True)
        browser.close()
    return seen


if __name__ == "__main__":
    asked = json.load(sys.stdin)
    print(json.dumps(upload(asked) if asked.get("mode") == "upload" else observe(asked),
                     ensure_ascii=False))
