"""The eMENSCR export (issue 26 point 4; docs/emenscr.md): per project of a plan and fiscal
year, the fields a planner enters into eMENSCR, as one workbook with Thai headers. The field
list is data (fields.py: the shipped CSV, or the admin's kept by reporting); rows.py turns a
plan snapshot and reporting's figures into rows (pure); workbook.py writes them."""
