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
    fill_key(page, key)
    page.wait_for_load_state()
    return page, redirected


def fill_key(page, key):
    """The login page's second form, behind its disclosure: sign in with an API key."""
    page.click("details summary")
    page.fill("#api-key", key)
    page.click("#login")


def observe(request: dict) -> dict:
    base, plan, shots = request["base"], request["plan"], request["artifacts"]
    seen = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=request["chromium"], args=["--no-sandbox"])
        page, seen["login_required"] = log_in(browser, base, request["osm_key"])
        page.goto(f"{base}/?plan={plan}&period={request['period']}")
        row = page.locator(f"tr[data-indicator='{request['indicator']}']")
        province = row.locator(f"td[data-province='{request['province']}']")
        seen["th"] = {"lang": page.locator("html").get_attribute("lang"),
                      "value": row.locator("td.value .figure").inner_text(),
                      "province": province.locator(".figure").inner_text(),
                      "marks": {"value": row.locator("td.value .certainty").inner_text(),
                                "province": province.locator(".certainty").inner_text()},
                      "legend": page.locator(".certainty-legend").count(),
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
        fill_key(bad, "not-a-key")
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


def evidence(request: dict) -> dict:
    """A province attaches an evidence file and a reference on /report and gets the text for
    the evidence column; then the indicator page and its printable card."""
    base, shots = request["base"], request["artifacts"]
    seen = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=request["chromium"], args=["--no-sandbox"])
        page, _ = log_in(browser, base, request["key"])
        page.goto(f"{base}/report?plan={request['plan']}")
        page.fill("#evidence-reference", request["reference"])
        page.set_input_files("#evidence-file", request["file"])
        page.click("#evidence-button")
        page.wait_for_function("() => document.getElementById('evidence-cell').value"
                               ".includes('ev-')", timeout=30_000)
        seen["cell"] = page.input_value("#evidence-cell")
        seen["summary"] = page.inner_text("#evidence-summary")
        page.screenshot(path=f"{shots}/report-evidence.png", full_page=True)
        page.goto(f"{base}/indicator?plan={request['plan']}&indicator={request['indicator']}"
                  f"&period={request['period']}")
        seen["card"] = page.locator("#indicator-card").count()
        page.click("#print-card")
        page.wait_for_load_state()
        seen["card_page"] = page.url
        page.screenshot(path=f"{shots}/indicator-card.png", full_page=True)
        browser.close()
    return seen


def agency_form(request: dict) -> dict:
    """An implementing agency logs in, fills the progress form of its first project and sends
    it; the row's outcome turns from pending to accepted (or says why not)."""
    base, shots = request["base"], request["artifacts"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=request["chromium"], args=["--no-sandbox"])
        page, _ = log_in(browser, base, request["key"])
        page.goto(f"{base}/project-report?plan={request['plan']}&lang=en")
        seen = {"nav": page.locator("nav a").all_inner_texts(),
                "forms": page.locator("fieldset.progress-form").evaluate_all(
                    "forms => forms.map(f => f.dataset.project + ' ' + f.dataset.province)")}
        form = page.locator(f"fieldset.progress-form[data-project='{request['project']}']"
                            f"[data-province='{request['province']}']")
        for name, value in request["values"].items():
            form.locator(f"[name={name}]").fill(value)
        form.locator("button.send-progress").click()
        outcome = form.locator(".outcome")
        page.wait_for_function("el => el.dataset.status && el.dataset.status !== 'pending'",
                               arg=outcome.element_handle(), timeout=60_000)
        seen["status"], seen["outcome"] = outcome.get_attribute("data-status"), outcome.inner_text()
        page.screenshot(path=f"{shots}/agency-progress-form.png", full_page=True)
        browser.close()
    return seen


def agency_problems(request: dict) -> dict:
    """An implementing agency fills a project's progress, adds a problem (its cause picked by
    name, an owner agency by name) with a remedy and a due date, and sends it; the row's
    outcome turns from pending to accepted (or says why not). Then the form again: the problem
    is there, in force, to update."""
    base, shots = request["base"], request["artifacts"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=request["chromium"], args=["--no-sandbox"])
        page, _ = log_in(browser, base, request["key"])
        page.goto(f"{base}/project-report?plan={request['plan']}&lang=en")
        form = page.locator(f"fieldset.progress-form[data-project='{request['project']}']"
                            f"[data-province='{request['province']}']")
        for name, value in request["values"].items():
            form.locator(f"[name={name}]").fill(value)
        form.locator("button.add-problem").click()
        block = form.locator("fieldset.problem-item").last
        seen = {"causes": block.locator("[name=cause] option").all_inner_texts(),
                "owners": block.locator("[name=owner_agency] option").all_inner_texts(),
                "owner_default": block.locator("[name=owner_agency]").input_value()}
        problem = request["problem"]
        block.locator("[name=cause]").select_option(label=problem["cause_label"])
        block.locator("[name=severity]").select_option(problem["severity"])
        block.locator("[name=description]").fill(problem["description"])
        block.locator("button.add-remedy").click()
        remedy = block.locator("li.remedy").last
        remedy.locator("[name=action]").fill(problem["action"])
        remedy.locator("[name=due]").fill(problem["due"])
        block.locator("button.add-remedy").click()  # a line left empty is not sent
        form.locator("button.send-progress").click()
        outcome = form.locator(".outcome")
        page.wait_for_function("el => el.dataset.status && el.dataset.status !== 'pending'",
                               arg=outcome.element_handle(), timeout=60_000)
        seen["status"], seen["outcome"] = outcome.get_attribute("data-status"), outcome.inner_text()
        page.screenshot(path=f"{shots}/agency-problems-form.png", full_page=True)
        page.reload()
        again = page.locator(f"fieldset.progress-form[data-project='{request['project']}']"
                             f"[data-province='{request['province']}'] fieldset.problem-item")
        seen["in_force"] = [{"id": b.get_attribute("data-problem-id"),
                             "description": b.locator("[name=description]").input_value(),
                             "remedies": b.locator("li.remedy").count()}
                            for b in again.all()]
        browser.close()
    return seen


def settings(request: dict) -> dict:
    """The admin opens /settings from the menu, changes when reports are due (a reason given)
    and sees the new value; then a number out of range: refused in words, what was typed kept."""
    base, shots = request["base"], request["artifacts"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=request["chromium"], args=["--no-sandbox"])
        page, _ = log_in(browser, base, request["key"])
        page.goto(f"{base}/?lang=en")
        page.click("nav a[href^='/settings']")
        seen = {"before": page.inner_text("#due-days-now")}
        page.fill("#due-days", str(request["due_days"]))
        page.fill("#schedule-reason", request["reason"])
        page.click("#schedule-form button[type=submit]")
        page.wait_for_load_state()
        seen["after"], seen["notice"] = page.inner_text("#due-days-now"), page.inner_text(
            "#settings-notice")
        page.screenshot(path=f"{shots}/settings.png", full_page=True)
        page.fill("#due-days", "181")
        page.evaluate("document.getElementById('due-days').removeAttribute('max')")
        page.fill("#schedule-reason", request["reason"])
        page.click("#schedule-form button[type=submit]")
        page.wait_for_load_state()
        seen["refused"] = page.inner_text("#schedule-failure")
        seen["kept"] = page.input_value("#due-days")
        browser.close()
    return seen


def entry(request: dict) -> dict:
    """A province types values on /report-entry (one of them not a number), presses Enter, sees
    that row refused with its message and every value still typed; fixes it, presses Enter
    again and watches each row turn accepted. Then the same page at a phone's width."""
    base, shots = request["base"], request["artifacts"]
    seen = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=request["chromium"], args=["--no-sandbox"])
        page, _ = log_in(browser, base, request["key"])
        page.goto(f"{base}/report-entry?plan={request['plan']}&period={request['period']}"
                  f"&lang={request.get('lang', 'en')}")
        seen["nav"] = page.locator("nav a").evaluate_all(
            "as => as.map(a => a.getAttribute('href').split('?')[0])")
        rows = page.locator("#entry-rows tbody tr[data-indicator]")
        seen["rows"] = rows.count()
        seen["unlabelled"] = page.evaluate(
            "() => [...document.querySelectorAll('#entry-form input')]"
            ".filter(i => !i.labels || !i.labels.length).map(i => i.id)")
        values = request["values"]  # row index -> text typed
        for at, text in values.items():
            rows.nth(int(at)).locator("input[name=value]").fill(text)
        bad = int(request["bad_row"])
        rows.nth(bad).locator("input[name=note]").fill("typed note")
        rows.nth(0).locator("input[name=value]").press("Enter")
        outcome = rows.nth(bad).locator("td.outcome")
        page.wait_for_function("el => el.dataset.status === 'refused'",
                               arg=outcome.element_handle(), timeout=30_000)
        seen["refused_text"] = outcome.inner_text()
        seen["others_after_refusal"] = [rows.nth(int(at)).locator("td.outcome").inner_text()
                                        for at in values if int(at) != bad]
        seen["kept"] = {at: rows.nth(int(at)).locator("input[name=value]").input_value()
                        for at in values}
        seen["kept_note"] = rows.nth(bad).locator("input[name=note]").input_value()
        seen["focused"] = page.evaluate("() => document.activeElement.id")
        page.screenshot(path=f"{shots}/report-entry-refused.png", full_page=True)
        rows.nth(bad).locator("input[name=value]").fill(request["fixed"])
        rows.nth(bad).locator("input[name=value]").press("Enter")
        page.wait_for_function(
            "n => { const c = [...document.querySelectorAll('#entry-rows td.outcome[data-status]')];"
            " return c.length === n && c.every(td => td.dataset.status !== 'pending'); }",
            arg=len(values), timeout=60_000)
        seen["statuses"] = page.locator("#entry-rows td.outcome[data-status]").evaluate_all(
            "cells => cells.map(c => c.dataset.status)")
        page.screenshot(path=f"{shots}/report-entry-sent.png", full_page=True)
        page.set_viewport_size({"width": 375, "height": 800})
        seen["phone_overflow"] = page.evaluate(
            "() => document.documentElement.scrollWidth - window.innerWidth")
        page.screenshot(path=f"{shots}/report-entry-phone.png", full_page=True)
    return seen


def retitle(path: str, title_en: str) -> None:
    """A plan workbook's English title changed in place (the plan sheet: label, value rows)."""
    import openpyxl
    book = openpyxl.load_workbook(path)
    sheet = next(book[n] for n in book.sheetnames if n.endswith("(plan)"))
    next(row for row in sheet.iter_rows() if "(title_en)" in str(row[0].value))[1].value = title_en
    book.save(path)


def plan_forms(request: dict) -> dict:
    """An OSM on /plans: a bad workbook refused with every bad cell listed, a good one made a
    draft, the draft published, a revision refused without a reason and made with one; then a
    province, which the page refuses. Each step: the answer's status and what the page shows."""
    base, shots, new = request["base"], request["artifacts"], request["new_plan"]
    seen = {}

    def submit(page, selector):
        with page.expect_navigation() as went:
            page.click(selector)
        page.wait_for_load_state()
        return went.value.status if went.value else None

    def notice(page):
        found = page.locator("#plans-notice")
        return found.inner_text() if found.count() else None

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=request["chromium"], args=["--no-sandbox"])
        page, _ = log_in(browser, base, request["osm_key"], width=390, height=844)
        page.goto(f"{base}/plans?lang=en")
        seen["nav"] = page.locator("nav a").evaluate_all(
            "as => as.map(a => a.getAttribute('href').split('?')[0])")
        seen["labelled"] = page.evaluate(
            "() => [...document.querySelectorAll('form.plan-form input:not([type=hidden]),"
            " form.plan-form textarea')].every(f => f.labels.length > 0)")
        page.set_input_files("#upload-workbook", request["bad_file"])
        seen["bad_status"] = submit(page, "#upload-button")
        seen["bad_cells"] = page.locator("#bad-cells tr.bad-cell").evaluate_all(
            "rows => rows.map(r => ({sheet: r.dataset.sheet, row: r.dataset.row,"
            " column: r.dataset.column, th: r.cells[4].innerText, en: r.cells[5].innerText}))")
        seen["fits_phone"] = page.evaluate(
            "() => document.documentElement.scrollWidth <= window.innerWidth + 1")
        page.screenshot(path=f"{shots}/plans-bad-workbook-phone.png", full_page=True)

        page.set_input_files("#upload-workbook", request["good_file"])
        seen["good_status"] = submit(page, "#upload-button")
        seen["created"] = {"url": page.url, "notice": notice(page),
                           "status": page.get_attribute(f"tr[data-plan='{new}']", "data-status")}
        row = page.locator(f"tr[data-plan='{new}']")
        row.locator("input[name=approved_by]").fill("คณะกรรมการบริหารงานกลุ่มจังหวัด (ก.บ.ก.)")
        with page.expect_navigation():
            row.locator("button.publish").click()
        page.wait_for_load_state()
        seen["published"] = {"notice": notice(page), "status": page.get_attribute(
            f"tr[data-plan='{new}']", "data-status")}

        # the published plan's own workbook, from its row's link, with a new English title
        with page.expect_download() as got:
            page.locator(f"tr[data-plan='{new}'] a[download]").click()
        got.value.save_as(request["revised_file"])
        retitle(request["revised_file"], request["title_en"])
        row = page.locator(f"tr[data-plan='{new}']")
        row.locator("details.revise summary").click()
        row.locator("input[type=file]").set_input_files(request["revised_file"])
        row.locator("textarea[name=reason]").fill("   ")  # passes `required`; the server refuses
        row.locator("input[name=approved_by]").fill("ก.บ.ก.")
        with page.expect_navigation() as went:
            row.locator("button.revise-button").click()
        page.wait_for_load_state()
        seen["no_reason"] = {"status": went.value.status,
                             "refusal": page.locator("#plans-failure").inner_text()}
        row = page.locator(f"tr[data-plan='{new}']")
        row.locator("details.revise summary").click()
        row.locator("input[type=file]").set_input_files(request["revised_file"])
        row.locator("textarea[name=reason]").fill(request["reason"])
        row.locator("input[name=approved_by]").fill("ก.บ.ก.")
        with page.expect_navigation():
            row.locator("button.revise-button").click()
        page.wait_for_load_state()
        refusal = page.locator("#plans-failure")
        seen["revised"] = {"notice": notice(page), "refusal": refusal.inner_text() if
                           refusal.count() else None, "version": page.get_attribute(
            f"tr[data-plan='{new}']", "data-version"),
            "row": page.locator(f"tr[data-plan='{new}']").inner_text()}
        page.screenshot(path=f"{shots}/plans-revised-phone.png", full_page=True)
        page.goto(f"{base}/plans?lang=th")
        seen["thai_row"] = page.locator(f"tr[data-plan='{new}']").inner_text()
        page.screenshot(path=f"{shots}/plans-th.png", full_page=True)
        page.close()

        province, _ = log_in(browser, base, request["province_key"])
        seen["province_nav"] = province.locator("nav a").evaluate_all(
            "as => as.map(a => a.getAttribute('href').split('?')[0])")
        answer = province.goto(f"{base}/plans")
        seen["province_page"] = {"status": answer.status,
                                 "forms": province.locator("form.plan-form").count(),
                                 "refused": province.locator("#page-refused").is_visible()}
        browser.close()
    return seen


# What one page shows: its sample banner, each visible table's rows that hold a value (a cell
# neither empty nor "-"), the entries of the national hierarchy's trees, each canvas: Chart.js's datasets holding a number, else any pixel drawn.
PAGE_CONTENT = """() => ({
  banner: !!document.querySelector('#sample-banner') &&
          document.querySelector('#sample-banner').offsetParent !== null,
  tables: [...document.querySelectorAll('table')].filter(t => !t.hidden && t.offsetParent !== null)
    .map(t => ({id: t.id || t.className,
                rows: [...t.querySelectorAll('tr')].filter(r => [...r.querySelectorAll('td')]
                  .some(td => !['', '-'].includes(td.innerText.trim()))).length})),
  charts: [...document.querySelectorAll('canvas')].map(c => {
    const chart = window.Chart && window.Chart.getChart(c);
    if (chart) {
      return {id: c.id, drawn: chart.data.datasets.some(d => d.data.some(v => v !== null && v !== undefined))};
    }
    const pixels = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    return {id: c.id, drawn: pixels.some((v, i) => i % 4 === 3 && v > 0)};
  }),
  options: [...document.querySelectorAll('select option')].length,
  forms: [...document.querySelectorAll('fieldset')].length,
  tree: [...document.querySelectorAll('.national-tree li')].length,
})"""


def alive(request: dict) -> dict:
    """Every page of the dashboard's menu as an OSM and as a province sees it: what each shows
    (PAGE_CONTENT), and the overview's trend chart of its first indicator."""
    base, start, shots = request["base"], request["start"], request["artifacts"]
    seen = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=request["chromium"], args=["--no-sandbox"])
        for who, key in (("osm", request["osm_key"]), ("province", request["province_key"])):
            page, _ = log_in(browser, base, key)
            page.goto(f"{base}{start}")
            links = page.locator("nav a").evaluate_all("as => as.map(a => a.getAttribute('href'))")
            for link in links:
                page.goto(f"{base}{link}")
                page.wait_for_load_state("networkidle")
                path = link.split("?")[0]
                seen.setdefault(path, {})[who] = page.evaluate(PAGE_CONTENT)
                page.screenshot(path=f"{shots}/sample-{who}-{path.strip('/') or 'overview'}.png",
                                full_page=True)
            page.goto(f"{base}{start}")
            page.locator("tr[data-indicator] a[href*='trend=']").first.click()
            page.wait_for_selector("canvas#trend")
            page.wait_for_timeout(300)
            seen.setdefault("/ (trend)", {})[who] = page.evaluate(PAGE_CONTENT)
            page.screenshot(path=f"{shots}/sample-{who}-trend.png", full_page=True)
            page.close()
        browser.close()
    return seen


def asset_forms(request: dict) -> dict:
    """An asset's whole transfer by the dashboard's forms, each by the key whose step it is: the
    holder registers it (on a phone) and requests the transfer, the OSM approves, the holder
    hands over, the receiver accepts - first without a budget (refused, the message shown and
    what was typed kept), then with it."""
    base, shots, code = request["base"], request["artifacts"], request["code"]
    seen = {}
    at = f"{base}/assets/{code}"

    def submit(page, button, keyboard=False):
        with page.expect_navigation():
            if keyboard:  # the keyboard alone: focus the button, press Enter
                page.focus(button)
                page.keyboard.press("Enter")
            else:
                page.click(button)

    def state(page):
        return {"url": page.url, "status": page.get_attribute("#asset-status", "data-status"),
                "outcome": page.inner_text("#outcome") if page.locator("#outcome").count() else None,
                "forms": page.locator("form.step-form").evaluate_all(
                    "fs => fs.map(f => f.dataset.step)")}

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=request["chromium"], args=["--no-sandbox"])
        holder, _ = log_in(browser, base, request["holder_key"], width=390, height=844)
        holder.goto(f"{base}/assets")
        holder.click("#register-link")
        holder.wait_for_url("**/register-asset")
        for field, value in request["registration"].items():
            if holder.locator(f"#register-{field}").evaluate("e => e.tagName") == "SELECT":
                holder.select_option(f"#register-{field}", value)
            else:
                holder.fill(f"#register-{field}", value)
        seen["unlabelled"] = holder.evaluate(
            "() => [...document.querySelectorAll('form.step-form input:not([type=hidden]),"
            " form.step-form select, form.step-form textarea')]"
            ".filter(e => !document.querySelector(`label[for='${e.id}']`)).map(e => e.name)")
        holder.screenshot(path=f"{shots}/asset-register-phone.png", full_page=True)
        submit(holder, "#submit-register")
        seen["registered"] = state(holder)
        seen["phone_overflow"] = holder.evaluate(  # what sticks out of a phone's width
            "() => [...document.querySelectorAll('main *')].filter(e => "
            "e.getBoundingClientRect().right > window.innerWidth + 1 && !e.closest('.scroll'))"
            ".map(e => e.tagName + '#' + e.id)")
        holder.screenshot(path=f"{shots}/asset-registered-phone.png", full_page=True)
        seen["receivers"] = holder.locator("#request-to option").all_inner_texts()
        holder.select_option("#request-to", request["receiver"])
        holder.fill("#request-reason", "โอนให้ดูแลและบำรุงรักษา")
        submit(holder, "#submit-request", keyboard=True)
        seen["requested"] = state(holder)
        seen["transfer_to"] = holder.inner_text("#transfer-to")

        osm, _ = log_in(browser, base, request["osm_key"])
        osm.goto(at)
        seen["osm_forms"] = state(osm)["forms"]
        osm.fill("#approve-reason", "ที่ประชุมเห็นชอบ")
        submit(osm, "#submit-approve")
        seen["approved"] = state(osm)

        holder.goto(at)
        holder.fill("#hand_over-doc_reference_0", "บันทึกส่งมอบ 21/2568")
        submit(holder, "#submit-hand_over")
        seen["handed_over"] = state(holder)
        holder.close()

        receiver, _ = log_in(browser, base, request["receiver_key"])
        receiver.goto(at)
        seen["receiver_forms"] = state(receiver)["forms"]
        receiver.fill("#accept-m_note", "ข้อบัญญัติงบประมาณ 2568")  # no budget: refused
        submit(receiver, "#submit-accept")
        seen["refused"] = {"message": receiver.inner_text("#refusal-message"),
                           "box": receiver.inner_text("#refusal"),
                           "kept": receiver.input_value("#accept-m_note"),
                           "status": receiver.get_attribute("#asset-status", "data-status")}
        receiver.screenshot(path=f"{shots}/asset-refused.png", full_page=True)
        receiver.fill("#accept-m_budget", "120000")
        submit(receiver, "#submit-accept")
        seen["accepted"] = state(receiver)
        seen["custodian"] = receiver.inner_text("#custodian")
        seen["ledger"] = receiver.locator("#ledger tr[data-action]").evaluate_all(
            "rows => rows.map(r => [r.dataset.action, r.cells[1].innerText])")
        seen["text"] = receiver.inner_text("main")
        receiver.screenshot(path=f"{shots}/asset-accepted.png", full_page=True)
        receiver.close()
        browser.close()
    return seen


MODES = {"upload": upload, "evidence": evidence, "agency_form": agency_form, "alive": alive,
         "entry": entry, "agency_problems": agency_problems, "settings": settings,
         "plan_forms": plan_forms, "asset_forms": asset_forms}

if __name__ == "__main__":
    asked = json.load(sys.stdin)
    print(json.dumps(MODES.get(asked.get("mode"), observe)(asked), ensure_ascii=False))
