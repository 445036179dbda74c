"""The admin's settings page (/settings): each setting shown as it is now, changed through its
form with a reason (the same API handlers, ``?reason=`` passed along), a refusal shown in Thai
and English with what was typed kept; anyone else is refused the page and its forms
server-side. Every change is put back: the e2e system is shared."""
import json
import re
import subprocess
import sys

import pytest
import requests

from clusterctl.settings import REPO_ROOT
from tests.support.browsing import csrf_of, signed_in

from .test_dashboard import ARTIFACTS, CHROMIUM

REASON = "ตามหนังสือสั่งการ ว 123/2569"


def put(system, path, body):
    return requests.put(f"{system.base}{path}", json=body, timeout=30,
                        headers={"Authorization": f"Bearer {system.key()}"})


def due_days_now(system):
    return system.get("/api/reporting-schedule", system.key()).json()["due_days"]


def test_the_admin_changes_when_reports_are_due_through_the_form_and_sees_it(system):
    admin = signed_in(system.base, system.key())
    before = due_days_now(system)
    page = admin.get(f"{system.base}/settings", timeout=30)
    assert page.status_code == 200 and 'href="/settings?' in page.text  # in the admin's menu
    assert f"reports are due {before} day(s)" in page.text
    token = csrf_of(admin, "/settings")
    changed = before + 5
    try:
        sent = admin.post(f"{system.base}/settings/schedule", timeout=30, allow_redirects=False,
                          data={"csrf": token, "due_days": str(changed), "reason": REASON,
                                "lang": "en"})
        assert sent.status_code == 303 and sent.headers["Location"].startswith("/settings?done=")
        assert due_days_now(system) == changed
        shown = admin.get(f"{system.base}{sent.headers['Location']}", timeout=30).text
        assert f"reports are due {changed} day(s)" in shown
        assert "The reporting schedule is saved" in shown
        # no reason: nothing changed, what was typed kept, the refusal in both languages
        for lang, words in (("en", "Say why the change is made"), ("th", "กรุณาระบุเหตุผล")):
            refused = admin.post(f"{system.base}/settings/schedule?lang={lang}", timeout=30,
                                 data={"csrf": token, "due_days": "33", "reason": " "})
            assert refused.status_code == 400 and words in refused.text
            assert re.search(r'name="due_days"[^>]*value="33"', refused.text)
        # the API's own refusal (out of range), its words and the typed value kept
        bad = admin.post(f"{system.base}/settings/schedule", timeout=30,
                         data={"csrf": token, "due_days": "999", "reason": REASON})
        assert bad.status_code == 400 and "from 0 to 180" in bad.text
        assert re.search(r'name="due_days"[^>]*value="999"', bad.text) and REASON in bad.text
        assert due_days_now(system) == changed
        # without the session's CSRF token: refused, nothing changed
        forged = admin.post(f"{system.base}/settings/schedule", timeout=30,
                            data={"due_days": "1", "reason": REASON})
        assert forged.status_code == 403 and due_days_now(system) == changed
    finally:
        assert put(system, "/api/reporting-schedule", {"due_days": before}).status_code == 200


def test_the_admin_changes_when_waiting_approvals_are_recalled_and_it_is_audited(system):
    admin = signed_in(system.base, system.key())
    before = system.get("/api/approval-settings", system.key()).json()["reminder_days"]
    page = admin.get(f"{system.base}/settings", timeout=30).text
    assert f"reminded every {before} day(s)" in page
    # the sample plan sets no window
    assert re.search(r'id="window-now">[^<]*: None: reports of any past period', page)
    token = csrf_of(admin, "/settings")
    try:
        sent = admin.post(f"{system.base}/settings/reminders", timeout=30, allow_redirects=False,
                          data={"csrf": token, "reminder_days": "3", "reason": REASON})
        assert sent.status_code == 303, sent.text[:500]
        assert system.get("/api/approval-settings", system.key()).json() == {"reminder_days": 3}
        shown = admin.get(f"{system.base}{sent.headers['Location']}", timeout=30).text
        assert "reminded every 3 day(s)" in shown and "The reminders are saved" in shown
        refused = admin.post(f"{system.base}/settings/reminders?lang=th", timeout=30,
                             data={"csrf": token, "reminder_days": "0", "reason": REASON})
        assert refused.status_code == 400 and "from 1 to 90" in refused.text
        assert re.search(r'name="reminder_days"[^>]*value="0"', refused.text)
        [act] = [a for a in system.get("/api/audit", system.key(),
                                       act="settings.approval_reminders").json()
                 if a["reason"] == REASON][:1]
        assert {"field": "reminder_days", "before": before, "after": 3} in act["changes"]
    finally:
        assert put(system, "/api/approval-settings", {"reminder_days": before}).status_code == 200


def test_targets_and_rules_change_through_their_forms(system):
    admin = signed_in(system.base, system.key())
    token = csrf_of(admin, "/settings")
    sent = admin.post(f"{system.base}/settings/targets", timeout=30, allow_redirects=False,
                      data={"csrf": token, "fiscal_year": "FY2580", "Q1": "25", "Q2": "50",
                            "Q3": "75", "Q4": "100", "reason": REASON})
    assert sent.status_code == 303, sent.text[:500]
    assert system.get("/api/disbursement-targets", system.key()).json()["FY2580"] == \
        {"Q1": 25, "Q2": 50, "Q3": 75, "Q4": 100}
    page = admin.get(f"{system.base}/settings?lang=th", timeout=30).text
    assert 'data-year="FY2580"' in page and "เป้าหมายการเบิกจ่ายของรัฐบาล" in page
    falling = admin.post(f"{system.base}/settings/targets", timeout=30,
                         data={"csrf": token, "fiscal_year": "FY2581", "Q1": "60", "Q2": "50",
                               "Q3": "75", "Q4": "100", "reason": REASON})
    assert falling.status_code == 400 and 'value="FY2581"' in falling.text
    rules = system.get("/api/notify/rules", system.key()).json()["rules"]
    form = [("csrf", token), ("reason", REASON)] + [
        (f"rule:{event}", party) for event, parties in rules.items() for party in parties
        if event != "report_flagged"] + [("rule:report_flagged", "osm"),
                                         ("rule:report_flagged", "responsible_agency")]
    try:
        sent = admin.post(f"{system.base}/settings/rules", data=form, timeout=30,
                          allow_redirects=False)
        assert sent.status_code == 303, sent.text[:500]
        now = system.get("/api/notify/rules", system.key()).json()["rules"]
        assert now["report_flagged"] == ["osm", "responsible_agency"]
        assert {k: v for k, v in now.items() if k != "report_flagged"} == \
            {k: v for k, v in rules.items() if k != "report_flagged"}
    finally:
        put(system, "/api/notify/rules", rules)


def test_anyone_but_the_admin_is_refused_the_page_and_its_forms(system):
    before = due_days_now(system)
    # refused in the frame; an agency is sent to its own assets page, as from any other page
    for key, status in ((system.key("osm", "northeast-lower-2"), 403),
                        (system.key("province", "TH-34"), 403),
                        (system.key("agency", "sisaket-tourism"), 303)):
        browser = signed_in(system.base, key)
        page = browser.get(f"{system.base}/settings", timeout=30, allow_redirects=False)
        assert page.status_code == status, page.status_code
        assert "due_days" not in page.text
        nav = browser.get(f"{system.base}/rejections", timeout=30).text
        assert 'href="/settings' not in nav
        token = csrf_of(browser, "/rejections")
        sent = browser.post(f"{system.base}/settings/schedule", timeout=30, allow_redirects=False,
                            data={"csrf": token, "due_days": "1", "reason": REASON})
        assert sent.status_code == 403
    assert due_days_now(system) == before


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium on this machine (apt-get install "
                                             "chromium)")
def test_the_admin_changes_when_reports_are_due_in_the_browser(system):
    ARTIFACTS.mkdir(exist_ok=True)
    before = due_days_now(system)
    request = {"mode": "settings", "base": system.base, "chromium": CHROMIUM,
               "artifacts": str(ARTIFACTS), "key": system.key(), "due_days": before + 3,
               "reason": REASON}
    try:
        done = subprocess.run([sys.executable, "-m", "tests.e2e.browser_checks"], cwd=REPO_ROOT,
                              input=json.dumps(request), capture_output=True, text=True,
                              timeout=180)
        assert done.returncode == 0, done.stderr[-3000:]
        seen = json.loads(done.stdout)
        assert f"due {before} day(s)" in seen["before"]
        assert f"due {before + 3} day(s)" in seen["after"] and "saved" in seen["notice"]
        assert due_days_now(system) == before + 3
        assert "from 0 to 180" in seen["refused"] and seen["kept"] == "181"
    finally:
        put(system, "/api/reporting-schedule", {"due_days": before})
