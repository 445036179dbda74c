"""The indicator page observed with headless Chromium (Playwright), run as its own process as
browser_checks.py is: ``python -m tests.e2e.browser_targets`` with a JSON request on stdin."""
import json
import sys

from playwright.sync_api import sync_playwright

from .browser_checks import log_in


def ready(page) -> None:
    """The map drawn and the charts made (they wait for the Thai font)."""
    page.wait_for_selector("#tile-map svg")
    page.wait_for_function("() => { const c = document.getElementById('cluster-path');"
                           " return c && c.chart; }", timeout=10_000)


def page_facts(page) -> dict:
    rows = page.locator("#province-targets tr[data-province]")
    return {
        "rows": {rows.nth(i).get_attribute("data-province"): rows.nth(i).inner_text()
                 for i in range(rows.count())},
        "charts": page.evaluate("""() => Object.fromEntries(
            ['province-trend', 'province-bars', 'cluster-path'].map(id => {
              const c = document.getElementById(id);
              return [id, !!(c && c.chart && c.chart.data.datasets.length > 0 && c.width > 0)];
            }))"""),
        "tiles": page.locator("#tile-map g.tile").count(),
        "edges": page.locator("#tile-map line.cluster-edge").count(),
        "lights": page.evaluate("""() => Object.fromEntries(Array.from(
            document.querySelectorAll('#tile-map g.tile'),
            g => [g.dataset.province, g.dataset.light]))"""),
    }


def observe(request: dict) -> dict:
    base, plan, shots = request["base"], request["plan"], request["artifacts"]
    seen = {"errors": []}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=request["chromium"], args=["--no-sandbox"])
        page, _ = log_in(browser, base, request["osm_key"])
        page.on("pageerror", lambda exc: seen["errors"].append(str(exc)))
        page.goto(f"{base}/?plan={plan}&period={request['period']}")
        link = page.locator(f"tr[data-indicator='{request['indicator']}'] a.indicator-link")
        seen["overview_link"] = link.count() == 1
        link.click()
        page.wait_for_load_state()
        ready(page)
        seen["th"] = page_facts(page)
        page.screenshot(path=f"{shots}/indicator-th.png", full_page=True)
        page.click("#lang-switch")
        page.wait_for_load_state()
        ready(page)
        seen["en"] = page_facts(page)
        page.screenshot(path=f"{shots}/indicator-en.png", full_page=True)
        browser.close()
    return seen


if __name__ == "__main__":
    print(json.dumps(observe(json.load(sys.stdin)), ensure_ascii=False))
