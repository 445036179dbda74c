"""The province reporting workbook (docs/report-workbook.md): provinces without an AMQP-capable
system download it, fill it in in Excel (or write a CSV file) and upload it; its rows become the
same report bodies a provincial system would publish (``contracts/reports.py``).

* :func:`due_items` - what a province reports for a period of a plan;
* :func:`build_workbook` - the ``.xlsx`` to fill in: sheets ``ตัวชี้วัด (indicators)``,
  ``โครงการ (projects)`` and ``เกี่ยวกับแบบฟอร์ม (about)``, headers ``Thai label (english_name)``;
* :func:`read_workbook` - an uploaded ``.xlsx`` or ``.csv`` as :class:`Row` s, every problem of
  every cell collected at once (a :class:`CellProblem` with its cell, in Thai and English);
  :class:`WorkbookUnreadable` when the whole file is unusable;
* :func:`read_entries` - indicator values typed in a form, as the rows of an upload (the same
  parsers and rules);
* :func:`report_bodies` - the rows without problems as ``IndicatorReportSchema`` /
  ``ProjectReportSchema`` bodies, with :func:`stable_event_id` ids: the same content always
  gets the same id, so uploading a file again sends nothing new.

Reading and writing run off the eventlet hub (services/infra/spreadsheet ``off_hub``).
"""
from services.infra.spreadsheet import CellProblem

from .layout import (CSV_COLUMNS, NAMESPACE, SCHEMA, SHEET_TITLES, Row, Upload,
                     WorkbookUnreadable, due_items)
from .entries import ENTRY_SHEET, read_entries
from .reading import read_workbook, report_bodies, stable_event_id
from .template import build_workbook

__all__ = ["CSV_COLUMNS", "NAMESPACE", "SCHEMA", "SHEET_TITLES", "CellProblem", "Row",
           "Upload", "WorkbookUnreadable", "build_workbook", "due_items", "read_workbook",
           "ENTRY_SHEET", "read_entries",
           "report_bodies", "stable_event_id"]
