"""The national-alignment page observed with headless Chromium (Playwright), run as its own
process as browser_checks.py is: ``python -m tests.e2e.browser_rollup`` with a JSON request
on stdin."""
import json
import sys

from playwright.sync_api import sync_playwright

from .browser_checks import log_in

CHARTS = ("rollup-money", "rollup-pct")


def facts(page) -> dict:
    page.wait_for_function("() => ['rollup-money', 'rollup-pct'].every(id => "
                           "{ const c = document.getElementById(id); return c && c.chart; })",
                           timeout=10_000)
    rows = page.locator("#rollup tr[data-code]")
    clusters = page.locator("#rollup-clusters tr[data-cluster]")
    return {
        "lang": page.locator("html").get_attribute("lang"),
        "title": page.locator("#rollup-title").inner_text(),
        "rows": [{"code": rows.nth(i).get_attribute("data-code"), "text": rows.nth(i).inner_text()}
                 for i in range(rows.count())],
        "total": page.locator("#rollup-total").inner_text(),
        "clusters": [clusters.nth(i).inner_text() for i in range(clusters.count())],
        "scope_picker": page.locator("#scope").count(),
        "charts": page.evaluate("""ids => Object.fromEntries(ids.map(id => {
              const c = document.getElementById(id);
              return [id, c.chart.data.labels.length > 0 && c.width > 0];
            }))""", list(CHARTS)),
        "nav": page.locator("nav a[href^='/national-rollup']").count(),
        "download": page.locator("#download-xlsx").get_attribute("href"),
    }


def observe(request: dict) -> dict:
    base, shots = request["base"], request["artifacts"]
    seen = {"errors": []}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=request["chromium"], args=["--no-sandbox"])
        osm, _ = log_in(browser, base, request["osm_key"])
        osm.on("pageerror", lambda exc: seen["errors"].append(str(exc)))
        osm.goto(f"{base}/national-rollup?plan={request['plan']}&level=master_plan&fy=2567&lang=th")
        seen["osm"] = facts(osm)
        osm.screenshot(path=f"{shots}/national-rollup-osm-th.png", full_page=True)
        admin, _ = log_in(browser, base, request["admin_key"], width=390, height=844)
        admin.on("pageerror", lambda exc: seen["errors"].append(str(exc)))
        admin.goto(f"{base}/national-rollup?plan={request['plan']}&lang=th")
        admin.select_option("#scope", "national")
        admin.select_option("#fy", "2567")
        admin.click("#rollup-pick button[type=submit]")
        admin.wait_for_load_state()
        seen["national_th"] = facts(admin)
        seen["overflow"] = admin.evaluate(
            "() => document.documentElement.scrollWidth - window.innerWidth")
        admin.screenshot(path=f"{shots}/national-rollup-all-th-phone.png", full_page=True)
        admin.click("#lang-switch")
        admin.wait_for_load_state()
        seen["national_en"] = facts(admin)
        browser.close()
    return seen


if __name__ == "__main__":
    print(json.dumps(observe(json.load(sys.stdin)), ensure_ascii=False))
