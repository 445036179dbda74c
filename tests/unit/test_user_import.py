"""Users from a file (accounts/importing.py) and the organisations they belong to
(accounts/directory.py): every bad row named by line and column, in Thai and English; all or none."""
from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from services.contracts.access import Who
from services.gateway.accounts import importing
from services.gateway.accounts.directory import organisations
from services.gateway.accounts.domain import manages

CLUSTERS = [{"code": "ne2", "name_th": "อีสานล่าง 2", "name_en": "Lower Northeast 2",
             "provinces": [{"code": "TH-34", "name_th": "อุบลราชธานี", "name_en": "Ubon Ratchathani"}]},
            {"code": "north1", "name_th": "เหนือ 1", "name_en": "North 1",
             "provinces": [{"code": "TH-50", "name_th": "เชียงใหม่", "name_en": "Chiang Mai"}]}]
AGENCIES = [{"code": "ubon-pao", "name_th": "อบจ.อุบล", "name_en": "Ubon PAO", "province": "TH-34"}]
PLANS = [{"cluster": "north1", "agency_codes": ["cm-tourism"]}]
ORGS = organisations(CLUSTERS, AGENCIES, PLANS)
DIRECTOR = Who("osm", "ne2", person="Dir (dir)", duty="osm_director")
ADMIN = Who("admin", None, person="Admin (admin)", duty="admin")


def rows_of(text: str):
    return importing.read_rows(text.encode("utf-8"), "users.csv")


def check(text, who=ADMIN, existing=()):
    return importing.check_rows(rows_of(text), ORGS, lambda name: name in existing,
                                lambda user: manages(who, user, ORGS.cluster_of))


def test_the_directory_knows_codes_names_and_clusters():
    assert ORGS.known["province"] == {"TH-34", "TH-50"}
    assert ORGS.known["agency"] == {"ubon-pao", "cm-tourism"}
    assert ORGS.cluster_of == {"TH-34": "ne2", "TH-50": "north1", "ubon-pao": "ne2",
                               "cm-tourism": "north1"}
    assert ORGS.name("TH-34", "th") == "อุบลราชธานี (TH-34)" and ORGS.name(None, "en") == "—"
    assert ORGS.code_of("Ubon Ratchathani", "province") == "TH-34"
    assert [c for c, _ in ORGS.choices("province", {"ne2"})] == ["TH-34"]


def test_good_rows_become_users_with_roles_and_organisations_by_name_or_code():
    users, problems = check("username,name,email,role,organisation\n"
                            "somchai,สมชาย ใจดี,somchai@example.org,province_planner,TH-34\n"
                            "Malee,มาลี,malee@example.org,Agency officer,Ubon PAO\n"
                            "nat,Nat,nat@example.org,ผู้ดูข้อมูลระดับประเทศ,\n")
    assert problems == []
    assert [(u["username"], u["duty"], u["organisation"]) for u in users] == [
        ("somchai", "province_planner", "TH-34"), ("malee", "agency_officer", "ubon-pao"),
        ("nat", "national_viewer", None)]


def test_every_bad_row_is_named_by_line_and_column_in_thai_and_english():
    _, problems = check("username,name,email,role,organisation\n"
                        "ok.user,OK,ok@example.org,auditor,ne2\n"
                        "x,,not-mail,chief,TH-34\n"
                        "ok.user,Again,a@example.org,province_planner,TH-99\n"
                        "taken,T,t@example.org,auditor,ne2\n", existing={"taken"})
    where = {(p["line"], p["column"]) for p in problems}
    assert where == {(3, "username"), (3, "name"), (3, "email"), (3, "role"),
                     (4, "username"), (4, "organisation"), (5, "username")}
    assert all(p["th"] and p["en"] for p in problems)
    assert any("line 2" in p["en"] for p in problems if p["line"] == 4)


def test_a_director_imports_only_its_own_clusters_people():
    users, problems = check("username,name,email,role,organisation\n"
                            "mine,M,m@example.org,province_planner,TH-34\n"
                            "theirs,T,t@example.org,province_planner,TH-50\n"
                            "boss,B,b@example.org,admin,\n", who=DIRECTOR)
    assert [(p["line"], p["column"]) for p in problems] == [(3, "organisation"), (4, "organisation")]
    assert [u["username"] for u in users] == ["mine"]  # the caller creates none: problems exist


def test_missing_and_unknown_columns_are_reported_on_the_header_line():
    _, problems = check("username,name,mail\nx,y,z\n")
    assert {p["column"] for p in problems} == {"mail", "email", "role", "organisation"}
    assert {p["line"] for p in problems} == {1}
    assert check("\n")[1][0]["en"] == "the file has no rows"
    with pytest.raises(importing.SheetUnreadable):
        rows_of("")  # the API and the page answer it as one problem (importing.unreadable)


def test_an_excel_file_is_read_like_a_csv():
    book = Workbook()
    sheet = book.active
    sheet.append(["ชื่อผู้ใช้", "ชื่อ-นามสกุล", "อีเมล", "บทบาท", "หน่วยงานสังกัด"])
    sheet.append(["dir2", "ผอ.", "d@example.org", "osm_director", "ne2"])
    data = io.BytesIO()
    book.save(data)
    rows = importing.read_rows(data.getvalue(), "users.xlsx")
    users, problems = importing.check_rows(rows, ORGS, lambda n: False, lambda u: True)
    assert problems == [] and users[0]["organisation"] == "ne2"


class _Store:
    def __init__(self, users):
        self._users = users

    def users(self):
        return self._users


class _Gateway:
    def __init__(self, users):
        self.people = type("People", (), {"store": _Store(users)})()


def test_the_last_active_admin_is_neither_disabled_nor_demoted():
    from services.gateway.api.users import last_admin
    admin = {"username": "admin", "duty": "admin"}
    alone = _Gateway([admin, {"username": "old", "duty": "admin", "disabled_at": "2026-01-01"}])
    assert last_admin(alone, admin, {"active": False})
    assert last_admin(alone, admin, {"duty": "auditor"})
    assert not last_admin(alone, admin, {"name": "Renamed"})
    two = _Gateway([admin, {"username": "second", "duty": "admin"}])
    assert not last_admin(two, admin, {"active": False})
