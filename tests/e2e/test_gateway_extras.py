"""API keys issued and revoked by the admin, pagination, the AsyncAPI document, the docs page."""
import requests

from tests.support.browsing import signed_in


def call(system, method, path, key, body=None):
    return requests.request(method, f"{system.base}{path}", json=body, timeout=15,
                            headers={"Authorization": f"Bearer {key}"})


def test_the_admin_issues_a_scoped_key_that_works_until_revoked(system):
    admin = system.key()
    assert call(system, "POST", "/api/keys", system.key("osm", "northeast-lower-2"),
                {"role": "admin"}).status_code == 403
    bad = call(system, "POST", "/api/keys", admin, {"role": "province", "scope": "TH-99"})
    assert bad.status_code == 400 and "unknown province" in bad.json()["error"]["message"]
    made = call(system, "POST", "/api/keys", admin, {"role": "province", "scope": "TH-37",
                                                     "label": "อำนาจเจริญ: ระบบรายงาน",
                                                     "owner": "system: Amnat reporting"})
    assert made.status_code == 201
    key, key_id = made.json()["api_key"], made.json()["id"]
    mine = call(system, "GET", "/api/rejections", key)
    assert mine.status_code == 200 and all(r["province"] == "TH-37" for r in mine.json())
    assert call(system, "GET", "/api/rejections?province=TH-34", key).status_code == 403
    listed = call(system, "GET", "/api/keys", admin).json()
    assert any(k["id"] == key_id for k in listed) and all("sha256" not in k for k in listed)
    stored = (system.data_dir / "api-keys.json").read_text("utf-8")
    assert key not in stored  # hashed at rest
    assert call(system, "DELETE", f"/api/keys/{key_id}", admin).status_code == 200
    assert call(system, "GET", "/api/plans", key).status_code == 401


def test_lists_come_a_page_at_a_time_with_the_total(system):
    admin = system.key()
    whole = call(system, "GET", "/api/assets", admin)
    total = int(whole.headers["X-Total-Count"])
    page = call(system, "GET", "/api/assets?limit=2&offset=1", admin)
    assert page.json() == whole.json()[1:3] and int(page.headers["X-Total-Count"]) == total
    assert call(system, "GET", "/api/assets?limit=0", admin).status_code == 400


def test_the_amqp_side_is_described_and_both_documents_browsable(system):
    doc = requests.get(f"{system.base}/asyncapi.json", timeout=15).json()
    assert doc["asyncapi"].startswith("2.") and "report.{province}.{kind}" in doc["channels"]
    assert "assets.events/transfer_handed_over" in doc["channels"]
    assert "IndicatorReport" in doc["components"]["schemas"]
    page = requests.get(f"{system.base}/docs", timeout=15)
    assert page.status_code == 200 and "/api/assets/{code}/accept" in page.text


def test_hostile_bodies_get_a_clear_refusal_and_the_gateway_keeps_serving(system):
    import io
    import zipfile
    admin = system.key()
    headers = {"Authorization": f"Bearer {admin}", "Content-Type": "application/json"}
    huge = requests.post(f"{system.base}/api/plans", data=b'{"id": "' + b"x" * (3 * 2**20) + b'"}',
                         headers=headers, timeout=30)
    assert huge.status_code == 413 and huge.json()["error"]["code"] == "too_large"
    deep = requests.post(f"{system.base}/api/plans", data=b"[" * 50_000 + b"]" * 50_000,
                         headers=headers, timeout=30)
    assert deep.status_code == 400 and "nested too deeply" in deep.json()["error"]["message"]
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b"<a/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (80 * 2**20))  # 80 MB of zeros
    refused = requests.post(f"{system.base}/api/assets/import?format=xlsx", data=bomb.getvalue(),
                            headers={"Authorization": f"Bearer {admin}"}, timeout=30)
    assert refused.status_code == 400
    refusal = refused.json()["error"]["problems"][0]
    assert "unpacks to more than 50 MB (it says 80 MB)" in refusal["message"]
    assert "50 MB" in refusal["message_th"]
    assert requests.get(f"{system.base}/health", timeout=15).status_code == 200


def test_metrics_show_queues_and_the_gateways_own_metrics_in_prometheus_format(system):
    """Reports, rejections and mails are counted by the services that handle them, on their own
    METRICS_PORT (tests/unit/test_metrics.py); the gateway shows the broker's queues and itself."""
    def scrape():
        text = requests.get(f"{system.base}/metrics", timeout=15).text
        return {line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
                if line and not line.startswith("#")}
    scrape()
    values = scrape()
    assert values['cluster_queue_consumer_count{queue="reporting.intake"}'] >= 1
    assert 'cluster_queue_messages{queue="parked"}' in values
    assert values['cluster_entrypoint_seconds_count{entrypoint="metrics",service="gateway",'
                  'type="http"}'] >= 1
    assert values["process_resident_memory_bytes"] > 0


def test_a_logged_in_browser_downloads_with_its_cookie_but_writes_only_with_its_csrf_token(system):
    session = signed_in(system.base, system.key("osm", "northeast-lower-2"))
    assert "cp_key" not in session.cookies and system.key("osm", "northeast-lower-2") not in \
        str(session.cookies.get_dict())  # the cookie names a session, never the key
    plan = "northeast-lower-2-2566-2570"
    sheet = session.get(f"{system.base}/api/plans/{plan}/indicator-results",
                        params={"period": "FY2567-Q1", "format": "xlsx"}, timeout=15)
    assert sheet.status_code == 200 and sheet.content[:2] == b"PK"
    write = session.put(f"{system.base}/api/reporting-schedule", json={"due_days": 20}, timeout=15)
    assert write.status_code == 403 and "CSRF" in write.text  # a cookie alone changes nothing
    other_site = session.put(f"{system.base}/api/reporting-schedule", json={"due_days": 20},
                             headers={"X-CSRF-Token": "forged"}, timeout=15)
    assert other_site.status_code == 403
    assert session.get(f"{system.base}/?plan=no-such-plan&period=garbage", timeout=15).status_code == 200
