"""The national strategy hierarchy (issue 26): every loaded version and the entries in force, for
anyone signed in; a new version from CSV files, for the admin - checked whole first, so a bad
row anywhere answers 400 naming every bad row by file and line (Thai and English) and nothing
is kept. The rules are the plans service's (services/plans/national.py)."""
from __future__ import annotations

import re
from datetime import date
from io import BytesIO
from pathlib import PurePosixPath

from werkzeug.wrappers import Request

from services.infra.spreadsheet.reading import NATIONAL_LIMITS, SheetUnreadable, open_zip

from ..audit.recording import record_act
from ..listing import MAX_LISTED, listed_problems
from ..rpc import call
from .common import (MAX_UPLOAD_BYTES, ApiError, admin, body_bytes, json_body, json_response,
                     only_fields, principal)
from .routing import JSON, RouteTable, ok, param

routes = RouteTable()
ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
CHECK_TIMEOUT_S = 60  # a few thousand rows are checked in well under a second; room to spare
ZIP_LEFT_OUT = ("__MACOSX/",)  # what an archiver adds beside the files (macOS's resource forks)


def bad_upload(thai: str, english: str) -> ApiError:
    return ApiError(400, "bad_request", f"{english} / {thai}")


@routes.get("/api/national", "The national strategy hierarchy: every loaded version, and the "
                             "entries of one (default: the one loaded last) in force on a day "
                             "(default: today), by level, each with its source and whether it "
                             "was checked against the official text",
            query=(param("version", "a version_id of versions (default: the one loaded last)"),
                   param("on_date", "the day (YYYY-MM-DD, C.E.; default: today in Bangkok)",
                         schema={"type": "string", "format": "date"})),
            ok=ok("NationalHierarchy", "versions, the version shown and its entries by level"),
            errors={404: "no such version"})
def national_hierarchy(gw, request):
    principal(gw, request)
    versions = call(gw.plans, "national_versions")
    version = request.args.get("version") or None
    if version is not None and version not in {v["version_id"] for v in versions}:
        raise ApiError(404, "not_found", f"no national hierarchy version {version!r} (see "
                                         "versions) / ไม่พบข้อมูลอ้างอิงระดับชาติรุ่นนี้")
    on_date = request.args.get("on_date")
    if on_date is not None and not iso_day(on_date):
        raise bad_upload("on_date ต้องเป็นวันที่ ปปปป-ดด-วว (ค.ศ.)",
                         f"on_date {on_date!r} is not a date (YYYY-MM-DD)")
    return json_response({"versions": versions,
                          **call(gw.plans, "national_entries", version, on_date)})


def iso_day(text: str) -> bool:
    """YYYY-MM-DD and a real day (fromisoformat alone also takes 20240101 and 2024-W01)."""
    if not ISO_DAY.fullmatch(text):
        return False
    try:
        return bool(date.fromisoformat(text))
    except ValueError:
        return False


CSV_FILES = {"type": "object", "minProperties": 1, "description": "{file name: CSV text}; "
             "names end in .csv; columns as clusterctl/data/reference/national/README.md",
             "additionalProperties": {"type": "string"}, "propertyNames": {"pattern": r"\.csv$"}}


MODES = ("add", "whole")
MODE = param("mode", "add (default): the files join those of the version loaded last, a file of "
                     "the same name replacing it; whole: the new version is exactly these files",
             schema={"type": "string", "enum": list(MODES), "default": "add"})


@routes.post("/api/national", "Load a new version of the national hierarchy from CSV files "
                              "(admin): JSON {\"files\": {\"name.csv\": \"text\"}}, or a "
                              "multipart upload of .csv files or a .zip of them; with the "
                              "files of the version loaded last unless mode=whole",
             query=(MODE,),
             body={"required": True, "content": {
                 JSON: {"schema": {"type": "object", "required": ["files"],
                                   "additionalProperties": False,
                                   "properties": {"files": CSV_FILES}}},
                 "multipart/form-data": {"schema": {"type": "object", "properties": {
                     "files": {"type": "array", "items": {
                         "type": "string", "contentMediaType": "application/octet-stream",
                         "description": "a .csv file or a .zip of .csv files"}}}}}}},
             ok={**ok("NationalLoaded", "a new version, now the one new plans are made under",
                      201),
                 **ok("NationalLoaded", "that very version was loaded before: it is the one new "
                                         "plans are made under again")},
             errors={400: "not JSON {files} nor a multipart upload of .csv/.zip files, a file "
                          "not UTF-8, an unreadable .zip (said in Thai and English), or bad "
                          "rows (error.code invalid_reference): error.problems lists them as "
                          f"{{file, line, where, message_th, message_en, message}} (at most "
                          f"{MAX_LISTED}; error.problems_total counts them all); nothing was "
                          "loaded"})
def load_national_hierarchy(gw, request):
    who = admin(gw, request, "only the admin loads the national hierarchy / เฉพาะผู้ดูแลระบบ")
    mode = request.args.get("mode") or "add"
    if mode not in MODES:
        raise bad_upload("mode ต้องเป็น add หรือ whole", f"mode must be add or whole, not {mode!r}")
    return json_response(*load_national_as(gw, who, uploaded_files(request), mode))


def load_national_as(gw, who, uploaded: dict[str, str], mode: str) -> tuple[dict, int]:
    """(answer, status) of a load (the API's and the /national page's form): checked whole
    first, 400 naming every bad row and keeping nothing; once loaded, kept in the audit log
    (audit/acts.py AUDITED_IN_HANDLER) with the files' names, not their text."""
    files = uploaded
    if mode == "add":
        files = {**(call(gw.plans, "national_files") or {}), **uploaded}
    checked = call(gw.plans, "check_national", files, timeout=CHECK_TIMEOUT_S)
    if checked["problems"]:
        count = len(checked["problems"])
        return {"error": {
            "code": "invalid_reference",
            "message": f"{count} problem(s) in the national reference files; nothing was loaded",
            "message_th": f"ข้อมูลอ้างอิงระดับชาติมีข้อผิดพลาด {count} รายการ ยังไม่มีการนำเข้าใด",
            **listed_problems(checked["problems"])}}, 400
    loaded = call(gw.plans, "load_national", files, str(who), timeout=CHECK_TIMEOUT_S)
    answer = {**loaded, "files": sorted(files)}
    record_act(gw, who, "settings.national_reference", target=loaded["version_id"],
               answer=answer, request={"mode": mode, "files": sorted(uploaded)})
    return answer, 201 if loaded["created"] else 200


def uploaded_files(request) -> dict[str, str]:
    """{file name: CSV text} from JSON {"files": {...}} or a multipart upload; 400 otherwise."""
    if request.mimetype == "application/json":
        body = json_body(request)
        only_fields(body, ("files",))
        files = body.get("files")
        if not isinstance(files, dict) or not files or not all(
                isinstance(v, str) for v in files.values()):
            raise bad_upload("files ต้องเป็น {ชื่อไฟล์.csv: ข้อความ CSV} อย่างน้อยหนึ่งไฟล์",
                             'files must be {"name.csv": "CSV text", ...}, at least one file')
        for name in files:
            csv_name(name)
        return files
    if request.mimetype == "multipart/form-data":
        return multipart_files(request)
    raise bad_upload("ส่งเป็น JSON {\"files\": ...} หรืออัปโหลดไฟล์ .csv / .zip (multipart/form-data)",
                     'send JSON {"files": {...}} or a multipart/form-data upload of .csv or '
                     ".zip files")


def multipart_files(request) -> dict[str, str]:
    data = body_bytes(request, MAX_UPLOAD_BYTES)  # bounded; then parsed from those bytes
    environ = {**request.environ, "wsgi.input": BytesIO(data), "CONTENT_LENGTH": str(len(data))}
    form = Request(environ) if data else request  # a session's form may be parsed already
    files: dict[str, str] = {}
    unpacked = 0
    for _, upload in form.files.items(multi=True):
        name, content = PurePosixPath(upload.filename or "").name, upload.stream.read()
        if name.lower().endswith(".zip"):
            members = zip_members(name, content)
        else:
            members = {csv_name(name): content}
        for member, raw in members.items():
            unpacked += len(raw)
            if unpacked > NATIONAL_LIMITS.max_unpacked:  # many zips, each within its own bound
                raise bad_upload(f"ไฟล์ที่อัปโหลดรวมกันเกิน {NATIONAL_LIMITS.max_unpacked // 2**20} MB",
                                 f"the files uploaded come to more than "
                                 f"{NATIONAL_LIMITS.max_unpacked // 2**20} MB unpacked")
            if member in files:
                raise bad_upload(f"มีไฟล์ชื่อ {member} มากกว่าหนึ่งไฟล์",
                                 f"{member} is uploaded more than once")
            files[member] = utf8(member, raw)
    if not files:
        raise bad_upload("ไม่มีไฟล์ที่อัปโหลด", "no file was uploaded")
    return files


def zip_members(name: str, content: bytes) -> dict[str, bytes]:
    try:
        archive = open_zip(content, NATIONAL_LIMITS)  # the one zip-bomb guard
    except SheetUnreadable as exc:
        raise bad_upload(f"{name}: {exc.message_th}", f"{name}: {exc.message_en}") from None
    if archive is None:
        raise bad_upload(f"{name} ไม่ใช่ไฟล์ ZIP", f"{name} is not a ZIP file")
    members = {}
    for info in archive.infolist():
        if info.is_dir() or info.filename.startswith(ZIP_LEFT_OUT):
            continue
        member = csv_name(PurePosixPath(info.filename).name, f" ({name})")
        if member in members:
            raise bad_upload(f"{name} มีไฟล์ชื่อ {member} มากกว่าหนึ่งไฟล์",
                             f"{name} holds {member} more than once")
        members[member] = archive.read(info)  # sizes checked by open_zip
    return members


def csv_name(name: str, inside: str = "") -> str:
    if not name.lower().endswith(".csv") or name.startswith("."):
        raise bad_upload(f"{name!r}{inside} ไม่ใช่ไฟล์ .csv (ข้อมูลอ้างอิงระดับชาติรับเฉพาะไฟล์ CSV)",
                         f"{name!r}{inside} is not a .csv file; the national reference is CSV files")
    return name


def utf8(name: str, raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise bad_upload(f"{name} ไม่ได้บันทึกเป็น UTF-8 (ไบต์ที่ {exc.start}): บันทึกเป็น CSV UTF-8",
                         f"{name} is not UTF-8 (byte {exc.start}): save it as 'CSV UTF-8'"
                         ) from None
