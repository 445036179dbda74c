"""A plan's public page as anyone sees it - no key, no session - in headless Chromium (run as
its own process as browser_checks.py is: ``python -m tests.e2e.browser_open_data`` with a JSON
request on stdin): the HTTP status, the page's text, what each certified row shows, and whether
anything sticks out of a phone's screen."""
import json
import sys

from playwright.sync_api import sync_playwright

OVERFLOW = "() => document.documentElement.scrollWidth - window.innerWidth"


def observe(request: dict) -> dict:
    seen = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=request["chromium"], args=["--no-sandbox"])
        context = browser.new_context(viewport={"width": 390, "height": 844})  # no cookie, no key
        page = context.new_page()
        answer = page.goto(f"{request['base']}/public/plans/{request['plan']}")
        seen["status"] = answer.status
        seen["lang"] = page.locator("html").get_attribute("lang")
        seen["text"] = page.locator("body").inner_text()
        seen["rows"] = [row.inner_text() for row in page.locator(
            f"table[data-indicator='{request['indicator']}'] tbody tr").all()]
        seen["projects"] = [row.inner_text() for row in page.locator(
            f"#projects tr[data-project='{request['project']}']").all()]
        seen["login_form"] = page.locator("input[type=password]").count()
        seen["overflow"] = page.evaluate(OVERFLOW)
        page.screenshot(path=f"{request['artifacts']}/open-data-{request['name']}.png",
                        full_page=True)
        browser.close()
    return seen


if __name__ == "__main__":
    print(json.dumps(observe(json.load(sys.stdin)), ensure_ascii=False))
