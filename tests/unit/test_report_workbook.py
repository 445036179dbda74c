"""The province reporting workbook (services/infra/report_workbook/): what is due, the
workbook laid out and protected, filled-in rows turned into report bodies the intake schemas
accept, every mistake reported with its cell, stable event ids, CSV, and files refused whole."""
import io
import json
import uuid
import zipfile
from datetime import date, datetime, timedelta, timezone

import openpyxl
import pytest

from clusterctl.settings import REPO_ROOT
from services.infra.report_workbook import (NAMESPACE, SCHEMA, CellProblem, Row, Upload,
                                            WorkbookUnreadable, build_workbook, due_items,
                                                read_workbook, report_bodies, stable_event_id)
from services.contracts.plans import iter_indicators
from services.contracts.reports import (PROCUREMENT_STAGE_TH, IndicatorReportSchema,
                                        ProjectReportSchema)
from tests.support.zipbomb import zip_bomb

PLAN_FILE = REPO_ROOT / "clusterctl" / "data" / "seed" / "plan-northeast-lower-2-2566-2570.json"
PROVINCE, PERIOD = "TH-34", "FY2568-Q1"
IND, PRJ, ABOUT = "ตัวชี้วัด (indicators)", "โครงการ (projects)", "เกี่ยวกับแบบฟอร์ม (about)"
BKK = timezone(timedelta(hours=7))
GENERATED = datetime(2025, 1, 5, 9, 0, tzinfo=BKK)
INTERNAL_HEADER = "ข้อมูลภายใน ไม่เผยแพร่ (internal)"  # the last column of both data sheets
REPORTED = datetime(2025, 1, 10, 14, 30, tzinfo=BKK)
QUARTERLY = ["NE2-1.1", "NE2-1.2", "NE2-2.1", "NE2-2.2", "NE2-3.1", "NE2-3.2", "NE2-3.3",
             "NE2-4.1", "NE2-5.1"]
TH34_PROJECTS = ["NE2-67-001", "NE2-67-002", "NE2-67-003", "NE2-68-001", "NE2-68-003",
                 "NE2-68-004"]
LAST = {"indicators": {"NE2-1.1": 1200.0, "NE2-1.2": None},
        "projects": {"NE2-67-001": {"physical_progress_pct": 40.0, "disbursed_thb": 9_000_000.0,
                                    "procurement_stage": "contract_signed",
                                    "as_of": "2024-09-30"}}}


@pytest.fixture(scope="module")
def plan():
    with open(PLAN_FILE, encoding="utf-8") as handle:
        return json.load(handle)


@pytest.fixture(scope="module")
def workbook_bytes(plan):
    return build_workbook(plan, PROVINCE, PERIOD, LAST, GENERATED)


def opened(data: bytes):
    return openpyxl.load_workbook(io.BytesIO(data))


def saved(book) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def rows_of(ws) -> dict[str, int]:
    """code -> row number on a data sheet."""
    return {ws.cell(row=r, column=1).value: r for r in range(2, ws.max_row + 1)}


def filled(plan_bytes: bytes, fill) -> bytes:
    book = opened(plan_bytes)
    fill(book[IND], rows_of(book[IND]), book[PRJ], rows_of(book[PRJ]))
    return saved(book)


def good_fill(ind, irow, prj, prow):
    ind[f"G{irow['NE2-1.1']}"] = 1350.5
    ind[f"H{irow['NE2-1.1']}"] = "จากทะเบียนเกษตรกร"
    ind[f"G{irow['NE2-2.2']}"] = "1,234.5"  # a number typed as text with a thousands comma
    ind[f"G{irow['NE2-5.1']}"] = "๗"  # Thai digits
    prj[f"G{prow['NE2-67-001']}"] = date(2024, 12, 31)
    prj[f"H{prow['NE2-67-001']}"] = 55
    prj[f"I{prow['NE2-67-001']}"] = 12_500_000
    prj[f"J{prow['NE2-67-001']}"] = PROCUREMENT_STAGE_TH["in_progress"]
    prj[f"K{prow['NE2-67-001']}"] = "ฝนตกหนัก"
    prj[f"L{prow['NE2-67-001']}"] = "ขยายเวลา"
    prj[f"G{prow['NE2-68-001']}"] = "2024-12-15"  # an ISO text date
    prj[f"H{prow['NE2-68-001']}"] = 0
    prj[f"I{prow['NE2-68-001']}"] = 0
    prj[f"J{prow['NE2-68-001']}"] = "preparing_tor"  # the English code is accepted too


@pytest.fixture(scope="module")
def good_upload(workbook_bytes):
    return filled(workbook_bytes, good_fill)


# --- due_items ---------------------------------------------------------------------------------

def test_due_items_are_the_quarterly_indicators_and_running_projects_of_the_province(plan):
    due = due_items(plan, PROVINCE, PERIOD)
    assert [i["code"] for i in due["indicators"]] == QUARTERLY  # the yearly ones are not due
    assert [p["code"] for p in due["projects"]] == TH34_PROJECTS
    other = due_items(plan, "TH-33", PERIOD)
    assert "NE2-2.2" not in [i["code"] for i in other["indicators"]]  # reported by TH-34 only
    assert [p["code"] for p in other["projects"]] == ["NE2-67-001", "NE2-67-004", "NE2-67-005",
                                                      "NE2-68-004"]


def test_due_items_follow_frequency_and_fiscal_year_bounds(plan):
    yearly = due_items(plan, PROVINCE, "FY2568")
    assert [i["code"] for i in yearly["indicators"]] == ["NE2-1.3", "NE2-4.2", "NE2-5.2"]
    assert due_items(plan, PROVINCE, "2024-11")["indicators"] == []  # none is monthly
    assert due_items(plan, PROVINCE, "FY2565-Q4")["indicators"] == []  # before start_fy 2566
    assert due_items(plan, PROVINCE, "FY2571-Q1")["indicators"] == []  # after end_fy 2570
    assert len(due_items(plan, PROVINCE, "FY2570-Q4")["indicators"]) == len(QUARTERLY)
    early = due_items(plan, PROVINCE, "FY2567-Q2")["projects"]
    assert [p["code"] for p in early] == ["NE2-67-001", "NE2-67-002", "NE2-67-003"]
    plan_without_lists = {**plan, "projects": [{**plan["projects"][0], "provinces": []}]}
    assert due_items(plan_without_lists, "TH-37", PERIOD)["projects"][0]["code"] == "NE2-67-001"


@pytest.mark.parametrize("province, period, words", [
    (PROVINCE, "FY2568-Q5", "not a period code"),
    (PROVINCE, "2568-01", "B.E."),
    (PROVINCE, None, "period"),
    ("TH-10", PERIOD, "does not cover province 'TH-10'"),
])
def test_due_items_refuses_a_bad_period_or_a_province_outside_the_plan(plan, province, period,
                                                                       words):
    with pytest.raises(ValueError, match=words.replace(".", r"\.")):
        due_items(plan, province, period)


# --- the workbook ------------------------------------------------------------------------------

def test_the_workbook_has_its_sheets_headers_and_rows(workbook_bytes, plan):
    book = opened(workbook_bytes)
    assert book.sheetnames[:3] == [IND, PRJ, ABOUT]
    assert [book[name].sheet_state for name in book.sheetnames[3:]] == ["hidden"]
    ind, prj = book[IND], book[PRJ]
    assert [c.value for c in ind[1]] == [
        "รหัสตัวชี้วัด (indicator)", "ตัวชี้วัด (name_th)", "Indicator (name_en)", "หน่วย (unit)",
        "เป้าหมายปีงบประมาณ (target)", "ค่าที่รายงานล่าสุด (last_value)",
        "ค่าที่รายงาน (value)", "หมายเหตุ (note)", "ค่าที่ยอมรับ (accepted)",
        "เป้าหมายปีงบประมาณของจังหวัด (province_target)", "ค่าฐานของจังหวัด (province_baseline)",
        "ปีค่าฐานของจังหวัด พ.ศ. (province_baseline_year)", INTERNAL_HEADER]
    assert [c.value for c in prj[1]] == [
        "รหัสโครงการ (project)", "โครงการ (title_th)", "งบประมาณ บาท (budget_thb)",
        "ความก้าวหน้าล่าสุด % (last_progress_pct)", "เบิกจ่ายล่าสุด บาท (last_disbursed_thb)",
        "ขั้นตอนล่าสุด (last_stage)", "ข้อมูล ณ วันที่ (as_of)",
        "ความก้าวหน้า % (physical_progress_pct)", "เบิกจ่ายสะสม บาท (disbursed_thb)",
        "ขั้นตอนจัดซื้อจัดจ้าง (procurement_stage)", "ปัญหาอุปสรรค (problems)",
        "แนวทางแก้ไข (solutions)", INTERNAL_HEADER]
    assert all(c.font.bold for c in ind[1]) and all(c.font.bold for c in prj[1])
    assert ind.freeze_panes == "A2" and prj.freeze_panes == "A2"
    assert "C.E." in prj["G1"].comment.text and "ค.ศ." in prj["G1"].comment.text

    irows, prows = rows_of(ind), rows_of(prj)
    assert list(irows) == QUARTERLY and list(prows) == TH34_PROJECTS
    first = next(i for _, i in iter_indicators(plan) if i["code"] == "NE2-1.1")
    row = irows["NE2-1.1"]
    assert ind[f"B{row}"].value == first["name_th"] and ind[f"D{row}"].value == first["unit"]
    assert ind[f"E{row}"].value == first["targets"]["FY2568"]
    assert ind[f"F{row}"].value == 1200.0 and ind[f"F{irows['NE2-1.2']}"].value is None
    assert ind[f"G{row}"].value is None  # nothing pre-filled: an empty row is not sent
    row = prows["NE2-67-001"]
    assert prj[f"C{row}"].value == 25_000_000 and prj[f"D{row}"].value == 40.0
    assert prj[f"E{row}"].value == 9_000_000.0
    assert prj[f"F{row}"].value == PROCUREMENT_STAGE_TH["contract_signed"]
    assert prj[f"G{row}"].number_format == "yyyy-mm-dd"
    assert prj[f"D{prows['NE2-67-002']}"].value is None

    about = {book[ABOUT].cell(row=r, column=1).value.rsplit("(", 1)[1].rstrip(")"):
             book[ABOUT].cell(row=r, column=2).value for r in range(2, book[ABOUT].max_row + 1)}
    assert about["schema"] == SCHEMA and about["plan_id"] == plan["id"]
    assert about["province"] == PROVINCE and about["period"] == PERIOD
    assert about["period_th"] == "ไตรมาสที่ 1 ปีงบประมาณ พ.ศ. 2568"
    assert about["period_en"] == "Q1 of fiscal year 2025"
    assert about["generated_at"] == GENERATED.isoformat()
    assert about["instructions_th"] and about["instructions_en"]


def test_the_sheets_are_protected_and_only_the_input_cells_unlocked(workbook_bytes):
    book = opened(workbook_bytes)
    assert book.security.lockStructure
    for name, inputs in ((IND, "GHM"), (PRJ, "GHIJKLM")):
        ws = book[name]
        assert ws.protection.sheet, name
        for row in range(2, ws.max_row + 1):
            for cell in ws[row]:
                assert cell.protection.locked == (cell.column_letter not in inputs), cell.coordinate
        assert all(c.protection.locked is not False for c in ws[1])  # the headers stay locked
    assert book[ABOUT].protection.sheet


def rule_at(ws, coordinate):
    """The one data validation covering a cell."""
    found = [rule for rule in ws.data_validations.dataValidation if coordinate in rule.sqref]
    assert len(found) == 1, (coordinate, found)
    return found[0]


def test_the_input_cells_have_data_validation(workbook_bytes):
    book = opened(workbook_bytes)
    ind, prj = book[IND], book[PRJ]
    irows, prows = rows_of(ind), rows_of(prj)
    value = rule_at(ind, f"G{irows['NE2-1.1']}")
    assert value.type == "decimal" and value.showErrorMessage and value.allow_blank
    assert "ตัวเลข" in value.error and "number" in value.error
    assert rule_at(ind, f"H{irows['NE2-1.1']}").type == "textLength"
    assert rule_at(ind, f"H{irows['NE2-1.1']}").formula1 == "4000"
    row = prows["NE2-67-001"]
    assert rule_at(prj, f"G{row}").type == "date"
    progress = rule_at(prj, f"H{row}")
    assert (progress.type, progress.formula1, progress.formula2) == ("decimal", "0", "100")
    assert "0 ถึง 100" in progress.error and "0 to 100" in progress.error
    stage = rule_at(prj, f"J{row}")
    assert stage.type == "list"
    sheet, cells = stage.formula1.split("!")
    stages = book[sheet.strip("'")]
    first, last = (int(part.split("$")[-1]) for part in cells.split(":"))
    assert [stages.cell(row=r, column=1).value for r in range(first, last + 1)] == list(
        PROCUREMENT_STAGE_TH.values())


def test_each_indicator_shows_its_accepted_range_and_its_value_cell_keeps_to_it(workbook_bytes):
    """The plan's hard rules (contracts/rules.py) in the workbook: a percentage 0-100, a count
    not negative - shown in the accepted column and enforced by Excel on the value cell."""
    book = opened(workbook_bytes)
    ind = book[IND]
    irows = rows_of(ind)
    assert ind["I1"].value == "ค่าที่ยอมรับ (accepted)"
    assert ind["I1"].comment and "refused" in ind["I1"].comment.text
    percent, count = irows["NE2-3.1"], irows["NE2-2.1"]  # ร้อยละ (%) and ราย (businesses)
    assert ind[f"D{percent}"].value == "ร้อยละ (%)"
    assert ind[f"I{percent}"].value == "0 ถึง 100 (0 to 100)"
    assert ind[f"I{count}"].value == "ไม่น้อยกว่า 0 (at least 0)"
    assert ind[f"I{percent}"].protection.locked is not False  # read-only

    rule = rule_at(ind, f"G{percent}")
    assert (rule.type, rule.operator, rule.formula1, rule.formula2) == (
        "decimal", "between", "0", "100")
    assert rule.allow_blank and rule.showErrorMessage and rule.errorStyle == "stop"
    assert "0 ถึง 100" in rule.error and "0 to 100" in rule.error
    assert rule.showInputMessage and "0 to 100" in rule.prompt
    rule = rule_at(ind, f"G{count}")
    assert (rule.type, rule.operator, rule.formula1, rule.formula2) == (
        "decimal", "greaterThanOrEqual", "0", None)
    assert "ไม่น้อยกว่า 0" in rule.error and "at least 0" in rule.error
    assert rule_at(ind, f"G{irows['NE2-4.1']}") is rule_at(ind, f"G{percent}")  # one per range


def test_the_plan_s_own_rules_and_tolerance_shape_the_validations(plan):
    """An indicator's own min/max (a growth rate that may fall) and a project's disbursement
    tolerance reach the workbook."""
    changed = json.loads(json.dumps(plan))
    for _, indicator in iter_indicators(changed):
        if indicator["code"] == "NE2-2.1":
            indicator["validation"] = {"min": -50, "max": None}
        if indicator["code"] == "NE2-1.1":
            indicator["validation"] = {"min": None}
    project = next(p for p in changed["projects"] if p["code"] == "NE2-67-001")
    project["validation"] = {"disbursement_tolerance_pct": 10}
    other = next(p for p in changed["projects"] if p["code"] == "NE2-67-002")
    other["validation"] = {"disbursement_tolerance_pct": None}
    book = opened(build_workbook(changed, PROVINCE, PERIOD, {}, GENERATED))
    ind, prj = book[IND], book[PRJ]
    irows, prows = rows_of(ind), rows_of(prj)
    assert ind[f"I{irows['NE2-2.1']}"].value == "ไม่น้อยกว่า -50 (at least -50)"
    rule = rule_at(ind, f"G{irows['NE2-2.1']}")
    assert (rule.operator, rule.formula1) == ("greaterThanOrEqual", "-50")
    assert ind[f"I{irows['NE2-1.1']}"].value == "ตัวเลขใดก็ได้ (any number)"
    assert rule_at(ind, f"G{irows['NE2-1.1']}").operator == "between"  # just "a number"

    rule = rule_at(prj, f"I{prows['NE2-67-001']}")  # budget 25,000,000 + 10%
    assert (rule.type, rule.operator, rule.formula1, rule.formula2) == (
        "decimal", "between", "0", "27500000")
    assert "27,500,000" in rule.error and "+ 10%" in rule.error
    rule = rule_at(prj, f"I{prows['NE2-67-002']}")  # no limit
    assert (rule.operator, rule.formula1, rule.formula2) == ("greaterThanOrEqual", "0", None)
    rule = rule_at(prj, f"I{prows['NE2-67-003']}")  # the default: at most the budget
    assert (rule.operator, rule.formula1, rule.formula2) == ("between", "0", "32000000")
    assert "32,000,000" in rule.error and "บาท" in rule.error and "THB" in rule.error


def test_a_plan_province_or_period_the_plan_does_not_have_builds_nothing(plan):
    with pytest.raises(ValueError):
        build_workbook(plan, "TH-10", PERIOD, {}, GENERATED)
    with pytest.raises(ValueError):
        build_workbook(plan, PROVINCE, "FY2568-Q9", {}, GENERATED)


# --- reading a filled-in workbook --------------------------------------------------------------

def test_filled_rows_become_bodies_the_intake_schemas_accept(good_upload, plan):
    upload = read_workbook("รายงาน TH-34.xlsx", good_upload, plan_id=plan["id"],
                           province=PROVINCE)
    assert (upload.plan_id, upload.province, upload.period) == (plan["id"], PROVINCE, PERIOD)
    assert [(r.kind, r.subject, r.errors) for r in upload.rows] == [
        ("indicator", "NE2-1.1", []), ("indicator", "NE2-2.2", []), ("indicator", "NE2-5.1", []),
        ("project", "NE2-67-001", []), ("project", "NE2-68-001", [])]
    first = upload.rows[0]
    assert first.sheet == IND and first.row == 2 and first.period == PERIOD
    assert first.fields == {"value": 1350.5, "note": "จากทะเบียนเกษตรกร"}
    assert upload.rows[1].fields["value"] == 1234.5 and upload.rows[2].fields["value"] == 7.0
    assert upload.rows[3].fields == {
        "as_of": date(2024, 12, 31), "physical_progress_pct": 55.0, "disbursed_thb": 12_500_000.0,
        "procurement_stage": "in_progress", "problems": "ฝนตกหนัก", "solutions": "ขยายเวลา"}
    assert upload.rows[4].fields["procurement_stage"] == "preparing_tor"
    assert upload.rows[4].period is None

    bodies = report_bodies(upload, PROVINCE, REPORTED)
    assert len(bodies) == 5
    for row, body in bodies:
        schema = IndicatorReportSchema if row.kind == "indicator" else ProjectReportSchema
        loaded = schema().load(json.loads(json.dumps(body)))  # raises on any mistake
        assert loaded["province"] == PROVINCE
        assert body["reported_at"] == REPORTED.isoformat()
    assert bodies[0][1] == {"event_id": bodies[0][1]["event_id"], "province": PROVINCE,
                            "indicator": "NE2-1.1", "period": PERIOD, "value": 1350.5,
                            "note": "จากทะเบียนเกษตรกร", "reported_at": REPORTED.isoformat()}
    project = bodies[3][1]
    assert project["as_of"] == "2024-12-31" and project["procurement_stage"] == "in_progress"
    assert set(project) == {"event_id", "province", "project", "as_of", "physical_progress_pct",
                            "disbursed_thb", "procurement_stage", "problems", "solutions",
                            "reported_at"}
    assert bodies[2][1]["note"] is None


def test_an_unfilled_workbook_has_no_rows(workbook_bytes):
    upload = read_workbook("r.xlsx", workbook_bytes)
    assert upload.rows == [] and report_bodies(upload, PROVINCE, REPORTED) == []


def test_every_mistake_is_reported_with_its_cell_and_sends_nothing(workbook_bytes, plan):
    def fill(ind, irow, prj, prow):
        ind[f"G{irow['NE2-1.1']}"] = "abc"                     # text in value
        ind[f"G{irow['NE2-1.2']}"] = True                      # a boolean
        ind[f"H{irow['NE2-2.1']}"] = "มีหมายเหตุแต่ไม่มีค่า"     # a note without its value
        ind[f"G{irow['NE2-3.1']}"] = 5
        ind[f"H{irow['NE2-3.1']}"] = "x" * 4001                # a note too long
        ind[f"G{irow['NE2-3.2']}"] = 3                          # fine, then duplicated below
        ind[f"A{irow['NE2-3.3']}"] = "NE2-3.2"                 # the same indicator twice
        ind[f"G{irow['NE2-3.3']}"] = 4
        ind[f"G{irow['NE2-4.1']}"] = "NaN"
        r = prow["NE2-67-001"]                                  # budget 25,000,000
        prj[f"G{r}"], prj[f"H{r}"], prj[f"I{r}"], prj[f"J{r}"] = (
            "2568-01-15", 150, 30_000_000, "เสร็จแล้วมั้ง")      # B.E., >100, >budget, stage
        r = prow["NE2-67-002"]
        prj[f"H{r}"], prj[f"I{r}"] = 10, -5                     # no as_of, no stage, negative
        r = prow["NE2-67-003"]
        prj[f"G{r}"], prj[f"H{r}"], prj[f"I{r}"], prj[f"J{r}"] = (
            datetime(2567, 12, 1), "ห้าสิบ", 1, "completed")    # a B.E. date cell, text progress
        r = prow["NE2-68-001"]
        prj[f"G{r}"], prj[f"H{r}"], prj[f"I{r}"], prj[f"J{r}"] = (
            "31/12/2567", 10, 1, "in_progress")                 # not ISO
        prj[f"K{r}"] = "y" * 8001

    upload = read_workbook("r.xlsx", filled(workbook_bytes, fill), plan=plan)
    found = {(e.sheet, e.cell): e for row in upload.rows for e in row.errors}
    expected = {
        (IND, "G2"): "is not a number", (IND, "G3"): "TRUE/FALSE",
        (IND, "G4"): "value is required", (IND, "H6"): "more than 4,000",
        (IND, "A8"): "already on row 7", (IND, "G9"): "is not a number",
        (PRJ, "G2"): "use the C.E. date (2025-01-15)", (PRJ, "H2"): "between 0 and 100",
        (PRJ, "I2"): "above project NE2-67-001's budget 25,000,000 THB",
        (PRJ, "J2"): "not a procurement stage",
        (PRJ, "G3"): "as_of is required", (PRJ, "J3"): "procurement_stage is required",
        (PRJ, "I3"): "must not be negative",
        (PRJ, "G4"): "C.E. date (2024-12-01)", (PRJ, "H4"): "is not a number",
        (PRJ, "G5"): "write YYYY-MM-DD", (PRJ, "K5"): "more than 8,000",
    }
    assert set(found) == set(expected)
    for place, words in expected.items():
        assert words in found[place].message_en, (place, found[place])
        assert found[place].message_th and found[place].message_th != found[place].message_en
    assert "ปี ค.ศ." in found[(PRJ, "G2")].message_th
    assert "2567" in found[(PRJ, "G5")].message_en  # the B.E. year in a d/m/y text is named
    bodies = report_bodies(upload, PROVINCE, REPORTED)
    assert [(row.kind, row.subject) for row, _ in bodies] == [("indicator", "NE2-3.2")]


# --- event ids ---------------------------------------------------------------------------------

def test_the_same_upload_gives_the_same_event_ids_and_a_change_a_new_one(good_upload,
                                                                        workbook_bytes):
    ids = [b["event_id"] for _, b in report_bodies(read_workbook("a.xlsx", good_upload),
                                                   PROVINCE, REPORTED)]
    later = REPORTED + timedelta(days=3)  # read again, sent again later: nothing new
    assert ids == [b["event_id"] for _, b in report_bodies(read_workbook("b.xlsx", good_upload),
                                                           PROVINCE, later)]
    assert len(set(ids)) == len(ids) and all(uuid.UUID(i).version == 5 for i in ids)

    def changed(ind, irow, prj, prow):
        good_fill(ind, irow, prj, prow)
        ind[f"G{irow['NE2-1.1']}"] = 1350.75
        prj[f"L{prow['NE2-67-001']}"] = "ขยายเวลา 60 วัน"
    again = [b["event_id"] for _, b in report_bodies(
        read_workbook("c.xlsx", filled(workbook_bytes, changed)), PROVINCE, REPORTED)]
    assert [a == b for a, b in zip(ids, again)] == [False, True, True, False, True]


def test_stable_event_id_is_content_only():
    fields = {"value": 1, "note": None}
    base = stable_event_id("indicator", PROVINCE, "NE2-1.1", PERIOD, fields)
    assert base == stable_event_id("indicator", PROVINCE, "NE2-1.1", PERIOD,
                                   {"note": None, "value": 1.0})
    assert base == str(uuid.uuid5(NAMESPACE, '["indicator","TH-34","NE2-1.1","FY2568-Q1",'
                                             '{"note":null,"value":1.0}]'))
    for other in (("indicator", "TH-33", "NE2-1.1", PERIOD, fields),
                  ("indicator", PROVINCE, "NE2-1.2", PERIOD, fields),
                  ("indicator", PROVINCE, "NE2-1.1", "FY2568-Q2", fields),
                  ("indicator", PROVINCE, "NE2-1.1", PERIOD, {"value": 1.5, "note": None}),
                  ("indicator", PROVINCE, "NE2-1.1", PERIOD, {"value": 1, "note": "x"})):
        assert stable_event_id(*other) != base
    project = {"as_of": date(2025, 1, 1), "physical_progress_pct": 5, "disbursed_thb": 0.0,
               "procurement_stage": "procurement", "problems": None, "solutions": None}
    assert stable_event_id("project", PROVINCE, "P", None, project) == stable_event_id(
        "project", PROVINCE, "P", None, {**project, "as_of": "2025-01-01",
                                          "physical_progress_pct": 5.0, "disbursed_thb": -0.0})


def test_report_bodies_needs_an_aware_time_and_the_upload_s_province(good_upload):
    upload = read_workbook("a.xlsx", good_upload)
    with pytest.raises(ValueError, match="timezone-aware"):
        report_bodies(upload, PROVINCE, datetime(2025, 1, 10, 14, 30))
    with pytest.raises(ValueError, match="province code"):
        report_bodies(upload, "34", REPORTED)


# --- CSV ---------------------------------------------------------------------------------------

CSV_HEADER = ("kind,code,period,value,note,as_of,physical_progress_pct,disbursed_thb,"
              "procurement_stage,problems,solutions")


def test_a_csv_file_gives_the_same_bodies():
    text = "\r\n".join([
        CSV_HEADER,
        "indicator,NE2-1.1,FY2568-Q1,1350.5,จากทะเบียนเกษตรกร,,,,,,",
        'indicator,NE2-2.2,FY2568-Q1,"1,234.5",,,,,,,',
        "indicator,NE2-1.3,FY2568,99,,,,,,,",
        ",,,,,,,,,,",
        "project,NE2-67-001,,,,2024-12-31,55,12500000,อยู่ระหว่างดำเนินการ / ส่งมอบงาน,"
        '"ฝนตกหนัก, น้ำท่วม",ขยายเวลา',
        "project,NE2-68-001,,,,2024-12-15,0,0,preparing_tor,,",
        "indicator,NE2-5.1,FY2568-Q1,,,,,,,,",  # nothing filled in: skipped
    ]) + "\r\n"
    upload = read_workbook("report.csv", ("\ufeff" + text).encode("utf-8"), plan_id="p",
                           province=PROVINCE)
    assert (upload.plan_id, upload.province, upload.period) == ("p", PROVINCE, None)
    assert [(r.sheet, r.row, r.kind, r.subject, r.period, r.errors) for r in upload.rows] == [
        ("csv", 2, "indicator", "NE2-1.1", "FY2568-Q1", []),
        ("csv", 3, "indicator", "NE2-2.2", "FY2568-Q1", []),
        ("csv", 4, "indicator", "NE2-1.3", "FY2568", []),
        ("csv", 6, "project", "NE2-67-001", None, []),
        ("csv", 7, "project", "NE2-68-001", None, [])]
    assert upload.rows[3].fields["problems"] == "ฝนตกหนัก, น้ำท่วม"
    bodies = report_bodies(upload, PROVINCE, REPORTED)
    for row, body in bodies:
        schema = IndicatorReportSchema if row.kind == "indicator" else ProjectReportSchema
        schema().load(json.loads(json.dumps(body)))
    no_bom = read_workbook("report.csv", text.encode("utf-8"))
    assert [b["event_id"] for _, b in report_bodies(no_bom, PROVINCE, REPORTED)] == [
        b["event_id"] for _, b in bodies]


def test_the_csv_columns_may_come_in_any_order_and_mistakes_name_row_and_column():
    text = "\n".join([
        "code,kind,value,period,as_of,physical_progress_pct,disbursed_thb,procurement_stage",
        "NE2-2.1,indicator,abc,FY2568-Q1,,,,",
        "NE2-1.2,indicator,3,,,,,",
        "NE2-1.3,indicator,3,FY2568-Q9,,,,",
        "NE2-1.1,indicator,4,FY2568-Q1,,,,",
        "NE2-1.1,indicator,5,FY2568-Q1,,,,",
        "NE2-67-001,project,,,2568-03-01,120,10,xyz",
        "NE2-67-001,report,1,,,,,",
        ",indicator,1,FY2568-Q1,,,,",
        "NE2-1.4,indicator,1,FY2568-Q1,2025-01-01,,,",
    ])
    upload = read_workbook("r.csv", text.encode("utf-8"))
    found = {e.cell: e.message_en for row in upload.rows for e in row.errors}
    assert set(found) == {"row 2, column value", "row 3, column period", "row 4, column period",
                          "row 6, column code", "row 7, column as_of",
                          "row 7, column physical_progress_pct",
                          "row 7, column procurement_stage", "row 8, column kind",
                          "row 9, column code", "row 10, column as_of"}
    assert "already on row 5" in found["row 6, column code"]
    assert "not for indicator rows" in found["row 10, column as_of"]
    assert all(e.sheet == "csv" for row in upload.rows for e in row.errors)
    assert [r.subject for r, _ in report_bodies(upload, PROVINCE, REPORTED)] == ["NE2-1.1"]


@pytest.mark.parametrize("header, words", [
    (CSV_HEADER.replace("value", "amount"), "unknown column 'amount'"),
    ("kind,code,value,value", "the same column twice: value"),
    ("code,period,value", "missing column kind"),
    ("kind;code;period;value", "commas, not ;"),
])
def test_a_bad_csv_header_makes_the_file_unreadable(header, words):
    with pytest.raises(WorkbookUnreadable) as refused:
        read_workbook("r.csv", f"{header}\nindicator,NE2-1.1,FY2568-Q1,1\n".encode())
    assert words in refused.value.message_en and str(refused.value) == refused.value.message_en
    assert "kind,code,period" in refused.value.message_en and refused.value.message_th


def test_a_csv_file_that_is_not_utf8_is_refused_with_advice():
    with pytest.raises(WorkbookUnreadable, match="CSV UTF-8"):
        read_workbook("r.csv", f"{CSV_HEADER}\nindicator,NE2-1.1,FY2568-Q1,1,ทดสอบ\n"
                      .encode("cp874"))


# --- files refused whole -----------------------------------------------------------------------

@pytest.mark.parametrize("filename, content, words", [
    ("report.pdf", b"%PDF-1.7 ...", "neither an Excel workbook (.xlsx) nor a CSV file"),
    ("report.xlsx", b"not a zip at all", "not a readable Excel workbook"),
    ("report.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "old Excel file (.xls)"),
    ("report.xlsx", b"", "empty"),
])
def test_a_file_that_is_no_workbook_is_refused_in_thai_and_english(filename, content, words):
    with pytest.raises(WorkbookUnreadable) as refused:
        read_workbook(filename, content)
    assert words in refused.value.message_en and str(refused.value) == refused.value.message_en
    assert refused.value.message_th and any("\u0e00" <= ch <= "\u0e7f"
                                            for ch in refused.value.message_th)


def test_an_xlsx_that_is_not_ours_is_refused(workbook_bytes):
    book = openpyxl.Workbook()
    book.active.title = "Sheet1"
    book.active.append(["kind", "code", "value"])
    with pytest.raises(WorkbookUnreadable) as refused:
        read_workbook("mine.xlsx", saved(book))
    assert "not a reporting workbook made by this system" in refused.value.message_en
    assert "ไม่ใช่แบบฟอร์มรายงานที่สร้างจากระบบนี้" in refused.value.message_th

    book = opened(workbook_bytes)
    book[ABOUT]["B2"] = "cluster-planning-report-workbook/0"
    with pytest.raises(WorkbookUnreadable, match="not a reporting workbook made by this system"):
        read_workbook("old.xlsx", saved(book))

    book = opened(workbook_bytes)
    del book[PRJ]
    with pytest.raises(WorkbookUnreadable, match=r"no โครงการ \(projects\) sheet"):
        read_workbook("r.xlsx", saved(book))

    book = opened(workbook_bytes)
    book[IND]["G1"] = "ค่า"  # the value header lost its (value)
    with pytest.raises(WorkbookUnreadable, match=r"ค่าที่รายงาน \(value\)"):
        read_workbook("r.xlsx", saved(book))


def test_an_xlsx_names_its_own_plan_and_province_whatever_the_caller_passes(good_upload):
    upload = read_workbook("r.xlsx", good_upload, plan_id="other-plan", province="TH-33")
    assert (upload.plan_id, upload.province) == ("northeast-lower-2-2566-2570", PROVINCE)
    with pytest.raises(ValueError, match="for province TH-34, not TH-33"):
        report_bodies(upload, "TH-33", REPORTED)  # never bodies for another province


def test_the_thai_wording_of_headers_and_sheet_names_may_change(good_upload):
    book = opened(good_upload)
    book[IND].title = "KPI (indicators)"
    book["KPI (indicators)"]["G1"] = "Value reported (value)"
    book["KPI (indicators)"].insert_rows(1)  # a title row above the header
    book["KPI (indicators)"]["A1"] = "แบบรายงานตัวชี้วัด"
    upload = read_workbook("r.xlsx", saved(book))
    rows = [r for r in upload.rows if r.kind == "indicator"]
    assert [(r.sheet, r.row, r.subject) for r in rows] == [
        ("KPI (indicators)", 3, "NE2-1.1"), ("KPI (indicators)", 6, "NE2-2.2"),
        ("KPI (indicators)", 11, "NE2-5.1")]
    assert all(not r.errors for r in upload.rows)


def test_a_zip_bomb_is_refused_without_unpacking_it():
    with pytest.raises(WorkbookUnreadable) as refused:
        read_workbook("bomb.xlsx", zip_bomb("xl/worksheets/sheet1.xml", 40))
    assert "unpacks to more than" in refused.value.message_en and refused.value.message_th
    liar = zip_bomb("xl/worksheets/sheet1.xml", 40, declare=1000)  # headers say 1000 bytes
    with pytest.raises(WorkbookUnreadable) as refused:
        read_workbook("bomb.xlsx", liar)
    assert "cannot be unpacked" in refused.value.message_en


def test_the_public_types_keep_their_shapes():
    error = CellProblem("csv", 2, "value", "English", "ไทย", "row 2, column value")
    with pytest.raises(AttributeError):
        error.cell = "A1"  # frozen
    row = Row("csv", 2, "indicator", "NE2-1.1", PERIOD, {"value": 1.0, "note": None}, [])
    upload = Upload(None, None, None, [row])
    assert report_bodies(upload, PROVINCE, REPORTED)[0][0] is row
    exc = WorkbookUnreadable("ไทย", "English")
    assert isinstance(exc, ValueError) and str(exc) == "English" and exc.message_th == "ไทย"
    assert SCHEMA == "cluster-planning-report-workbook/1"
    assert NAMESPACE == uuid.UUID("6f1d7e2a-3c4b-4e5f-9a8b-1c2d3e4f5a6b")
    assert zipfile.is_zipfile(io.BytesIO(build_workbook(
        json.loads(PLAN_FILE.read_text("utf-8")), "TH-37", "FY2568", {}, GENERATED)))


# --- the plan's hard rules, at read time (contracts/rules.py) ----------------------------------

def out_of_range_fill(ind, irow, prj, prow):
    good_fill(ind, irow, prj, prow)
    ind[f"G{irow['NE2-3.1']}"] = 250              # ร้อยละ (%): 0-100
    ind[f"G{irow['NE2-2.1']}"] = -3               # ราย (businesses): not negative
    ind[f"G{irow['NE2-4.1']}"] = 100              # the bound itself is accepted
    r = prow["NE2-68-003"]                        # 3,500,000 THB, 2025-01-10 to 2025-06-30
    prj[f"G{r}"], prj[f"H{r}"], prj[f"I{r}"], prj[f"J{r}"] = (
        date(2024, 12, 31), 5, 3_600_000, "procurement")  # before its start, over its budget


def test_a_value_breaking_a_hard_rule_is_an_error_on_its_cell_naming_the_range(workbook_bytes,
                                                                               plan):
    upload = read_workbook("r.xlsx", filled(workbook_bytes, out_of_range_fill), plan=plan)
    found = {(e.sheet, e.cell): e for row in upload.rows for e in row.errors}
    irows, prows = rows_of(opened(workbook_bytes)[IND]), rows_of(opened(workbook_bytes)[PRJ])
    percent = found.pop((IND, f"G{irows['NE2-3.1']}"))
    assert "value 250 for NE2-3.1 (ร้อยละ (%)) is above its maximum 100" in percent.message_en
    assert "สูงกว่าค่าสูงสุด 100" in percent.message_th and "ร้อยละ" in percent.message_th
    assert percent.row == irows["NE2-3.1"] and percent.column == "value"
    count = found.pop((IND, f"G{irows['NE2-2.1']}"))
    assert "below its minimum 0" in count.message_en and "ต่ำกว่าค่าต่ำสุด 0" in count.message_th
    row = prows["NE2-68-003"]
    assert "before project NE2-68-003 starts (2025-01-10)" in found.pop((PRJ, f"G{row}")).message_en
    over = found.pop((PRJ, f"I{row}"))
    assert "above project NE2-68-003's budget 3,500,000 THB" in over.message_en
    assert "เกินงบประมาณโครงการ" in over.message_th
    assert found == {}
    sent = {row.subject for row, _ in report_bodies(upload, PROVINCE, REPORTED)}
    assert sent == {"NE2-1.1", "NE2-2.2", "NE2-5.1", "NE2-4.1", "NE2-67-001", "NE2-68-001"}

    # without the plan the reader knows no rule: the intake's check names them (gateway /check)
    unruled = read_workbook("r.xlsx", filled(workbook_bytes, out_of_range_fill))
    assert not any(row.errors for row in unruled.rows)


def test_the_plan_s_tolerance_and_own_bounds_apply_when_read_and_in_a_csv(plan):
    changed = json.loads(json.dumps(plan))
    for _, indicator in iter_indicators(changed):
        if indicator["code"] == "NE2-3.1":
            indicator["validation"] = {"max": 120}
    project = next(p for p in changed["projects"] if p["code"] == "NE2-67-001")
    project["validation"] = {"disbursement_tolerance_pct": 10}
    text = "\n".join([CSV_HEADER,
                      "indicator,NE2-3.1,FY2568-Q1,110,,,,,,,",
                      "indicator,NE2-3.2,FY2568-Q1,-1,,,,,,,",
                      "project,NE2-67-001,,,,2024-12-31,55,27000000,in_progress,,",
                      "project,NE2-67-002,,,,2024-12-31,55,19000000,in_progress,,"])
    upload = read_workbook("r.csv", text.encode("utf-8"), plan=changed)
    found = {e.cell: e.message_en for row in upload.rows for e in row.errors}
    assert set(found) == {"row 3, column value", "row 5, column disbursed_thb"}
    assert "the default: a count or an amount is not negative" in found["row 3, column value"]
    assert "18,500,000 THB (+0% tolerance" in found["row 5, column disbursed_thb"]


def test_a_workbook_made_before_the_accepted_column_reads_as_before(good_upload):
    book = opened(good_upload)
    book[IND].delete_cols(9)  # ค่าที่ยอมรับ (accepted)
    upload = read_workbook("old.xlsx", saved(book))
    assert [(r.subject, r.errors) for r in upload.rows] == [
        (r.subject, []) for r in read_workbook("new.xlsx", good_upload).rows]


def test_the_gateway_check_names_a_broken_rule_on_its_row_in_both_languages(workbook_bytes, plan):
    """The dashboard's and clusterctl's check (gateway province_reports.read and .check): the
    rule's row error is there before the intake is asked, and the row is never put to it."""
    from services.gateway import province_reports

    data = filled(workbook_bytes, out_of_range_fill)
    upload = province_reports.read(plan["id"], PROVINCE, "xlsx", data, plan)
    asked = []
    checked = province_reports.check(upload, PROVINCE,
                                     lambda province, bodies: asked.extend(bodies) or
                                     [None] * len(bodies))
    by_subject = {row["subject"]: row for row in checked["rows"]}
    errors = by_subject["NE2-3.1"]["errors"]
    assert len(errors) == 1 and errors[0]["cell"].startswith("G")
    assert "above its maximum 100" in errors[0]["message_en"]
    assert "สูงกว่าค่าสูงสุด 100" in errors[0]["message_th"]
    assert by_subject["NE2-3.1"]["event_id"] is None
    assert checked["problems"] == 4 and checked["reports"] == 6
    assert "NE2-3.1" not in {body.get("indicator") for body in asked}


# --- values typed in a form (read_entries) ----------------------------------------------------

def test_typed_values_make_the_reports_a_csv_of_the_same_values_makes(plan):
    from services.infra.report_workbook import read_entries
    at = datetime(2026, 11, 1, 9, tzinfo=timezone.utc)
    typed = read_entries([{"indicator": "NE2-1.2", "period": "FY2570-Q1", "value": "1,250.5",
                           "note": "typed"},
                          {"indicator": "NE2-2.1", "period": "FY2570-Q1", "value": 7,
                           "evidence": "doc 12; ev-" + "0" * 32}], plan)
    csv = ("kind,code,period,value,note,evidence\n"
           "indicator,NE2-1.2,FY2570-Q1,\"1,250.5\",typed,\n"
           f"indicator,NE2-2.1,FY2570-Q1,7,,doc 12; ev-{'0' * 32}\n").encode("utf-8")
    uploaded = read_workbook("u.csv", csv, plan["id"], "TH-35", plan)
    assert [r.errors for r in typed.rows] == [[], []]
    assert [b for _, b in report_bodies(typed, "TH-35", at)] == \
        [b for _, b in report_bodies(uploaded, "TH-35", at)]


def test_each_typed_item_s_problems_are_on_its_row_and_field_in_thai_and_english(plan):
    from services.infra.report_workbook import ENTRY_SHEET, read_entries
    rows = read_entries([{"indicator": "NE2-3.1", "period": "FY2570-Q1", "value": 250},
                         {"indicator": "NE2-1.2", "period": "FY2570-Q1", "value": "มาก"},
                         {"indicator": 5, "period": "Q1", "value": [1], "other": 1},
                         "not an object",
                         {"indicator": "NE2-3.1", "period": "FY2570-Q1", "value": 5}], plan).rows
    assert [r.row for r in rows] == [0, 1, 2, 3, 4] and {r.sheet for r in rows} == {ENTRY_SHEET}
    assert [e.cell for e in rows[0].errors] == ["value"]
    assert "above its maximum 100" in rows[0].errors[0].message_en
    assert rows[1].errors[0].message_th.endswith("ไม่ใช่ตัวเลข")
    assert {e.cell for e in rows[2].errors} == {None, "indicator", "period", "value"}
    assert all(e.message_th and e.message_en for r in rows for e in r.errors)
    assert rows[3].errors[0].message_en == "item 3 is not a JSON object"
    assert "already on row 0" in rows[4].errors[0].message_en  # the same indicator twice


# --- the internal mark (issue 26) --------------------------------------------------------------

def internal_fill(ind, irow, prj, prow):
    good_fill(ind, irow, prj, prow)
    ind[f"M{irow['NE2-1.1']}"] = "ใช่"     # marked internal, as the drop-down offers it
    ind[f"M{irow['NE2-2.2']}"] = "ไม่ใช่"   # marked not internal: as if left empty
    ind[f"M{irow['NE2-3.1']}"] = "ไม่ใช่"   # only "not internal" on a row left empty: skipped
    prj[f"M{prow['NE2-67-001']}"] = True    # Excel's TRUE


def test_new_workbooks_end_each_data_sheet_with_the_internal_drop_down(workbook_bytes):
    book = opened(workbook_bytes)
    for name in (IND, PRJ):
        ws = book[name]
        assert ws["M1"].value == INTERNAL_HEADER
        assert "ข้อมูลภายใน" in ws["M1"].comment.text and "government" in ws["M1"].comment.text
        rule = rule_at(ws, f"M{ws.max_row}")
        assert rule.type == "list" and rule.formula1 == '"ใช่,ไม่ใช่"' and rule.allow_blank
        assert all(ws.cell(row=r, column=13).value is None for r in range(2, ws.max_row + 1))


def test_a_row_marked_internal_says_so_in_its_report_and_its_event_id(workbook_bytes,
                                                                      good_upload):
    marked = read_workbook("m.xlsx", filled(workbook_bytes, internal_fill))
    assert [(r.subject, r.errors) for r in marked.rows] == [
        (r.subject, []) for r in read_workbook("g.xlsx", good_upload).rows]
    bodies = {b.get("indicator") or b["project"]: b
              for _, b in report_bodies(marked, PROVINCE, REPORTED)}
    plain = {b.get("indicator") or b["project"]: b
             for _, b in report_bodies(read_workbook("g.xlsx", good_upload), PROVINCE, REPORTED)}
    assert bodies["NE2-1.1"]["internal"] is True and bodies["NE2-67-001"]["internal"] is True
    for code in ("NE2-1.1", "NE2-67-001"):  # another report than the unmarked one
        assert bodies[code]["event_id"] != plain[code]["event_id"]
        schema = IndicatorReportSchema if "indicator" in bodies[code] else ProjectReportSchema
        assert schema().load(json.loads(json.dumps(bodies[code])))["internal"] is True
    for code in ("NE2-2.2", "NE2-5.1", "NE2-68-001"):  # ไม่ใช่ or empty: the report as before
        assert bodies[code] == plain[code] and "internal" not in bodies[code]


def test_a_workbook_made_before_the_internal_column_reads_as_before(good_upload):
    book = opened(good_upload)
    book[IND].delete_cols(13)
    book[PRJ].delete_cols(13)
    old = read_workbook("old.xlsx", saved(book))
    new = read_workbook("new.xlsx", good_upload)
    assert [(r.subject, r.errors) for r in old.rows] == [(r.subject, []) for r in new.rows]
    assert report_bodies(old, PROVINCE, REPORTED) == report_bodies(new, PROVINCE, REPORTED)


def test_an_internal_mark_it_cannot_read_is_an_error_on_its_cell_in_both_languages(
        workbook_bytes):
    def fill(ind, irow, prj, prow):
        good_fill(ind, irow, prj, prow)
        ind[f"M{irow['NE2-1.1']}"] = "บางส่วน"
        prj[f"M{prow['NE2-67-001']}"] = 2
        ind[f"M{irow['NE2-3.1']}"] = "ใช่"  # marked internal with no value: the value is missing

    upload = read_workbook("r.xlsx", filled(workbook_bytes, fill))
    found = {(e.sheet, e.cell): e for row in upload.rows for e in row.errors}
    assert set(found) == {(IND, "M2"), (PRJ, "M2"), (IND, "G6")}
    for place in ((IND, "M2"), (PRJ, "M2")):
        assert "is not an internal mark" in found[place].message_en
        assert "ข้อมูลภายใน (internal)" in found[place].message_th
    assert "'บางส่วน'" in found[(IND, "M2")].message_en
    assert "value is required" in found[(IND, "G6")].message_en
    assert {row.subject for row, _ in report_bodies(upload, PROVINCE, REPORTED)} == {
        "NE2-2.2", "NE2-5.1", "NE2-68-001"}


def test_a_csv_may_have_the_internal_column_and_one_without_it_reads_as_before():
    rows = ["indicator,NE2-1.1,FY2568-Q1,1350.5,,,,,,,,,yes",
            "indicator,NE2-2.2,FY2568-Q1,7,,,,,,,,,",
            "project,NE2-67-001,,,,2024-12-31,55,12500000,in_progress,,,,ใช่",
            "project,NE2-68-001,,,,2024-12-15,0,0,preparing_tor,,,,เผยแพร่ได้",
            "indicator,NE2-5.1,FY2568-Q1,3,,,,,,,,,maybe"]
    upload = read_workbook("r.csv", "\n".join([CSV_HEADER + ",evidence,internal", *rows]).encode())
    found = {e.cell: e for row in upload.rows for e in row.errors}
    assert list(found) == ["row 6, column internal"]
    assert "'maybe' is not an internal mark" in found["row 6, column internal"].message_en
    marked = {b.get("indicator") or b["project"]: b.get("internal")
              for _, b in report_bodies(upload, PROVINCE, REPORTED)}
    assert marked == {"NE2-1.1": True, "NE2-2.2": None, "NE2-67-001": True, "NE2-68-001": None}
    without = read_workbook("r.csv", "\n".join([CSV_HEADER, *(r.rsplit(",", 2)[0] for r in rows[:4])]
                                               ).encode())
    assert [r.errors for r in without.rows] == [[], [], [], []]
    assert all("internal" not in b for _, b in report_bodies(without, PROVINCE, REPORTED))


def test_a_typed_value_may_be_marked_internal_with_a_json_boolean_only(plan):
    from services.infra.report_workbook import read_entries
    at = datetime(2026, 11, 1, 9, tzinfo=timezone.utc)
    item = {"indicator": "NE2-1.2", "period": "FY2570-Q1", "value": 12}
    typed = read_entries([{**item, "internal": True}, {**item, "indicator": "NE2-2.1",
                                                       "internal": False},
                          {**item, "indicator": "NE2-3.1", "internal": "yes"},
                          {**item, "indicator": "NE2-3.2", "internal": None}], plan)
    assert [[e.cell for e in r.errors] for r in typed.rows] == [[], [], ["internal"],
                                                                 ["internal"]]
    assert "internal must be true or false" in typed.rows[2].errors[0].message_en
    assert '"yes"' in typed.rows[2].errors[0].message_en
    assert "null" in typed.rows[3].errors[0].message_th
    bodies = [b for _, b in report_bodies(typed, "TH-35", at)]
    assert [b.get("internal") for b in bodies] == [True, None]
    csv = ("kind,code,period,value,internal\n"
           "indicator,NE2-1.2,FY2570-Q1,12,ใช่\nindicator,NE2-2.1,FY2570-Q1,12,\n").encode()
    assert bodies == [b for _, b in report_bodies(read_workbook("u.csv", csv, plan["id"],
                                                                "TH-35", plan), "TH-35", at)]
