"""Who a step of a period's approval mails (api/approvals.py ``next_actors``): the people whose
step is next, found in the gateway's accounts - active, with an e-mail, of the province or the
cluster - and how a step's body is read (each field's type named in English and Thai)."""
from types import SimpleNamespace

import pytest

from services.gateway.api.approvals import next_actors, step_body
from services.gateway.api.common import ApiError

PLAN = {"id": "p", "cluster": "northeast-lower-2", "provinces": ["TH-34", "TH-33"]}


def user(username, duty, organisation, **more):
    return {"username": username, "name": username.title(), "duty": duty,
            "organisation": organisation, "email": f"{username}@example.org", **more}


PEOPLE = [
    user("planner", "province_planner", "TH-34"),
    user("approver", "province_approver", "TH-34", lang="en"),
    user("gone", "province_approver", "TH-34", disabled_at="2026-01-01T00:00:00+00:00"),
    user("nomail", "province_approver", "TH-34", email=""),
    user("neighbour", "province_approver", "TH-33"),
    user("director", "osm_director", "northeast-lower-2"),
    user("analyst", "osm_analyst", "northeast-lower-2"),
    user("far", "osm_director", "northeast-lower-1"),
]
GATEWAY = SimpleNamespace(people=SimpleNamespace(store=SimpleNamespace(users=lambda: PEOPLE)))


def mailed(step, state="open"):
    return [p["email"].split("@")[0] for p in next_actors(GATEWAY, PLAN, "TH-34", step, state)]


def test_each_step_mails_the_people_whose_step_is_next():
    assert mailed("submit") == ["approver"]
    assert mailed("approve") == ["director"]
    assert mailed("accept") == ["approver", "planner"]
    assert mailed("reopen", "submitted") == ["planner"]  # withdrawn before anyone approved
    assert mailed("reopen", "approved") == ["approver", "planner"]
    assert mailed("reopen", "accepted") == ["approver", "planner"]


def test_each_person_is_named_in_their_language_thai_unless_they_keep_another():
    [approver] = next_actors(GATEWAY, PLAN, "TH-34", "submit", "open")
    assert approver == {"name": "Approver", "email": "approver@example.org", "lang": "en"}
    [director] = next_actors(GATEWAY, PLAN, "TH-34", "approve", "submitted")
    assert director["lang"] == "th"


@pytest.mark.parametrize("body,field", [
    ({"step": "sign", "version": 0}, "step"), ({"step": "submit"}, "version"),
    ({"step": "submit", "version": "1"}, "version"), ({"step": "submit", "version": True}, "version"),
    ({"step": "approve", "version": 1, "figures": 1.5}, "figures"),
    ({"step": "reopen", "version": 1, "comment": 5}, "comment"),
    ({"step": "submit", "version": 0, "reason": "x"}, "reason")])
def test_a_bad_body_is_refused_naming_the_field(body, field):
    with pytest.raises(ApiError) as refused:
        step_body(body)
    assert refused.value.status == 400 and field in refused.value.message


def test_a_good_body_is_read_whole_numbers_included():
    assert step_body({"step": "approve", "version": 2.0, "figures": 3}) == ("approve", 2, 3, None)
