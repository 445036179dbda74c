"""The national strategy hierarchy as versioned reference data (services/plans/national.py)."""
import pytest

from clusterctl.reference import load_national
from services.plans.national import NATIONAL_COLUMNS, build_national_hierarchy
from services.contracts.errors import PlanError

HEADER = ",".join(NATIONAL_COLUMNS)
NS1 = "NS1,,strategy,ยุทธศาสตร์ชาติด้านความมั่นคง,Security,2018-10-13,gazette,yes"
MP01 = "MP01,NS1,master_plan,แผนแม่บทประเด็นความมั่นคง,Security,2019-04-18,gazette,no"


def csv_text(*rows):
    return "\n".join((HEADER,) + rows) + "\n"


def problems_of(files):
    with pytest.raises(PlanError) as error:
        build_national_hierarchy(files)
    return str(error.value)


def test_the_shipped_lists_load_with_their_counts():
    counts = load_national().count_by_level("2026-01-01")
    assert counts == {"strategy": 6, "master_plan": 23, "milestone": 13, "sdg_goal": 17}


def test_the_shipped_master_plans_hang_under_strategies():
    in_force = load_national().as_of("2026-01-01")
    assert in_force["MP19"].parent_code == "NS5" and in_force["NS5"].level == "strategy"
    assert all(e.source and e.name_th for e in in_force.values())


def test_entries_are_in_force_from_their_effective_date():
    hierarchy = build_national_hierarchy({"a.csv": csv_text(NS1, MP01)})
    assert set(hierarchy.as_of("2018-10-12")) == set()
    assert set(hierarchy.as_of("2018-10-13")) == {"NS1"}
    assert set(hierarchy.as_of("2019-04-18")) == {"NS1", "MP01"}


def test_a_later_row_replaces_the_code_from_its_date():
    renamed = MP01.replace("Security,2019", "National security,2023")
    hierarchy = build_national_hierarchy({"a.csv": csv_text(NS1, MP01), "b.csv": csv_text(renamed)})
    assert hierarchy.as_of("2022-12-31")["MP01"].name_en == "Security"
    assert hierarchy.as_of("2023-04-18")["MP01"].name_en == "National security"
    assert hierarchy.version_id.startswith("2023-04-18-")


def test_the_version_names_the_content():
    first = build_national_hierarchy({"a.csv": csv_text(NS1)}).version_id
    assert build_national_hierarchy({"a.csv": csv_text(NS1)}).version_id == first
    assert build_national_hierarchy({"a.csv": csv_text(NS1.replace("Security", "S"))}).version_id != first


def test_a_byte_order_mark_is_ignored():
    assert "NS1" in build_national_hierarchy({"a.csv": "\ufeff" + csv_text(NS1)}).as_of("2020-01-01")


def test_a_duplicate_code_names_both_lines():
    message = problems_of({"a.csv": csv_text(NS1, MP01), "b.csv": csv_text(MP01)})
    assert "b.csv line 2: รหัส MP01 ซ้ำกับ a.csv line 3" in message
    assert "code MP01 from 2019-04-18 is already at a.csv line 3" in message


def test_an_unknown_parent_is_named():
    message = problems_of({"a.csv": csv_text(NS1, MP01.replace("NS1", "NS9"))})
    assert "a.csv line 3: ไม่พบ parent_code NS9" in message and "parent_code NS9 is unknown" in message


def test_a_parent_not_yet_in_force_is_unknown():
    early = MP01.replace("2019-04-18", "2017-01-01")
    assert "parent_code NS1 is unknown on 2017-01-01" in problems_of({"a.csv": csv_text(NS1, early)})


def test_a_parent_at_the_wrong_level_is_named():
    target = "T1,MP01,strategy_target,เป้าหมาย,Target,2019-05-01,gazette,no"
    assert "a.csv line 4:" in problems_of({"a.csv": csv_text(NS1, MP01, target)})
    assert "parent_code MP01 is a master_plan, not a strategy" in problems_of(
        {"a.csv": csv_text(NS1, MP01, target)})


def test_a_root_with_a_parent_and_a_child_without_one_are_refused():
    message = problems_of({"a.csv": csv_text(NS1.replace(",,strategy", ",X,strategy"),
                                             MP01.replace(",NS1,", ",,"))})
    assert "line 2: ระดับ strategy ต้องไม่มี parent_code" in message
    assert "line 3:" in message and "a master_plan needs a parent_code (a strategy)" in message


def test_a_code_may_not_change_level():
    moved = MP01.replace("master_plan", "sub_plan").replace("2019-04-18", "2023-01-01")
    assert "code MP01 changes level from master_plan" in problems_of(
        {"a.csv": csv_text(NS1, MP01, moved)})


@pytest.mark.parametrize("bad, english", [
    (NS1.replace(",strategy,", ",goal,"), "level 'goal' is not one of"),
    (NS1.replace("ยุทธศาสตร์ชาติด้านความมั่นคง", ""), "name_th (the Thai name) is empty"),
    (NS1.replace("2018-10-13", "13/10/2561"), "effective_from '13/10/2561' is not a date"),
    (NS1.replace("gazette", ""), "source is empty"),
    (NS1.replace(",yes", ",maybe"), "verified must be yes or no, not 'maybe'"),
    (NS1.replace("NS1,", ",", 1), "code is empty"),
])
def test_a_bad_row_names_its_line_in_thai_and_english(bad, english):
    message = problems_of({"a.csv": csv_text(bad)})
    assert "a.csv line 2: " in message and english in message and " / " in message


def test_every_bad_row_of_every_file_is_reported_and_nothing_loaded():
    message = problems_of({"a.csv": csv_text(NS1.replace(",yes", ",")),
                           "b.csv": csv_text(MP01.replace("gazette", ""))})
    assert "a.csv line 2:" in message and "b.csv line 2:" in message


def test_a_missing_column_and_an_empty_file_are_named():
    assert "missing column(s) verified" in problems_of(
        {"a.csv": csv_text(NS1).replace(",verified", "").replace(",yes", "")})
    assert "a.csv: ไม่มีข้อมูล / no rows" in problems_of({"a.csv": csv_text()})
    assert "no files" in problems_of({})


# --- kept by the plans service ------------------------------------------------------------------

def test_a_loaded_version_is_the_one_new_plans_are_made_under_and_plans_keep_theirs(tmp_path):
    from services.plans import handlers
    from services.plans.store.sqlite import SqlitePlansStore
    from clusterctl.reference import NATIONAL_DIR

    store = SqlitePlansStore(tmp_path / "plans.db")
    assert handlers.national_of(store) is None
    files = {e.name: e.read_text("utf-8") for e in NATIONAL_DIR.iterdir() if e.name.endswith(".csv")}
    first = handlers.load_national(store, files, "admin")
    assert first["created"] and first["by_level"]["master_plan"] == 23
    assert handlers.load_national(store, files, "admin")["created"] is False
    extra = "code,parent_code,level,name_th,name_en,effective_from,source,verified\n" \
            "MP03.1,MP03,sub_plan,แผนย่อยทดลอง,Trial sub-plan,2019-04-18,test,no\n"
    second = handlers.load_national(store, {**files, "sub-plans.csv": extra}, "admin")
    assert handlers.national_of(store).version_id == second["version_id"]
    assert handlers.national_of(store, {"national_version": first["version_id"]}).version_id \
        == first["version_id"]
    with pytest.raises(PlanError, match="not kept here"):
        handlers.national_of(store, {"id": "p", "national_version": "2020-01-01-unknown"})
    with pytest.raises(PlanError, match="sub-plans.csv line 2"):
        handlers.load_national(store, {**files, "sub-plans.csv": extra.replace("MP03,", "MP99,")},
                               "admin")
    assert len(store.national_versions()) == 2  # the bad load kept nothing
