"""Cells as the system writes them, so that no file it hands out runs what somebody typed.

A spreadsheet treats text that starts with ``=``, ``+``, ``-`` or ``@`` (and, after a tab or a
carriage return, in some importers) as a formula: ``=HYPERLINK(...)`` typed into a problem
report by one province would run on the OSM's computer when the export is opened (OWASP,
"CSV Injection"). So, in every file written:

- CSV: such text gets a leading apostrophe (OWASP's advice); a reader of our own files takes one
  off again (:func:`from_csv`), and text that already started with apostrophes before such a
  character gets one more, so the round trip is exact.
- XLSX: the cell is written as text - its type a string, never a formula - and marked with
  Excel's own "quote prefix", so Excel shows exactly what was typed and keeps it text when the
  cell is edited. Nothing is added to the text.

Numbers, dates and booleans are written as they are: a negative number stays a number.
"""
from __future__ import annotations

import re

FORMULA_START = re.compile(r"^'*[=+\-@\t\r]")


def runs_as_formula(value) -> bool:
    return isinstance(value, str) and FORMULA_START.match(value) is not None


def csv_cell(value):
    """``value`` as a CSV field: formula-looking text behind an apostrophe, the rest as is."""
    return "'" + value if runs_as_formula(value) else value


def from_csv(text):
    """A CSV field of a file we wrote, the apostrophe :func:`csv_cell` added taken off."""
    if isinstance(text, str) and text.startswith("'") and FORMULA_START.match(text):
        return text[1:]
    return text


def keep_as_text(cell) -> None:
    """An openpyxl cell just given its value: if that is formula-looking text, make it a text
    cell with Excel's quote prefix (its public ``data_type`` and ``quotePrefix``)."""
    if runs_as_formula(cell.value):
        cell.data_type = "s"
        cell.quotePrefix = True
