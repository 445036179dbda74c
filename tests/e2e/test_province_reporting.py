"""Province reporting without code, from the workbook to the cluster view through the real
broker: the dashboard's upload API, ``clusterctl report`` with a workbook and with a CSV, and
the upload page in headless Chromium. The period, FY2569-Q1, is one whose values no other e2e
test reads (the fiscal-year simulation owns FY2566, a roll-up test FY2568 of TH-37), so the
values seen are these tests' own."""
from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

import openpyxl
import pytest
import requests

from clusterctl.settings import REPO_ROOT
from tests.support.system import wait_until

from .test_dashboard import ARTIFACTS, CHROMIUM

pytestmark = pytest.mark.e2e
PLAN = "northeast-lower-2-2566-2570"
PERIOD = "FY2569-Q1"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook(system, key, province, period) -> openpyxl.Workbook:
    answer = system.get(f"/api/plans/{PLAN}/report-workbook", key, province=province, period=period)
    assert answer.status_code == 200, answer.text
    assert answer.headers["Content-Type"].startswith(XLSX)
    return openpyxl.load_workbook(io.BytesIO(answer.content))


def columns(sheet) -> dict[str, int]:
    """Header cells by the English name in their last parentheses."""
    return {str(c.value).rsplit("(", 1)[-1].rstrip(")"): c.column for c in sheet[1] if c.value}


def indicator_sheet(book):
    return next(s for s in book.worksheets if s.title.endswith("(indicators)"))


def fill(book, values) -> bytes:
    """Each indicator row's value from ``values(code, row_index)``; the file's bytes."""
    sheet = indicator_sheet(book)
    cols = columns(sheet)
    for n, row in enumerate(sheet.iter_rows(min_row=2), 0):
        code = row[cols["indicator"] - 1].value
        if code:
            sheet.cell(row=row[0].row, column=cols["value"]).value = values(code, n)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def post(system, key, action, data, **params):
    return requests.post(f"{system.base}/api/plans/{PLAN}/report-workbook/{action}", data=data,
                         params=params, timeout=60, headers={"Authorization": f"Bearer {key}"})


def statuses(system, key, province, ids):
    return system.get(f"/api/plans/{PLAN}/report-status", key, province=province,
                      event_id=ids).json()["statuses"]


def settled(system, key, province, ids):
    found = statuses(system, key, province, ids)
    return found if all(s["status"] != "pending" for s in found.values()) else None


def shown(system, period, province, codes=None) -> dict:
    """The province's values in the cluster view (of ``codes`` only, if given)."""
    results = system.get(f"/api/plans/{PLAN}/indicator-results", system.key(),
                         period=period).json()["results"]
    return {r["indicator"]: r["provinces"].get(province) for r in results
            if codes is None or r["indicator"] in codes}


def test_a_filled_workbook_is_checked_sent_followed_and_shown_in_the_cluster_view(system):
    key, province, period = system.key("province", "TH-37"), "TH-37", PERIOD
    book = workbook(system, key, province, period)
    sheet = indicator_sheet(book)
    assert sheet.protection.sheet  # only the input cells can be typed in
    codes = [r[0].value for r in sheet.iter_rows(min_row=2) if r[0].value]
    assert codes, "the period's workbook lists the indicators due"
    data = fill(book, lambda code, n: 10 + n)  # within every range: some are %

    checked = post(system, key, "check", data).json()
    assert checked["problems"] == 0 and checked["reports"] == len(codes)
    sent = post(system, key, "send", data)
    assert sent.status_code == 202, sent.text
    ids = sent.json()["event_ids"]
    assert sent.json()["sent"] == len(codes)
    done = wait_until(lambda: settled(system, key, province, ids), timeout=60,
                      what="every report accepted or rejected")
    assert {s["status"] for s in done.values()} == {"in_force"}
    assert shown(system, period, province, codes) == {c: 10 + n for n, c in enumerate(codes)}

    again = post(system, key, "send", data).json()  # the same workbook again: nothing new
    assert (again["sent"], again["already_received"]) == (0, len(codes))
    assert again["event_ids"] == ids
    drill = system.get(f"/api/plans/{PLAN}/reports", key, province=province, period=period)
    assert len(drill.json()["reports"]) == len(codes)

    corrected = fill(workbook(system, key, province, period),
                     lambda code, n: 5555.5 if n == 0 else 10 + n)
    fixed = post(system, key, "send", corrected).json()
    assert fixed["sent"] == 1
    wait_until(lambda: shown(system, period, province)[codes[0]] == 5555.5, timeout=60,
               what="the corrected value in force")
    old = statuses(system, key, province, ids)
    assert old[ids[0]]["status"] == "superseded"
    assert {old[i]["status"] for i in ids[1:]} == {"in_force"}

    back = post(system, key, "send", data).json()  # the first workbook again: A, B, then A
    assert back["sent"] == 1 and back["event_ids"][0] not in (ids[0], fixed["event_ids"][0])
    wait_until(lambda: shown(system, period, province)[codes[0]] == 10, timeout=60,
               what="the first value in force again")
    assert post(system, key, "send", data).json()["sent"] == 0  # and once more: nothing new


def test_a_workbook_with_many_mistakes_is_reported_whole_and_nothing_is_sent(system):
    key, province, period = system.key("province", "TH-37"), "TH-37", PERIOD
    book = workbook(system, key, province, period)
    wrong = ["มาก", "12,34x", True]
    data = fill(book, lambda code, n: wrong[n % len(wrong)])
    checked = post(system, key, "check", data).json()
    bad_rows = [r for r in checked["rows"] if r["errors"]]
    assert len(bad_rows) == len(checked["rows"]) > 2  # every filled row, each with its cell
    for row in bad_rows:
        assert all(e["cell"] and e["message_th"] and e["message_en"] for e in row["errors"])
    def received():
        return system.get(f"/api/plans/{PLAN}/reports", key, province=province,
                          period=period).json()["reports"]
    before = received()
    refused = post(system, key, "send", data)
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "invalid_workbook"
    assert "nothing was sent" in refused.json()["error"]["message"]
    assert received() == before
    other = post(system, system.key("province", "TH-34"), "send", data)  # not TH-34's workbook
    assert other.status_code == 400 and other.json()["error"]["code"] == "wrong_workbook"


def run_cli(system, tmp_path, *args):
    creds = tmp_path / "th35.json"
    whole = system.credentials()
    entry = {**whole["provinces"]["TH-35"], "amqp_url": whole["amqp_url"], "api_url": system.base}
    creds.write_text(json.dumps(entry), "utf-8")
    return subprocess.run([sys.executable, "-m", "clusterctl", "report", "--province", "TH-35",
                           "--credentials", str(creds), *args], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=180)


def test_clusterctl_report_sends_a_workbook_and_a_csv(system, tmp_path):
    key, period = system.key("province", "TH-35"), PERIOD
    book = workbook(system, key, "TH-35", period)
    path = tmp_path / "th35.xlsx"
    path.write_bytes(fill(book, lambda code, n: 20 + n))
    codes = [r[0].value for r in indicator_sheet(book).iter_rows(min_row=2) if r[0].value]

    dry = run_cli(system, tmp_path, str(path), "--dry-run")
    assert dry.returncode == 0 and "dry run: nothing sent" in dry.stdout, dry.stderr
    assert set(shown(system, period, "TH-35", codes).values()) == {None}
    sent = run_cli(system, tmp_path, str(path))
    assert sent.returncode == 0, sent.stdout + sent.stderr
    assert f"accepted {len(codes)}, rejected 0" in sent.stdout
    assert shown(system, period, "TH-35", codes) == {c: 20 + n for n, c in enumerate(codes)}
    again = run_cli(system, tmp_path, str(path))
    assert again.returncode == 0 and f"{len(codes)} already received earlier" in again.stdout

    # a CSV correcting the first value; with a bad row beside it, nothing of it is sent
    rows = [{"kind": "indicator", "code": codes[0], "period": period, "value": "321"},
            {"kind": "indicator", "code": codes[1], "period": period, "value": "ไม่ทราบ"}]
    bad = tmp_path / "bad.csv"
    bad.write_text(csv_text(rows), "utf-8")
    refused = run_cli(system, tmp_path, str(bad), "--plan", PLAN)
    assert refused.returncode == 2 and "nothing was sent" in refused.stderr
    assert "value" in refused.stdout  # the bad cell is named
    assert shown(system, period, "TH-35")[codes[0]] == 20
    good = tmp_path / "good.csv"
    good.write_text(csv_text(rows[:1]), "utf-8")
    accepted = run_cli(system, tmp_path, str(good), "--plan", PLAN)
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    assert shown(system, period, "TH-35")[codes[0]] == 321


def csv_text(rows) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, ["kind", "code", "period", "value", "note", "as_of",
                                  "physical_progress_pct", "disbursed_thb", "procurement_stage",
                                  "problems", "solutions"])
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium on this machine (make test installs "
                                             "Debian's when it runs as root with apt)")
def test_a_province_uploads_a_workbook_in_the_browser_and_sees_the_statuses_change(system, tmp_path):
    key, period = system.key("province", "TH-34"), PERIOD
    book = workbook(system, key, "TH-34", period)
    path = tmp_path / "th34.xlsx"
    path.write_bytes(fill(book, lambda code, n: 70 + n))
    ARTIFACTS.mkdir(exist_ok=True)
    request = {"mode": "upload", "base": system.base, "plan": PLAN, "key": key,
               "file": str(path), "chromium": CHROMIUM, "artifacts": str(ARTIFACTS)}
    done = subprocess.run([sys.executable, "-m", "tests.e2e.browser_checks"], cwd=REPO_ROOT,
                          input=json.dumps(request), capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout)
    assert seen["checked_rows"] > 0 and seen["send_enabled"]
    assert set(seen["statuses"]) == {"in_force"} and len(seen["statuses"]) == seen["checked_rows"]
    assert seen["my_reports_rows"] >= seen["checked_rows"]
    assert 70 in shown(system, period, "TH-34").values()


def test_a_huge_upload_is_refused_quickly_and_the_gateway_keeps_answering_meanwhile(system):
    """A CSV of 300,000 rows (about 15 MB, under the body limit) sent to the check: refused with
    the row cap named, in Thai and English, while /health keeps answering other users."""
    import statistics
    import threading
    import time

    header = "kind,code,period,value\r\n"
    data = (header + "indicator,NE2-1.1,FY2569-Q1,1\r\n" * 300_000).encode("utf-8")
    assert len(data) < 20 * 2**20
    latencies, stop = [], threading.Event()

    def poll():
        while not stop.is_set():
            began = time.monotonic()
            assert requests.get(f"{system.base}/health", timeout=10).status_code in (200, 503)
            latencies.append(time.monotonic() - began)
            time.sleep(0.05)

    poller = threading.Thread(target=poll)
    poller.start()
    try:
        began = time.monotonic()
        answer = post(system, system.key("province", "TH-34"), "check", data, format="csv")
        took = time.monotonic() - began
    finally:
        stop.set()
        poller.join()
    assert answer.status_code == 400, answer.text[:500]
    message = answer.json()["error"]["message"]
    assert "5,000" in message and "แถว" in message and "split it" in message
    assert len(answer.content) < 10_000  # the rows are not echoed back
    assert took < 30, f"the refusal took {took:.1f} s"
    assert latencies, "no /health answer while the upload was read"
    # the refusal is decided off the event loop: /health answers as usual meanwhile
    assert statistics.median(latencies) < 0.5 and max(latencies) < 5, latencies


def test_a_check_with_more_problems_than_listed_answers_200_and_the_true_total(system):
    """A CSV of 260 rows, each value not a number: the check lists 200 problems and rows, says
    260; the send refuses with the same counts (services/gateway/listing.py)."""
    key = system.key("province", "TH-34")
    rows = [{"kind": "indicator", "code": f"X-{n}", "period": PERIOD, "value": f"x{n}"}
            for n in range(260)]
    data = csv_text(rows).encode("utf-8")
    answer = post(system, key, "check", data, format="csv")
    assert answer.status_code == 200, answer.text[:500]
    checked = answer.json()
    assert checked["problems"] == checked["problems_total"] == 260
    assert checked["problems_shown"] == 200 == sum(len(r["errors"]) for r in checked["rows"])
    assert (checked["rows_total"], checked["rows_shown"], len(checked["rows"])) == (260, 200, 200)
    assert checked["rows"][0]["errors"][0]["cell"] == "row 2, column value"
    refused = post(system, key, "send", data, format="csv")
    assert refused.status_code == 400
    error = refused.json()["error"]
    assert (error["problems"], error["problems_total"], error["problems_shown"]) == (260, 260, 200)
    assert len(error["rows"]) == 200


def test_a_value_outside_its_accepted_range_is_named_on_its_cell_before_sending(system):
    """The workbook shows each indicator's accepted range; the check names a value outside it
    on its cell in Thai and English (contracts/rules.py), and nothing reaches the intake."""
    key, province = system.key("province", "TH-34"), "TH-34"
    book = workbook(system, key, province, PERIOD)
    sheet = indicator_sheet(book)
    cols = columns(sheet)
    units = {r[cols["indicator"] - 1].value: r[cols["unit"] - 1].value
             for r in sheet.iter_rows(min_row=2)}
    accepted = {r[cols["indicator"] - 1].value: r[cols["accepted"] - 1].value
                for r in sheet.iter_rows(min_row=2)}
    percent = next(code for code, unit in units.items() if unit and "%" in unit)
    assert accepted[percent] == "0 ถึง 100 (0 to 100)"
    data = fill(book, lambda code, n: 250 if code == percent else None)
    checked = post(system, key, "check", data).json()
    assert checked["problems"] == 1 and checked["reports"] == 0
    (row,) = checked["rows"]
    assert row["subject"] == percent and row["errors"][0]["cell"].startswith("G")
    assert "above its maximum 100" in row["errors"][0]["message_en"]
    assert "สูงกว่าค่าสูงสุด 100" in row["errors"][0]["message_th"]
