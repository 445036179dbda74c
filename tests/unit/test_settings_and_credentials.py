"""The local run layout: settings from the environment and credentials.json (DESIGN 3.2)."""
import json
import stat
from pathlib import Path

import pytest

from clusterctl.credentials import ensure_credentials
from clusterctl.reference import load_clusters
from clusterctl.runner import replica_names, service_of
from clusterctl.settings import Settings, SettingsError

CLUSTERS = [{"code": "northeast-lower-2", "provinces": [{"code": c} for c in
                                                      ("TH-34", "TH-33", "TH-35", "TH-37")]}]


def test_defaults_match_the_contract():
    settings = Settings.from_env({})
    assert (settings.gateway_host, settings.gateway_port) == ("127.0.0.1", 8000)
    assert settings.broker.public_amqp_url(settings.vhost) == "amqp://127.0.0.1:5672/cluster-planning"
    assert settings.data_dir.name == "var" and settings.run_smtp_sink
    assert settings.store_url("plans").endswith("/var/plans.sqlite3")
    assert settings.seed_sample_plan and settings.seed_sample_year  # make run: alive at once
    assert not settings.record_effects  # a test setting: production stores get no diagnostic rows


@pytest.mark.parametrize("raw, on", [("0", False), ("no", False), ("OFF", False), ("False", False),
                                     ("1", True), ("yes", True), (" true ", True), ("", True)])
def test_the_sample_switches_take_yes_and_no(raw, on):
    settings = Settings.from_env({"SEED_SAMPLE_YEAR": raw, "SEED_SAMPLE_PLAN": raw})
    assert settings.seed_sample_year is on and settings.seed_sample_plan is on


def test_a_vhost_in_amqp_url_is_used_but_never_the_default_one():
    assert Settings.from_env({"AMQP_URL": "amqp://a:b@h:5672/osm"}).vhost == "osm"
    assert Settings.from_env({"AMQP_URL": "amqp://a:b@h:5672/%2F"}).vhost == "cluster-planning"
    assert Settings.from_env({"AMQP_URL": "amqp://a:b@h/", "AMQP_VHOST": "x"}).vhost == "x"


@pytest.mark.parametrize("env, words", [
    ({"AMQP_URL": "http://h/"}, "amqp://"),
    ({"AMQP_URL": "amqp://h:notaport/"}, "port"),
    ({"GATEWAY_PORT": "80a"}, "GATEWAY_PORT"),
    ({"SMTP_PORT": "70000"}, "SMTP_PORT"),
    ({"SMTP_URL": "smtp://ops@mail.go.th"}, "SMTP_URL names a user but no password"),
    ({"MONGO_URL": "localhost:27017"}, "MONGO_URL"),
    ({"SMTP_TIMEOUT": "soon"}, "SMTP_TIMEOUT='soon' is not a whole number of seconds"),
    ({"SMTP_TIMEOUT": "0"}, "SMTP_TIMEOUT=0 is out of range 1-300"),
    ({"REPLICAS": "many"}, "REPLICAS='many' is not a whole number"),
    ({"REPLICAS": "0"}, "out of range 1-8"),
    ({"REPLICAS": "reporting=3,mailer=2"}, "'mailer=2' is not service=count"),
    ({"REPLICAS": "reporting:3"}, "is not a whole number"),
    ({"REPLICAS": "notify=x"}, "REPLICAS notify='x' is not a whole number"),
    ({"TRUSTED_PROXY_HOPS": "nginx"}, "TRUSTED_PROXY_HOPS='nginx' is not a whole number"),
    ({"TRUSTED_PROXY_HOPS": "9"}, "TRUSTED_PROXY_HOPS=9 is out of range 0-5"),
    ({"SEED_SAMPLE_YEAR": "maybe"}, "SEED_SAMPLE_YEAR='maybe' is not 1 or 0 (1 loads a past"),
    ({"SEED_SAMPLE_PLAN": "2"}, "SEED_SAMPLE_PLAN='2' is not 1 or 0"),
    ({"RECORD_EFFECTS": "all"}, "RECORD_EFFECTS='all' is not 1 or 0 (1 makes reporting keep"),
    ({"RESTART_LIMIT": "often"}, "RESTART_LIMIT='often' is not a whole number of restarts"),
    ({"RESTART_LIMIT": "0"}, "RESTART_LIMIT=0 is out of range 1-1000"),
])
def test_bad_settings_say_which_and_how(env, words):
    with pytest.raises(SettingsError) as error:
        Settings.from_env(env)
    assert words in str(error.value)


def test_replicas_of_every_service_or_of_named_ones():
    assert Settings.from_env({}).replicas == {}
    assert Settings.from_env({"REPLICAS": "2"}).replicas == {
        s: 2 for s in ("plans", "reporting", "assets", "notify", "gateway")}
    assert Settings.from_env({"REPLICAS": " reporting=3, notify=2 "}).replicas == {
        "reporting": 3, "notify": 2}


def test_replica_processes_are_named_after_their_service():
    assert replica_names("reporting", 3) == ["reporting", "reporting-2", "reporting-3"]
    assert [service_of(n) for n in ("reporting-2", "reporting", "smtp-sink")] == [
        "reporting", "reporting", "smtp-sink"]


def test_secrets_never_appear_in_setting_errors():
    with pytest.raises(SettingsError) as error:
        Settings.from_env({"AMQP_URL": "amqp://admin:s3cret@h:bad/"})
    assert "s3cret" not in str(error.value)


def test_credentials_are_generated_once_and_reused(tmp_path):
    path = tmp_path / "credentials.json"
    first = ensure_credentials(path, "amqp://127.0.0.1:5672/v", CLUSTERS)
    assert set(first["provinces"]) == {"TH-34", "TH-33", "TH-35", "TH-37"}
    assert first["provinces"]["TH-34"]["amqp_username"] == "TH-34"
    assert "@" not in first["amqp_url"]
    assert len({e["amqp_password"] for e in first["provinces"].values()}) == 4  # all different
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert ensure_credentials(path, "amqp://127.0.0.1:5672/v", CLUSTERS) == first
    assert json.loads(path.read_text()) == first


def test_a_new_cluster_gets_entries_and_nothing_is_rotated(tmp_path):
    path = tmp_path / "credentials.json"
    first = ensure_credentials(path, "amqp://h/v", CLUSTERS)
    more = CLUSTERS + [{"code": "south-border", "provinces": [{"code": "TH-96"}]}]
    second = ensure_credentials(path, "amqp://h/v", more)
    assert second["provinces"]["TH-34"] == first["provinces"]["TH-34"]
    assert "TH-96" in second["provinces"] and "south-border" in second["osm"]


def test_every_province_of_the_reference_data_gets_credentials(tmp_path):
    from clusterctl.settings import REPO_ROOT
    clusters = load_clusters(REPO_ROOT / "clusterctl" / "data" / "reference" / "provincial-clusters.csv")
    creds = ensure_credentials(tmp_path / "c.json", "amqp://h/v", clusters, user_prefix="t-")
    assert len(creds["provinces"]) == 76 and len(creds["osm"]) == 18
    assert creds["provinces"]["TH-34"]["amqp_username"] == "t-TH-34"


def test_the_restart_limit_is_a_setting_and_the_supervisor_keeps_it():
    from clusterctl.runner import watch
    assert Settings.from_env({}).restart_limit == 5
    assert Settings.from_env({"RESTART_LIMIT": "50"}).restart_limit == 50

    class CrashLooping:  # reporting exits as soon as it is started
        log_dir = Path("/nonexistent")
        restarted = 0

        def exited(self):
            return {"reporting": -9}

        def restart(self, name):
            self.restarted += 1

        def log_tail(self, name):
            return "(its log)"
    supervisor = CrashLooping()
    assert watch(supervisor, restart_limit=1) == 1  # the second exit stops everything
    assert supervisor.restarted == 1
