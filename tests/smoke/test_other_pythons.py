"""The system on every other CPython this machine has: `make test` runs on one interpreter
(PYTHON); this smokes each other supported CPython it finds on PATH (python3.11, python3.12, ...)
and under `pyenv root`. For each, a venv of that Python (.venv-smoke/<major.minor>, made again
when the lock changes) gets requirements/runtime.txt with --require-hashes and this project
installed as a user would (`pip install .`, not editable); the system then starts from outside
the checkout (`python -m clusterctl run`, private data dir, vhost, users and ports), a province
publishes one indicator report over AMQP, the report is seen in indicator-results, and Ctrl-C
stops everything. Which interpreters it found, and each result, are printed."""
from __future__ import annotations

import glob
import hashlib
import os
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest
from packaging.specifiers import SpecifierSet

from clusterctl.settings import REPO_ROOT
from tests.support.system import Province, RunningSystem, wait_until

pytestmark = pytest.mark.e2e
SMOKE_VENVS = REPO_ROOT / ".venv-smoke"
RUNTIME_LOCK = REPO_ROOT / "requirements" / "runtime.txt"
PLAN = "northeast-lower-2-2566-2570"
SUPPORTED = SpecifierSet(tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
                         ["project"]["requires-python"])
PROBE = ("import platform, sys; "
         "print(platform.python_implementation(), platform.python_version(), sys.executable)")


def pyenv_root() -> Path | None:
    if os.environ.get("PYENV_ROOT"):
        return Path(os.environ["PYENV_ROOT"])
    if shutil.which("pyenv"):
        done = subprocess.run(["pyenv", "root"], capture_output=True, text=True, timeout=10)
        if done.returncode == 0 and done.stdout.strip():
            return Path(done.stdout.strip())
    return None


def found_pythons() -> tuple[dict[str, str], list[str]]:
    """({"3.12.1": path}, one per major.minor other than ours; notes on the others found)."""
    paths = [shutil.which(f"python3.{minor}") for minor in range(11, 30)]
    root = pyenv_root()
    if root:
        paths += sorted(glob.glob(str(root / "versions" / "*" / "bin" / "python3.[0-9]*")))
    ours = "%d.%d" % sys.version_info[:2]
    chosen: dict[str, str] = {}
    notes: list[str] = []
    seen_minor = {ours}
    for path in filter(None, paths):
        if path.endswith("-config"):
            continue
        try:
            done = subprocess.run([path, "-c", PROBE], capture_output=True, text=True, timeout=15)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if done.returncode != 0:  # e.g. a pyenv shim for a version not selected
            continue
        implementation, version, path = done.stdout.split(maxsplit=2)  # path: past any pyenv shim
        path = path.strip()
        minor = ".".join(version.split(".")[:2])
        if implementation != "CPython" or minor in seen_minor or tuple(map(int, minor.split("."))) < (3, 11):
            continue
        seen_minor.add(minor)
        if version in SUPPORTED:
            chosen[version] = path
        else:
            notes.append(f"CPython {version} ({path}): not smoked, outside requires-python {SUPPORTED}")
    return chosen, notes


FOUND, NOT_SUPPORTED = found_pythons()


def smoke_venv(version: str, python: str) -> Path:
    """The venv for ``python``: made and filled once per content of the runtime lock."""
    minor = ".".join(version.split(".")[:2])
    venv = SMOKE_VENVS / minor
    digest = hashlib.sha256(RUNTIME_LOCK.read_bytes() + python.encode()).hexdigest()[:16]
    stamp = venv / f".installed-{digest}"
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    if not stamp.exists():
        shutil.rmtree(venv, ignore_errors=True)
        subprocess.run([python, "-m", "venv", str(venv)], check=True, timeout=120)
        run_pip(pip + ["--require-hashes", "-r", str(RUNTIME_LOCK)], venv)
        stamp.touch()
    # The project itself, as `pip install .` puts it (the code changes more often than the lock).
    run_pip(pip + ["--no-deps", "--no-build-isolation", "--force-reinstall", str(REPO_ROOT)], venv)
    return venv


def run_pip(argv: list[str], venv: Path) -> None:
    done = subprocess.run(argv, capture_output=True, text=True, timeout=600, cwd=venv)
    assert done.returncode == 0, f"{' '.join(argv)} failed:\n{done.stdout}\n{done.stderr}"


class InstalledSystem(RunningSystem):
    """The system from a venv's installed copy: no PYTHONPATH pointing back at the checkout."""

    @property
    def env(self) -> dict:
        env = super().env
        env.pop("PYTHONPATH", None)
        env.pop("VIRTUAL_ENV", None)
        return env


def test_says_which_other_pythons_it_found(capsys):
    with capsys.disabled():
        print(f"\nsmoke: running on CPython {sys.version.split()[0]}; other CPythons found: "
              + (", ".join(f"{v} ({p})" for v, p in FOUND.items()) or "none"))
        for note in NOT_SUPPORTED:
            print(f"smoke: {note}")


@pytest.mark.parametrize("version", sorted(FOUND) or [pytest.param(None, marks=pytest.mark.skip(
    reason="no other CPython >= 3.11 on this machine (looked for python3.1x on PATH and under "
           "`pyenv root`/versions)"))])
def test_the_system_runs_on(version, tmp_path, capsys):
    python = FOUND[version]
    began = time.monotonic()
    outcome = "FAILED"
    try:
        venv = smoke_venv(version, python)
        elsewhere = tmp_path / "elsewhere"  # not the checkout: the installed copy must suffice
        elsewhere.mkdir()
        system = InstalledSystem(tmp_path / "var", python=str(venv / "bin" / "python"),
                                 cwd=elsewhere)
        try:
            system.start(timeout=90)
            province = Province(system.credentials(), "TH-34")
            try:
                event_id = province.report("NE2-1.1", "FY2567-Q3", 123.0, "2024-05-01T09:00:00+07:00")
            finally:
                province.close()

            def seen():
                body = system.get(f"/api/plans/{PLAN}/indicator-results", system.key(),
                                  period="FY2567-Q3").json()
                result = next(r for r in body["results"] if r["indicator"] == "NE2-1.1")
                return result["provinces"].get("TH-34") == 123.0

            wait_until(seen, timeout=30, what=f"report {event_id} in indicator-results")
            assert system.stop() == 0, system.output.read_text("utf-8", "replace")[-3000:]
            assert not system.leftover_processes()
        finally:
            system.stop()
            system.cleanup_broker()
        outcome = "ok"
    finally:
        with capsys.disabled():
            print(f"\nsmoke: CPython {version} ({python}): {outcome} "
                  f"in {time.monotonic() - began:.0f} s")
