"""Links as codes (issue 26 point 2): every code an issue, indicator or project links must be an
entry in force of the plan's hierarchy version on the day the version is made; a bad one is
named where it is (and, on import, at its cell); a good plan carries what it links."""
import base64
import copy
import io
from datetime import datetime, timezone

import openpyxl
import pytest

from clusterctl.reference import (REFERENCE_EFFECTIVE_FROM, REFERENCE_SOURCE, load_national,
                                  load_sample_plan, national_files)
from clusterctl.settings import REPO_ROOT
from services.plans import handlers, lifecycle
from services.plans.domain import PlanError
from services.plans.links import LinkCheck, link_check
from services.plans.national import build_national_hierarchy
from services.plans.store import SqlitePlansStore
from services.plans.workbook import located_error, plan_to_xlsx, xlsx_to_plan
from tests.support.plans import sample_reference

DAY = "2024-03-01"
NOW = datetime(2024, 3, 1, 3, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def reference():
    return sample_reference()


@pytest.fixture(scope="module")
def shipped():
    return load_national()


@pytest.fixture
def check(shipped):
    return link_check(shipped, DAY)


@pytest.fixture
def sample():
    return copy.deepcopy(load_sample_plan())


def problems(call) -> list[tuple[str, str]]:
    with pytest.raises(PlanError) as error:
        call()
    return error.value.problems


def test_a_linked_plan_carries_its_version_and_every_linked_entry_with_its_parents(
        sample, reference, check, shipped):
    plan = lifecycle.create(sample, reference, check)
    assert plan["national_version"] == shipped.version_id
    carried = {e["code"]: e for e in plan["national_entries"]}
    assert carried["MP03"]["parent_code"] == "NS2" and "NS2" in carried  # the parent too
    assert carried["MP03"]["name_th"] == "แผนแม่บทประเด็นการเกษตร"
    assert {"SDG2", "M01", "MP18", "NS5"} <= set(carried)
    assert "NS1" not in carried and "MP01" not in carried  # nothing the plan does not link
    levels = [e["level"] for e in plan["national_entries"]]
    assert levels == sorted(levels, key=["strategy", "master_plan", "milestone", "sdg_goal"].index)


def test_an_unknown_code_is_named_where_it_is_in_thai_and_english(sample, reference, check):
    sample["issues"][1]["national_links"] = ["MP08", "XX9"]
    sample["projects"][2]["national_links"] = ["mp09"]
    found = problems(lambda: lifecycle.create(sample, reference, check))
    where = dict(found)
    assert set(where) == {"issue 2, national_links", "project NE2-67-003, national_links"}
    assert "XX9" in where["issue 2, national_links"]
    assert "ไม่ใช่รายการที่มีผล" in where["issue 2, national_links"]
    assert "is not an entry in force" in where["issue 2, national_links"]
    assert "did you mean MP09?" in where["project NE2-67-003, national_links"]


def test_an_indicator_code_listed_twice_is_named(sample, reference, check):
    sample["issues"][0]["indicators"][0]["national_links"] = ["SDG2", "SDG2"]
    assert problems(lambda: lifecycle.create(sample, reference, check)) == [
        ("indicator NE2-1.1, national_links", "รหัส SDG2 ซ้ำในรายการ / SDG2 is listed twice")]


def test_an_entry_not_yet_in_force_on_the_day_is_refused(sample, reference):
    files = {**national_files(), "later.csv": "code,parent_code,level,name_th,name_en,"
             "effective_from,source,verified\nM14,,milestone,หมุดหมายใหม่,New milestone,"
             "2027-10-01,test,no\n"}
    hierarchy = build_national_hierarchy(files)
    sample["issues"][4]["national_links"] = ["M14"]
    [(where, what)] = problems(lambda: lifecycle.create(sample, reference,
                                                        link_check(hierarchy, DAY)))
    assert where == "issue 5, national_links" and f"on {DAY}" in what
    later = lifecycle.create(sample, reference, link_check(hierarchy, "2027-10-01"))
    assert "M14" in {e["code"] for e in later["national_entries"]}


def test_links_without_a_hierarchy_loaded_are_refused_clearly(sample, reference):
    [(where, what)] = problems(lambda: lifecycle.create(sample, reference, LinkCheck(None, DAY)))
    assert where == "issue 1, national_links"
    assert "no national hierarchy is loaded" in what and "ยังไม่ได้นำเข้า" in what


def test_a_plan_without_links_is_made_exactly_as_before(sample, reference, check):
    for issue in sample["issues"]:
        issue.pop("national_links")
        for indicator in issue["indicators"]:
            indicator.pop("national_links", None)
    for project in sample["projects"]:
        project.pop("national_links", None)
    unchecked = lifecycle.create(sample, reference)
    assert lifecycle.create(sample, reference, check) == unchecked
    assert lifecycle.create(sample, reference, LinkCheck(None, DAY)) == unchecked
    assert unchecked["national_version"] is None and unchecked["national_entries"] == []


def test_entries_given_by_hand_are_replaced_by_what_the_links_carry(sample, reference, check):
    sample["national_entries"] = [{"code": "MP03", "parent_code": "NS2", "level": "master_plan",
                                   "name_th": "ชื่อที่แต่งเอง", "verified": True}]
    plan = lifecycle.create(sample, reference, check)
    assert next(e for e in plan["national_entries"] if e["code"] == "MP03")["name_th"] == \
        "แผนแม่บทประเด็นการเกษตร"


def test_publishing_checks_the_links_again_on_its_own_day(sample, reference, check):
    draft = lifecycle.create(sample, reference, check)
    plan, [event] = lifecycle.publish(draft, "osm", "ก.บ.ก.", NOW, check)
    assert event[1]["plan"]["national_entries"] == draft["national_entries"]
    found = problems(lambda: lifecycle.publish(draft, "osm", "ก.บ.ก.", NOW,
                                               LinkCheck("other-version", DAY, {})))
    assert ("issue 1, national_links") in dict(found)


def test_a_revision_that_only_refreshes_the_carried_entries_changes_nothing(sample, reference,
                                                                              check):
    draft = lifecycle.create(sample, reference, check)
    published, _ = lifecycle.publish(draft, "osm", "ก.บ.ก.", NOW, check)
    document = {**copy.deepcopy(published), "national_entries": []}
    with pytest.raises(PlanError, match="changes nothing"):
        lifecycle.revise(published, document, "r", "ก.บ.ก.", "osm", reference, NOW, check)
    document["issues"][3]["national_links"] = ["MP17"]
    plan, _ = lifecycle.revise(published, document, "r", "ก.บ.ก.", "osm", reference, NOW, check)
    assert "SDG10" not in {e["code"] for e in plan["national_entries"]}  # only issue 4 had it


# --- through the plans service's use cases, on a real store ------------------------------------

@pytest.fixture
def store(tmp_path):
    store = SqlitePlansStore(tmp_path / "plans.sqlite3")
    text = (REPO_ROOT / "clusterctl" / "data" / "reference" / "provincial-clusters.csv").read_text("utf-8")
    handlers.load_reference(store, text, REFERENCE_SOURCE, REFERENCE_EFFECTIVE_FROM)
    yield store
    store.close()


def test_the_plans_service_refuses_links_before_the_hierarchy_is_loaded_then_takes_them(
        store, sample):
    with pytest.raises(PlanError) as error:
        handlers.create_plan(store, sample)
    assert "no national hierarchy is loaded" in str(error.value.problems)
    loaded = handlers.load_national(store, national_files(), "system")
    handlers.create_plan(store, sample)
    draft = store.get_plan(sample["id"])
    assert draft["national_version"] == loaded["version_id"]
    assert {"MP03", "NS2"} <= {e["code"] for e in draft["national_entries"]}
    handlers.publish_plan(store, sample["id"], "osm", "ก.บ.ก.")
    assert store.get_plan(sample["id"])["national_entries"] == draft["national_entries"]


def test_a_bad_code_in_an_uploaded_workbook_is_answered_at_its_cell(store, sample, reference):
    handlers.load_national(store, national_files(), "system")
    book = plan_to_xlsx(lifecycle.create(sample, reference))
    wb = openpyxl.load_workbook(io.BytesIO(book))
    ws = wb["ประเด็นการพัฒนา (issues)"]
    column = next(c.column_letter for c in ws[1] if "(national_links)" in str(c.value))
    ws[f"{column}3"] = "MP08, SDG99"  # issue 2 is on row 3
    out = io.BytesIO()
    wb.save(out)
    answer = handlers.import_plan(store, base64.b64encode(out.getvalue()).decode(), "xlsx", "osm")
    [problem] = answer["problems"]
    assert (problem["sheet"], problem["row"], problem["column"]) == (
        "ประเด็นการพัฒนา (issues)", 3, "national_links")
    assert "SDG99" in problem["message"] and "SDG99" in problem["message_th"]
    document, locations = xlsx_to_plan(out.getvalue())
    with pytest.raises(PlanError) as error:
        handlers.create_plan(store, document)
    assert located_error(error.value, locations).problems[0].row == 3


# --- the workbook: a list sheet and drop-downs -------------------------------------------------

LIST_TITLE = "รายการแผนระดับชาติ (national)"


@pytest.fixture(scope="module")
def linked_book(reference, shipped):
    from services.plans.links import list_rows
    plan = lifecycle.create(load_sample_plan(), reference, link_check(shipped, DAY))
    rows = list_rows(shipped.as_of(DAY))
    return plan, rows, plan_to_xlsx(plan, rows)


def test_the_export_lists_the_hierarchy_and_offers_its_codes_in_every_links_cell(linked_book,
                                                                                  shipped):
    plan, rows, data = linked_book
    wb = openpyxl.load_workbook(io.BytesIO(data))
    listed = wb[LIST_TITLE]
    header = [c.value for c in listed[1]]
    assert header[:2] == ["รหัส (code)", "ระดับ (level)"]
    codes = [r[0] for r in listed.iter_rows(min_row=2, values_only=True)]
    assert codes == [r["code"] for r in rows] and len(codes) == len(shipped.as_of(DAY))
    mp03 = next(r for r in listed.iter_rows(min_row=2, values_only=True) if r[0] == "MP03")
    assert mp03 == ("MP03", "แผนแม่บทฯ", "แผนแม่บทประเด็นการเกษตร", "Agriculture", False)
    assert listed.protection.sheet  # read-only
    for title in ("ประเด็นการพัฒนา (issues)", "ตัวชี้วัด (indicators)", "โครงการ (projects)"):
        ws = wb[title]
        letter = next(c.column_letter for c in ws[1] if "(national_links)" in str(c.value))
        [rule] = [r for r in ws.data_validations.dataValidation if f"{letter}2" in r.sqref]
        assert rule.type == "list"
        assert rule.formula1 == f"'{LIST_TITLE}'!$A$2:$A${len(rows) + 1}"
        assert not rule.showErrorMessage  # "MP03, SDG2" must pass
        assert rule.showInputMessage and "คั่นด้วยจุลภาค" in rule.prompt and "commas" in rule.prompt


def test_the_reader_ignores_the_list_sheet_and_loads_a_workbook_without_it(linked_book):
    plan, rows, data = linked_book
    document, _ = xlsx_to_plan(data)
    without = openpyxl.load_workbook(io.BytesIO(data))
    del without[LIST_TITLE]
    out = io.BytesIO()
    without.save(out)
    again, _ = xlsx_to_plan(out.getvalue())
    assert again == document
    assert document["issues"][0]["national_links"] == plan["issues"][0]["national_links"]
    assert document["national_version"] == plan["national_version"]
    assert document["national_entries"] == []  # derived by plans, never read


def test_the_csv_form_carries_the_list_as_a_file_it_does_not_read(linked_book):
    import zipfile
    from services.plans.workbook import csv_to_plan, plan_to_csv
    plan, rows, _ = linked_book
    data = plan_to_csv(plan, rows)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        text = archive.read("national.csv").decode("utf-8-sig")
    assert "MP03,แผนแม่บทฯ,แผนแม่บทประเด็นการเกษตร,Agriculture,FALSE" in text
    document, _ = csv_to_plan(data)
    assert document["projects"][0]["national_links"] == plan["projects"][0]["national_links"]


def test_without_a_hierarchy_the_export_has_no_list_and_no_drop_down(reference):
    wb = openpyxl.load_workbook(io.BytesIO(plan_to_xlsx(lifecycle.create(load_sample_plan(),
                                                                         reference))))
    assert LIST_TITLE not in wb.sheetnames
    ws = wb["ประเด็นการพัฒนา (issues)"]
    letter = next(c.column_letter for c in ws[1] if "(national_links)" in str(c.value))
    assert not [r for r in ws.data_validations.dataValidation if f"{letter}2" in r.sqref]


def test_the_plans_service_exports_the_list_of_the_plans_own_version(store, sample):
    handlers.load_national(store, national_files(), "system")
    handlers.create_plan(store, sample)
    exported = handlers.export_plan(store, sample["id"], "xlsx")
    wb = openpyxl.load_workbook(io.BytesIO(base64.b64decode(exported["base64"])))
    assert "SDG2" in [r[0] for r in wb[LIST_TITLE].iter_rows(min_row=2, values_only=True)]
