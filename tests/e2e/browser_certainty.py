"""How certain a figure is, as a person sees it on a phone (headless Chromium, run as its own
process as browser_checks.py is: ``python -m tests.e2e.browser_certainty`` with a JSON request
on stdin): each page's mark beside the province's figure, its legend, and nothing wider than
the screen."""
import json
import sys

from playwright.sync_api import sync_playwright

from .browser_checks import log_in

OVERFLOW = "() => document.documentElement.scrollWidth - window.innerWidth"
WIDE = ("() => Array.from(document.querySelectorAll('body *')).filter(e => "  # what sticks out
        "e.getBoundingClientRect().right > window.innerWidth + 1 && !e.closest('.scroll'))"
        ".slice(0, 5).map(e => `${e.tagName}.${e.className}#${e.id}`)")


def observe(request: dict) -> dict:
    base, plan, period, code = request["base"], request["plan"], request["period"], request["code"]
    province = request["province"]
    pages = {"overview": (f"/?plan={plan}&period={period}",
                          f"tr[data-indicator='{code}'] td[data-province='{province}'] .certainty"),
             "indicator": (f"/indicator?plan={plan}&period={period}&code={code}",
                           f"#province-targets tr[data-province='{province}'] .certainty"),
             "completeness": (f"/completeness?plan={plan}&period={period}",
                              f"#completeness tr[data-province='{province}'] .certainty"),
             "projects": (f"/projects?plan={plan}", "#projects .certainty")}
    seen = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=request["chromium"], args=["--no-sandbox"])
        phone, _ = log_in(browser, base, request["osm_key"], width=390, height=844)
        for name, (path, mark) in pages.items():
            phone.goto(f"{base}{path}")
            found = phone.locator(mark)
            seen[name] = {"overflow": phone.evaluate(OVERFLOW),
                          "mark": found.first.inner_text() if found.count() else None,
                          "mark_visible": found.count() > 0 and found.first.is_visible(),
                          "legend": phone.locator(".certainty-legend").is_visible(),
                          "wide": phone.evaluate(WIDE)}
            phone.screenshot(path=f"{request['artifacts']}/certainty-{name}-phone.png",
                             full_page=True)
        browser.close()
    return seen


if __name__ == "__main__":
    print(json.dumps(observe(json.load(sys.stdin)), ensure_ascii=False))
