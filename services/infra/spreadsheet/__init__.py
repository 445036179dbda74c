"""The spreadsheet kernel every workbook uses (plans, assets, province reports): cells
(:mod:`.cells`), files (:mod:`.reading`) and cells as written, never as formulas (:mod:`.writing`). Each workbook keeps its own layout
and rules."""
from .cells import (BE_OFFSET, THAI_DIGITS, Bad, CellProblem, as_text, english_name, is_blank,
                    number, number_text, parse_date, percent, shown, text, whole_number)
from .reading import (ASSET_LIMITS, PLAN_LIMITS, REPORT_LIMITS, UNPACK_ERRORS, USER_LIMITS, Grid, Limits,
                      SheetUnreadable, check_unpacked_size, csv_grid, filled_rows, is_xlsx,
                      off_hub, open_zip, xlsx_grids)
from .writing import csv_cell, from_csv, keep_as_text, runs_as_formula

__all__ = ["BE_OFFSET", "THAI_DIGITS", "Bad", "CellProblem", "as_text", "english_name",
           "is_blank", "number", "number_text", "parse_date", "percent", "shown", "text",
           "whole_number", "ASSET_LIMITS", "PLAN_LIMITS", "REPORT_LIMITS", "UNPACK_ERRORS", "USER_LIMITS", "Grid",
           "Limits", "SheetUnreadable", "check_unpacked_size", "csv_grid", "filled_rows",
           "is_xlsx", "off_hub", "open_zip", "xlsx_grids", "csv_cell", "from_csv", "keep_as_text",
           "runs_as_formula"]
