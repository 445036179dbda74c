"""The start-up check of the library versions the services are built against."""
from importlib.metadata import PackageNotFoundError

import pytest

from services.infra import platform


def test_the_installed_set_is_supported():
    assert platform.version_problems() == []


def test_a_major_version_outside_the_range_is_named_with_the_range():
    versions = {"nameko": "3.0.0rc11", "kombu": "5.7.0", "amqp": "5.4.2", "eventlet": "0.41.3",
                "werkzeug": "3.1.9", "marshmallow": "4.4.0"}
    assert platform.version_problems(versions.__getitem__) == [
        "nameko 3.0.0rc11 is installed; these services need >= 2.14, < 3"]


def test_a_missing_library_is_named():
    def installed(name):
        if name == "kombu":
            raise PackageNotFoundError(name)
        return {"nameko": "2.14.1", "amqp": "5.4.2", "eventlet": "0.41.3", "werkzeug": "3.1.9",
                "marshmallow": "4.4.0"}[name]
    assert platform.version_problems(installed) == [
        "kombu is not installed (needs >= 5.3, < 6)"]


def test_a_service_refuses_to_start_with_a_clear_message(monkeypatch):
    monkeypatch.setattr(platform, "version_problems", lambda: ["kombu 6.0.0 is installed"])
    with pytest.raises(RuntimeError, match="unsupported library versions: kombu 6.0.0"):
        platform.check_versions()
