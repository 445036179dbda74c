"""schemathesis against /openapi.json of a system of its own (it writes random data), with its
DEFAULT checks - no 5xx, every status and content type documented, every answer valid against its
schema, schema-valid input accepted and schema-violating input refused, 405 with Allow for a
method the path lacks, no answer without a key - once as the admin and once as a province.

Excluded, and only these: the uploads whose body is a file schemathesis cannot make (an Excel
workbook or a filled reporting sheet: POST /api/plans/import, /api/assets/import,
/api/plans/{plan_id}/report-workbook/check and /send; and POST /api/plans/{plan_id}/evidence
and /api/assets/{code}/documents, whose file must be a PDF, PNG, JPEG, XLSX or CSV by its content); random bytes there only ever
test the "unreadable workbook" (or "not an allowed kind of file") answer. DELETE is fuzzed too (it revokes only keys the run issued itself).
schemathesis.toml beside this file lets `positive_data_acceptance` take a 400 from the few
operations whose input has rules JSON Schema cannot state (each named there, with its rule).
A fixed seed keeps it reproducible."""
import subprocess
import sys
from pathlib import Path

from tests.support.system import RunningSystem

CONFIG = Path(__file__).with_name("schemathesis.toml")
SEED = "20261123"
UPLOADS = r"(import|report-workbook/(check|send)|/evidence|/documents)$"  # file bodies (see above)


def schemathesis(system, key: str, report_dir: Path) -> list[str]:
    return [sys.executable, "-m", "schemathesis.cli", "--config-file", str(CONFIG), "run",
            f"{system.base}/openapi.json", "-H", f"Authorization: Bearer {key}",
            "--max-examples", "8", "--seed", SEED, "--exclude-path-regex", UPLOADS,
            "--no-color", "--report", "junit", "--report-dir", str(report_dir)]


def test_fuzzing_the_documented_api_as_the_admin_and_as_a_province_finds_nothing(tmp_path):
    system = RunningSystem(tmp_path / "var")
    try:
        system.start()
        failed = []
        for who, key in (("admin", system.key()), ("province TH-34", system.key("province", "TH-34"))):
            done = subprocess.run(schemathesis(system, key, tmp_path / who.replace(" ", "-")),
                                  capture_output=True, text=True, timeout=300)
            if done.returncode != 0:
                failed.append(f"--- as {who} ---\n{done.stdout[-6000:]}{done.stderr[-2000:]}")
        assert not failed, "\n".join(failed)
    finally:
        system.stop()
        system.cleanup_broker()
