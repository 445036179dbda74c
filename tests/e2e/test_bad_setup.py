"""Bad set-up gets one clear line, a non-zero exit, and nothing half-started left running."""
import socket
import subprocess
import sys

import pytest

from clusterctl.settings import REPO_ROOT
from tests.support.system import RunningSystem


def run(tmp_path, **overrides):
    system = RunningSystem(tmp_path / "var")
    env = {**system.env, **overrides}
    result = subprocess.run([sys.executable, "-m", "clusterctl", "run"], cwd=REPO_ROOT, env=env,
                            capture_output=True, text=True, timeout=90)
    return result, system


def assert_one_clear_line(result, *words):
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    for word in words:
        assert word in lines[0], lines[0]


def test_port_taken(tmp_path):
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        port = blocker.getsockname()[1]
        result, system = run(tmp_path, GATEWAY_PORT=str(port))
    assert_one_clear_line(result, f"port {port}", "GATEWAY_PORT")
    assert system.leftover_processes() == []


def test_unwritable_data_directory(tmp_path):
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("x")
    result, _ = run(tmp_path, DATA_DIR=str(not_a_dir / "var"))
    assert_one_clear_line(result, "not writable", "DATA_DIR")


@pytest.mark.parametrize("url, words", [
    ("amqp://guest:guest@127.0.0.1:1/", ("not reachable", "AMQP_URL")),
    ("http://127.0.0.1:5672/", ("AMQP_URL", "amqp://")),
])
def test_bad_amqp_url(tmp_path, url, words):
    result, system = run(tmp_path, AMQP_URL=url)
    assert_one_clear_line(result, *words)
    assert system.leftover_processes() == []


def test_bad_amqp_url_is_reported_by_make_set_up_too(tmp_path):
    result = subprocess.run(["bash", "deploy/setup.sh"], cwd=REPO_ROOT, capture_output=True,
                            text=True, timeout=60,
                            env={**RunningSystem(tmp_path).env,
                                 # the venv this suite runs in (PYTHON=python3.13 make test
                                 # makes .venv-3.13, not .venv): set up already, so quiet
                                 "PYTHON": sys.executable, "VENV": sys.prefix,
                                 "AMQP_URL": "amqp://guest:guest@127.0.0.1:1/"})
    assert_one_clear_line(result, "not reachable", "AMQP_URL")


@pytest.mark.parametrize("url, words", [
    ("mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=500", ("MONGO_URL", "not reachable")),
    ("not-a-url", ("MONGO_URL", "mongodb://")),
])
def test_bad_mongo_url(tmp_path, url, words):
    result, system = run(tmp_path, MONGO_URL=url)
    assert_one_clear_line(result, *words)
    assert system.leftover_processes() == []
