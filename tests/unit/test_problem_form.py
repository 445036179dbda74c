"""The problems part of the progress form (pure): names not codes in its choices, a retired
cause offered only where an item in force names it, and each item in force keeps its id."""
from services.contracts.problems import default_cause_list, derived_problem_id
from services.gateway.problem_form import items_in_force, problem_choices

PLAN = {"agencies": [{"code": "ubon-commerce", "name_th": "พาณิชย์จังหวัดอุบลราชธานี",
                      "name_en": "Ubon Ratchathani Commerce Office"}]}


def test_choices_are_names_in_the_persons_language():
    causes = default_cause_list()
    causes["causes"][0]["retired"] = True
    th = problem_choices(PLAN, causes, "th")
    en = problem_choices(PLAN, causes, "en")
    assert th["causes"][1] == {"code": "procurement", "label": "การจัดซื้อจัดจ้าง", "retired": False}
    assert en["causes"][0]["retired"] and en["causes"][0]["label"].endswith("(retired)")
    assert th["agencies"] == [("ubon-commerce", "พาณิชย์จังหวัดอุบลราชธานี")]
    assert en["agencies"] == [("ubon-commerce", "Ubon Ratchathani Commerce Office")]
    assert ("high", "สูง") in th["severities"] and ("in_progress", "in progress") in en["statuses"]


def test_items_in_force_keep_the_id_they_are_known_by():
    current = {"problem_items": [
        {"problem_id": "mine-1", "cause": "contractor", "description": "a", "remedies": None},
        {"problem_id": None, "cause": "procurement", "description": "ประกวดราคาไม่ได้"}]}
    first, second = items_in_force("NE2-67-003", current)
    assert first["problem_id"] == "mine-1" and first["remedies"] == []
    assert second["problem_id"] == derived_problem_id("NE2-67-003", "procurement",
                                                      "ประกวดราคาไม่ได้")
    assert items_in_force("NE2-67-003", None) == []
