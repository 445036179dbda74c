"""Issue 26, point 2, end to end through the gateway: make run loads the shipped national
hierarchy before the sample plan, which is published linked; an OSM downloads its workbook (a
list sheet and drop-downs), uploads a new plan with a bad code and is answered at the cell, fixes
it, publishes it, and reads its alignment map - the API, the CSV and the dashboard page, where
the issue linked to nothing "serves no national target"."""
import csv
import io

import openpyxl
import requests

from tests.support.browsing import signed_in

from .conftest import PLAN
from .test_plan_pages import shifted_draft

NEW = "northeast-lower-2-2586-2590"
LIST_SHEET = "รายการแผนระดับชาติ (national)"
ISSUES = "ประเด็นการพัฒนา (issues)"
PROJECTS = "โครงการ (projects)"


def upload(system, key, data: bytes):
    return requests.post(f"{system.base}/api/plans/import", params={"format": "xlsx"},
                         data=data, timeout=60, headers={"Authorization": f"Bearer {key}"})


def column(ws, name: str) -> str:
    return next(c.column_letter for c in ws[1] if f"({name})" in str(c.value))


def saved(book) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_plan_is_linked_published_and_mapped_end_to_end(system):
    osm = system.key("osm", "northeast-lower-2")
    assert "national hierarchy" in system.output.read_text("utf-8")  # loaded at start-up
    seeded = system.get(f"/api/plans/{PLAN}", osm).json()
    assert seeded["national_version"] and {"MP03", "NS2", "SDG2"} <= {
        e["code"] for e in seeded["national_entries"]}

    # the seeded plan's workbook: the list sheet and a drop-down on every links cell
    exported = system.get(f"/api/plans/{PLAN}/export", osm, format="xlsx")
    assert exported.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(exported.content))
    assert "MP03" in [r[0] for r in book[LIST_SHEET].iter_rows(min_row=2, values_only=True)]
    letter = column(book[ISSUES], "national_links")
    assert any(r.type == "list" and f"{letter}2" in r.sqref
               for r in book[ISSUES].data_validations.dataValidation)

    # a new plan from a JSON draft's workbook: one bad code, answered at its cell
    # twice SHIFT years on: the years of NEW (2586-2590); once would share test_plan_pages' years
    # and codes, and its plan could then not be published beside this one
    draft = shifted_draft(shifted_draft(seeded, NEW), NEW)
    draft.pop("national_entries")
    created = requests.post(f"{system.base}/api/plans", json=draft, timeout=30,
                            headers={"Authorization": f"Bearer {osm}"})
    assert created.status_code == 201, created.text
    book = openpyxl.load_workbook(io.BytesIO(system.get(f"/api/plans/{NEW}/export", osm,
                                                        format="xlsx").content))
    issues, projects = book[ISSUES], book[PROJECTS]
    links = column(issues, "national_links")
    issues[f"{links}3"] = "MP08, SDG99"  # issue 2
    refused = upload(system, osm, saved(book))
    assert refused.status_code == 400, refused.text
    [problem] = refused.json()["error"]["problems"]
    assert (problem["sheet"], problem["row"], problem["column"]) == (ISSUES, 3, "national_links")
    assert "SDG99" in problem["message"] and "SDG99" in problem["message_th"]

    # fixed; and issue 5 with its projects linked to nothing
    issues[f"{links}3"] = "MP08, SDG8"
    issues[f"{links}6"] = None
    project_links, project_issue = column(projects, "national_links"), column(projects, "issue")
    for row in range(2, projects.max_row + 1):
        if projects[f"{project_issue}{row}"].value == 5:
            projects[f"{project_links}{row}"] = None
    indicators = book["ตัวชี้วัด (indicators)"]
    ind_links, ind_issue = column(indicators, "national_links"), column(indicators, "issue")
    for row in range(2, indicators.max_row + 1):
        if indicators[f"{ind_issue}{row}"].value == 5:
            indicators[f"{ind_links}{row}"] = None
    edited = upload(system, osm, saved(book))
    assert edited.status_code == 201, edited.text
    published = requests.post(f"{system.base}/api/plans/{NEW}/publish", json={"approved_by": "ก.บ.ก."},
                              timeout=30, headers={"Authorization": f"Bearer {osm}"})
    assert published.status_code == 200, published.text

    found = system.get(f"/api/plans/{NEW}/alignment-map", osm).json()
    assert found["unaligned"]["issues"] == [5]
    assert set(found["unaligned"]["projects"]) == {p["code"] for p in draft["projects"]
                                                    if p["issue"] == 5}
    issue1 = next(i for i in found["issues"] if i["number"] == 1)
    assert ["NS2", "MP03"] in [[e["code"] for e in path] for path in issue1["serves"]]
    sdg8 = next(e for e in found["entries"] if e["code"] == "SDG8")
    assert 2 in sdg8["issues"]

    as_csv = system.get(f"/api/plans/{NEW}/alignment-map", osm, format="csv")
    rows = list(csv.reader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
    assert any(r[1] == "5" and r[7] == "ยังไม่ระบุความสอดคล้อง" for r in rows)

    province = system.key("province", "TH-34")
    assert system.get(f"/api/plans/{NEW}/alignment-map", province).status_code == 200
    assert system.get(f"/api/plans/{NEW}/alignment-map", osm, version="x").status_code == 400
    assert system.get("/api/plans/no-such-plan/alignment-map", osm).status_code == 404

    browser = signed_in(system.base, osm)
    page = browser.get(f"{system.base}/alignment", params={"plan": NEW, "lang": "th"}, timeout=30)
    assert page.status_code == 200
    unaligned = page.text.split('id="unaligned"')[1].split("</ul>")[0]
    assert 'data-issue="5"' in unaligned and "ยังไม่ระบุความสอดคล้อง" in unaligned
    assert "serves no national target" in unaligned
    assert "แผนแม่บทประเด็นการเกษตร" in page.text  # names, not only codes
