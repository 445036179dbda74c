"""The asset pages' forms: what a person types becomes the API's JSON body, nothing invented
or dropped; names, not codes."""
from services.gateway import asset_forms as forms
from services.gateway.api.assets import STEPS


def test_every_step_of_the_api_has_a_form_word_and_the_words_are_the_apis():
    assert {word: step for word, (step, _) in STEPS.items()} == forms.STEP_OF_WORD


def test_a_request_form_is_the_request_body():
    form = {"version": "3", "to": "ubon-pao", "reason": " ดูแลต่อ ", "csrf": "t",
            "doc_reference_0": "หนังสือ 1/2568", "doc_kind_0": "letter", "doc_date_0": "2025-01-02",
            "doc_reference_1": "", "doc_kind_1": "letter", "doc_date_1": ""}
    assert forms.step_body("request", form) == {
        "version": 3, "to": "ubon-pao", "reason": "ดูแลต่อ",
        "documents": [{"kind": "letter", "reference": "หนังสือ 1/2568", "date": "2025-01-02"}]}


def test_blank_and_odd_input_goes_to_the_service_to_name():
    assert forms.step_body("reject", {"version": "2", "reason": "  "}) == {"version": 2, "reason": ""}
    assert forms.step_body("hand_over", {"version": "x"}) == {"version": "x", "documents": []}
    # a date without a reference is kept (the service says the reference is missing)
    assert forms.step_body("approve", {"version": "1", "doc_date_0": "2025-01-01"})["documents"] == [
        {"kind": "other", "reference": "", "date": "2025-01-01"}]


def test_accept_carries_maintenance_only_when_some_is_typed():
    assert "maintenance" not in forms.step_body("accept", {"version": "4", "m_agency": ""})
    body = forms.step_body("accept", {"version": "4", "m_agency": "ubon-pao",
                                      "m_budget": "120,000", "m_note": "ข้อบัญญัติ"})
    assert body["maintenance"] == {"agency": "ubon-pao", "budget_thb": 120000, "note": "ข้อบัญญัติ"}
    assert forms.step_body("accept", {"version": "4", "m_budget": "lots"})["maintenance"][
        "budget_thb"] == "lots"


def test_an_audit_form_is_the_closed_audit_body():
    body = forms.step_body("audit", {"version": "5", "on": "2025-03-01", "found": "no",
                                     "condition": "idle", "note": "", "reason": "ignored"})
    assert body == {"version": 5, "on": "2025-03-01", "found": False, "condition": "idle",
                    "note": "", "documents": []}


def test_the_registration_form_is_a_new_asset():
    body = forms.registration_body({
        "code": "E2E-1", "project": "NE2-67-002", "fiscal_year": "2567", "category": "building",
        "description_th": "อาคาร", "description_en": "", "quantity": "1", "unit": "หลัง",
        "unit_value_thb": "1,500,000.50", "acquired_on": "2024-07-01", "province": "TH-34",
        "district": "", "custodian": "ubon-tourism"})
    assert body["fiscal_year"] == 2567 and body["unit_value_thb"] == 1500000.5
    assert body["location"] == {"province": "TH-34", "district": None} and body["documents"] == []


def test_names_not_codes():
    agencies = {"ubon-pao": {"name_th": "องค์การบริหารส่วนจังหวัดอุบลราชธานี",
                             "name_en": "Ubon Ratchathani PAO"}}
    clusters = {"ne2": {"name_th": "กลุ่มจังหวัด 2", "name_en": "Cluster 2"}}
    assert forms.actor_name("agency:ubon-pao", agencies, clusters, "en") == "Ubon Ratchathani PAO"
    assert forms.actor_name("osm:ne2", agencies, clusters, "th") == "สำนักงานกลุ่มจังหวัด กลุ่มจังหวัด 2"
    assert forms.actor_name("admin", agencies, clusters, "th") == "ผู้ดูแลระบบ"
    assert forms.agency_name("nobody", agencies, "th") == "nobody"  # no entry: its code, not blank
    assert forms.refusal(403, "only the receiving agency")["en"] == "You may not take this step"
