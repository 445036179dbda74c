"""An upload's answer lists at most MAX_LISTED problems and rows, and always the true totals
(services/gateway/listing.py): the reporting workbook's check and send, the plan and asset
imports."""
from services.gateway import province_reports
from services.gateway.listing import MAX_LISTED, listed_problems, listed_rows

PROVINCE, PERIOD = "TH-34", "FY2568-Q1"
CSV_HEADER = "kind,code,period,value"


def test_the_cap_is_documented_and_an_import_lists_at_most_that_many_problems():
    assert MAX_LISTED == 200
    problems = [{"sheet": "s", "row": n, "column": "c", "message": f"bad {n}"} for n in range(450)]
    answer = listed_problems(problems)
    assert answer["problems"] == problems[:MAX_LISTED]
    assert (answer["problems_total"], answer["problems_shown"]) == (450, MAX_LISTED)
    few = listed_problems(problems[:3])
    assert few == {"problems": problems[:3], "problems_total": 3, "problems_shown": 3}


def row(n, errors):
    return {"sheet": "csv", "row": n, "kind": "indicator", "subject": f"X-{n}", "period": PERIOD,
            "event_id": None if errors else f"id-{n}",
            "errors": [{"cell": f"row {n}", "message_th": "ผิด", "message_en": f"bad {e}"}
                       for e in range(errors)]}


def test_a_check_lists_rows_with_problems_first_then_clean_ones_in_the_file_s_order():
    rows = [row(n, 0 if n % 3 else 2) for n in range(2, 602)]  # 200 bad rows of 2, 400 clean
    checked = {"province": PROVINCE, "period": None, "rows": rows, "reports": 400,
               "problems": 400}
    answer = listed_rows(checked)
    assert (answer["problems"], answer["problems_total"], answer["problems_shown"]) == (
        400, 400, MAX_LISTED)
    assert (answer["rows_total"], answer["rows_shown"]) == (600, MAX_LISTED)
    bad = [r for r in answer["rows"] if r["errors"]]
    assert len(bad) == 100 and [r["row"] for r in bad] == [r["row"] for r in rows if r["errors"]][:100]
    assert [r["row"] for r in answer["rows"]] == sorted(r["row"] for r in answer["rows"])
    assert checked["rows"] is rows and len(rows) == 600  # the check itself is left as it was

    odd = [row(2, 150), row(3, 0), row(4, 120), row(5, 1)]  # the 200th problem falls in row 4
    answer = listed_rows({"rows": odd, "problems": 271, "reports": 1})
    assert [len(r["errors"]) for r in answer["rows"]] == [150, 0, 50]
    assert (answer["problems_shown"], answer["problems_total"], answer["rows_shown"]) == (
        200, 271, 3)
    assert len(odd[2]["errors"]) == 120

    clean = [row(n, 0) for n in range(2, 302)]
    answer = listed_rows({"rows": clean, "problems": 0, "reports": 300})
    assert (answer["rows_shown"], answer["rows_total"], answer["problems_shown"]) == (
        MAX_LISTED, 300, 0)


def test_a_file_with_more_problems_than_listed_answers_the_cap_and_the_true_total():
    """250 rows each with a value that is not a number, through the gateway's own read and
    check (what /report-workbook/check answers, its ``bodies`` aside)."""
    lines = [CSV_HEADER] + [f"indicator,X-{n},{PERIOD},x{n}" for n in range(250)]
    data = "\n".join(lines).encode("utf-8")
    upload = province_reports.read("plan", PROVINCE, "csv", data)
    checked = province_reports.check(upload, PROVINCE, lambda *args: [])
    checked.pop("bodies")
    answer = listed_rows(checked)
    assert answer["problems"] == answer["problems_total"] == 250
    assert answer["problems_shown"] == MAX_LISTED == sum(len(r["errors"]) for r in answer["rows"])
    assert (answer["rows_total"], answer["rows_shown"]) == (250, MAX_LISTED)
    assert answer["rows"][0]["errors"][0]["cell"] == "row 2, column value"
