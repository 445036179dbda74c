"""Users imported from a CSV or Excel file (pure but for reading the file's cells).

All or none: a file with any bad row creates nobody, and every bad row is reported - its line
as the spreadsheet shows it, its column, and what is wrong in Thai and English - so the person
fixes the file and sends it again, never wondering which half went in. The columns are named in
the first filled row (any order): username, name, email, role, organisation (the Thai words
of the users page are taken too). A role is a role's code or its Thai or English name; an
organisation its code or its name.
"""
from __future__ import annotations

from services.contracts import access
from services.infra.spreadsheet import (USER_LIMITS, SheetUnreadable, as_text, csv_grid, is_blank,
                                        open_zip, xlsx_grids)

from . import domain
from .domain import AccountError
from .directory import Organisations

COLUMNS = ("username", "name", "email", "role", "organisation")
HEADERS = {"username": "username", "ชื่อผู้ใช้": "username", "name": "name", "ชื่อ-นามสกุล": "name",
           "ชื่อ": "name", "email": "email", "e-mail": "email", "อีเมล": "email", "role": "role",
           "duty": "role", "บทบาท": "role", "organisation": "organisation",
           "organization": "organisation", "หน่วยงานสังกัด": "organisation", "หน่วยงาน": "organisation"}


def problem(line: int, column: str, th: str, en: str) -> dict:
    return {"line": line, "column": column, "th": th, "en": en}


def read_rows(data: bytes, filename: str = "users.csv") -> list[tuple[int, list]]:
    """(line, cells) of the file's first sheet (an .xlsx) or of the CSV; SheetUnreadable when
    the file cannot be read at all."""
    archive = open_zip(data, USER_LIMITS)
    if archive is not None:
        grids = xlsx_grids(data, USER_LIMITS)
        return grids[0].rows if grids else []
    return csv_grid(data, filename, USER_LIMITS).rows


def columns_of(header: list) -> tuple[dict[str, int], list[dict]]:
    """{column: index} of the header row, and a problem for each column missing or unknown."""
    found, problems = {}, []
    for index, cell in enumerate(header):
        name = HEADERS.get(as_text(cell).strip().lower()) if not is_blank(cell) else None
        if name is None and not is_blank(cell):
            problems.append(problem(1, as_text(cell)[:40], f"ไม่รู้จักคอลัมน์ {as_text(cell)[:40]!r}",
                                    f"unknown column {as_text(cell)[:40]!r}; the columns are "
                                    + ", ".join(COLUMNS)))
        elif name is not None:
            found.setdefault(name, index)
    for name in COLUMNS:
        if name not in found:
            problems.append(problem(1, name, f"ไม่มีคอลัมน์ {name} ในแถวหัวตาราง",
                                    f"the header row has no column {name}"))
    return found, problems


def duty_of(text: str) -> str | None:
    folded = text.strip().casefold()
    return next((duty for duty, names in access.DUTY_NAMES.items()
                 if folded == duty or folded in (n.casefold() for n in names)), None)


def check_rows(rows: list[tuple[int, list]], orgs: Organisations, exists, may_manage
               ) -> tuple[list[dict], list[dict]]:
    """(the users to create, every problem); ``exists(username)``: a user already on file;
    ``may_manage(user)``: the asker may manage such a user (domain.manages)."""
    if not rows:
        return [], [problem(1, "", "ไฟล์ไม่มีข้อมูล", "the file has no rows")]
    (header_line, header), body = rows[0], rows[1:]
    columns, problems = columns_of(header)
    if problems:
        return [], [{**p, "line": header_line} for p in problems]
    users, seen = [], {}
    for line, cells in body:
        def cell(name):
            index = columns[name]
            return as_text(cells[index]).strip() if index < len(cells) else ""
        raw = {name: cell(name) for name in COLUMNS}
        row_problems = _check(line, raw, orgs, exists, seen)
        if not row_problems:
            user = {"username": domain.normal_username(raw["username"]), "name": raw["name"],
                    "email": raw["email"], "duty": duty_of(raw["role"]),
                    "organisation": _organisation(raw, orgs)}
            if not may_manage(user):
                row_problems.append(problem(
                    line, "organisation", "คุณไม่มีสิทธิ์จัดการผู้ใช้ของหน่วยงานนี้",
                    "you may not manage users of this organisation (an OSM director manages "
                    "its own cluster's people)"))
            else:
                users.append(user)
        problems += row_problems
    if not body:
        problems.append(problem(header_line, "", "ไฟล์มีแต่แถวหัวตาราง", "the file has only the header row"))
    return users, problems


def _organisation(raw: dict, orgs: Organisations) -> str | None:
    kind = domain.ORGANISATION_OF.get(duty_of(raw["role"]) or "")
    return orgs.code_of(raw["organisation"], kind) or raw["organisation"] if kind else None


def _check(line: int, raw: dict, orgs: Organisations, exists, seen: dict) -> list[dict]:
    found = []
    try:
        username = domain.check_username(raw["username"])
        if username in seen:
            found.append(problem(line, "username", f"ชื่อผู้ใช้ {username} ซ้ำกับบรรทัด {seen[username]}",
                                 f"username {username} is also on line {seen[username]}"))
        elif exists(username):
            found.append(problem(line, "username", f"มีผู้ใช้ชื่อ {username} อยู่แล้ว",
                                 f"there is already a user {username}"))
        seen.setdefault(username, line)
    except AccountError as exc:
        found.append(problem(line, "username", exc.th, exc.en))
    if not raw["name"] or len(raw["name"]) > 200:
        found.append(problem(line, "name", "ต้องกรอกชื่อ-นามสกุล (ไม่เกิน 200 ตัวอักษร)",
                             "the person's name is required (at most 200 characters)"))
    try:
        domain.check_email(raw["email"])
    except AccountError as exc:
        found.append(problem(line, "email", exc.th, exc.en))
    duty = duty_of(raw["role"])
    if duty is None:
        found.append(problem(line, "role", f"ไม่รู้จักบทบาท {raw['role'][:40]!r}",
                             f"unknown role {raw['role'][:40]!r}; one of " + ", ".join(access.DUTIES)))
    else:
        try:
            domain.check_duty(duty, _organisation(raw, orgs), orgs.known)
        except AccountError as exc:
            found.append(problem(line, "organisation", exc.th, exc.en))
    return found


def unreadable(exc: SheetUnreadable) -> list[dict]:
    return [problem(0, "", exc.message_th, exc.message_en)]
