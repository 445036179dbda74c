"""A province marks a report internal (issue 26) - not to be published outside the government -
through the real broker: a province's own AMQP report with ``internal: true`` is kept with its
mark, shown with the badge "ภายใน / internal" to signed-in people (drill-down, my reports, the
indicator page) and in the exports; a mark that is no boolean is rejected saying so; the form
path (/report-entry's checkbox, /project-report's) sends the mark. TH-34's FY2567-Q2 values of
NE2-2.2 (AMQP) and NE2-3.3 (form), and project NE2-68-002 (TH-35's alone, as of a day in
FY2568-Q3), are read by no other e2e test."""
from __future__ import annotations

import csv
import io

import pytest

from tests.support.browsing import csrf_of, signed_in
from tests.support.system import Province, wait_until

from .test_province_reporting import PLAN, settled

pytestmark = pytest.mark.e2e
PROVINCE, PERIOD = "TH-34", "FY2567-Q2"
BADGE = 'class="badge internal"'


def drill(system, key, **filters) -> list[dict]:
    return system.get(f"/api/plans/{PLAN}/reports", key, province=PROVINCE, period=PERIOD,
                      **filters).json()["reports"]


def row_of(page: str, event_id: str) -> str:
    """The table row of a report on a page (its data-event attribute) up to the row's end."""
    start = page.index(f'data-event="{event_id}"')
    return page[start:page.index("</tr>", start)]


def test_an_amqp_report_marked_internal_is_kept_with_its_mark_and_shown_with_the_badge(system):
    th34 = Province(system.credentials(), PROVINCE)
    try:
        plain = th34.report("NE2-2.2", PERIOD, 120.0, "2024-04-12T09:00:00+07:00")
        marked = th34.report("NE2-2.2", PERIOD, 125.0, "2024-04-13T09:00:00+07:00",
                             internal=True)
        bad = th34.report("NE2-2.2", PERIOD, 1.0, "2024-04-14T09:00:00+07:00", internal="yes")
    finally:
        th34.close()
    key = system.key("province", PROVINCE)
    done = wait_until(lambda: settled(system, key, PROVINCE, [plain, marked, bad]), timeout=60,
                      what="the three AMQP reports accepted or rejected")
    assert [done[i]["status"] for i in (plain, marked, bad)] == ["superseded", "in_force",
                                                                 "rejected"]
    assert "internal: must be true or false" in done[bad]["reason"]

    # kept with its mark (the drill-down lists the stored bodies): the API says so
    reports = {r["event_id"]: r for r in drill(system, key, indicator="NE2-2.2")}
    assert reports[marked]["internal"] is True and reports[marked]["status"] == "in_force"
    assert "internal" not in reports[plain]
    osm = system.key("osm", "northeast-lower-2")
    results = {r["indicator"]: r for r in system.get(
        f"/api/plans/{PLAN}/indicator-results", osm, period=PERIOD).json()["results"]}
    assert results["NE2-2.2"]["provinces"][PROVINCE] == 125.0
    assert results["NE2-2.2"]["internal_provinces"] == [PROVINCE]
    other = system.get(f"/api/plans/{PLAN}/indicator-results", system.key("province", "TH-33"),
                       period=PERIOD).json()["results"]
    assert all(r["internal_provinces"] == [] for r in other)  # not another province's to know

    # the badge, where signed-in people read reports
    mine = signed_in(system.base, key).get(f"{system.base}/my-reports", params={"plan": PLAN},
                                           timeout=30).text
    assert BADGE in row_of(mine, marked) and "ภายใน / internal" in row_of(mine, marked)
    assert BADGE not in row_of(mine, plain)
    page = signed_in(system.base, osm).get(f"{system.base}/indicator", timeout=30, params={
        "plan": PLAN, "period": PERIOD, "code": "NE2-2.2"}).text
    assert BADGE in row_of(page, marked) and BADGE not in row_of(page, plain)

    # and the exports: the reports' last column, the indicator results' province list
    table = list(csv.reader(io.StringIO(system.get(
        f"/api/plans/{PLAN}/reports", osm, province=PROVINCE, period=PERIOD,
        indicator="NE2-2.2", format="csv").content.decode("utf-8-sig"))))
    at = table[0].index("ข้อมูลภายใน ไม่เผยแพร่ (internal)")  # (a sample plan's: then "sample")
    by_id = {row[table[0].index("event_id")]: row[at] for row in table[1:]}
    assert (by_id[marked], by_id[plain]) == ("ภายใน / internal", "")
    table = list(csv.reader(io.StringIO(system.get(
        f"/api/plans/{PLAN}/indicator-results", osm, period=PERIOD,
        format="csv").content.decode("utf-8-sig"))))
    at = next(n for n, name in enumerate(table[0]) if name.endswith("(internal_provinces)"))
    assert next(row for row in table[1:] if row[1] == "NE2-2.2")[at].endswith(f"({PROVINCE})")


def test_the_forms_send_the_internal_mark_of_their_checkbox(system):
    key = system.key("province", PROVINCE)
    session = signed_in(system.base, key, lang="th")
    page = session.get(f"{system.base}/report-entry", timeout=30,
                       params={"plan": PLAN, "period": PERIOD}).text
    assert 'name="internal" type="checkbox"' in page and "ข้อมูลภายใน ไม่เผยแพร่สู่สาธารณะ" in page
    english = signed_in(system.base, key).get(f"{system.base}/report-entry", timeout=30,
                                              params={"plan": PLAN, "period": PERIOD}).text
    assert "Internal: not to be published outside the government" in english
    token = csrf_of(session)

    # the entry form posts what its script sends: each row's checkbox as internal
    item = {"indicator": "NE2-3.3", "period": PERIOD, "value": "4", "note": None,
            "evidence": None}
    sent = session.post(f"{system.base}/report-entry/send", params={"plan": PLAN}, timeout=60,
                        json=[{**item, "internal": True}], headers={"X-CSRF-Token": token})
    assert sent.status_code == 202, sent.text
    marked = sent.json()["event_ids"][0]
    refused = session.post(f"{system.base}/report-entry/send", params={"plan": PLAN}, timeout=60,
                           json=[{**item, "internal": "ใช่"}], headers={"X-CSRF-Token": token})
    assert refused.status_code == 400
    error = refused.json()["error"]["rows"][0]["errors"][0]
    assert error["cell"] == "internal" and "true หรือ false" in error["message_th"]
    assert "internal must be true or false" in error["message_en"]

    # the project form (TH-35's project): its checkbox, then the row sent with internal true
    th35 = system.key("province", "TH-35")
    other = signed_in(system.base, th35)
    projects = other.get(f"{system.base}/project-report", params={"plan": PLAN}, timeout=30)
    assert 'name="internal" type="checkbox"' in projects.text
    progress = {"project": "NE2-68-002", "province": "TH-35", "as_of": "2025-05-15",
                "physical_progress_pct": 12.0, "disbursed_thb": 0.0,
                "procurement_stage": "procurement", "internal": True}
    project = other.post(f"{system.base}/project-report/send", params={"plan": PLAN},
                         timeout=60, json=[progress], headers={"X-CSRF-Token": csrf_of(other)})
    assert project.status_code == 202, project.text
    project_id = project.json()["event_ids"][0]
    done = wait_until(lambda: settled(system, key, PROVINCE, [marked]), timeout=60,
                      what="the entry form's report accepted")
    assert done[marked]["status"] == "in_force"
    assert drill(system, key, indicator="NE2-3.3")[0]["internal"] is True
    done = wait_until(lambda: settled(system, th35, "TH-35", [project_id]), timeout=60,
                      what="the project form's report accepted")
    assert done[project_id]["status"] == "in_force"
    kept = system.get(f"/api/plans/{PLAN}/reports", th35, province="TH-35",
                      project="NE2-68-002").json()["reports"][0]
    assert kept["event_id"] == project_id and kept["internal"] is True
    status = system.get(f"/api/plans/{PLAN}/projects/progress", th35).json()["projects"]
    row = next(p for p in status if p["project"] == "NE2-68-002")
    assert row["provinces"]["TH-35"]["internal"] is True
    again = other.get(f"{system.base}/project-report", params={"plan": PLAN}, timeout=30).text
    form = again[again.index('data-project="NE2-68-002"'):]
    assert 'name="internal" type="checkbox" checked' in form[:form.index("</fieldset>")]
