"""A plan's life, as pure rules: drafts, publishing, revisions and the events they cause."""
import copy
from datetime import datetime, timezone

import pytest

from clusterctl.reference import load_sample_plan
from clusterctl.settings import REPO_ROOT
from services.plans import lifecycle
from services.plans.domain import PlanError, parse_reference_csv

NOW = datetime(2024, 2, 1, 9, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def reference():
    text = (REPO_ROOT / "clusterctl" / "data" / "reference" / "provincial-clusters.csv").read_text("utf-8")
    return parse_reference_csv(text, "reference", "2017-11-17")


@pytest.fixture
def published(reference):
    draft = lifecycle.create(load_sample_plan(), reference)
    plan, _ = lifecycle.publish(draft, "osm:northeast-lower-2", "ก.บ.ก.", NOW)
    return plan


def test_a_new_plan_is_a_draft_whatever_the_document_says(reference):
    draft = lifecycle.create({**load_sample_plan(), "status": "published"}, reference)
    assert (draft["status"], draft["version"], draft["revision"]) == ("draft", 1, None)


def test_a_draft_is_edited_freely_and_cannot_change_id_or_cluster(reference):
    draft = lifecycle.create(load_sample_plan(), reference)
    edited = lifecycle.update_draft(draft, {**draft, "title_en": "Edited"}, reference)
    assert (edited["title_en"], edited["version"], edited["status"]) == ("Edited", 2, "draft")
    with pytest.raises(PlanError, match="id cannot change"):
        lifecycle.update_draft(draft, {**draft, "id": "other-plan"}, reference)
    with pytest.raises(PlanError, match="cluster cannot change"):
        lifecycle.update_draft(draft, {**draft, "cluster": "east-1"}, reference)


def test_publishing_records_who_and_announces_the_snapshot(published):
    assert published["status"] == "published" and published["version"] == 2
    assert published["revision"] == {"version": 2, "at": NOW.isoformat(), "reason": "published",
                                     "by": "osm:northeast-lower-2", "approved_by": "ก.บ.ก."}


def test_a_published_plan_is_not_edited_or_published_again(published, reference):
    with pytest.raises(lifecycle.LifecycleError, match="revision"):
        lifecycle.update_draft(published, published, reference)
    with pytest.raises(lifecycle.LifecycleError, match="not a draft"):
        lifecycle.publish(published, "admin", None, NOW)


def revise(published, reference, change, reason="มติ ก.บ.ก. ครั้งที่ 2/2567"):
    document = copy.deepcopy(published)
    change(document)
    return lifecycle.revise(published, document, reason, "ก.บ.ก.", "osm:northeast-lower-2",
                            reference, NOW)


def test_a_target_revision_is_announced_with_before_and_after(published, reference):
    def change(doc):
        doc["issues"][1]["indicators"][0]["targets"]["FY2569"] = 3000.0
    plan, events = revise(published, reference, change)
    assert plan["version"] == 3 and plan["revision"]["reason"] == "มติ ก.บ.ก. ครั้งที่ 2/2567"
    assert [t for t, _ in events] == ["plan_published", "target_revised"]
    revised = events[1][1]
    assert revised["indicator"]["code"] == "NE2-2.1"
    assert revised["before"]["targets"]["FY2569"] == 2000.0
    assert revised["after"]["targets"]["FY2569"] == 3000.0
    assert events[0][1]["plan"] == plan


def test_project_changes_are_announced_by_kind(published, reference):
    def change(doc):
        doc["projects"][0]["status"] = "cancelled"
        doc["projects"][1]["budget_thb"] += 1000.0
        doc["projects"][1]["budget_by_category"]["operating"] += 1000.0
        doc["projects"].append({**doc["projects"][2], "code": "NE2-69-001", "fiscal_year": 2569})
    _, events = revise(published, reference, change)
    kinds = {(t, p["project"]["code"]) for t, p in events if t.startswith("project_")}
    assert kinds == {("project_cancelled", "NE2-67-001"), ("project_changed", "NE2-67-002"),
                     ("project_registered", "NE2-69-001")}
    changed = next(p for t, p in events if t == "project_changed")
    assert changed["changed_fields"] == ["budget_by_category", "budget_thb"]


def test_a_revision_needs_a_reason_a_change_and_keeps_projects(published, reference):
    with pytest.raises(PlanError, match="needs a reason"):
        revise(published, reference, lambda doc: None, reason="  ")
    with pytest.raises(PlanError, match="changes nothing"):
        revise(published, reference, lambda doc: None)
    with pytest.raises(PlanError, match="cannot be removed"):
        revise(published, reference, lambda doc: doc["projects"].pop(0))


def test_a_revision_is_validated_like_any_plan(published, reference):
    def change(doc):
        doc["issues"][0]["indicators"][0]["targets"]["FY2580"] = 1.0
    with pytest.raises(PlanError) as error:
        revise(published, reference, change)
    assert ("indicator NE2-1.1, targets", "FY2580 is outside the plan's years FY2566-FY2570") \
        in error.value.problems


def test_event_ids_are_stable_per_version_and_subject(published, reference):
    def change(doc):
        doc["issues"][1]["indicators"][0]["targets"]["FY2569"] = 3000.0
    _, first = revise(published, reference, change)
    _, again = revise(published, reference, change)
    assert [p["event_id"] for _, p in first] == [p["event_id"] for _, p in again]


def test_every_revision_event_renders_a_thai_and_english_mail(published, reference):
    from services.notify.domain import Recipient
    from services.notify.mails import render

    def change(doc):
        doc["issues"][1]["indicators"][0]["targets"]["FY2569"] = 3000.0
        doc["projects"][0]["status"] = "cancelled"
        doc["projects"][1]["budget_thb"] += 1000.0
        doc["projects"][1]["budget_by_category"]["operating"] += 1000.0
        doc["projects"].append({**doc["projects"][2], "code": "NE2-69-001", "fiscal_year": 2569})
    _, events = revise(published, reference, change)
    someone = Recipient("osm@northeast-lower-2.example", "สำนักงาน", "Office")
    for kind, payload in events[1:]:
        mail = render(kind, payload, someone, "http://127.0.0.1:8000")
        assert "เรียน สำนักงาน" in mail.text and "Dear Office" in mail.text, kind
        assert "มติ ก.บ.ก. ครั้งที่ 2/2567" in mail.text and "<html" in mail.html
    target_mail = render("target_revised", events[1][1], someone, "http://x")
    assert "พ.ศ. 2569" in target_mail.text and "3,000" in target_mail.text


def test_a_document_read_at_an_older_version_is_refused(published, reference):
    document = copy.deepcopy(published)
    document["version"] = published["version"] - 1
    document["title_en"] = "Someone else's edit"
    with pytest.raises(lifecycle.StaleVersion, match="reload it"):
        lifecycle.revise(published, document, "r", "ก.บ.ก.", "osm:x", reference, NOW)


def test_a_revision_needs_its_approving_body_and_keeps_indicators(published, reference):
    document = copy.deepcopy(published)
    document["title_en"] = "Changed"
    with pytest.raises(PlanError, match="approved_by"):
        lifecycle.revise(published, document, "a reason", " ", "osm:x", reference, NOW)
    document["issues"][4]["indicators"].pop()
    for project in document["projects"]:
        project["indicators"] = [c for c in project["indicators"] if c != "NE2-5.2"]
    with pytest.raises(PlanError, match="indicators NE2-5.2 cannot be removed"):
        lifecycle.revise(published, document, "a reason", "ก.บ.ก.", "osm:x", reference, NOW)


def test_a_new_plan_is_made_under_the_reference_in_force(reference):
    draft = lifecycle.create({**load_sample_plan(), "reference_version": "1999-01-01-old"}, reference)
    assert draft["reference_version"] == reference.version_id


def test_drafts_are_never_announced(reference):
    from services.plans.domain import plan_published_event
    with pytest.raises(ValueError, match="draft"):
        plan_published_event(lifecycle.create(load_sample_plan(), reference))


def test_codes_may_not_clash_with_another_published_plan_for_the_same_places_and_years(
        published, reference):
    copy_ = {**copy.deepcopy(published), "id": "northeast-lower-2-copy"}
    clashes = dict(lifecycle.code_clashes(copy_, [published]))
    assert "uses this code" in clashes["indicator NE2-1.1"]
    assert "uses this code" in clashes["project NE2-67-001"]
    later = {**copy_, "start_fy": 2571, "end_fy": 2575}
    assert lifecycle.code_clashes(later, [published]) == []
    assert lifecycle.code_clashes(copy_, [{**published, "status": "draft"}]) == []


def test_an_agency_code_of_another_cluster_is_refused(published, reference):
    directory = [{"code": "ubon-agriculture", "province": "TH-96"}]
    assert lifecycle.agency_clashes(published, directory, reference) == [
        ("agency ubon-agriculture", "the code belongs to an agency of TH-96, outside cluster "
                                    "northeast-lower-2; choose another")]
    assert lifecycle.agency_clashes(published, [{"code": "ubon-agriculture", "province": "TH-33"}],
                                    reference) == []


@pytest.mark.parametrize("field", ["approved_by", "reason"])
def test_who_approved_and_why_must_be_text(field):
    """A number where a name belongs is the caller's mistake (400), not a service failure."""
    draft = {"id": "p1", "status": "published", "version": 2, "projects": []}
    args = {"reason": "committee meeting 3/2568", "approved_by": "the cluster committee", field: 3.4e16}
    with pytest.raises(PlanError, match=f"{field} must be text, not float"):
        if field == "approved_by":
            lifecycle.publish({**draft, "status": "draft"}, "osm:x", args["approved_by"], NOW)
        lifecycle.revise(draft, {}, args["reason"], args["approved_by"], "osm:x", None, NOW)
