"""The eMENSCR export (docs/emenscr.md): the field list as data (every bad row named by line, in
Thai and English), reporting's quarters of a project, the rows a plan and its figures make, and
the workbook - read back with python-calamine, a reader other than the openpyxl that wrote it."""
import copy
import re
import io
from datetime import datetime, timezone

import pytest
from python_calamine import CalamineWorkbook

from services.contracts.emenscr import FIELD_COLUMNS, FIELD_KEYS, FieldListError, parse_fields
from services.gateway.emenscr import fields as field_lists
from services.gateway.emenscr.rows import (BUDGET_SOURCE, LEVEL_OF, internal_notes, project_values,
                                          rows_of)
from services.gateway.emenscr.workbook import PROJECTS_SHEET, SOURCES_SHEET, workbook
from services.gateway.exports import SAMPLE_CELL, SAMPLE_SHEET
from services.plans.national import EMENSCR_LEVEL
from services.reporting.emenscr import project_quarters, set_field_list, field_list
from services.contracts.errors import QueryError
from tests.support.plans import published_sample_plan
from tests.unit.test_due_days import Meta  # a store's get_meta/set_meta alone

HEADER = ",".join(FIELD_COLUMNS)
SHIPPED = {"csv": None, "version": 0, "changed_by": None, "changed_at": None}
NAMES = {"TH-34": "อุบลราชธานี", "TH-33": "ศรีสะเกษ"}


def entry(code, parent, level, name_th):
    return {"code": code, "parent_code": parent, "level": level, "name_th": name_th,
            "name_en": "", "verified": False}


ENTRIES = [entry("NS2", "", "strategy", "ยุทธศาสตร์ชาติด้านการสร้างความสามารถในการแข่งขัน"),
           entry("ZT21", "NS2", "strategy_target", "เป้าหมายทดสอบ Z"),
           entry("MP03", "NS2", "master_plan", "แผนแม่บทประเด็นการเกษตร"),
           entry("MP04", "NS2", "master_plan", "แผนแม่บทประเด็นอุตสาหกรรมและบริการแห่งอนาคต"),
           entry("Y2-0301", "MP03", "master_plan_target", "เป้าหมายทดสอบ Y2"),
           entry("SP0301", "MP03", "sub_plan", "แผนย่อยทดสอบ"),
           entry("Y1-030101", "SP0301", "sub_plan_target", "เป้าหมายทดสอบ Y1"),
           entry("X-0301011", "Y1-030101", "factor", "ปัจจัยทดสอบ X"),
           entry("M01", "", "milestone", "หมุดหมายที่ 1"),
           entry("SDG2", "", "sdg_goal", "ขจัดความหิวโหย")]


@pytest.fixture(scope="module")
def plan():
    """The sample plan with national links: NE2-67-001 its own (every eMENSCR level), issue 2
    a master plan (NE2-67-003 serves it), the rest none (their old free text stands)."""
    linked = copy.deepcopy(published_sample_plan())
    for part in [*linked["issues"], *linked["projects"],
                 *(i for issue in linked["issues"] for i in issue["indicators"])]:
        part["national_links"] = []  # the shipped sample's own links left aside
    first = next(p for p in linked["projects"] if p["code"] == "NE2-67-001")
    first["national_links"] = ["X-0301011", "ZT21", "Y2-0301", "M01", "SDG2"]
    next(i for i in linked["issues"] if i["number"] == 2)["national_links"] = ["MP04"]
    linked["national_entries"] = ENTRIES
    return linked


def report(province, as_of, reported_at, pct, disbursed, project="NE2-67-001", **more):
    return {"project": project, "province": province, "as_of": as_of,
            "reported_at": reported_at, "event_id": f"{province}-{as_of}-{reported_at}",
            "physical_progress_pct": pct, "disbursed_thb": disbursed, **more}


REPORTS = [
    report("TH-34", "2023-12-20", "2023-12-25T09:00:00+07:00", 10.0, 1_000_000),
    report("TH-34", "2024-03-31", "2024-04-05T09:00:00+07:00", 40.0, 5_000_000),
    # the same date sent again later: a correction, in force from then on
    report("TH-34", "2024-03-31", "2024-04-10T09:00:00+07:00", 45.0, 5_500_000),
    report("TH-33", "2024-06-30", "2024-07-03T09:00:00+07:00", 60.0, 2_000_000),
    report("TH-33", "2024-11-15", "2024-11-20T09:00:00+07:00", 100.0, 9_000_000),  # FY2568
]


def figures(plan):
    return {"quarters": project_quarters(plan, REPORTS, 2567),
            "progress": [{"project": "NE2-67-001", "disbursed_thb": 14_500_000.0,
                          "disbursement_pct": 58.0, "physical_progress_pct": 72.5,
                          "as_of": "2024-11-15"}],
            "problems": [{"project": "NE2-67-001", "province": "TH-34", "cause": "procurement",
                          "cause_label_th": "การจัดซื้อจัดจ้าง", "status": "in_progress",
                          "description": "ประกวดราคาไม่มีผู้ยื่น",
                          "remedies": [{"action": "ประกาศประกวดราคาใหม่", "due": "2024-04-30",
                                        "done": True}]}],
            "register": [
                {"project": "NE2-67-001", "province": "TH-33", "as_of": "2024-03-31",
                 "reported_at": "2024-04-02T09:00:00+07:00", "problems": "ฝนตกหนัก",
                 "solutions": "ขยายเวลา"},
                {"project": "NE2-67-001", "province": "TH-33", "as_of": "2024-06-30",
                 "reported_at": "2024-07-02T09:00:00+07:00", "problems": "ฝนตกหนัก",
                 "solutions": None},  # the same problem again: said once
                {"project": "NE2-67-001", "province": "TH-33", "as_of": "2024-11-15",
                 "reported_at": "2024-11-20T09:00:00+07:00", "problems": "ปีถัดไป",
                 "solutions": None}]}  # FY2568: not this year's


# --- the field list ------------------------------------------------------------------------

def test_the_shipped_list_has_every_field_and_says_none_is_verified():
    listed = field_lists.in_force(SHIPPED)
    assert listed["origin"] == "shipped" and listed["keys"] == list(FIELD_KEYS)
    assert all(f.header_th and f.header_en and f.source for f in listed["fields"])
    assert not any(f.verified for f in listed["fields"])  # nothing checked against NESDC text
    assert any("our assumption" in f.source for f in listed["fields"])


def test_the_alignment_columns_are_the_plans_emenscr_levels():
    marks = {key.removeprefix("align_").upper(): level for key, level in LEVEL_OF.items()
             if key in ("align_z", "align_y2", "align_y1", "align_x")}
    assert marks == {mark: level for level, mark in EMENSCR_LEVEL.items()}


def test_every_bad_row_is_named_by_line_in_thai_and_english():
    text = "\n".join([HEADER, "name_th,ชื่อ,Name,issue 26,no,10",
                      "nonsense,หัว,Head,x,no,20",       # line 3: unknown key
                      "name_th,ชื่อซ้ำ,Again,x,no,30",     # line 4: the key again
                      "name_en,,Name (EN),x,no,40",      # line 5: empty Thai header
                      "fiscal_year,ปี,Year,x,maybe,50",  # line 6: verified not yes/no
                      "start_date,เริ่ม,Start,x,no,10",   # line 7: order used on line 2
                      "end_date,สิ้นสุด,End,,no,seven",   # line 8: no source, order not a number
                      "status,สถานะ,Status,x,no,90,extra"])  # line 9: a cell too many
    with pytest.raises(FieldListError) as caught:
        parse_fields(text)
    lines = sorted({line for line, _ in caught.value.problems})
    assert lines == [3, 4, 5, 6, 7, 8, 9]
    said = dict((line, what) for line, what in caught.value.problems)
    assert "nonsense" in said[3] and "ไม่ใช่ข้อมูลที่ระบบกรอกได้" in said[3]
    assert "line 2" in said[4] and "บรรทัด 2" in said[4]
    assert "header_th is empty" in said[5] and "หัวคอลัมน์ภาษาไทย" in said[5]
    assert "yes or no" in said[6]
    assert "order 10 is already used on line 2" in said[7]
    assert sum(1 for line, _ in caught.value.problems if line == 8) == 2
    assert "fields.csv line 3" in str(caught.value)


@pytest.mark.parametrize("text, words", [
    ("key,header_th,source\nname_th,ชื่อ,x\n", "missing column(s) header_en, verified, order"),
    (HEADER + "\n", "no fields"),
    ("", "missing column(s)"),
])
def test_a_list_that_is_not_one_is_refused_whole(text, words):
    with pytest.raises(FieldListError, match=re.escape(words)):
        parse_fields(text)


def test_a_list_leaves_fields_out_and_orders_them_its_own_way():
    fields = parse_fields("\ufeff" + "\n".join([HEADER, "fiscal_year,ปีงบ,FY,ours,yes,2",
                                                "name_th,ชื่อ,Name,ours,no,1"]))
    assert [(f.key, f.verified) for f in fields] == [("name_th", False), ("fiscal_year", True)]


def test_reporting_keeps_the_admins_list_with_a_version_and_refuses_a_bad_one():
    store = Meta()
    assert field_list(store)["csv"] is None  # the shipped list until the admin sets one
    text = HEADER + "\nname_th,ชื่อ,Name,ours,no,1\n"
    kept = set_field_list(store, text, "admin")
    assert (kept["csv"], kept["version"], kept["changed_by"]) == (text, 1, "admin")
    with pytest.raises(QueryError, match="line 2"):
        set_field_list(store, HEADER + "\nwho_knows,ก,A,ours,no,1\n", "admin")
    assert field_list(store)["csv"] == text  # nothing changed
    reset = set_field_list(store, None, "admin")
    assert (reset["csv"], reset["version"]) == (None, 2)
    assert field_list(store)["csv"] is None


# --- reporting's quarters ----------------------------------------------------------------------

def test_each_quarter_counts_every_provinces_report_in_force_at_its_end(plan):
    quarters = project_quarters(plan, REPORTS, 2567)
    assert set(quarters) == {p["code"] for p in plan["projects"] if p["fiscal_year"] == 2567}
    q = {row["quarter"]: row for row in quarters["NE2-67-001"]}
    assert [q[n]["planned_thb"] for n in ("Q1", "Q2", "Q3", "Q4")] == \
        [2_000_000, 10_000_000, 19_000_000, 25_000_000]
    assert (q["Q1"]["disbursed_thb"], q["Q1"]["physical_progress_pct"]) == (1_000_000, 10.0)
    assert (q["Q2"]["disbursed_thb"], q["Q2"]["physical_progress_pct"]) == (5_500_000, 45.0)
    assert (q["Q3"]["disbursed_thb"], q["Q3"]["physical_progress_pct"]) == (7_500_000, 52.5)
    assert q["Q4"]["disbursed_thb"] == 7_500_000  # the November report is FY2568's
    assert q["Q3"]["provinces_reported"] == ["TH-33", "TH-34"]
    other = quarters["NE2-67-002"][0]
    assert other["disbursed_thb"] is None and other["physical_progress_pct"] is None


# --- the rows --------------------------------------------------------------------------------

def values_of(plan, code="NE2-67-001"):
    return next(v for v in project_values(plan, 2567, figures(plan), NAMES)
                if v["project_code"] == code)


def test_a_project_row_names_agencies_dates_and_targets_as_a_planner_types_them(plan):
    v = values_of(plan)
    assert v["name_th"].startswith("ยกระดับการผลิตข้าวหอมมะลิอินทรีย์")
    assert v["implementing_agency"] == "สำนักงานเกษตรจังหวัดอุบลราชธานี"  # a name, not ubon-agriculture
    assert v["responsible_agency"] == "สำนักงานเกษตรจังหวัดอุบลราชธานี"
    assert v["fiscal_year"] == 2567 and v["budget_total"] == 25_000_000
    assert (v["budget_investment"], v["budget_operating"]) == (15_000_000, 10_000_000)
    assert v["budget_source"] == BUDGET_SOURCE and "สันนิษฐาน" in v["budget_source"]
    assert v["start_date"] == "1 พฤศจิกายน 2566" and v["end_date"] == "30 กันยายน 2567"
    assert v["objectives"] == "1. ผลผลิตการเกษตรมีคุณภาพ ได้มาตรฐาน และมีมูลค่าเพิ่มขึ้น"
    indicator_lines = v["indicators"].split("\n")
    assert len(indicator_lines) == 2
    assert indicator_lines[0].endswith("เป้าหมายปี 2567: 180,000 ไร่ (rai)")
    assert v["status"] == "ดำเนินการ (active)"


def test_the_alignment_is_every_level_from_the_links_the_plan_carries(plan):
    v = values_of(plan)
    assert v["align_z"] == "ZT21 เป้าหมายทดสอบ Z"
    assert v["align_y2"] == "Y2-0301 เป้าหมายทดสอบ Y2"
    assert v["align_y1"] == "Y1-030101 เป้าหมายทดสอบ Y1"
    assert v["align_x"] == "X-0301011 ปัจจัยทดสอบ X"
    assert v["align_sub_plan"] == "SP0301 แผนย่อยทดสอบ"
    assert v["align_master_plan"] == "MP03 แผนแม่บทประเด็นการเกษตร"  # X's parents, once each
    assert v["align_strategy"] == "NS2 ยุทธศาสตร์ชาติด้านการสร้างความสามารถในการแข่งขัน"
    assert v["align_milestone"] == "M01 หมุดหมายที่ 1"
    assert v["align_sdg"].split("\n") == ["SDG2 ขจัดความหิวโหย", "SDG12"]  # and the plan's SDG 12


def test_without_links_the_old_free_text_stands_and_an_issues_links_serve_its_projects(plan):
    unlinked = values_of(plan, "NE2-67-002")
    assert unlinked["align_strategy"] == "Z2 ด้านการสร้างความสามารถในการแข่งขัน"
    assert unlinked["align_master_plan"] == "Y05 การท่องเที่ยว"
    assert unlinked["align_z"] == "" and unlinked["align_x"] == ""
    by_issue = values_of(plan, "NE2-67-003")  # issue 2 serves MP04
    assert by_issue["align_master_plan"] == "MP04 แผนแม่บทประเด็นอุตสาหกรรมและบริการแห่งอนาคต"
    assert by_issue["align_strategy"].startswith("NS2 ")
    assert by_issue["align_sub_plan"] == "X0603 เขตเศรษฐกิจพิเศษ"  # no entry there: the text


def test_quarters_progress_problems_and_remedies_of_the_year(plan):
    v = values_of(plan)
    assert (v["q2_planned_thb"], v["q2_disbursed_thb"], v["q2_physical_pct"]) == \
        (10_000_000, 5_500_000, 45.0)
    assert (v["disbursed_thb"], v["disbursement_pct"], v["progress_as_of"]) == \
        (14_500_000.0, 58.0, "15 พฤศจิกายน 2567")
    assert v["problems"].split("\n") == [
        "[อุบลราชธานี] ประกวดราคาไม่มีผู้ยื่น (สาเหตุ: การจัดซื้อจัดจ้าง; สถานะ: อยู่ระหว่างแก้ไข)",
        "[ศรีสะเกษ 31 มีนาคม 2567] ฝนตกหนัก"]  # once, and not FY2568's
    assert v["remedies"].split("\n") == [
        "[อุบลราชธานี] ประกาศประกวดราคาใหม่ (กำหนด 30 เมษายน 2567; ดำเนินการแล้ว)",
        "[ศรีสะเกษ 31 มีนาคม 2567] ขยายเวลา"]


def test_only_the_fiscal_years_projects_in_plan_order(plan):
    codes = [v["project_code"] for v in project_values(plan, 2568, {}, NAMES)]
    assert codes == [p["code"] for p in plan["projects"] if p["fiscal_year"] == 2568]


# --- the workbook, read back with python-calamine ---------------------------------------------

def read_back(data: bytes) -> dict[str, list[list]]:
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}


def written(plan, listed, tamper=None):
    values = project_values(plan, 2567, figures(plan), NAMES)
    if tamper:
        values[0].update(tamper)
    return read_back(workbook(plan, 2567, listed, rows_of(values, listed["fields"]),
                              [True] * len(values), datetime(2026, 1, 5, tzinfo=timezone.utc)))


def test_the_workbook_has_thai_headers_english_under_them_and_every_fields_source(plan):
    listed = field_lists.in_force(SHIPPED)
    sheets = written(plan, listed)
    assert list(sheets) == [PROJECTS_SHEET, SOURCES_SHEET, SAMPLE_SHEET]
    projects = sheets[PROJECTS_SHEET]
    fields = listed["fields"]
    assert projects[0][:len(fields)] == [f.header_th for f in fields]
    assert projects[1][:len(fields)] == [f.header_en for f in fields]
    assert set(projects[2][:len(fields)]) == {"ยังไม่ได้ตรวจสอบ (unverified)"}
    rows = projects[3:]
    assert len(rows) == sum(1 for p in plan["projects"] if p["fiscal_year"] == 2567)
    first = dict(zip([f.key for f in fields], rows[0]))
    assert first["project_code"] == "NE2-67-001" and first["fiscal_year"] == 2567
    assert first["budget_total"] == 25_000_000 and first["q3_disbursed_thb"] == 7_500_000
    assert first["align_x"] == "X-0301011 ปัจจัยทดสอบ X"
    assert first["start_date"] == "1 พฤศจิกายน 2566"
    assert rows[0][-1] == SAMPLE_CELL  # the sample plan's rows say so
    sources = sheets[SOURCES_SHEET]
    assert sources[0][:6] == ["ลำดับ (order)", "รหัสข้อมูล (key)", "หัวคอลัมน์ (header_th)",
                              "Column (header_en)", "แหล่งที่มา (source)", "ตรวจสอบแล้ว (verified)"]
    by_key = {row[1]: row for row in sources[1:len(fields) + 1]}
    assert set(by_key) == set(FIELD_KEYS)
    assert "our assumption" in by_key["budget_source"][4]
    assert by_key["budget_source"][5] == "ยังไม่ได้ตรวจสอบ (unverified)"
    about = {row[0]: row[1] for row in sources[len(fields) + 2:]}
    assert about["ปีงบประมาณ (fiscal year)"] == "พ.ศ. 2567"
    assert about["รายการข้อมูล (field list)"].startswith("รายการที่มากับระบบ")


def test_the_admins_list_decides_the_columns_and_typed_text_stays_text(plan):
    text = "\n".join([HEADER, 'problems,ปัญหา,Problems,"ours, checked",yes,1',
                      "project_code,รหัส,Code,ours,no,2"])
    listed = field_lists.in_force({"csv": text, "version": 3, "changed_by": "admin",
                                   "changed_at": "2026-01-04T10:00:00+00:00"})
    sheets = written(plan, listed, tamper={"problems": "=HYPERLINK(\"http://x\")"})
    projects = sheets[PROJECTS_SHEET]
    assert projects[0][:2] == ["ปัญหา", "รหัส"] and projects[1][:2] == ["Problems", "Code"]
    assert projects[2][:2] == ["ตรวจสอบกับเอกสาร สศช. แล้ว (verified)",
                               "ยังไม่ได้ตรวจสอบ (unverified)"]
    assert projects[3][:2] == ["=HYPERLINK(\"http://x\")", "NE2-67-001"]  # text, not a formula
    about = {row[0]: row[1] for row in sheets[SOURCES_SHEET][4:]}
    assert "ผู้ดูแลระบบ" in about["รายการข้อมูล (field list)"]
    assert "ฉบับที่ 3" in about["รายการข้อมูล (field list)"]


# --- figures that include internal reports (issue 26) ------------------------------------------

def test_a_project_whose_figures_include_an_internal_report_says_so_naming_the_provinces(plan):
    """TH-33's June report marked internal: Q3 and Q4 count it, Q1 and Q2 do not; NE2-67-002's
    progress to date has TH-37's internal report, NE2-67-003's problems text an internal one's;
    the rest have no note, and the workbook gets the column only then."""
    reports = [dict(r, internal=True) if r["as_of"] == "2024-06-30" else r for r in REPORTS]
    quarters = project_quarters(plan, reports, 2567)
    assert [q["internal_provinces"] for q in quarters["NE2-67-001"]] == [[], [], ["TH-33"],
                                                                        ["TH-33"]]
    found = {**figures(plan), "quarters": quarters}
    found["progress"] = found["progress"] + [
        {"project": "NE2-67-002", "provinces": {"TH-37": {"internal": True}, "TH-34": {}}}]
    found["register"] = found["register"] + [
        {"project": "NE2-67-003", "province": "TH-34", "as_of": "2024-05-31", "internal": True,
         "reported_at": "2024-06-02T09:00:00+07:00", "problems": "ภายใน", "solutions": None},
        {"project": "NE2-67-004", "province": "TH-33", "as_of": "2024-11-15", "internal": True,
         "reported_at": "2024-11-20T09:00:00+07:00", "problems": "ปีถัดไป", "solutions": None}]
    values = project_values(plan, 2567, found, NAMES)
    notes = dict(zip((v["project_code"] for v in values),
                     internal_notes(values, 2567, found, NAMES)))
    assert notes["NE2-67-001"] == "รวมข้อมูลภายใน / includes internal figures: ศรีสะเกษ (TH-33)"
    assert notes["NE2-67-002"] == "รวมข้อมูลภายใน / includes internal figures: TH-37"
    assert notes["NE2-67-003"].endswith(": อุบลราชธานี (TH-34)")
    assert notes["NE2-67-004"] == ""  # its internal problems text is FY2568's
    assert [n for code, n in notes.items() if code not in ("NE2-67-001", "NE2-67-002",
                                                           "NE2-67-003")] == [""] * (len(notes) - 3)

    listed = field_lists.in_force(SHIPPED)
    data = workbook(plan, 2567, listed, rows_of(values, listed["fields"]), [False] * len(values),
                    datetime(2026, 1, 5, tzinfo=timezone.utc),
                    internal_notes(values, 2567, found, NAMES))
    projects = read_back(data)[PROJECTS_SHEET]
    at = len(listed["fields"])
    assert (projects[0][at], projects[1][at]) == ("รวมข้อมูลภายใน ไม่เผยแพร่สู่สาธารณะ",
                                                  "includes internal figures")
    assert projects[3][at] == notes["NE2-67-001"] and projects[3][0] == "NE2-67-001"
    plain = read_back(workbook(plan, 2567, listed, rows_of(values, listed["fields"]),
                               [False] * len(values), datetime(2026, 1, 5, tzinfo=timezone.utc),
                               [""] * len(values)))[PROJECTS_SHEET]
    assert len(plain[0]) == at  # no internal figure: the columns of the list alone


def test_the_list_downloaded_runs_no_formula_and_an_unknown_column_is_refused():
    import csv as csv_module
    rows = list(csv_module.reader(io.StringIO(field_lists.shipped_text())))
    rows[1][FIELD_COLUMNS.index("header_en")] = "=HYPERLINK(\"http://x\")"
    out = io.StringIO()
    csv_module.writer(out, lineterminator="\n").writerows(rows)
    listed = field_lists.in_force({"csv": out.getvalue(), "version": 1})
    downloaded = field_lists.as_csv(listed)
    assert ",=HYPERLINK" not in downloaded and "'=HYPERLINK" in downloaded
    assert [f.key for f in parse_fields(downloaded, "again")] == listed["keys"]
    with pytest.raises(FieldListError, match="unknown column"):
        parse_fields(out.getvalue().replace("order", "order,notes", 1), "extra")
