"""The field list in force: the admin's (reporting keeps it, with its version and who changed
it) or, until the admin sets one or after a reset, the shipped clusterctl/data/emenscr/fields.csv
(package data, read through importlib.resources like the reference data)."""
from __future__ import annotations

import csv
import hashlib
import io
from functools import lru_cache
from importlib.resources import files

from services.contracts.emenscr import FIELD_COLUMNS, EmenscrField, parse_fields
from services.infra.spreadsheet import csv_cell

SHIPPED = files("clusterctl") / "data" / "emenscr" / "fields.csv"


@lru_cache(maxsize=1)
def shipped_text() -> str:
    return SHIPPED.read_text("utf-8").lstrip("\ufeff")


def in_force(kept: dict) -> dict:
    """The list in force from what reporting keeps (``emenscr_fields``): its CSV, its fields
    and where it comes from - ``origin`` "shipped" or "admin". The kept CSV was checked when the
    admin saved it; reading it again cannot fail unless the known keys shrank in a release, and
    then the error names the lines."""
    text = kept.get("csv")
    origin = "shipped" if text is None else "admin"
    text = shipped_text() if text is None else text.lstrip("\ufeff")
    fields = parse_fields(text, "fields.csv" if origin == "shipped" else "the admin's list")
    return {"origin": origin, "version": kept.get("version", 0),
            "changed_by": kept.get("changed_by"), "changed_at": kept.get("changed_at"),
            "digest": hashlib.sha256(text.encode("utf-8")).hexdigest()[:16],
            "keys": [f.key for f in fields], "csv": text, "fields": fields}


def as_json(listed: dict) -> dict:
    """The list in force as the API answers it (the CSV itself: ?format=csv)."""
    return {**{k: listed[k] for k in ("origin", "version", "changed_by", "changed_at", "digest",
                                      "keys")},
            "fields": [field_json(f) for f in listed["fields"]]}


def field_json(field: EmenscrField) -> dict:
    return {"key": field.key, "header_th": field.header_th, "header_en": field.header_en,
            "source": field.source, "verified": field.verified, "order": field.order}


def as_csv(listed: dict) -> str:
    """The list in force as a CSV to download and edit: written again from its fields, each cell
    through csv_cell, so no cell an admin typed runs as a formula in the reader's Excel."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(FIELD_COLUMNS)
    for f in listed["fields"]:
        writer.writerow([csv_cell(f.key), csv_cell(f.header_th), csv_cell(f.header_en),
                         csv_cell(f.source), "yes" if f.verified else "no", f.order])
    return out.getvalue()
