"""The plans page's pure parts: a plan's line (cluster name, first published day in Bangkok, last
revision), the upload's format, the form turned into the API's request, and who has the menu."""
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from services.contracts.access import Who
from services.gateway import dashboard
from services.gateway.plan_pages import api_request, plan_row, upload_format

CLUSTERS = {"ne2": {"name_th": "กลุ่มจังหวัดภาคตะวันออกเฉียงเหนือตอนล่าง 2", "name_en": "Lower Northeast 2"}}
SUMMARY = {"id": "p", "cluster": "ne2", "title_th": "แผน", "title_en": "Plan", "status": "published",
           "version": 3}


def entry(version, status, saved_at, reason=None):
    return {"version": version, "status": status, "saved_at": saved_at,
            "revision": {"reason": reason} if reason else None}


def test_a_plans_line_names_its_cluster_and_its_days_in_bangkok():
    history = [entry(1, "draft", "2026-01-01T10:00:00+00:00"),
               entry(2, "published", "2026-01-31T18:00:00+00:00", "published"),  # 1 Feb, Bangkok
               entry(3, "published", "2026-03-01T02:00:00+00:00", "ทบทวนเป้าหมาย")]
    row = plan_row(SUMMARY, history, CLUSTERS, "en")
    assert row["cluster_name"] == "Lower Northeast 2" and row["published_day"] == "2026-02-01"
    assert row["revised"] == {"day": "2026-03-01", "reason": "ทบทวนเป้าหมาย"}
    assert dashboard.day_label(row["published_day"], "th") == "1 กุมภาพันธ์ 2569"
    draft = plan_row({**SUMMARY, "status": "draft", "version": 1, "cluster": "gone"}, history[:1],
                     CLUSTERS, "th")
    assert (draft["published_day"], draft["revised"], draft["cluster_name"]) == (None, None, "gone")


def test_the_upload_format_follows_the_file_name():
    assert upload_format("plan.xlsx")[0] == "xlsx" and upload_format(None)[0] == "xlsx"
    assert upload_format("PLAN.ZIP") == ("csv", "application/zip")


def test_a_form_becomes_the_apis_request_with_its_cookie_and_csrf_token():
    form = Request(EnvironBuilder(method="POST", path="/plans/upload", data={
        "csrf": "t0k", "reason": "x"}, headers={"Cookie": "cp_key=k", "Origin": "http://h"}).get_environ())
    api = api_request(form, b"PK..", "application/zip", {"format": "csv", "reason": "why",
                                                         "approved_by": "", "plan": None})
    assert api.stream.read() == b"PK.." and api.content_length == 4
    assert api.args.to_dict() == {"format": "csv", "reason": "why"}
    assert api.headers["X-CSRF-Token"] == "t0k" and api.cookies["cp_key"] == "k"
    assert api.mimetype == "application/zip" and api.headers["Origin"] == "http://h"


def test_only_the_osm_and_the_admin_have_the_plans_page_in_the_menu():
    nav = {role: dashboard.nav_for(Who(role, None)) for role in ("osm", "admin", "province", "agency")}
    assert "plans" in nav["osm"] and "plans" in nav["admin"]
    assert "plans" not in nav["province"] + nav["agency"]
    # the settings page: the admin's only
    assert "settings" in nav["admin"]
    assert "settings" not in nav["osm"] + nav["province"] + nav["agency"]


def test_a_form_larger_than_the_api_takes_is_refused_before_it_is_read():
    from services.gateway.api.common import MAX_UPLOAD_BYTES
    from services.gateway.plan_pages import too_large
    environ = EnvironBuilder(method="POST").get_environ()
    big = Request({**environ, "CONTENT_LENGTH": str(MAX_UPLOAD_BYTES * 2)})
    assert too_large(big) and not too_large(Request(EnvironBuilder(method="POST").get_environ()))
