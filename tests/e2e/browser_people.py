"""People using the dashboard as themselves, observed with headless Chromium (Playwright): each
signs in with a username and a password, on a phone's width, in Thai or English.

Run as its own process (``python -m tests.e2e.browser_people`` with a JSON request on stdin),
as browser_checks.py is: Playwright's sync API cannot run under the eventlet monkey-patching of
the nameko test plugin. test_people_journeys.py asks and asserts on the JSON printed here.

Every browser context speaks from an address of its own (X-Forwarded-For, the system runs with
TRUSTED_PROXY_HOPS=1) so the login limit (10 a minute per address) is not what is tested.
"""
import itertools
import json
import sys

from playwright.sync_api import sync_playwright

PHONE = {"width": 390, "height": 844}
ADDRESSES = (f"10.77.{n // 250}.{n % 250 + 1}" for n in itertools.count())
# What sticks out of the page's width (a table inside its .scroll box may scroll on its own).
OVERFLOW = ("() => document.documentElement.scrollWidth - window.innerWidth")


def context(browser, **options):
    return browser.new_context(viewport=options.pop("viewport", PHONE),
                               extra_http_headers={"X-Forwarded-For": next(ADDRESSES)}, **options)


def sign_in(ctx, base, person, lang="th"):
    """The login form, by clicks: the person's username and password."""
    page = ctx.new_page()
    page.goto(f"{base}/login?lang={lang}")
    page.fill("#username", person["username"])
    page.fill("#password", person["password"])
    with page.expect_navigation():
        page.click("#login-password")
    page.wait_for_load_state()
    return page


def submit(page, button):
    with page.expect_navigation():
        page.click(button)
    page.wait_for_load_state()


def nav_paths(page):
    return page.locator("nav a").evaluate_all(
        "as => as.map(a => a.getAttribute('href').split('?')[0])")


def asset_state(page):
    return {"url": page.url, "status": page.get_attribute("#asset-status", "data-status"),
            "outcome": page.inner_text("#outcome") if page.locator("#outcome").count() else None,
            "refusal": page.inner_text("#refusal") if page.locator("#refusal").count() else None,
            "forms": page.locator("form.step-form").evaluate_all(
                "fs => fs.map(f => f.dataset.step)")}


def asset_journey(request: dict) -> dict:
    """An asset from registration to accepted, each step by the person whose step it is: the
    holder's officer registers it and asks for its transfer, the OSM's analyst approves, the
    holder hands it over with a document, the receiver's officer accepts with the maintenance
    plan and budget; then the cluster's auditor reads the ledger and records an audit."""
    base, shots, code = request["base"], request["artifacts"], request["code"]
    people, at = request["people"], f"{base}/assets/{code}"
    seen = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=request["chromium"], args=["--no-sandbox"])
        holder = sign_in(context(browser), base, people["holder"])
        seen["holder_who"] = holder.inner_text("#who")
        holder.goto(f"{base}/register-asset")
        for field, value in request["registration"].items():
            if holder.locator(f"#register-{field}").evaluate("e => e.tagName") == "SELECT":
                holder.select_option(f"#register-{field}", value)
            else:
                holder.fill(f"#register-{field}", value)
        holder.fill("#register-doc_reference_0", request["registration_doc"])
        submit(holder, "#submit-register")
        seen["registered"] = asset_state(holder)
        seen["registered_overflow"] = holder.evaluate(OVERFLOW)
        holder.select_option("#request-to", request["receiver"])
        holder.fill("#request-reason", "โอนให้ อบต. ดูแลและบำรุงรักษาต่อ")
        submit(holder, "#submit-request")
        seen["requested"] = asset_state(holder)

        analyst = sign_in(context(browser), base, people["analyst"])
        analyst.goto(at)
        seen["analyst_forms"] = asset_state(analyst)["forms"]
        analyst.fill("#approve-reason", "ที่ประชุม ก.บ.ก. เห็นชอบ")
        submit(analyst, "#submit-approve")
        seen["approved"] = asset_state(analyst)

        holder.goto(at)
        holder.fill("#hand_over-doc_reference_0", request["handover_doc"])
        submit(holder, "#submit-hand_over")
        seen["handed_over"] = asset_state(holder)

        receiver = sign_in(context(browser), base, people["receiver"])
        receiver.goto(at)
        seen["receiver_forms"] = asset_state(receiver)["forms"]
        receiver.fill("#accept-m_budget", request["budget"])
        receiver.fill("#accept-m_note", "ข้อบัญญัติงบประมาณ อบต. 2569")
        submit(receiver, "#submit-accept")
        seen["accepted"] = asset_state(receiver)
        seen["custodian"] = receiver.inner_text("#custodian")
        receiver.screenshot(path=f"{shots}/journey-asset-accepted-phone.png", full_page=True)

        auditor = sign_in(context(browser), base, people["auditor"])
        auditor.goto(at)
        seen["auditor_sees"] = asset_state(auditor)
        seen["auditor_ledger"] = auditor.locator("#ledger tr[data-action]").evaluate_all(
            "rows => rows.map(r => [r.dataset.action, r.cells[1].innerText])")
        auditor.select_option("#audit-condition", "good")
        auditor.fill("#audit-note", "ตรวจนับแล้ว ครบถ้วน")
        submit(auditor, "#submit-audit")
        seen["audited"] = asset_state(auditor)
        seen["ledger_th"] = auditor.locator("#ledger tr[data-action]").evaluate_all(
            "rows => rows.map(r => [r.dataset.action, r.cells[1].innerText])")
        seen["text_th"] = auditor.inner_text("main")
        auditor.screenshot(path=f"{shots}/journey-asset-ledger-th-phone.png", full_page=True)
        auditor.goto(f"{at}?lang=en")
        seen["ledger_en"] = auditor.locator("#ledger tr[data-action]").evaluate_all(
            "rows => rows.map(r => [r.dataset.action, r.cells[1].innerText])")
        seen["ledger_overflow"] = auditor.evaluate(OVERFLOW)
        auditor.screenshot(path=f"{shots}/journey-asset-ledger-en-phone.png", full_page=True)
        browser.close()
    return seen


def tab_to(page, test: str, limit: int = 120) -> bool:
    """Tab (only) until the focused element passes ``test`` (a JS function of it)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"() => ({test})(document.activeElement)"):
            return True
    return False


def keyboard_entry(request: dict) -> dict:
    """A province planner, by the keyboard alone (Tab, typing, arrows, Enter), in Thai: signs
    in, opens the entry form from the menu, picks the period, types values, sends them with
    Enter, and watches each row turn accepted."""
    base, shots, person = request["base"], request["artifacts"], request["person"]
    seen = {"steps": []}

    def step(name, ok):
        seen["steps"].append([name, bool(ok)])
        if not ok:
            raise RuntimeError(f"keyboard journey: could not {name}")

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=request["chromium"], args=["--no-sandbox"])
        page = context(browser).new_page()
        page.goto(f"{base}/login?lang=th")  # the address typed; from here on, keys only
        step("reach the username", tab_to(page, "e => e.id === 'username'"))
        page.keyboard.type(person["username"])
        page.keyboard.press("Tab")
        step("reach the password", page.evaluate("() => document.activeElement.id") == "password")
        page.keyboard.type(person["password"])
        with page.expect_navigation():
            page.keyboard.press("Enter")
        page.wait_for_load_state()
        seen["who"] = page.inner_text("#who")
        step("reach the entry form's menu link",
             tab_to(page, "e => (e.getAttribute('href') || '').startsWith('/report-entry')"))
        with page.expect_navigation():
            page.keyboard.press("Enter")
        page.wait_for_load_state()
        step("reach the period", tab_to(page, "e => e.id === 'entry-period'"))
        target = request["period"]
        for key in ["ArrowDown"] * 12 + ["ArrowUp"] * 24:
            if page.input_value("#entry-period") == target:
                break
            page.keyboard.press(key)
        step("choose the period", page.input_value("#entry-period") == target)
        step("reach Show", tab_to(page, "e => e.tagName === 'BUTTON' && e.type === 'submit'"
                                        " && e.form && e.form.action.includes('/report-entry')"))
        with page.expect_navigation():
            page.keyboard.press("Enter")
        page.wait_for_load_state()
        seen["period_shown"] = page.get_attribute("#entry-form", "data-period")
        seen["lang"] = page.get_attribute("html", "lang")
        values = request["values"]
        for at, text in enumerate(values):
            step(f"reach value {at}", tab_to(page, f"e => e.id === 'value-{at}'",
                                                  limit=10 if at else 120))
            page.keyboard.type(text)
        seen["indicators"] = page.locator("#entry-rows tbody tr[data-indicator]").evaluate_all(
            f"rows => rows.slice(0, {len(values)}).map(r => r.dataset.indicator)")
        page.keyboard.press("Enter")  # Enter in a box sends the form
        page.wait_for_function(
            "n => { const c = [...document.querySelectorAll('#entry-rows td.outcome[data-status]')];"
            " return c.length === n && c.every(td => td.dataset.status !== 'pending'); }",
            arg=len(values), timeout=60_000)
        seen["statuses"] = page.locator("#entry-rows td.outcome[data-status]").evaluate_all(
            "cells => cells.map(c => c.dataset.status)")
        seen["outcomes"] = page.locator("#entry-rows td.outcome[data-status]").all_inner_texts()
        seen["overflow"] = page.evaluate(OVERFLOW)
        page.screenshot(path=f"{shots}/journey-keyboard-entry-phone.png", full_page=True)
        browser.close()
    return seen


def roles_tour(request: dict) -> dict:
    """Each person signs in at a phone's width, in Thai and in English: the menu it gets, each
    menu page's status, overflow and header; a few role-specific looks."""
    base, shots = request["base"], request["artifacts"]
    seen = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=request["chromium"], args=["--no-sandbox"])
        for duty, person in request["people"].items():
            mine = seen[duty] = {}
            for lang in ("th", "en"):
                ctx = context(browser)
                page = sign_in(ctx, base, person, lang)
                look = mine[lang] = {"landed": page.url, "who": page.inner_text("#who"),
                                     "lang": page.get_attribute("html", "lang"),
                                     "nav": nav_paths(page),
                                     "nav_words": page.locator("nav a").all_inner_texts(),
                                     "pages": {}}
                # in English, the menus' pages once for each kind of menu (the words differ,
                # the layout is the Thai pages'); every page of every menu in Thai
                every = lang == "th" or duty in request["every_page_en"]
                for path in look["nav"] if every else look["nav"][:1]:
                    answer = page.goto(f"{base}{path}?lang={lang}")
                    page.wait_for_load_state()
                    look["pages"][path] = {
                        "status": answer.status, "url": page.url.split("?")[0][len(base):],
                        "overflow": page.evaluate(OVERFLOW),
                        "who": page.inner_text("#who") if page.locator("#who").count() else None,
                        "lang": page.get_attribute("html", "lang")}
                    if path == look["nav"][0]:
                        page.screenshot(path=f"{shots}/tour-{duty}-{lang}-phone.png")
                answer = page.goto(f"{base}/report-entry?lang={lang}")
                look["entry"] = {"status": answer.status,
                                 "form": page.locator("#entry-form").count(),
                                 "refused": page.locator("#page-refused").count()}
                answer = page.goto(f"{base}/plans?lang={lang}")
                look["plans"] = {"status": answer.status, "url": page.url.split("?")[0],
                                 "rows": page.locator("tr[data-plan]").evaluate_all(
                                     "rs => rs.map(r => r.dataset.plan)"),
                                 "publish_buttons": page.locator("button.publish").count()}
                page.goto(f"{base}/?lang={lang}")
                look["plan_choices"] = page.locator("select[name=plan] option").evaluate_all(
                    "os => os.map(o => o.value)")
                ctx.close()
        browser.close()
    return seen


def plan_publish(request: dict) -> dict:
    """The OSM's analyst opens /plans and finds the draft with no Publish button (the director
    signs); the director publishes it there, on a phone."""
    base, shots, draft = request["base"], request["artifacts"], request["draft"]
    row = f"tr[data-plan='{draft}']"
    seen = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=request["chromium"], args=["--no-sandbox"])
        analyst = sign_in(context(browser), base, request["analyst"])
        analyst.goto(f"{base}/plans?lang=th")
        seen["analyst"] = {"status": analyst.get_attribute(row, "data-status"),
                           "publish": analyst.locator(f"{row} button.publish").count(),
                           "revise": analyst.locator("details.revise").count(),
                           "note": analyst.locator(f"{row} .director-publishes").count()}
        director = sign_in(context(browser), base, request["director"])
        director.goto(f"{base}/plans?lang=th")
        director.fill(f"{row} input[name=approved_by]", "คณะกรรมการบริหารงานกลุ่มจังหวัด (ก.บ.ก.)")
        submit(director, f"{row} button.publish")
        seen["director"] = {"url": director.url, "status": director.get_attribute(row, "data-status"),
                            "notice": director.inner_text("#plans-notice"),
                            "overflow": director.evaluate(OVERFLOW)}
        director.screenshot(path=f"{shots}/journey-director-published-phone.png", full_page=True)
        browser.close()
    return seen


MODES = {"asset_journey": asset_journey, "keyboard_entry": keyboard_entry,
         "roles_tour": roles_tour, "plan_publish": plan_publish}

if __name__ == "__main__":
    asked = json.load(sys.stdin)
    print(json.dumps(MODES[asked["mode"]](asked), ensure_ascii=False))
