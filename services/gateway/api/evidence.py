"""Evidence behind reports (issue 22): a province (or its cluster's OSM, or the admin) uploads
a file - PDF, PNG, JPEG, XLSX or CSV, at most 10 MB, its kind told by its content - and cites
the evidence_id it gets in its reports; the bytes stay in the evidence store (infra/evidence),
never in a message. Downloads: the province it belongs to, the plan's OSM and the admin."""
from __future__ import annotations

import io

from werkzeug.formparser import parse_form_data
from werkzeug.wrappers import Response

from services.contracts import access
from services.infra.evidence import MAX_BYTES, EvidenceRefused, check_upload

from .common import ApiError, attachment, forbidden, json_response, reporting_plan
from .routing import FILE, RouteTable, file_ok, ok, param

routes = RouteTable()
MULTIPART_SLACK = 64 * 2**10  # a multipart body's boundaries and headers around the file
KINDS = ("application/pdf", "image/png", "image/jpeg",
         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "text/csv")
UPLOAD_BODY = {"required": True, "description": "the file's bytes (then name it with "
               "?filename=), or multipart/form-data with one file part named file",
               "content": {"application/octet-stream": {"schema": FILE},
                           "multipart/form-data": {"schema": {
                               "type": "object", "required": ["file"],
                               "properties": {"file": FILE}}}}}


def _too_large(size: str) -> ApiError:
    return ApiError(413, "too_large", f"the file is {size} bytes; evidence is at most "
                                      f"{MAX_BYTES:,} bytes (10 MB) / ไฟล์มีขนาด {size} ไบต์ "
                                      "เกินขนาดสูงสุดของหลักฐาน 10 MB")


def read_upload(request) -> tuple[str | None, bytes]:
    """(the name the client gave, the bytes) of a raw or a multipart upload, refused with 413
    before more than the limit is read."""
    multipart = (request.mimetype or "") == "multipart/form-data"
    limit = MAX_BYTES + (MULTIPART_SLACK if multipart else 0)
    if request.content_length is not None and request.content_length > limit:
        raise _too_large(f"{request.content_length:,}")
    data = request.stream.read(limit + 1)
    if len(data) > limit:
        raise _too_large(f"more than {limit:,}")
    if not multipart:
        return request.args.get("filename"), data
    environ = {"REQUEST_METHOD": "POST", "CONTENT_TYPE": request.headers.get("Content-Type"),
               "CONTENT_LENGTH": str(len(data)), "wsgi.input": io.BytesIO(data)}
    _, _, files = parse_form_data(environ)
    upload = files.get("file")
    if upload is None:
        raise ApiError(400, "bad_request", "send the file as a multipart part named file / "
                                           "ส่งไฟล์ในส่วน (part) ชื่อ file")
    return upload.filename, upload.read()


def _province(who, plan, asked: str | None) -> str:
    """Whose evidence it is: a province key's own; the OSM or the admin names the province."""
    if who.role == access.PROVINCE:
        if asked and asked != who.scope:
            raise forbidden(f"a {who.scope} key uploads evidence for {who.scope} only")
        return who.scope
    if not access.can_change_plan(who, plan["cluster"]):
        raise forbidden("evidence is uploaded by the reporting province, the cluster's OSM or "
                        "the admin")
    if asked not in plan["provinces"]:
        raise ApiError(400, "bad_request", "name the province the evidence is for: "
                       f"?province= one of {', '.join(plan['provinces'])} / ระบุจังหวัด")
    return asked


@routes.post("/api/plans/<string:plan_id>/evidence",
             "Upload an evidence file (PDF, PNG, JPEG, XLSX or CSV, at most 10 MB; its kind is "
             "checked by its content) for a province's reports to cite as {\"file\": "
             "evidence_id}: a province key its own; the cluster's OSM or the admin name the "
             "province",
             query=(param("filename", "the file's name with its extension (a raw body)"),
                    param("province", "e.g. TH-34 (the OSM or the admin; a province key: its own)")),
             body=UPLOAD_BODY, ok=ok("Evidence", "the file as kept", 201),
             errors={400: "no file, an empty file, no name, or no province named",
                     413: "the file is over 10 MB",
                     415: "not a PDF, PNG, JPEG, XLSX or CSV file by its content and its name"})
def upload_evidence(gw, request, plan_id):
    who, plan = reporting_plan(gw, request, plan_id)
    province = _province(who, plan, request.args.get("province"))
    return store_upload(gw, request, plan_id, province, who)


def store_upload(gw, request, scope: str, province: str, who):
    """The request's file, its kind checked by content, kept under ``scope``: 201 with its
    record (a report's evidence, an asset's document)."""
    filename, data = read_upload(request)
    try:
        name, content_type = check_upload(filename, data)
    except EvidenceRefused as exc:
        raise ApiError(exc.status, exc.code, str(exc)) from None
    record = gw.evidence.put(scope, province, str(who), name, content_type, data)
    return json_response(record, 201)


@routes.get("/api/plans/<string:plan_id>/evidence/<string:evidence_id>",
            "Download an evidence file (the province it belongs to, the plan's OSM, the admin)",
            ok=file_ok("the file (Content-Disposition: attachment)", types=KINDS),
            errors={404: "no such plan, or no such evidence in it for this key"})
def download_evidence(gw, request, plan_id, evidence_id):
    who, plan = reporting_plan(gw, request, plan_id)
    found = gw.evidence.read(evidence_id)
    record = found[0] if found else None
    if record is None or record["plan_id"] != plan_id or (
            who.role == access.PROVINCE and record["province"] != who.scope) or (
            who.role == access.OSM and not access.can_change_plan(who, plan["cluster"])):
        # another province's file is not confirmed to exist
        raise ApiError(404, "not_found", f"no evidence {evidence_id!r} in plan {plan_id}")
    return Response(found[1], content_type=record["content_type"], headers={
        "Content-Disposition": attachment(record["filename"]),
        "X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store"})

