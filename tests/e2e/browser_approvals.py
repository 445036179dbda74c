"""The approvals page as its three people use it, observed with headless Chromium (Playwright) at a
phone's width in Thai: the province's planner submits the period's figures, its approver opens
the link of the mail it got and approves them, the cluster's OSM director accepts them.

Run as its own process (``python -m tests.e2e.browser_approvals`` with a JSON request on stdin),
as browser_people.py is; test_approvals.py asks and asserts on the JSON printed here."""
import json
import sys

from playwright.sync_api import sync_playwright

from tests.e2e.browser_people import OVERFLOW, context, sign_in, submit


def row_state(page, province):
    row = f"#approval-{province}"
    return {"url": page.url, "state": page.get_attribute(row, "data-state"),
            "state_text": page.inner_text(f"{row} td.state"),
            "last": page.inner_text(f"{row} td.last"),
            "comment": page.inner_text(f"{row} td.comment"),
            "highlighted": "highlight" in (page.get_attribute(row, "class") or ""),
            "forms": page.locator(f"form.approval-form[data-province='{province}']").evaluate_all(
                "fs => fs.map(f => f.dataset.step)"),
            "notice": page.inner_text("#approval-notice")
            if page.locator("#approval-notice").count() else None,
            "refusal": page.inner_text("#approval-refusal")
            if page.locator("#approval-refusal").count() else None,
            "overflow": page.evaluate(OVERFLOW), "lang": page.get_attribute("html", "lang")}


def take(page, province, step, comment):
    page.fill(f"#comment-{province}-{step}", comment)
    submit(page, f"#submit-{step}-{province}")
    return row_state(page, province)


def approval_journey(request: dict) -> dict:
    base, shots, province = request["base"], request["artifacts"], request["province"]
    people, seen = request["people"], {}
    page_at = f"{base}/approvals?plan={request['plan']}&period={request['period']}"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=request["chromium"], args=["--no-sandbox"])
        planner = sign_in(context(browser), base, people["planner"])
        planner.click("nav a[href^='/approvals']")  # from the menu, then the plan and period
        planner.wait_for_load_state()
        planner.select_option("form.pick select[name=plan]", request["plan"])
        planner.select_option("#period", request["period"])
        submit(planner, "form.pick button[type=submit]")
        seen["planner_sees"] = row_state(planner, province)
        seen["planner_nav"] = planner.locator("nav a.here").inner_text()
        seen["submitted"] = take(planner, province, "submit", request["comments"]["submit"])
        planner.screenshot(path=f"{shots}/approvals-submitted-phone.png", full_page=True)

        approver = sign_in(context(browser), base, people["approver"])
        approver.goto(f"{base}{request['mail_link']}")  # the link of the mail it got
        seen["approver_sees"] = row_state(approver, province)
        seen["approved"] = take(approver, province, "approve", request["comments"]["approve"])

        # the planner's page is stale: withdrawing now is refused (approved: no longer theirs),
        # said in Thai and English, and what was typed is still there
        planner.fill(f"#comment-{province}-reopen", request["comments"]["late_reopen"])
        submit(planner, f"#submit-reopen-{province}")
        seen["refused"] = row_state(planner, province)
        seen["refused_status"] = planner.evaluate(
            "() => performance.getEntriesByType('navigation')[0].responseStatus")
        seen["refused_typed"] = planner.input_value("#approval-refused-typed")

        director = sign_in(context(browser), base, people["director"])
        director.goto(page_at)
        seen["director_sees"] = row_state(director, province)
        seen["accepted"] = take(director, province, "accept", request["comments"]["accept"])
        director.click(f"tr.approval-acts[data-province='{province}'] details summary")
        seen["history"] = director.locator(
            f"tr.approval-acts[data-province='{province}'] details li").evaluate_all(
                "ls => ls.map(l => [l.dataset.step, l.innerText])")
        seen["every_period"] = director.locator(
            f"#approvals-every-period tr.here td[data-province='{province}']").inner_text()
        seen["text"] = director.inner_text("main")
        director.screenshot(path=f"{shots}/approvals-accepted-phone.png", full_page=True)
        browser.close()
    return seen


if __name__ == "__main__":
    asked = json.load(sys.stdin)
    print(json.dumps({"approval_journey": approval_journey}[asked["mode"]](asked),
                     ensure_ascii=False))
