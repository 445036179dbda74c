"""A whole plan as an Excel workbook or a ZIP of CSV files: exact round trips, every unreadable
cell reported with its sheet, row and column, and the plan rules' problems mapped to cells."""
import copy
import csv
import io
import zipfile
from datetime import datetime

import openpyxl
import pytest

from clusterctl.reference import REFERENCE_EFFECTIVE_FROM, REFERENCE_SOURCE, load_sample_plan
from clusterctl.settings import REPO_ROOT
from services.plans import workbook as wbk
from services.plans.domain import PlanError, parse_reference_csv, prepare_plan
from services.plans.workbook import (CellProblem, WorkbookError, csv_to_plan, english_name,
                                     locate, located_error, plan_to_csv, plan_to_xlsx,
                                     xlsx_to_plan)

(PLAN, ISSUES, OBJECTIVES, INDICATORS, TARGETS, BASELINES, WEIGHTS, PROJECTS, OUTPUTS, AGENCIES,
 RULES) = (sheet.title for sheet in wbk.SHEETS)


@pytest.fixture(scope="module")
def reference():
    text = (REPO_ROOT / "clusterctl" / "data" / "reference" / "provincial-clusters.csv").read_text("utf-8")
    return parse_reference_csv(text, REFERENCE_SOURCE, REFERENCE_EFFECTIVE_FROM)


@pytest.fixture(scope="module")
def sample(reference):
    return prepare_plan(load_sample_plan(), reference)


@pytest.fixture
def plan(sample):
    return copy.deepcopy(sample)


@pytest.fixture(scope="module")
def sample_xlsx(sample):
    return plan_to_xlsx(sample)


@pytest.fixture(scope="module")
def sample_csv(sample):
    return plan_to_csv(sample)


def assert_identical(got, expected, path="plan"):
    """Equal, and of the same types all the way down (1 == 1.0 is not enough)."""
    assert type(got) is type(expected), f"{path}: {got!r} is not {expected!r}"
    if isinstance(expected, dict):
        assert list(got) == list(expected) or set(got) == set(expected), \
            f"{path}: keys {sorted(got)} != {sorted(expected)}"
        for key in expected:
            assert_identical(got[key], expected[key], f"{path}.{key}")
    elif isinstance(expected, list):
        assert len(got) == len(expected), f"{path}: {len(got)} items, not {len(expected)}"
        for n, (a, b) in enumerate(zip(got, expected)):
            assert_identical(a, b, f"{path}.{n}")
    else:
        assert got == expected, f"{path}: {got!r} != {expected!r}"


def indicator(plan, code):
    return next(i for issue in plan["issues"] for i in issue["indicators"] if i["code"] == code)


class Book:
    """An exported workbook opened for editing, as an officer would in Excel."""

    def __init__(self, data: bytes):
        self.wb = openpyxl.load_workbook(io.BytesIO(data))

    def sheet(self, title):
        return self.wb[title]

    def col(self, title, name):
        ws = self.sheet(title)
        return next(c.column for c in ws[1] if c.value and english_name(c.value) == name)

    def set(self, title, row, name, value):
        self.sheet(title).cell(row=row, column=self.col(title, name)).value = value

    def bytes(self) -> bytes:
        out = io.BytesIO()
        self.wb.save(out)
        return out.getvalue()


def csv_files(data: bytes) -> dict[str, list[list[str]]]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: list(csv.reader(io.StringIO(archive.read(name).decode("utf-8-sig"))))
                for name in archive.namelist()}


def zip_csv(files: dict[str, list[list[str]]]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, rows in files.items():
            text = io.StringIO()
            csv.writer(text).writerows(rows)
            archive.writestr(name, "\ufeff" + text.getvalue())
    return out.getvalue()


def problems_of(call, data) -> list[CellProblem]:
    with pytest.raises(WorkbookError) as error:
        call(data)
    return error.value.problems


# --- round trips -------------------------------------------------------------------------------

def test_the_sample_plan_survives_an_xlsx_round_trip_exactly(sample, sample_xlsx):
    document, _ = xlsx_to_plan(sample_xlsx)
    assert document == sample
    assert_identical(document, sample)


def test_the_sample_plan_survives_a_csv_round_trip_exactly(sample, sample_csv):
    document, _ = csv_to_plan(sample_csv)
    assert document == sample
    assert_identical(document, sample)


def awkward(plan):
    """Every optional part filled or emptied, and values a spreadsheet likes to change."""
    plan["revision"] = {"version": 2, "at": "2024-05-01T10:00:00+07:00", "by": "osm-ne2",
                        "reason": "ปรับเป้าหมายตามมติ กบจ.", "approved_by": None}
    plan["vision_en"] = ""
    plan["weights"]["empty"] = {}
    ind = indicator(plan, "NE2-1.1")
    ind.update(baseline=None, data_source=None, provinces=["TH-34", "TH-33"], unit="-",
               name_en="=SUM(A1:A3) is not a formula", cumulative=True)
    ind["targets"]["FY2571"] = 123456789.12345679  # 17 significant digits, outside the plan
    ind["quarterly_targets"] = {"FY2567-Q2": 0.1 + 0.2, "FY2567-Q3": -5.0}
    ind["province_targets"] = {"TH-34": {"FY2567": 1 / 3, "FY2568": 90000.0}}
    ind["province_baselines"] = {"TH-34": {"value": 0.1 + 0.2, "fiscal_year": 2565},
                                 "TH-33": {"value": -7.0, "fiscal_year": 2560}}
    issue = plan["issues"][0]
    issue["objectives"] = []
    issue["approaches"] = [{"th": "@ผู้ว่าราชการจังหวัด\nบรรทัดที่สอง", "en": "'=quoted"},
                           {"th": "+66 45 123 456", "en": ""}]
    project = plan["projects"][0]
    project.update(strategy=None, budget_by_category={}, planned_disbursement={"Q1": 0.0},
                   start_date=None, sdgs=[], indicators=[], status="cancelled",
                   title_en="  spaces kept  ")
    project["outputs"] = [{"description_th": "ผลผลิต", "description_en": "", "quantity": None,
                           "unit": ""}]
    project["strategy"] = {"national_strategy": "Z2", "master_plan": None, "sub_plan": None}
    agency = plan["agencies"][0]
    agency.update(province=None, emails=[], roles=[], language="en")
    plan["validation"] = {"report_expiry_days": 0}  # a window closing on the due date itself
    return plan


@pytest.mark.parametrize("write, read", [(plan_to_xlsx, xlsx_to_plan), (plan_to_csv, csv_to_plan)])
def test_optional_parts_and_awkward_values_survive_the_round_trip(plan, write, read):
    plan = awkward(plan)
    document, _ = read(write(plan))
    assert_identical(document, plan)


def test_thai_text_survives_both_formats(sample, sample_xlsx, sample_csv):
    for document, _ in (xlsx_to_plan(sample_xlsx), csv_to_plan(sample_csv)):
        assert document["title_th"] == \
            "แผนพัฒนากลุ่มจังหวัดภาคตะวันออกเฉียงเหนือตอนล่าง 2 (พ.ศ. 2566-2570)"
        assert document["issues"][0]["approaches"][0]["th"] == \
            "ส่งเสริมการผลิตตามมาตรฐาน GAP และเกษตรอินทรีย์"
        assert indicator(document, "NE2-1.1")["unit"] == "ไร่ (rai)"
    with zipfile.ZipFile(io.BytesIO(sample_csv)) as archive:
        raw = archive.read("indicators.csv")
        assert sorted(archive.namelist()) == sorted(s.filename for s in wbk.SHEETS)
    assert raw.startswith("\ufeff".encode("utf-8"))  # Excel reads the file as UTF-8
    header = next(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert header[:2] == ["ประเด็นที่ (issue)", "รหัสตัวชี้วัด (code)"]
    assert "ค่าเป้าหมาย ปีงบประมาณ 2567 (targets FY2567)" in header
    assert openpyxl.load_workbook(io.BytesIO(sample_xlsx), read_only=True).sheetnames == \
        [s.title for s in wbk.SHEETS]


def test_the_parser_keys_on_the_english_names_and_reads_what_an_officer_types(sample,
                                                                               sample_xlsx):
    book = Book(sample_xlsx)
    ws = book.sheet(INDICATORS)
    ws.title = "ตัวชี้วัดกลุ่ม (Indicators)"
    ws["B1"] = "รหัส (code)"
    ws["A1"] = "issue"  # no Thai label at all
    title = ws.title
    book.set(title, 2, "targets FY2567", "180,000")  # text with a thousands separator
    book.set(title, 2, "direction", "Increase")
    book.set(title, 2, "cumulative", 0)
    book.set(title, 3, "sample", "true")
    book.set(PROJECTS, 2, "start_date", datetime(2023, 11, 1))  # Excel made it a date
    book.set(PROJECTS, 2, "budget_thb", 25000000)  # an int in a number column
    book.set(PROJECTS, 2, "fiscal_year", 2567.0)
    book.sheet(AGENCIES).cell(row=1, column=1).value = "รหัส (CODE)"
    book.wb.create_sheet("บันทึกของฉัน")["A1"] = "an officer's own notes are ignored"
    document, locations = xlsx_to_plan(book.bytes())
    assert_identical(document, sample)
    assert locations["indicator NE2-1.1"] == ("ตัวชี้วัดกลุ่ม (Indicators)", 2)


def test_the_workbook_is_ready_for_an_officer(sample_xlsx):
    book = Book(sample_xlsx)
    for ws in book.wb.worksheets:
        assert ws.freeze_panes in ("A2", "B2", "C2")  # the header row stays in view
        assert ws.cell(row=1, column=1).font.b
        assert ws.column_dimensions["B"].width >= 12

    def choices(title, name):
        if title == PLAN:
            cell = f"B{2 + [f.name for f in wbk.PLAN_FIELDS].index(name)}"
        else:
            cell = f"{openpyxl.utils.get_column_letter(book.col(title, name))}2"
        [rule] = [r for r in book.sheet(title).data_validations.dataValidation
                  if cell in r.sqref]
        assert rule.type == "list"
        return rule.formula1

    assert choices(INDICATORS, "direction") == '"increase,decrease"'
    assert choices(INDICATORS, "aggregation") == '"sum,mean,min,max"'
    assert choices(INDICATORS, "frequency") == '"monthly,quarterly,yearly"'
    assert choices(INDICATORS, "cumulative") == '"TRUE,FALSE"'
    assert choices(INDICATORS, "issue") == f"'{ISSUES}'!$A$2:$A$200"
    assert choices(OBJECTIVES, "kind") == '"objective,approach"'
    assert choices(PROJECTS, "status") == '"active,cancelled"'
    assert choices(AGENCIES, "kind") == '"' + ",".join(wbk.AGENCY_KINDS) + '"'
    assert choices(AGENCIES, "language") == '"th,en"'
    assert choices(PLAN, "status") == '"draft,published,archived"'


def test_sheet_titles_are_valid_in_excel_and_file_names_are_plain():
    for sheet in wbk.SHEETS:
        assert len(sheet.title) <= 31 and not set(sheet.title) & set("[]:*?/\\")
        assert sheet.filename.isascii()


def test_the_documented_template_is_the_one_in_the_code():
    text = (REPO_ROOT / "docs" / "plan-workbook.md").read_text("utf-8")
    assert wbk.describe_template() in text


# --- unreadable workbooks ----------------------------------------------------------------------

def test_every_unreadable_cell_is_reported_with_its_sheet_row_and_column(sample_xlsx):
    book = Book(sample_xlsx)
    start_row = 2 + [f.name for f in wbk.PLAN_FIELDS].index("start_fy")
    book.sheet(PLAN).cell(row=start_row, column=2).value = "twenty"
    book.sheet(PLAN).cell(row=start_row + 2, column=2).value = "final"  # status
    ws = book.sheet(ISSUES)
    ws.cell(row=1, column=5).value = "ประเด็น (number)"  # a second 'number' column
    book.set(OBJECTIVES, 2, "kind", "goal")
    book.sheet(OBJECTIVES).cell(row=3, column=7).value = "stray"  # no header above it
    book.set(INDICATORS, 7, "targets FY2567", "abc")
    book.set(INDICATORS, 2, "direction", "up")
    book.set(INDICATORS, 3, "cumulative", "maybe")
    book.set(INDICATORS, 4, "issue", 9)
    book.set(INDICATORS, 5, "code", None)
    # the sample plan's own per-province rows out of the way (they name indicators spoilt above)
    for sheet in (book.sheet(TARGETS), book.sheet(BASELINES)):
        sheet.delete_rows(2, sheet.max_row)
    targets = book.sheet(TARGETS)
    targets.append(["NE2-9.9", None, "FY2567-Q2", 5])
    targets.append(["NE2-1.1", "TH-34", "FY2567-Q2", 1])
    targets.append(["NE2-1.1", None, "FY2567-Q1", "ten"])
    book.set(WEIGHTS, 2, "TH-34", "x")
    book.set(PROJECTS, 2, "budget_thb", "lots")
    book.set(PROJECTS, 3, "start_date", "31/03/2567")
    book.set(PROJECTS, 4, "sdgs", "2, x")
    book.set(PROJECTS, 5, "fiscal_year", 2567.5)
    book.set(PROJECTS, 6, "end_date", "2567-09-30")
    book.set(OUTPUTS, 2, "project", "NE2-99-999")
    book.set(AGENCIES, 2, "roles", "osm, boss")
    book.set(AGENCIES, 3, "kind", None)
    found = problems_of(xlsx_to_plan, book.bytes())
    assert found == [
        CellProblem(PLAN, start_row, "value", "'twenty' is not a whole number"),
        CellProblem(PLAN, start_row + 2, "value", "'final' is not one of draft, published, "
                                                  "archived"),
        CellProblem(ISSUES, 1, "number", "the column appears twice (columns A and E)"),
        CellProblem(OBJECTIVES, 2, "kind", "'goal' is not one of objective, approach"),
        CellProblem(OBJECTIVES, 3, "G", "'stray' is in a column without a header"),
        CellProblem(INDICATORS, 2, "direction", "'up' is not one of increase, decrease"),
        CellProblem(INDICATORS, 3, "cumulative", "'maybe' is not TRUE or FALSE"),
        CellProblem(INDICATORS, 4, "issue", f"issue 9 is not on the {ISSUES} sheet"),
        CellProblem(INDICATORS, 5, "code", "a value is required"),
        CellProblem(INDICATORS, 7, "targets FY2567", "'abc' is not a number"),
        CellProblem(TARGETS, 2, "indicator", f"indicator NE2-9.9 is not on the {INDICATORS} "
                                             "sheet"),
        CellProblem(TARGETS, 3, "period", "'FY2567-Q2': a province's target is for a fiscal "
                                          "year, such as FY2567"),
        CellProblem(TARGETS, 4, "value", "'ten' is not a number"),
        CellProblem(WEIGHTS, 2, "TH-34", "'x' is not a number"),
        CellProblem(PROJECTS, 2, "budget_thb", "'lots' is not a number"),
        CellProblem(PROJECTS, 3, "start_date", "'31/03/2567' is not a date: write "
                    "YYYY-MM-DD, C.E., e.g. 2025-03-31 (2567 is a B.E. year: write 2024-03-31)"),
        CellProblem(PROJECTS, 4, "sdgs", "'x' is not a whole number"),
        CellProblem(PROJECTS, 5, "fiscal_year", "2567.5 is not a whole number"),
        CellProblem(PROJECTS, 6, "end_date", "2567 is a Buddhist-Era (B.E.) year: use the C.E. "
                                             "date (2024-09-30)"),
        CellProblem(OUTPUTS, 2, "project", f"project NE2-99-999 is not on the {PROJECTS} sheet"),
        CellProblem(AGENCIES, 2, "roles", "'boss' is not one of focal_point, implementing, "
                                          "receiving, responsible, osm"),
        CellProblem(AGENCIES, 3, "kind", "a value is required"),
    ]


def test_the_error_lists_every_problem_as_sheet_row_and_column(sample_xlsx):
    book = Book(sample_xlsx)
    book.set(INDICATORS, 7, "targets FY2567", "abc")
    book.set(PROJECTS, 2, "sample", "perhaps")
    with pytest.raises(WorkbookError) as error:
        xlsx_to_plan(book.bytes())
    assert str(error.value).splitlines() == [
        "2 problems in the workbook:",
        "ตัวชี้วัด (indicators) row 7, column targets FY2567: 'abc' is not a number",
        "โครงการ (projects) row 2, column sample: 'perhaps' is not TRUE or FALSE"]


def test_the_csv_form_reports_cells_by_file_name(sample_csv):
    files = csv_files(sample_csv)
    header = [english_name(h) for h in files["indicators.csv"][0]]
    files["indicators.csv"][6][header.index("targets FY2567")] = "abc"
    files["indicators.csv"][1][header.index("frequency")] = ""
    header = [english_name(h) for h in files["projects.csv"][0]]
    files["projects.csv"][2][header.index("planned_disbursement Q3")] = "1.5.0"
    files["plan.csv"][6][1] = "2570.5"  # end_fy
    files["outputs.csv"] = [[cell for n, cell in enumerate(row) if n != 4]  # no unit column
                            for row in files["outputs.csv"]]
    del files["weights.csv"]
    assert problems_of(csv_to_plan, zip_csv(files)) == [  # in the layout's order of sheets
        CellProblem("plan.csv", 7, "value", "'2570.5' is not a whole number"),
        CellProblem("indicators.csv", 2, "frequency", "a value is required"),
        CellProblem("indicators.csv", 7, "targets FY2567", "'abc' is not a number"),
        CellProblem("weights.csv", None, None, "the file is missing"),
        CellProblem("projects.csv", 3, "planned_disbursement Q3", "'1.5.0' is not a number"),
        CellProblem("outputs.csv", None, "unit", "the column is missing (header "
                                                 "'หน่วยนับ (unit)')"),
    ]


def test_a_missing_sheet_and_a_missing_column_are_named(sample_xlsx):
    book = Book(sample_xlsx)
    book.wb.remove(book.sheet(OUTPUTS))
    book.sheet(INDICATORS).delete_cols(book.col(INDICATORS, "unit"))
    assert problems_of(xlsx_to_plan, book.bytes()) == [
        CellProblem(INDICATORS, None, "unit", "the column is missing (header 'หน่วยนับ (unit)')"),
        CellProblem(OUTPUTS, None, None, "the sheet is missing"),
    ]


def test_an_unknown_column_and_an_unknown_plan_field_are_named(sample_xlsx):
    book = Book(sample_xlsx)
    book.sheet(PROJECTS).cell(row=1, column=30).value = "หมายเหตุ (remarks)"
    ws = book.sheet(PLAN)
    ws.append(["ผู้จัดทำ (author)", "me"])
    found = problems_of(xlsx_to_plan, book.bytes())
    assert [(p.sheet, p.row, p.column) for p in found] == [(PLAN, ws.max_row, "field"),
                                                           (PROJECTS, 1, "remarks")]
    assert found[0].message.startswith("unknown field 'author'; the fields are id, cluster,")
    assert found[1].message.startswith("unknown column; the columns are code, title_th,")


@pytest.mark.parametrize("data, message", [
    (b"", "the file is empty"),
    (b"%PDF-1.7\n...", "this is not an Excel workbook (.xlsx)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "an old Excel file (.xls)"),
    ("csv", "it is a ZIP of CSV files: upload it as CSV"),
    ("truncated", "this is not an Excel workbook (.xlsx)"),
    ("damaged", "the Excel workbook cannot be read"),
])
def test_an_upload_that_is_not_an_xlsx_is_refused(sample_xlsx, sample_csv, data, message):
    if data == "csv":
        data = sample_csv
    elif data == "truncated":
        data = sample_xlsx[: len(sample_xlsx) // 2]
    elif data == "damaged":
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as archive:
            archive.writestr("[Content_Types].xml", "<not-xml")
        data = out.getvalue()
    [problem] = problems_of(xlsx_to_plan, data)
    assert problem.sheet == "" and problem.row is None and message in problem.message


@pytest.mark.parametrize("data, message", [
    ("xlsx", "this is an Excel workbook, not a ZIP of CSV files"),
    ("id,cluster\nx,y\n".encode(), "a single CSV file cannot hold a whole plan"),
])
def test_an_upload_that_is_not_a_zip_of_csv_files_is_refused(sample_xlsx, data, message):
    [problem] = problems_of(csv_to_plan, sample_xlsx if data == "xlsx" else data)
    assert message in problem.message


def test_a_csv_file_saved_in_a_thai_windows_code_page_is_named(sample_csv):
    with zipfile.ZipFile(io.BytesIO(sample_csv)) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    files["issues.csv"] = files["issues.csv"].decode("utf-8-sig").encode("cp874")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, raw in files.items():
            archive.writestr(name, raw)
    found = problems_of(csv_to_plan, out.getvalue())
    assert found[0] == CellProblem("issues.csv", None, None, "the CSV file 'issues.csv' is not "
                                   "UTF-8 text: in Excel save it as 'CSV UTF-8 (Comma delimited)'")
    assert "UTF-8" in found[0].message_th and found[0].message_th != found[0].message


# --- the plan rules, cell by cell --------------------------------------------------------------

def test_the_plan_rules_problems_are_mapped_to_cells(plan, reference):
    indicator(plan, "NE2-1.1")["targets"]["FY2571"] = 300000.0  # outside the plan's years
    indicator(plan, "NE2-1.1")["quarterly_targets"] = {"FY2567-Q2": 160000.0, "FY2571-Q1": 1.0}
    indicator(plan, "NE2-1.1")["province_targets"] = {"TH-10": {"FY2567": 1.0}}
    indicator(plan, "NE2-3.1")["aggregation"] = "sum"  # a percentage, summed
    del plan["weights"]["households"]["TH-37"]
    plan["projects"][2]["budget_by_category"]["operating"] += 1000  # NE2-67-003
    plan["projects"][6]["fiscal_year"] = 2571  # NE2-67-007
    plan["agencies"].append(copy.deepcopy(plan["agencies"][0]))  # osm-ne2 twice
    document, locations = xlsx_to_plan(plan_to_xlsx(plan))
    with pytest.raises(PlanError) as error:
        prepare_plan(document, reference)
    located = locate(error.value.problems, locations)
    assert len(located) == len(error.value.problems) == 8
    assert sorted(located, key=lambda p: (p.sheet, p.row)) == sorted([
        CellProblem(WEIGHTS, 3, "TH-37", "no value for TH-37"),
        CellProblem(AGENCIES, len(plan["agencies"]) + 1, "code", "the code is used twice"),
        CellProblem(INDICATORS, 2, "targets FY2571",
                    "FY2571 is outside the plan's years FY2566-FY2570"),
        CellProblem(TARGETS, 3, "period", "FY2571-Q1 is outside the plan's years FY2566-FY2570"),
        CellProblem(TARGETS, 4, "province", "TH-10 is not in the plan"),
        CellProblem(INDICATORS, 7, "aggregation",
                    "unit 'ร้อยละ (%)' is a percentage: percentages are not summed across "
                    "provinces; use mean (weighted if need be)"),
        CellProblem(PROJECTS, 4, "budget_by_category",
                    "categories add up to 32,001,000.00 THB but budget_thb is 32,000,000.00"),
        CellProblem(PROJECTS, 8, "fiscal_year", "FY2571 is outside the plan's years FY2566-FY2570"),
    ], key=lambda p: (p.sheet, p.row))


def test_schema_problems_are_mapped_to_cells_too(plan, reference):
    plan["id"] = "Not An Id"
    plan["projects"][0]["budget_thb"] = -1.0
    plan["projects"][1]["sdgs"] = [18]
    plan["agencies"][0]["emails"] = ["not-an-address"]
    indicator(plan, "NE2-1.2")["baseline"]["fiscal_year"] = 65
    document, locations = csv_to_plan(plan_to_csv(plan))
    with pytest.raises(PlanError) as error:
        prepare_plan(document, reference)
    [(where, _)] = error.value.problems
    assert where == "plan"  # the schema's problems come as one
    error = located_error(error.value, locations)
    assert [(p.sheet, p.row, p.column) for p in error.problems] == [
        ("agencies.csv", 2, "emails"),
        ("plan.csv", 2, "value"),  # id
        ("indicators.csv", 3, "baseline fiscal_year"),
        ("projects.csv", 2, "budget_thb"),
        ("projects.csv", 3, "sdgs"),
    ]
    assert error.problems[2].message == "must be a B.E. year such as 2567"


def test_a_problem_of_an_unknown_place_keeps_its_where():
    assert locate([("indicator NOPE, targets", "FY2571 is outside"), ("plan", "no sheet")], {}) \
        == [CellProblem("", None, None, "indicator NOPE, targets: FY2571 is outside"),
            CellProblem("", None, None, "plan: no sheet")]


def test_plan_level_problems_point_at_the_plan_sheet(sample_xlsx, reference):
    book = Book(sample_xlsx)
    row = 2 + [f.name for f in wbk.PLAN_FIELDS].index("provinces")
    book.sheet(PLAN).cell(row=row, column=2).value = "TH-34, TH-10, TH-34"
    document, locations = xlsx_to_plan(book.bytes())
    with pytest.raises(PlanError) as error:
        prepare_plan(document, reference)
    located = locate(error.value.problems, locations)
    assert CellProblem(PLAN, row, "value", "TH-10 is not a member of cluster northeast-lower-2") \
        in located
    assert CellProblem(PLAN, row, "value", "TH-34 is listed twice") in located


def test_the_reporting_window_is_a_plan_row_and_a_bad_one_is_named_at_its_cell(sample_xlsx,
                                                                             reference):
    row = 2 + [f.name for f in wbk.PLAN_FIELDS].index("report_expiry_days")
    book = Book(sample_xlsx)
    assert english_name(book.sheet(PLAN).cell(row=row, column=1).value) == "report_expiry_days"
    book.sheet(PLAN).cell(row=row, column=2).value = 30
    document, _ = xlsx_to_plan(book.bytes())
    assert prepare_plan(document, reference)["validation"] == {"report_expiry_days": 30}
    book.sheet(PLAN).delete_rows(row)  # a workbook made before the row existed: no window
    assert xlsx_to_plan(book.bytes())[0]["validation"] is None
    book = Book(sample_xlsx)
    book.sheet(PLAN).cell(row=row, column=2).value = -3
    document, locations = xlsx_to_plan(book.bytes())
    with pytest.raises(PlanError) as error:
        prepare_plan(document, reference)
    [problem] = located_error(error.value, locations).problems
    assert (problem.sheet, problem.row, problem.column) == (PLAN, row, "value")
    assert "greater than or equal to 0" in problem.message
