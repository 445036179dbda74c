"""The sample fiscal year (clusterctl/sample_year.py): deterministic, stable ids, every report
one the intake accepts (but the one rejected on purpose), and no outlier flag but the one wanted -
checked with the intake's own rules (contracts/rules.py, reporting/plausibility.py), for every
order the reports of a wave may arrive in."""
from __future__ import annotations

import itertools
from collections import defaultdict
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from clusterctl import sample_year
from clusterctl.reference import load_sample_plan
from services.contracts import rules
from services.contracts.periods import parse_period
from services.contracts.problems import DEFAULT_CAUSES
from services.contracts.plans import holds_sample, iter_indicators
from services.contracts.reports import REPORT_SCHEMAS
from services.reporting.plausibility import time_problem

PLAN = load_sample_plan()
DATA = sample_year.load_data()
REPORTS = sample_year.all_reports(PLAN, DATA)
INDICATORS = {i["code"]: i for _, i in iter_indicators(PLAN)}
PROJECTS = {p["code"]: p for p in PLAN["projects"]}
NOW = datetime(2026, 12, 6, 9, 0, tzinfo=ZoneInfo("Asia/Bangkok"))
FY = DATA["fiscal_year"]


def kind(body):
    return "indicator" if "indicator" in body else "project"


def test_the_sample_is_the_same_every_time_and_its_ids_are_unique():
    again = sample_year.all_reports(load_sample_plan(), sample_year.load_data())
    assert again == REPORTS
    ids = [r["body"]["event_id"] for r in REPORTS]
    assert len(ids) == len(set(ids))


def test_the_seeded_plan_holds_sample_data_and_a_real_one_does_not():
    assert DATA["plan"] == PLAN["id"] and holds_sample(PLAN)
    real = {**PLAN, "projects": [{**p, "sample": False} for p in PLAN["projects"]]}
    assert not holds_sample(real) and not holds_sample(None)
    assert holds_sample({**real, "sample": True})


def test_every_report_passes_the_intake_but_the_one_rejected_on_purpose():
    rejected = []
    for r in REPORTS:
        body = r["body"]
        loaded = REPORT_SCHEMAS[kind(body)]().load(body)  # raises on a schema problem
        assert time_problem(kind(body), loaded, NOW) is None, body
        problem = (rules.indicator_problem(INDICATORS[body["indicator"]], body["value"])
                   if kind(body) == "indicator" else rules.project_problem(PROJECTS[body["project"]], loaded))
        if problem:
            rejected.append((r["role"], problem[0]))
    assert rejected == [("rejected", rejected[0][1])] and "above its maximum" in rejected[0][1]


def test_every_indicator_province_and_period_of_the_year_has_a_value():
    got = {(b["indicator"], b["province"], b["period"]) for b in (r["body"] for r in REPORTS)
           if "indicator" in b}
    want = set()
    for code, ind in INDICATORS.items():
        periods = [f"FY{FY}-Q{q}" for q in range(1, 5)] if ind["frequency"] == "quarterly" else [f"FY{FY}"]
        want |= {(code, p, period) for p in ind.get("provinces") or PLAN["provinces"] for period in periods}
    assert got == want


def test_corrections_late_reports_and_off_target_values_are_there():
    roles = [r["role"] for r in REPORTS]
    assert roles.count("correction") == len(DATA["corrections"]) >= 3
    assert roles.count("flagged") == 1 and roles.count("rejected") == 1
    for r in REPORTS:
        if r["role"] == "late":
            due = parse_period(r["body"]["period"]).end + timedelta(days=DATA["due_days"])
            assert datetime.fromisoformat(r["body"]["reported_at"]).date() > due
    assert roles.count("late") >= 10
    off = [code for code, f in DATA["achievement"].items()
           if (f < 1) == (INDICATORS[code]["direction"] == "increase") and f != 1]
    assert len(off) >= 3  # some indicators miss their target


def test_projects_report_from_start_to_close_within_their_budget_and_with_problems():
    by_point = defaultdict(float)
    for r in REPORTS:
        if r["role"] == "progress":
            by_point[r["body"]["project"], r["body"]["as_of"]] += r["body"]["disbursed_thb"]
    assert {p for p, _ in by_point} == set(PROJECTS)
    for (code, _), total in by_point.items():
        assert total <= PROJECTS[code]["budget_thb"] + 0.01
    assert sum(1 for r in REPORTS if r["body"].get("problems")) >= 10


def test_the_sample_problems_are_structured_and_one_remedy_is_overdue():
    """The problem pages and the overdue-remedy mail have something to show: every item's cause
    is one of the shipped list, its owner an agency of the plan; a cause recurs across fiscal
    years; exactly one remedy is past its due date, not done, on a problem not resolved."""
    causes = {code for code, _, _ in DEFAULT_CAUSES}
    agencies = {a["code"] for a in PLAN["agencies"]}
    items = [(r["body"]["as_of"], item) for r in REPORTS for item in r["body"].get("problem_items", [])]
    assert len({item["problem_id"] for _, item in items}) >= 12
    assert all(item["cause"] in causes and item["owner_agency"] in agencies for _, item in items)
    years = defaultdict(set)
    for as_of, item in items:
        years[item["cause"]].add(as_of[:4])
    assert any(len(y) >= 2 for y in years.values())
    overdue = {(item["problem_id"], remedy["action"]) for _, item in items
               if item["status"] != "resolved"
               for remedy in item["remedies"] if not remedy["done"] and remedy["due"] < "2026-01-01"}
    assert len(overdue) == 1


def test_the_years_figures_and_corrections_cite_evidence():
    cited = [r for r in REPORTS if r["body"].get("evidence")]
    assert {r["role"] for r in cited} >= {"correction", "first"}
    assert all(len(e["reference"]) <= 500 for r in cited for e in r["body"]["evidence"])


def _in_force(reports):
    """(indicator, province, period) -> the values it may hold once its wave is in: any of the
    accepted reports (the order within a wave is the broker's), the latest reported_at at the end."""
    possible, final = defaultdict(set), {}
    for r in reports:
        b = r["body"]
        if "indicator" not in b or r["role"] == "rejected":
            continue
        key = (b["indicator"], b["province"], b["period"])
        possible[key].add(b["value"])
        if key not in final or b["reported_at"] > final[key][0]:
            final[key] = (b["reported_at"], b["value"])
    return possible, {k: v for k, (_, v) in final.items()}


@pytest.mark.parametrize("code", sorted(INDICATORS))
def test_no_value_is_flagged_but_the_slip_wanted_on_purpose(code):
    """The intake compares a value with the province's own earlier periods (views stored by the
    waves before: quarters go out one at a time) when there are 3, else with the other
    provinces' values of the period present then - any of them, in any arrival order."""
    possible, final = _in_force(REPORTS)
    flagged = []
    threshold = rules.outlier_z(INDICATORS[code])
    for r in REPORTS:
        b = r["body"]
        if b.get("indicator") != code or r["role"] == "rejected":
            continue
        start = parse_period(b["period"]).start
        history = [final[(code, b["province"], p)] for (c, prov, p) in sorted(
            final, key=lambda k: parse_period(k[2]).start)
            if c == code and prov == b["province"] and parse_period(p).start < start]
        others = [sorted(possible[(code, prov, b["period"])]) for (c, prov, p) in possible
                  if c == code and p == b["period"] and prov != b["province"]]
        outcomes = set()
        for peers in itertools.product(*others) if len(others) >= rules.MIN_PEERS else [()]:
            outcomes.add(rules.outlier(b["value"], history, list(peers), threshold) is not None)
        if True in outcomes:
            flagged.append((r["role"], outcomes))
    want = [("flagged", {True})] if code == DATA["flagged"]["indicator"] else []
    assert flagged == want


def test_keys_are_the_senders_identities():
    creds = {"provinces": {p: {"amqp_username": f"x-{p}"} for p in PLAN["provinces"]}}
    keys = sample_year.keys(REPORTS[:3], creds)
    assert keys == [[f"x-{r['province']}", r["body"]["event_id"]] for r in REPORTS[:3]]


# --- loading and removing, against stand-ins for the services ---------------------------------

class FakeReporting:
    """What load() asks of reporting: the plan's reports, and what became of those sent."""

    def __init__(self, stored=()):
        self.stored = list(stored)  # drill-down rows: sender, event_id
        self.received = {}          # event_id -> province

    def reports(self, plan_id, *_):
        return {"reports": self.stored}

    def report_statuses(self, plan_id, province, event_ids):
        return {e: {"status": "in_force" if e in self.received else "pending"} for e in event_ids}


class FakeRpc:
    def __init__(self, reporting):
        self.reporting = reporting


class FakeSettings:
    def __init__(self, tmp_path):
        self.data_dir = tmp_path
        self.vhost = "v"

        class Broker:
            @staticmethod
            def amqp_uri(vhost, user, password):
                return f"amqp://{user}:{password}@h/{vhost}"

            @staticmethod
            def ssl_options():
                return None
        self.broker = Broker()


CREDS = {"provinces": {p: {"amqp_username": f"u-{p}", "amqp_password": "pw"} for p in PLAN["provinces"]}}


def test_load_publishes_every_wave_as_each_province_and_waits_for_it(tmp_path):
    reporting, sent = FakeReporting(), []

    def publish(uri, username, province, bodies, ssl=None):
        assert ssl is None  # plain amqp:// here
        assert username == f"u-{province}" and uri.startswith(f"amqp://u-{province}:")
        assert all(b["province"] == province for b in bodies)
        sent.append([b["event_id"] for b in bodies])
        reporting.received.update((b["event_id"], province) for b in bodies)

    said = sample_year.load(FakeSettings(tmp_path), CREDS, FakeRpc(reporting), PLAN, publish)
    assert said.startswith(f"FY{FY} (ปีงบประมาณ พ.ศ. {FY}) loaded in") and "151 indicator reports" in said
    assert sorted(e for batch in sent for e in batch) == sorted(r["body"]["event_id"] for r in REPORTS)
    assert len(sent) >= 6  # a batch per province and wave, the projects' wave first


def test_load_is_skipped_when_removed_already_loaded_or_the_plan_has_its_own_reports(tmp_path):
    def publish(*_):
        raise AssertionError("nothing is sent")
    settings = FakeSettings(tmp_path)
    ours = [{"sender": s, "event_id": e} for (s, e), r in zip(sample_year.keys(REPORTS, CREDS), REPORTS)
            if r["role"] != "rejected"]
    said = sample_year.load(settings, CREDS, FakeRpc(FakeReporting(ours)), PLAN, publish)
    assert said.startswith(f"FY{FY} already loaded")
    real = [{"sender": "u-TH-34", "event_id": "5c4d3e2f-0000-4000-8000-000000000000"}]
    said = sample_year.load(settings, CREDS, FakeRpc(FakeReporting(real)), PLAN, publish)
    assert "has 1 reports that are not the sample's" in said
    not_sample = {**PLAN, "projects": [{**p, "sample": False} for p in PLAN["projects"]]}
    assert "is not sample data" in sample_year.load(settings, CREDS, FakeRpc(FakeReporting()),
                                                    not_sample, publish)
    (tmp_path / sample_year.MARKER).write_text("{}")
    assert "removed earlier" in sample_year.load(settings, CREDS, FakeRpc(FakeReporting()), PLAN,
                                                 publish)
