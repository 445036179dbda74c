"""Hostile sizes through the running system, and secrets kept secret.

- a 50 MB report over the real broker: kept as a 16 KB excerpt in a rejection, the next report
  accepted, and the reporting process's memory does not balloon (its RSS from /proc);
- workbook ZIP bombs, honest and lying about their sizes, on both imports: refused, and the
  importing service does not inflate them;
- every JSON endpoint: a body over 2 MB is 413, JSON nested beyond the parser's depth or just
  under it is a 400 (never a 5xx);
- after all that (and a stop and a start), no secret of credentials.json is in any log or in
  clusterctl's own output, and the files holding secrets are readable by their owner only.

Last in the e2e package on purpose (the secrets check reads everything the package logged).
"""
import json
import stat
import uuid
from pathlib import Path

import requests


from tests.support.browsing import login_form_token, signed_in
from tests.support.system import Province, wait_until
from tests.support.zipbomb import zip_bomb

PLAN = "northeast-lower-2-2566-2570"
SAMPLE = {"plan_id": PLAN, "code": "NE2-67-002-A01", "key_id": "none", "fiscal_year": "FY2568",
          "agency": "ubon-pao", "parked_id": "none", "flag_id": "none", "problem_id": "none",
          "username": "nobody-here", "period": "FY2568-Q2", "province": "TH-34",
          "rejection_id": "none"}


def service_pid(system, service: str) -> int:
    """The PID of one service process of this system (its command line names its config)."""
    config = str(system.data_dir / "run" / f"{service}.yaml")
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if config in cmdline.read_bytes().replace(b"\0", b" ").decode("utf-8", "replace"):
                return int(cmdline.parent.name)
        except OSError:
            continue
    raise AssertionError(f"no {service} process of this system")


def memory_mb(pid: int) -> dict:
    """VmRSS (now) and VmHWM (the peak so far) of a process, in MB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0]) / 1024
    return fields


def test_a_50_mb_report_is_a_16_kb_rejection_and_the_next_report_flows(system):
    pid = service_pid(system, "reporting")
    before = memory_mb(pid)
    th37 = Province(system.credentials(), "TH-37")
    marker = uuid.uuid4().hex
    try:
        th37.publish(b'{"note": "' + marker.encode() + b"x" * (50 * 2**20) + b'"}')
        good = th37.report("NE2-2.1", "FY2567-Q3", 7.0, "2024-07-10T09:30:00+07:00")
    finally:
        th37.close()
    admin = system.key()
    wait_until(lambda: good in {r["event_id"] for r in system.get(
        f"/api/plans/{PLAN}/reports", admin, province="TH-37").json()["reports"]},
               timeout=120, what="the report behind the 50 MB one")
    [kept] = wait_until(lambda: [r for r in system.get("/api/rejections", admin, province="TH-37").json()
                                 if marker in (r.get("raw_body") or "")], timeout=60,
                        what="the 50 MB body's rejection")
    assert "52,428,8" in kept["reason"] and "at most 65,536 bytes" in kept["reason"]
    assert len(kept["raw_body"].encode("utf-8")) < 17_000
    after = memory_mb(pid)
    # The body is held once or twice (the broker client's frames, the message): a few copies at
    # most (measured: +100 MB at the peak, +35 MB after), never one per step, and given back.
    assert after["VmHWM"] - before["VmRSS"] < 260, (before, after)
    assert after["VmRSS"] - before["VmRSS"] < 120, (before, after)
    assert system.get("/health").status_code == 200


def test_workbook_zip_bombs_are_refused_without_being_inflated(system):
    admin = {"Authorization": f"Bearer {system.key()}"}
    plans, assets = service_pid(system, "plans"), service_pid(system, "assets")
    before = {"plans": memory_mb(plans), "assets": memory_mb(assets)}
    sheet = "xl/worksheets/sheet1.xml"
    cases = [  # (path, format, bomb, words in the problem)
        ("/api/plans/import", "xlsx", zip_bomb(sheet, 80), "unpacks to more than 64 MB"),
        ("/api/plans/import", "csv", zip_bomb("plan.csv", 80, others=()), "unpacks to more than 64 MB"),
        ("/api/plans/import", "xlsx", zip_bomb(sheet, 512, declare=1000), "cannot be unpacked"),
        ("/api/plans/import", "csv", zip_bomb("plan.csv", 512, declare=1000, others=()),
         "cannot be unpacked"),
        ("/api/assets/import", "xlsx", zip_bomb(sheet, 512, declare=1000), "cannot be unpacked"),
    ]
    for path, fmt, bomb, words in cases:
        assert len(bomb) < 2**20
        answer = requests.post(f"{system.base}{path}", params={"format": fmt}, data=bomb,
                               headers=admin, timeout=120)
        assert answer.status_code == 400, (path, fmt, answer.status_code, answer.text[:300])
        messages = " | ".join(p["message"] for p in answer.json()["error"]["problems"])
        assert words in messages, (path, fmt, messages)
    after = {"plans": memory_mb(plans), "assets": memory_mb(assets)}
    for service in after:  # 512 MB bombs: inflating one would show at once (measured: +10 MB)
        assert after[service]["VmHWM"] - before[service]["VmRSS"] < 100, (service, before, after)
    assert system.get("/health").status_code == 200


def json_operations(system):
    document = requests.get(f"{system.base}/openapi.json", timeout=15).json()
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            if "application/json" in operation.get("requestBody", {}).get("content", {}):
                yield method, path.format(**SAMPLE)


def nested(depth: int) -> bytes:
    return b'{"a": ' + b"[" * depth + b"]" * depth + b"}"


def test_every_json_endpoint_bounds_its_body_and_its_depth(system):
    headers = {"Authorization": f"Bearer {system.key()}", "Content-Type": "application/json"}
    operations = sorted(json_operations(system))
    assert len(operations) > 15
    wrong = []
    for method, path in operations:
        url = f"{system.base}{path}"
        answers = {
            "3 MB": requests.request(method, url, data=b'{"a": "' + b"x" * (3 * 2**20) + b'"}',
                                     headers=headers, timeout=60),
            "50k deep": requests.request(method, url, data=nested(50_000), headers=headers, timeout=60),
            "900 deep": requests.request(method, url, data=nested(900), headers=headers, timeout=60),
            "990 deep": requests.request(method, url, data=nested(990), headers=headers, timeout=60),
        }
        for what, answer in answers.items():
            expected = {"3 MB": (413,), "50k deep": (400,)}.get(what, (400, 403, 404, 409))
            if answer.status_code not in expected:
                wrong.append(f"{method.upper()} {path} {what}: {answer.status_code} {answer.text[:200]}")
            elif answer.status_code == 400 and what == "50k deep":
                assert "nested too deeply" in answer.json()["error"]["message"]
    assert not wrong, "\n".join(wrong)
    assert system.get("/health").status_code == 200


def secrets_of(credentials: dict) -> dict[str, str]:
    """Every secret in credentials.json, by where it is."""
    found = {}

    def walk(value, where):
        if isinstance(value, dict):
            for key, inner in value.items():
                if key in ("api_key", "amqp_password", "password") and isinstance(inner, str):
                    found[f"{where}.{key}"] = inner
                else:
                    walk(inner, f"{where}.{key}" if where else key)
    walk(credentials, "")
    return found


def assert_no_secret_in(files, secrets):
    leaks = []
    for path in files:
        text = path.read_bytes().decode("utf-8", "replace")
        leaks += [f"{where} in {path.name}" for where, secret in secrets.items() if secret in text]
    assert not leaks, leaks


def private(path: Path) -> bool:
    return stat.S_IMODE(path.stat().st_mode) == 0o600


def test_no_secret_is_logged_and_secret_files_are_private(system):
    """After everything the package did - and a stop and a start - no secret is in a log."""
    creds = system.credentials()
    admin = system.key()
    issued = requests.post(f"{system.base}/api/keys", json={"role": "province", "scope": "TH-35",
                                                            "label": "secrets test",
                                                            "owner": "system: secrets test"},
                           headers={"Authorization": f"Bearer {admin}"}, timeout=15).json()
    # use the keys where a careless log line would catch them: login, a wrong key, a province
    signed_in(system.base, admin)
    wrong = requests.Session()
    wrong.post(f"{system.base}/login", data={"api_key": admin + "x", "csrf": login_form_token(
        wrong, system.base)}, timeout=15)
    requests.get(f"{system.base}/api/plans", timeout=15,
                 headers={"Authorization": f"Bearer {issued['api_key']}x"})
    assert system.get("/api/clusters", issued["api_key"]).status_code == 200
    th35 = Province(creds, "TH-35")
    try:
        th35.publish(b"not json at all")
    finally:
        th35.close()
    bad_login = requests.get(f"{system.base}/api/plans", timeout=15,
                             headers={"Authorization": f"Bearer {creds['provinces']['TH-35']['amqp_password']}"})
    assert bad_login.status_code == 401
    secrets = {**secrets_of(creds), "issued.api_key": issued["api_key"]}
    assert len(secrets) > 2 * 76  # every province's password and key, the OSMs', the services'

    logs = system.data_dir / "logs"
    def everything():
        return [p for p in logs.rglob("*") if p.is_file()] + [system.output] \
            + sorted((system.data_dir / "mail").glob("*.eml"))
    assert_no_secret_in(everything(), secrets)
    assert system.stop() == 0  # shutting down logs too
    assert_no_secret_in(everything(), secrets)
    system.start()
    assert_no_secret_in(everything(), secrets)

    assert private(system.data_dir / "credentials.json")
    configs = sorted((system.data_dir / "run").glob("*.yaml"))
    assert {c.stem for c in configs} >= {"plans", "reporting", "assets", "notify", "gateway"}
    assert all(private(c) for c in configs), {c.name: oct(c.stat().st_mode) for c in configs}
    assert creds["services"]["amqp_password"] in configs[0].read_text()  # why they are private
    keys_file = system.data_dir / "api-keys.json"
    assert keys_file.exists() and private(keys_file)
    assert issued["api_key"] not in keys_file.read_text()  # only its hash is kept
    assert json.loads(keys_file.read_text())["keys"]
