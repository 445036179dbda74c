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
    assert counts == {"strategy": 6, "strategy_target": 20, "master_plan": 23, "milestone": 13,
                      "sdg_goal": 17, "sdg_target": 169}


def test_every_goal_has_its_targets_and_every_row_says_it_is_unverified():
    in_force = load_national().as_of("2026-01-01")
    targets = [e for e in in_force.values() if e.level == "sdg_target"]
    per_goal = {}
    for e in targets:
        per_goal[e.parent_code] = per_goal.get(e.parent_code, 0) + 1
    assert per_goal["SDG1"] == 7 and per_goal["SDG3"] == 13 and per_goal["SDG17"] == 19
    assert in_force["SDG1.1"].name_th == "เป้าประสงค์ที่ 1.1"
    assert in_force["SDG1.1"].name_en.startswith("By 2030, eradicate extreme poverty")
    assert "A/RES/70/1" in in_force["SDG14.c"].source
    assert [e.code for e in in_force.values() if e.parent_code == "NS6"
            and e.level == "strategy_target"] == ["NS6.1", "NS6.2", "NS6.3", "NS6.4"]
    assert not any(e.verified for e in in_force.values())


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


# --- withdrawing an entry -----------------------------------------------------------------------

WITHDRAW_HEADER = HEADER + ",withdrawn"
MP01_TARGET = "MP01.1,MP01,master_plan_target,เป้าหมายหนึ่ง,Target one,2019-04-18,gazette,no"


def withdrawn_csv(*rows):
    return "\n".join((WITHDRAW_HEADER,) + rows) + "\n"


def test_a_withdrawn_code_leaves_from_its_date_and_its_children_with_it():
    hierarchy = build_national_hierarchy({
        "a.csv": csv_text(NS1, MP01, MP01_TARGET),
        "b.csv": withdrawn_csv("MP01,,master_plan,,,2024-10-01,cabinet resolution,no,yes")})
    assert set(hierarchy.as_of("2024-09-30")) == {"NS1", "MP01", "MP01.1"}
    assert set(hierarchy.as_of("2024-10-01")) == {"NS1"}  # the target went with its plan
    assert hierarchy.count_by_level("2025-01-01") == {"strategy": 1}


def test_a_child_re_parented_by_a_later_row_stays():
    mp02 = "MP02,NS1,master_plan,แผนแม่บทสอง,Plan two,2019-04-18,gazette,no"
    moved = "MP01.1,MP02,master_plan_target,เป้าหมายหนึ่ง,Target one,2024-10-01,gazette,no,"
    hierarchy = build_national_hierarchy({
        "a.csv": csv_text(NS1, MP01, mp02, MP01_TARGET),
        "b.csv": withdrawn_csv("MP01,,master_plan,,,2024-10-01,cabinet resolution,no,yes", moved)})
    assert hierarchy.as_of("2024-10-01")["MP01.1"].parent_code == "MP02"
    assert "MP01" not in hierarchy.as_of("2024-10-01")


def test_a_withdrawn_code_comes_back_with_a_later_row():
    back = MP01.replace("2019-04-18", "2026-01-01") + ","
    hierarchy = build_national_hierarchy({"a.csv": csv_text(NS1, MP01), "b.csv": withdrawn_csv(
        "MP01,,master_plan,,,2024-10-01,cabinet resolution,no,yes", back)})
    assert "MP01" not in hierarchy.as_of("2025-12-31")
    assert "MP01" in hierarchy.as_of("2026-01-01")


def test_old_files_without_the_column_and_empty_or_no_values_load():
    hierarchy = build_national_hierarchy({"a.csv": csv_text(NS1),
                                          "b.csv": withdrawn_csv(MP01 + ",", MP01_TARGET + ",no")})
    assert set(hierarchy.as_of("2020-01-01")) == {"NS1", "MP01", "MP01.1"}


def test_a_bad_withdrawal_is_reported_by_file_and_line():
    message = problems_of({"a.csv": csv_text(NS1, MP01), "b.csv": withdrawn_csv(
        "MP01,,master_plan,,,2024-10-01,resolution,no,maybe",
        "MP09,,master_plan,,,2024-10-01,resolution,no,yes",
        "MP01,,master_plan,,,2019-04-18,resolution,no,yes")})
    assert "b.csv line 2: withdrawn ต้องเป็น yes, no หรือว่าง ไม่ใช่ 'maybe'" in message
    assert "withdrawn must be yes, no or empty, not 'maybe'" in message
    assert "b.csv line 3: ยกเลิกรหัส MP09 ไม่ได้" in message
    assert "withdraws MP09, which is not in force before 2024-10-01" in message
    assert "b.csv line 4: รหัส MP01 ซ้ำกับ a.csv line 3" in message


def test_a_row_under_a_withdrawn_parent_names_the_withdrawal():
    late = "MP01.2,MP01,master_plan_target,เป้าหมายสอง,Target two,2025-01-01,gazette,no,"
    message = problems_of({"a.csv": csv_text(NS1, MP01), "b.csv": withdrawn_csv(
        "MP01,,master_plan,,,2024-10-01,resolution,no,yes", late)})
    assert "b.csv line 3:" in message
    assert "parent_code MP01 was withdrawn from 2024-10-01 (b.csv line 2)" in message


def test_every_problem_keeps_its_file_and_line_apart():
    from services.plans.national import check_national
    hierarchy, problems = check_national({"a.csv": csv_text(NS1.replace(",yes", ",maybe")),
                                          "b.csv": "code\n"})
    assert hierarchy is None
    found = [p.as_dict() for p in problems]
    assert {"file": "a.csv", "line": 2, "where": "a.csv line 2"}.items() <= found[0].items()
    assert found[0]["message_en"] == "verified must be yes or no, not 'maybe'"
    assert found[0]["message_th"].startswith("verified ต้องเป็น yes หรือ no")
    assert found[1]["file"] == "b.csv" and found[1]["line"] is None
    assert "missing column(s)" in found[1]["message_en"]


# --- what people read -----------------------------------------------------------------------

def test_entries_in_force_by_level_in_reading_order():
    from services.plans.national import entries_in_force
    levels = entries_in_force(load_national(), "2026-01-01")
    assert [lv["level"] for lv in levels] == ["strategy", "strategy_target", "master_plan",
                                             "milestone", "sdg_goal", "sdg_target"]
    targets = next(lv for lv in levels if lv["level"] == "sdg_target")
    codes = [e["code"] for e in targets["entries"]]
    assert codes.index("SDG16.2") < codes.index("SDG16.10") < codes.index("SDG16.a")
    first = targets["entries"][0]
    assert first["level_name_th"] == "เป้าประสงค์ SDG" and first["level_name_en"] == "SDG target"
    assert first["parent_code"] == "SDG1" and first["verified"] is False
    assert first["effective_from"] == "2016-01-01" and first["source"]
    assert next(lv for lv in levels if lv["level"] == "strategy_target")["emenscr"] == "Z"


def test_national_entries_of_a_kept_version_on_a_day(tmp_path):
    from services.plans import handlers, national_handlers
    from services.plans.store.sqlite import SqlitePlansStore

    store = SqlitePlansStore(tmp_path / "plans.db")
    assert national_handlers.national_entries(store)["version"] is None
    first = handlers.load_national(store, {"a.csv": csv_text(NS1, MP01)}, "admin")
    handlers.load_national(store, {"a.csv": csv_text(NS1)}, "someone")
    latest = national_handlers.national_entries(store, on_date="2020-01-01")
    assert latest["version"]["loaded_by"] == "someone"
    assert [lv["level"] for lv in latest["levels"]] == ["strategy"]
    older = national_handlers.national_entries(store, first["version_id"], "2019-04-18")
    assert older["version"]["version_id"] == first["version_id"]
    assert [lv["count"] for lv in older["levels"]] == [1, 1]
    assert national_handlers.national_entries(store, first["version_id"], "2019-01-01")[
        "levels"] == [{**older["levels"][0]}]
    with pytest.raises(PlanError, match="not kept here"):
        national_handlers.national_entries(store, "2020-01-01-nothing")
    with pytest.raises(PlanError, match="is not a date"):
        national_handlers.national_entries(store, on_date="13/10/2561")


def test_a_check_changes_nothing_and_says_what_a_load_would_do():
    from services.plans import national_handlers
    assert national_handlers.check_national({"a.csv": csv_text(NS1, MP01)})["by_level"] == {
        "strategy": 1, "master_plan": 1}
    bad = national_handlers.check_national({"a.csv": csv_text(NS1.replace("gazette", ""))})
    assert [p["where"] for p in bad["problems"]] == ["a.csv line 2"]
    with pytest.raises(PlanError, match="file name: CSV text"):
        national_handlers.check_national({"a.csv": 3})


def test_the_page_shows_each_root_level_as_a_tree_with_its_children():
    from services.gateway.national_view import trees, unverified
    from services.plans.national import entries_in_force
    levels = entries_in_force(load_national(), "2026-01-01")
    found = trees(levels)
    assert [t["level"] for t in found] == ["strategy", "milestone", "sdg_goal"]
    ns1 = found[0]["nodes"][0]
    assert ns1["entry"]["code"] == "NS1"
    assert [c["entry"]["code"] for c in ns1["children"]] == [
        "NS1.1", "NS1.2", "NS1.3", "NS1.4", "NS1.5", "MP01", "MP02"]  # its targets, then plans
    sdg16 = next(n for n in found[2]["nodes"] if n["entry"]["code"] == "SDG16")
    assert len(sdg16["children"]) == 12 and sdg16["children"][-1]["entry"]["code"] == "SDG16.b"
    assert unverified(levels) == 6 + 20 + 23 + 13 + 17 + 169


def test_the_page_says_a_run_of_siblings_source_once():
    from services.gateway.national_view import trees
    from services.plans.national import entries_in_force
    sdgs = trees(entries_in_force(load_national(), "2026-01-01"))[2]["nodes"]
    targets = sdgs[0]["children"]
    assert [t["same_source"] for t in targets[:3]] == [False, True, True]
    assert sdgs[0]["same_source"] is False and sdgs[1]["same_source"] is True


def test_more_rows_than_any_official_list_are_refused_before_they_are_read():
    from services.plans.national import MAX_ROWS, check_national
    header = ",".join(NATIONAL_COLUMNS) + "\n"
    row = "SDGX,,sdg_goal,ชื่อ,Name,2016-01-01,test,no\n"
    hierarchy, problems = check_national({"big.csv": header + row * (MAX_ROWS + 1)})
    assert hierarchy is None and len(problems) == 1
    assert f"more than {MAX_ROWS:,} rows" in problems[0].english


def test_a_plan_moves_to_a_later_national_version_never_back(tmp_path):
    from services.plans import handlers
    from services.plans.store.sqlite import SqlitePlansStore
    from clusterctl.reference import NATIONAL_DIR

    store = SqlitePlansStore(tmp_path / "plans.db")
    files = {e.name: e.read_text("utf-8") for e in NATIONAL_DIR.iterdir() if e.name.endswith(".csv")}
    older = handlers.load_national(store, files, "admin")["version_id"]
    extra = "code,parent_code,level,name_th,name_en,effective_from,source,verified\n" \
            "MP03.1,MP03,sub_plan,แผนย่อยทดลอง,Trial sub-plan,2019-04-18,test,no\n"
    newer = handlers.load_national(store, {**files, "sub-plans.csv": extra}, "admin")["version_id"]
    assert handlers.links_for(store, "p", newer, older)  # forward: taken
    with pytest.raises(PlanError, match="moves only to a later version"):
        handlers.links_for(store, "p", older, newer)
    # the admin loads the older files again: in force again for new plans
    assert handlers.load_national(store, files, "admin")["created"] is False
    assert handlers.national_of(store).version_id == older
