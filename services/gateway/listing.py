"""How much of an upload's check an HTTP answer lists - the one place that decides it.

An upload (a reporting workbook or CSV: its check and its send; a plan workbook; a sheet of
assets) may have thousands of problems, one per bad cell, and a reporting workbook echoes every
row it read. An answer lists at most ``MAX_LISTED`` problems, and at most ``MAX_LISTED`` rows,
and always says how many there are in all: ``problems_total`` and ``problems_shown`` (and
``rows_total`` and ``rows_shown`` where rows are echoed). The fields listed before stay as they
were: ``problems`` (a list of problems, or in a reporting workbook's check the total count) and
``rows``. README "Extensions to contract v1" and docs/report-workbook.md describe them.
"""
from __future__ import annotations

MAX_LISTED = 200


def listed_problems(problems: list) -> dict:
    """At most MAX_LISTED of the problems, in their order, with how many there are in all."""
    return {"problems": list(problems[:MAX_LISTED]), "problems_total": len(problems),
            "problems_shown": min(len(problems), MAX_LISTED)}


def listed_rows(checked: dict) -> dict:
    """A reporting workbook's check (gateway/province_reports.py ``check``) as an answer lists
    it: at most MAX_LISTED rows and at most MAX_LISTED problems over them - the rows with
    problems first, until that many problems are listed, then rows without, each kept in the
    file's order. ``problems`` stays the total count; the totals and what is shown are added."""
    rows = checked["rows"]
    room, kept = MAX_LISTED, {}
    for at, row in enumerate(rows):
        if row["errors"] and room > 0 and len(kept) < MAX_LISTED:
            kept[at] = {**row, "errors": row["errors"][:room]}
            room -= len(kept[at]["errors"])
    for at, row in enumerate(rows):
        if not row["errors"] and len(kept) < MAX_LISTED:
            kept[at] = row
    shown = [kept[at] for at in sorted(kept)]
    return {**checked, "rows": shown, "rows_total": len(rows), "rows_shown": len(shown),
            "problems_total": checked["problems"],
            "problems_shown": sum(len(row["errors"]) for row in shown)}
