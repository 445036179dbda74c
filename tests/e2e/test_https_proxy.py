"""HTTPS in front of the gateway: the shipped nginx template (deploy/compose/proxy/templates)
filled in as the nginx image fills it, with a certificate from a CA made here, in front of a
running system (TRUSTED_PROXY_HOPS=1, PUBLIC_URL plain). Signing in over https gives a Secure
session cookie and https redirects, where signing in at the gateway itself over plain HTTP gives
no Secure cookie; plain HTTP at the proxy only points to https. (That X-Forwarded-* count only
from a trusted proxy: tests/unit/test_trusted_proxy.py.)"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import requests

from clusterctl.settings import REPO_ROOT
from tests.support.browsing import CSRF_FIELD
from tests.support.system import RunningSystem, free_port, wait_until
from tests.support.tls import TestCa, unavailable_reason

pytestmark = pytest.mark.e2e
TEMPLATE = REPO_ROOT / "deploy" / "compose" / "proxy" / "templates" / "default.conf.template"
NGINX = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")


@pytest.fixture(scope="module")
def system(tmp_path_factory):
    https_port = free_port()
    # PUBLIC_URL left plain http: only X-Forwarded-Proto can make the cookie Secure here
    system = RunningSystem(tmp_path_factory.mktemp("https") / "var",
                           extra_env={"TRUSTED_PROXY_HOPS": "1"})
    system.https_port = https_port
    system.start()
    try:
        yield system
    finally:
        system.stop()
        system.cleanup_broker()


@pytest.fixture(scope="module")
def proxy(system):
    reason = ("nginx is not installed (make test installs Debian's nginx-light as root)"
              if not NGINX else unavailable_reason())
    if reason:
        pytest.skip(reason)
    # not under pytest's directory (0700): nginx's workers run as another user
    work = Path(tempfile.mkdtemp(prefix="cluster-planning-nginx-"))
    os.chmod(work, 0o755)
    ca = TestCa(work / "ca")
    cert, key = ca.issue("localhost", ("localhost", "127.0.0.1"))
    http_port = free_port()
    (work / "default.conf").write_text(filled_in(TEMPLATE.read_text(), {
        "GATEWAY_UPSTREAM": f"127.0.0.1:{system.port}", "HTTP_PORT": http_port,
        "HTTPS_PORT": system.https_port, "TLS_CERT": cert, "TLS_KEY": key}))
    (work / "nginx.conf").write_text(main_conf(work))
    proc = subprocess.Popen([NGINX, "-c", str(work / "nginx.conf"), "-p", str(work)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        https = f"https://localhost:{system.https_port}"
        http = f"http://localhost:{http_port}"
        wait_until(lambda: client(https, http, str(ca.cert))["up"], timeout=30, interval=1,
                   what=f"nginx in front of the gateway ({work / 'error.log'})")
        yield https, http, str(ca.cert)
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        shutil.rmtree(work, ignore_errors=True)


def filled_in(template: str, values: dict) -> str:
    """As the nginx image's envsubst: ${NAME} of the variables given, nginx's own $vars left."""
    return re.sub(r"\$\{(\w+)\}", lambda m: str(values[m.group(1)]) if m.group(1) in values
                  else m.group(0), template)


def main_conf(work: Path) -> str:
    """What the nginx image's own nginx.conf gives the template: an http block including it
    (here with every path in ``work`` and nginx in the foreground)."""
    temp = "".join(f"  {kind}_temp_path {work / kind};\n"
                   for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return (f"daemon off;\nworker_processes 1;\npid {work / 'nginx.pid'};\n"
            f"error_log {work / 'error.log'} warn;\nevents {{}}\n"
            f"http {{\n  access_log off;\n{temp}  include {work / 'default.conf'};\n}}\n")


# An https client in its own process: in this one eventlet's green ssl, patched after
# nameko's pytest plugin imported ssl, sends urllib3's TLS set-up into endless recursion.
CLIENT = r"""
import json, re, sys
import requests
https, http, ca, key = sys.argv[1:5]
out = {}
def ok():
    return requests.get(f"{https}/health", verify=ca, timeout=3).ok
if key == "-":
    print(json.dumps({"up": ok()})); sys.exit()
session = requests.Session()
page = session.get(f"{https}/login", verify=ca, timeout=15)
form = {"csrf": re.search(r'name="csrf" value="([^"]+)"', page.text).group(1), "lang": "en",
        "api_key": key}
answer = session.post(f"{https}/login", data=form, allow_redirects=False, verify=ca, timeout=30)
out["status"], out["set_cookie"] = answer.status_code, answer.headers.get("Set-Cookie", "")
home = session.get(requests.compat.urljoin(f"{https}/", answer.headers.get("Location", "/")),
                   verify=ca, timeout=30)
out["home"] = [home.status_code, home.url, "TH-34" in home.text]
plain = requests.get(f"{http}/login", allow_redirects=False, timeout=10)
out["plain"] = [plain.status_code, plain.headers.get("Location", "")]
print(json.dumps(out))
"""


def client(https: str, http: str, ca: str, key: str = "-") -> dict:
    done = subprocess.run([sys.executable, "-c", CLIENT, https, http, ca, key], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


def test_signing_in_over_https_through_the_proxy(system, proxy):
    https, http, ca = proxy
    seen = client(https, http, ca, system.key("province", "TH-34"))
    assert seen["status"] == 303, seen
    assert re.search(r"; Secure", seen["set_cookie"]), seen  # only ever sent back over https
    status, url, signed_in = seen["home"]
    assert status == 200 and url.startswith(f"{https}/") and signed_in, seen  # TH-34's dashboard
    status, location = seen["plain"]  # plain HTTP at the proxy: only the way to https
    assert status == 301 and location.startswith("https://"), seen
    # the same gateway over plain HTTP, not through the proxy: no Secure cookie (it would never
    # come back over http)
    session = requests.Session()
    page = session.get(f"{system.base}/login", timeout=15)
    direct = session.post(f"{system.base}/login", allow_redirects=False, timeout=30, data={
        "csrf": CSRF_FIELD.search(page.text).group(1), "lang": "en",
        "api_key": system.key("province", "TH-34")})
    assert direct.status_code == 303 and "Secure" not in direct.headers.get("Set-Cookie", "")
