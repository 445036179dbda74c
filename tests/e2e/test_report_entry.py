"""The province's data-entry form (/report-entry) and its API operation, POST
/api/plans/{id}/reports, through the real broker: typed values become exactly the reports the
workbook would have made (same event ids), are followed to accepted, a bad value is refused on
its row in Thai and English with nothing sent, and an OSM key gets no form. The period must
have begun (the intake refuses a value for a later one): FY2570-Q1, whose values of TH-35 no
other e2e test reads - except NE2-1.1 (test_public_contract sums it), left out here."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest
import requests

from clusterctl.settings import REPO_ROOT
from tests.support.browsing import csrf_of, signed_in
from tests.support.system import wait_until

from .test_dashboard import ARTIFACTS, CHROMIUM
from .test_province_reporting import (PLAN, csv_text, indicator_sheet, post, settled, shown,
                                      workbook)

pytestmark = pytest.mark.e2e
PROVINCE, PERIOD, OTHERS = "TH-35", "FY2570-Q1", ("NE2-1.1",)


def due_codes(system, key, period) -> list[str]:
    """The indicators due, in the form's order (the workbook's), but those other tests read."""
    book = workbook(system, key, PROVINCE, period)
    return [r[0].value for r in indicator_sheet(book).iter_rows(min_row=2) if r[0].value]


def ours(codes) -> list[str]:
    return [c for c in codes if c not in OTHERS]


def send(system, key, items):
    return requests.post(f"{system.base}/api/plans/{PLAN}/reports", json=items, timeout=60,
                         headers={"Authorization": f"Bearer {key}"})


def logged_in(system, key) -> requests.Session:
    return signed_in(system.base, key)


def test_typed_values_are_the_workbooks_reports_sent_and_followed_to_accepted(system):
    key, period = system.key("province", PROVINCE), PERIOD
    codes = ours(due_codes(system, key, period))
    assert len(codes) > 2
    # typed as a person types (text), a number once; a note once
    items = [{"indicator": c, "period": period, "value": str(20 + n) if n else 20,
              "note": "typed" if n == 1 else None} for n, c in enumerate(codes)]
    # what the workbook path (a CSV upload's check) makes of the same values
    rows = [{"kind": "indicator", "code": c, "period": period, "value": str(20 + n),
             "note": "typed" if n == 1 else ""} for n, c in enumerate(codes)]
    checked = post(system, key, "check", csv_text(rows).encode("utf-8"), format="csv").json()
    assert checked["problems"] == 0, checked

    sent = send(system, key, items)
    assert sent.status_code == 202, sent.text
    body = sent.json()
    assert body["sent"] == len(codes) and body["already_received"] == 0
    assert body["event_ids"] == [r["event_id"] for r in checked["rows"]]  # the same reports
    assert [(r["sheet"], r["row"], r["subject"]) for r in body["rows"]] == [
        ("entry", n, c) for n, c in enumerate(codes)]
    done = wait_until(lambda: settled(system, key, PROVINCE, body["event_ids"]), timeout=60,
                      what="every typed report accepted or rejected")
    assert {s["status"] for s in done.values()} == {"in_force"}
    assert shown(system, period, PROVINCE, codes) == {c: 20 + n for n, c in enumerate(codes)}
    drill = system.get(f"/api/plans/{PLAN}/reports", key, province=PROVINCE, period=period)
    assert {r["event_id"] for r in drill.json()["reports"]} == set(body["event_ids"])

    again = send(system, key, items).json()  # the same values again: nothing new
    assert (again["sent"], again["already_received"]) == (0, len(codes))
    # the workbook upload of the same values sends nothing either: they are its reports
    same = post(system, key, "send", csv_text(rows).encode("utf-8"), format="csv").json()
    assert (same["sent"], same["already_received"]) == (0, len(codes))


def test_a_bad_value_is_refused_on_its_row_in_thai_and_english_and_nothing_is_sent(system):
    key, period = system.key("province", PROVINCE), PERIOD
    codes = ours(due_codes(system, key, period))
    percent = next(c for c in codes if c in ("NE2-3.1", "NE2-4.1"))  # a % indicator
    before = system.get(f"/api/plans/{PLAN}/reports", key, province=PROVINCE,
                        period=period).json()["reports"]
    items = [{"indicator": codes[0], "period": period, "value": "ไม่ทราบ"},
             {"indicator": percent, "period": period, "value": 250},
             {"indicator": codes[2], "period": period, "value": "1,5"},
             {"indicator": "NO-SUCH", "period": period, "value": 1},
             {"indicator": codes[0], "period": "FY9999", "value": 1, "extra": True},
             {"indicator": codes[1], "period": period, "value": 7}]
    refused = send(system, key, items)
    assert refused.status_code == 400, refused.text
    error = refused.json()["error"]
    assert error["code"] == "invalid_reports" and "nothing was sent" in error["message"]
    by_row = {r["row"]: r["errors"] for r in error["rows"]}
    assert "is not a number" in by_row[0][0]["message_en"]
    assert "ไม่ใช่ตัวเลข" in by_row[0][0]["message_th"] and by_row[0][0]["cell"] == "value"
    assert "above its maximum 100" in by_row[1][0]["message_en"]
    assert "สูงกว่าค่าสูงสุด 100" in by_row[1][0]["message_th"]
    assert "is not a number" in by_row[2][0]["message_en"]  # not 1,500: a comma out of place
    assert by_row[3][0]["message_th"].startswith("ระบบรายงานจะไม่รับ")  # the intake's own check
    assert {e["cell"] for e in by_row[4]} >= {None, "period"}  # unknown field, bad period
    assert by_row[5] == []  # a good row: not sent either
    after = system.get(f"/api/plans/{PLAN}/reports", key, province=PROVINCE,
                       period=period).json()["reports"]
    assert after == before

    assert send(system, key, []).status_code == 400
    assert send(system, key, {"indicator": codes[0]}).status_code == 400  # not a list


def test_an_osm_key_has_no_entry_form_and_cannot_send_typed_values(system):
    osm = system.key("osm", "northeast-lower-2")
    items = [{"indicator": "NE2-1.2", "period": PERIOD, "value": 1}]
    answer = send(system, osm, items)
    assert answer.status_code == 403 and answer.json()["error"]["code"] == "forbidden"
    assert send(system, system.key(), items).status_code == 403  # the admin neither
    session = logged_in(system, osm)
    page = session.get(f"{system.base}/report-entry", params={"plan": PLAN}, timeout=15)
    assert page.status_code == 403  # the page rule: not the OSM's page, said in the frame
    assert 'id="entry-form"' not in page.text and 'id="page-refused"' in page.text
    assert 'href="/report-entry' not in session.get(f"{system.base}/", timeout=15).text
    via_page = session.post(f"{system.base}/report-entry/send", params={"plan": PLAN},
                            json=items, headers={"X-CSRF-Token": csrf_of(session)}, timeout=15)
    assert via_page.status_code == 403
    province = logged_in(system, system.key("province", PROVINCE))
    assert 'href="/report-entry' in province.get(f"{system.base}/", timeout=15).text


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium on this machine (make test installs "
                                             "Debian's when it runs as root with apt)")
def test_a_province_types_values_in_the_browser_fixes_a_refused_one_and_sees_them_accepted(system):
    key, period = system.key("province", PROVINCE), PERIOD
    all_codes = due_codes(system, key, period)
    at = [n for n, c in enumerate(all_codes) if c not in OTHERS][:3]  # the form's rows
    values = {str(n): str(30 + k) for k, n in enumerate(at)}
    values[str(at[1])] = "สามสิบ"  # not a number: refused on its row
    ARTIFACTS.mkdir(exist_ok=True)
    request = {"mode": "entry", "base": system.base, "plan": PLAN, "key": key, "period": period,
               "values": values, "bad_row": at[1], "fixed": "31", "chromium": CHROMIUM,
               "artifacts": str(ARTIFACTS)}
    done = subprocess.run([sys.executable, "-m", "tests.e2e.browser_checks"], cwd=REPO_ROOT,
                          input=json.dumps(request), capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout)
    assert "/report-entry" in seen["nav"]
    assert seen["rows"] == len(all_codes) and seen["unlabelled"] == []
    assert "is not a number" in seen["refused_text"] and "ไม่ใช่ตัวเลข" in seen["refused_text"]
    assert all("not sent" in text for text in seen["others_after_refusal"])
    assert seen["kept"] == values and seen["kept_note"] == "typed note"  # nothing typed lost
    assert seen["focused"] == f"value-{at[1]}"
    assert seen["statuses"] == ["in_force"] * 3
    assert shown(system, period, PROVINCE, [all_codes[n] for n in at]) == {
        all_codes[n]: 30 + k for k, n in enumerate(at)}
    assert seen["phone_overflow"] <= 0
