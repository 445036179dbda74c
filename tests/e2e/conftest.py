import pytest

from tests.support.system import RunningSystem

PLAN = "northeast-lower-2-2566-2570"


@pytest.fixture(scope="package")
def system(tmp_path_factory):
    """The whole system, started once for the e2e package as `make run` starts it."""
    running = RunningSystem(tmp_path_factory.mktemp("e2e") / "var")
    try:
        running.start()
        yield running
    finally:
        running.stop()
        running.cleanup_broker()
