"""Documents of an asset as files (issue step 14): a hand-over record, an inspection report, a
committee's disposal finding - PDF, PNG, JPEG, XLSX or CSV, at most 10 MB, its kind told by its
content - uploaded for one asset, then cited by a step's ``documents`` as
``{"kind", "reference", "file_id"}``. The bytes stay in the evidence store (infra/evidence, as
reports' evidence), kept under the scope ``asset:<code>``; a step may cite only its own asset's
files. Who uploads: who may see the asset and take one of its steps now (or, for an asset
being registered, who may register assets). Who downloads: who may see the asset."""
from __future__ import annotations

from werkzeug.wrappers import Response

from services.contracts import access
from services.contracts.errors import NotFound

from ..rpc import call
from .common import ApiError, attachment, forbidden, principal
from .evidence import KINDS, UPLOAD_BODY, store_upload
from .routing import RouteTable, file_ok, ok, param

routes = RouteTable()
ADMIN = ("admin", None)  # the asset as it is, whoever asks: the access rule is applied here


def scope_of(code: str) -> str:
    """The evidence store's "plan" of an asset's files: no plan id has this shape, so a report
    cannot cite an asset's file nor a plan's evidence route serve it."""
    return f"asset:{code}"


def _asset(gw, code: str) -> dict | None:
    try:
        return call(gw.assets, "get_asset", code, list(ADMIN))
    except NotFound:
        return None


def _not_found(code: str) -> ApiError:
    return ApiError(404, "not_found", f"no asset {code!r} that you may see / "
                                      f"ไม่พบทรัพย์สิน {code} หรือท่านไม่มีสิทธิ์เห็น")


def cited_files(gw, code, body):
    """``body`` with each document that cites a file checked - the file must be one of asset
    ``code``'s - and named as the store keeps it; 400 naming the file otherwise. A body the
    service will refuse anyway (not an object, documents not a list) passes as it is."""
    if not isinstance(body, dict) or not isinstance(body.get("documents"), list):
        return body
    documents = []
    for document in body["documents"]:
        if isinstance(document, dict) and document.get("file_id") is not None:
            file_id = document["file_id"]
            record = gw.evidence.info(file_id) if isinstance(file_id, str) else None
            if record is None or not isinstance(code, str) or record.get("plan_id") != scope_of(code):
                raise ApiError(400, "bad_request", f"file_id {file_id!r} is not a document of "
                               f"asset {code}: upload it with POST /api/assets/{code}/documents "
                               f"first / ไฟล์ {file_id} ไม่ใช่เอกสารของทรัพย์สิน {code} "
                               "โปรดอัปโหลดไฟล์ก่อน")
            document = {**document, "filename": record["filename"]}
        documents.append(document)
    return {**body, "documents": documents}


@routes.post("/api/assets/<string:code>/documents",
             "Upload a document file of an asset (PDF, PNG, JPEG, XLSX or CSV, at most 10 MB; "
             "its kind is checked by its content) for its steps to cite as {\"kind\", "
             "\"reference\", \"file_id\"}: who may see the asset and take a step on it now; for "
             "a code not yet registered, who may register assets (cite it in the registration)",
             query=(param("filename", "the file's name with its extension (a raw body)"),),
             body=UPLOAD_BODY, ok=ok("Evidence", "the file as kept (evidence_id is the file_id)",
                                     201),
             errors={400: "no file, an empty file or no name", 403: "you may take no step on it",
                     404: "no such asset you may see", 413: "the file is over 10 MB",
                     415: "not a PDF, PNG, JPEG, XLSX or CSV file by its content and its name"})
def upload_asset_document(gw, request, code):
    who = principal(gw, request)
    asset = _asset(gw, code)
    if asset is None:
        if not access.may_attach_asset_document(who, None):
            raise _not_found(code)
        province = None  # an asset being registered: its registration checks who may
    elif not access.can_see_asset(who, asset):
        raise _not_found(code)
    elif not access.may_attach_asset_document(who, asset):
        raise forbidden(f"you may take no step on asset {code} now, so attach no document to it "
                        f"/ ท่านไม่มีขั้นตอนที่ทำได้กับทรัพย์สิน {code} ในขณะนี้")
    else:
        province = asset["location"]["province"]
    return store_upload(gw, request, scope_of(code), province or "", who)


@routes.get("/api/assets/<string:code>/documents/<string:file_id>",
            "Download a document file of an asset (who may see the asset)",
            ok=file_ok("the file (Content-Disposition: attachment)", types=KINDS),
            errors={404: "no such asset you may see, or no such file of it"})
def download_asset_document(gw, request, code, file_id):
    who = principal(gw, request)
    asset = _asset(gw, code)
    if asset is None or not access.can_see_asset(who, asset):
        raise _not_found(code)
    found = gw.evidence.read(file_id)
    if found is None or found[0].get("plan_id") != scope_of(code):
        raise ApiError(404, "not_found", f"no file {file_id!r} of asset {code} / "
                                         f"ไม่พบไฟล์นี้ของทรัพย์สิน {code}")
    record, data = found
    return Response(data, content_type=record["content_type"], headers={
        "Content-Disposition": attachment(record["filename"]),
        "X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store"})
