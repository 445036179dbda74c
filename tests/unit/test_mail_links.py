"""Each mail that asks for something leads straight to the dashboard form that does it: the
province's entry form for the period, the project progress and problems form, the sender's own
reports after a rejection (pure: the templates rendered)."""
from services.contracts import events
from services.notify.domain import Recipient
from services.notify.mails import form_links, render

URL = "https://gw.example"
PLAN = "northeast-lower-2-2566-2570"
WHO = Recipient("strategy@sisaket.example", "กลุ่มงานยุทธศาสตร์ศรีสะเกษ", "Sisaket Strategy Group")
BASE = {"event_id": "e-1", "occurred_at": "2024-04-10T03:00:00+00:00", "plan_id": PLAN,
        "cluster": "northeast-lower-2"}
PROJECT = {"code": "NE2-67-002", "title_th": "โครงการ", "title_en": "A project",
           "budget_thb": 18_500_000.0}


def due(**changes):
    event = {**BASE, "province": "TH-33", "period": "FY2567-Q2", "due_date": "2024-04-15",
             "missing": ["NE2-1.1"], "expected": 4, "received": 3, "missing_projects": [],
             "agencies": [], **changes}
    return events.load(events.REPORT_DUE_SOON, event)


def correction():
    event = {**BASE, "indicator": "NE2-1.1", "indicator_name_th": "ตัวชี้วัด",
             "indicator_name_en": "Indicator", "unit": "ไร่", "period": "FY2567-Q2",
             "flag_id": "f-1", "province": "TH-33", "report_event_id": "r-1", "value": 9e6,
             "basis": "own_history", "median": 100.0, "reference": [90.0, 100.0, 110.0],
             "score": 50.0, "threshold": 3.5, "requested_by": "osm", "note": "ตรวจอีกครั้ง"}
    return events.load(events.CORRECTION_REQUESTED, event)


def behind():
    event = {**BASE, "project": PROJECT, "quarter": "FY2567-Q2", "as_of": "2024-03-31",
             "reasons": ["below_government_target"], "disbursed_thb": 2_000_000.0,
             "physical_progress_pct": 20.0, "disbursement_pct": 10.8, "planned_to_date_pct": 40.0,
             "government_target_pct": 52.0}
    return events.load(events.PROJECT_BEHIND_SCHEDULE, event)


def overdue():
    event = {**BASE, "project": PROJECT, "problem_id": "p-1", "cause": "procurement",
             "cause_label_th": "การจัดซื้อจัดจ้าง", "cause_label_en": "Procurement",
             "severity": "high", "status": "open", "description": "ประกวดราคาไม่ได้",
             "owner_agency": "ubon-commerce", "action": "ประกาศใหม่", "due": "2024-04-30",
             "days_overdue": 10}
    return events.load(events.REMEDY_OVERDUE, event)


def rejected(**changes):
    event = {"event_id": "e-2", "occurred_at": "2024-01-31T20:05:00+00:00", "rejection_id": "r",
             "province": "TH-33", "agency": None, "sender": "TH-33", "report_event_id": "x",
             "kind": "indicator", "reason_th": None,
             "reason": "unknown indicator", "received_at": "2024-01-31T20:05:00+00:00", **changes}
    return events.load(events.REPORT_REJECTED, event)


def both_parts(mail, link):
    """The link in the text (Thai and English parts) and in the HTML's two sections."""
    html_link = link.replace("&", "&amp;")
    return mail.text.count(link) >= 2 and mail.html.count(f'href="{html_link}"') >= 2


def test_a_reminder_leads_the_province_to_its_entry_form_for_that_period():
    entry = f"{URL}/report-entry?plan={PLAN}&period=FY2567-Q2"
    for template in ("report_due_soon", "report_overdue"):
        mail = render(template, due(), WHO, URL)
        assert both_parts(mail, entry), mail.text
        assert "/project-report" not in mail.text  # no project is missing
        assert f"{URL}/completeness?plan={PLAN}&period=FY2567-Q2" in mail.text  # kept


def test_a_reminder_with_projects_missing_also_leads_to_the_progress_form():
    mail = render("report_overdue", due(missing_projects=["NE2-67-002"],
                                        agencies=["sisaket-tourism"]), WHO, URL)
    assert both_parts(mail, f"{URL}/project-report?plan={PLAN}")
    assert both_parts(mail, f"{URL}/report-entry?plan={PLAN}&period=FY2567-Q2")


def test_a_correction_asked_leads_to_the_entry_form_and_a_flag_for_the_osm_does_not():
    mail = render("correction_requested", correction(), WHO, URL)
    assert both_parts(mail, f"{URL}/report-entry?plan={PLAN}&period=FY2567-Q2")
    flagged = {k: v for k, v in correction().items() if k not in ("requested_by", "note")}
    osm = render("report_flagged", flagged, WHO, URL)
    assert "/report-entry" not in osm.text and f"{URL}/flags?plan={PLAN}" in osm.text


def test_a_project_behind_and_a_remedy_overdue_lead_to_the_progress_and_problems_form():
    for template, event in (("project_behind_schedule", behind()), ("remedy_overdue", overdue())):
        mail = render(template, event, WHO, URL)
        assert both_parts(mail, f"{URL}/project-report?plan={PLAN}"), template
        assert "แบบฟอร์มรายงานความก้าวหน้าและปัญหาโครงการ" in mail.text
        assert "progress and problems form" in mail.text


def test_a_rejection_leads_to_the_senders_own_pages():
    # the fact names no plan or period: a province's reports, or the progress form
    indicator = render("report_rejected", rejected(), WHO, URL)
    assert both_parts(indicator, f"{URL}/my-reports")
    project = render("report_rejected", rejected(province=None, agency="sisaket-tourism",
                                                 sender="agency", kind="project"), WHO, URL)
    assert both_parts(project, f"{URL}/project-report") and "/my-reports" not in project.text
    nobody = render("report_rejected", rejected(province=None, sender="guest", kind=None), WHO,
                    URL)
    assert "/my-reports" not in nobody.text and f"{URL}/rejections" in nobody.text


def test_links_are_query_encoded_and_other_mails_have_none():
    odd = form_links("report_due_soon", {"plan_id": "a&b", "period": "FY2567 Q2"})
    assert odd["entry"] == "/report-entry?plan=a%26b&period=FY2567+Q2"
    assert form_links("indicator_off_target", {"plan_id": PLAN}) == {
        "entry": None, "progress": None, "approval": None}
