"""The locks and the package, checked without installing anything: requirements/runtime.txt
(make run, the image) and requirements/test.txt (make test) are hashed locks that agree with
pyproject.toml's pins and with each other, the runtime lock holds no test tool, and the
reference/seed data ship inside the package (importlib.resources, the built wheel)."""
from __future__ import annotations

import re
import subprocess
import sys
import tomllib
import zipfile
from importlib.resources import files

import pytest

from clusterctl.reference import REFERENCE_CSV, SAMPLE_ASSETS, SAMPLE_PLAN, load_clusters
from clusterctl.settings import REPO_ROOT, Settings

pytestmark = pytest.mark.deploy
PROJECT = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
LOCKS = REPO_ROOT / "requirements"
TEST_TOOLS = ("pytest", "mongomock", "pika", "hypothesis", "playwright", "schemathesis",
              "check-jsonschema", "kubernetes-validate", "python-calamine")


def norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def lock(name: str) -> dict[str, tuple[str, int]]:
    """{package: (version, number of hashes)} of one lock file."""
    text = (LOCKS / name).read_text("utf-8")
    pins = {}
    for entry in re.split(r"\n(?=\S)", text):
        if entry.startswith("#") or not entry.strip():
            continue
        found = re.match(r"([A-Za-z0-9._-]+)==(\S+)", entry)
        assert found, f"{name}: not an exact pin: {entry.splitlines()[0]}"
        pins[norm(found.group(1))] = (found.group(2), entry.count("--hash=sha256:"))
    return pins


def pins(requirements: list[str]) -> dict[str, str]:
    return {norm(r.split("==")[0]): r.split("==")[1].split()[0] for r in requirements if "==" in r}


def test_every_locked_package_has_hashes():
    for name in ("runtime.txt", "test.txt"):
        for package, (version, hashes) in lock(name).items():
            assert hashes >= 1, f"{name}: {package}=={version} has no hash"


def test_the_runtime_lock_is_pyprojects_pins_and_nothing_for_tests():
    runtime = lock("runtime.txt")
    for package, version in pins(PROJECT["dependencies"]).items():
        assert runtime.get(package, ("missing",))[0] == version, package
    assert not set(map(norm, TEST_TOOLS)) & set(runtime)
    assert "setuptools" in runtime  # nameko's CLI imports pkg_resources (pyproject.toml)
    assert int(runtime["setuptools"][0].split(".")[0]) < 81


def test_the_test_lock_is_the_runtime_lock_plus_the_test_pins():
    runtime, test = lock("runtime.txt"), lock("test.txt")
    for package, (version, _) in runtime.items():
        assert test.get(package, ("missing",))[0] == version, package
    for package, version in pins(PROJECT["optional-dependencies"]["test"]).items():
        assert test.get(package, ("missing",))[0] == version, package


def test_make_run_and_make_test_install_the_locks_with_hashes():
    setup = (REPO_ROOT / "deploy" / "setup.sh").read_text()
    assert "--require-hashes" in setup and "requirements/$kind.txt" in setup
    assert "--no-deps" in setup
    makefile = (REPO_ROOT / "Makefile").read_text()
    assert "WITH_TESTS=1" in makefile and "\nlock:" in makefile


def test_the_reference_data_are_package_data():
    data = files("clusterctl") / "data"
    assert REFERENCE_CSV == data / "reference" / "provincial-clusters.csv"
    assert Settings.from_env({}).reference_csv == REFERENCE_CSV
    assert len(load_clusters()) == 18
    for resource in (REFERENCE_CSV, SAMPLE_PLAN, SAMPLE_ASSETS):
        assert resource.is_file(), resource


def test_the_wheel_holds_the_data(tmp_path):
    """`pip install .` outside a checkout finds the data: they are in the wheel it installs."""
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps",
                           "--no-build-isolation", "-w", str(tmp_path), str(REPO_ROOT)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    (wheel,) = tmp_path.glob("cluster_planning-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for path in ("clusterctl/data/reference/provincial-clusters.csv",
                 "clusterctl/data/reference/README.md",
                 "clusterctl/data/reference/national/strategies.csv",
                 "clusterctl/data/reference/national/README.md",
                 "clusterctl/data/seed/plan-northeast-lower-2-2566-2570.json",
                 "clusterctl/data/seed/assets-northeast-lower-2.json",
                 "clusterctl/data/emenscr/fields.csv", "clusterctl/data/emenscr/README.md"):
        assert path in names, path
