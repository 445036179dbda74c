"""A whole plan as an Excel workbook, or as a ZIP of CSV files, for officers who plan in Excel.

Pure: bytes in, bytes out, no other I/O. Both forms share one layout (docs/plan-workbook.md): one
sheet per kind of thing, a header row whose cells read ``Thai label (english_name)``, one row per
thing. The parser keys on the English name in the last parentheses, so the Thai wording may change.

Reading only checks that every cell can be read (a number where a number belongs, one of the
allowed words where a list of words is allowed, ...) and that rows refer to things that exist in
the workbook (an indicator's development issue, a target's indicator, an output's project). Every
problem found is reported at once as a :class:`WorkbookError` of :class:`CellProblem` s (sheet,
row, column, Thai and English); nothing partial is returned. The plan rules are
``prepare_plan``'s: :func:`locate` turns the problems of its ``PlanError`` into cells with the
:class:`Locations` the reader returned.

The document read back is the plan as ``PlanSchema`` loads it: every field present, floats as
floats, whole numbers as ints, empty cells as the field's default. Writing then reading a
prepared plan gives back an equal dict.

Modules: :mod:`.layout` (sheets, columns, the documented template), :mod:`.reading`,
:mod:`.writing`, :mod:`.locating`. Cells and files are read by the spreadsheet kernel
(services/infra/spreadsheet); reading and writing run off the eventlet hub.
"""
from services.contracts.plans import AGENCY_KINDS
from services.infra.spreadsheet import CellProblem, english_name

from .layout import (PLAN_FIELDS, SHEETS, Column, Locations, Sheet, WorkbookError,
                     describe_template)
from .locating import locate, located_error
from .reading import csv_to_plan, xlsx_to_plan
from .writing import plan_to_csv, plan_to_xlsx

__all__ = ["AGENCY_KINDS", "CellProblem", "english_name", "PLAN_FIELDS", "SHEETS", "Column",
           "Locations", "Sheet", "WorkbookError", "describe_template", "locate", "located_error",
           "csv_to_plan", "xlsx_to_plan", "plan_to_csv", "plan_to_xlsx"]
