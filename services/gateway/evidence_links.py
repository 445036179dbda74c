"""Download addresses of the evidence files reports cite (the API's drill-down and the pages)."""
from __future__ import annotations


def with_links(result: dict) -> dict:
    """The drill-down (``reports_of``) with each cited file's download address."""
    for report in result["reports"]:
        for item in report.get("evidence") or []:
            if item.get("file"):
                item["url"] = f"/api/plans/{result['plan_id']}/evidence/{item['file']}"
    return result
