"""The spreadsheet kernel every workbook uses (plans, assets, province reports): cells
(:mod:`.cells`) and files (:mod:`.reading`). Each workbook keeps its own layout and rules."""
from .cells import (BE_OFFSET, THAI_DIGITS, Bad, CellProblem, as_text, english_name, is_blank,
                    number, number_text, parse_date, percent, shown, text, whole_number)
from .reading import (ASSET_LIMITS, PLAN_LIMITS, REPORT_LIMITS, UNPACK_ERRORS, Grid, Limits,
                      SheetUnreadable, check_unpacked_size, csv_grid, filled_rows, is_xlsx,
                      off_hub, open_zip, xlsx_grids)

__all__ = ["BE_OFFSET", "THAI_DIGITS", "Bad", "CellProblem", "as_text", "english_name",
           "is_blank", "number", "number_text", "parse_date", "percent", "shown", "text",
           "whole_number", "ASSET_LIMITS", "PLAN_LIMITS", "REPORT_LIMITS", "UNPACK_ERRORS", "Grid",
           "Limits", "SheetUnreadable", "check_unpacked_size", "csv_grid", "filled_rows",
           "is_xlsx", "off_hub", "open_zip", "xlsx_grids"]
