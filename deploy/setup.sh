#!/usr/bin/env bash
# Set-up shared by `make run` and `make test`, idempotent and quick when nothing changed:
#   1. a virtualenv with the locked dependencies: requirements/runtime.txt, or with WITH_TESTS=1
#      requirements/test.txt (runtime + test tools), installed with --require-hashes, then this
#      project itself, editable and without dependencies (re-done when the lock changes);
#   2. a reachable RabbitMQ with the management plugin: AMQP_URL if set; else the local broker,
#      started if installed, installed with apt when we are root on Debian/Ubuntu.
# Anything it cannot fix ends in one line saying what to do, and a non-zero exit.
set -uo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
VENV=${VENV:-.venv}

fail() { echo "setup: $*" >&2; exit 1; }
note() { echo "setup: $*" >&2; }
is_root() { [ "$(id -u)" = 0 ]; }
have_apt() { command -v apt-get >/dev/null 2>&1; }

# ---- 1. Python and the virtualenv ---------------------------------------------------------
# Supported: CPython 3.11, 3.12 and 3.13 (pyproject.toml's requires-python; make test runs on
# one and smokes the others it finds).
command -v "$PYTHON" >/dev/null 2>&1 || fail "$PYTHON not found; install Python 3.11, 3.12 or 3.13 (apt-get install python3 python3-venv)"
PY_VERSION=$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)
case "$PY_VERSION" in
  3.11|3.12|3.13) ;;
  *) fail "Python 3.11, 3.12 or 3.13 is needed (the versions this project is tested on); $PYTHON is $("$PYTHON" -V 2>&1). Set PYTHON=python3.13, python3.12 or python3.11" ;;
esac

# A venv made by another Python version (PYTHON changed, or python3 upgraded) is made afresh.
if [ -x "$VENV/bin/python" ] && \
   [ "$("$VENV/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)" != "$PY_VERSION" ]; then
  note "$VENV was made by another Python version than $PYTHON ($PY_VERSION): making it afresh"
  rm -rf "$VENV"
fi
if [ ! -x "$VENV/bin/python" ]; then
  if ! "$PYTHON" -m venv "$VENV" >/dev/null 2>&1; then
    rm -rf "$VENV"
    if is_root && have_apt; then
      note "installing python3-venv with apt"
      (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv) >/dev/null 2>&1 \
        || fail "could not apt-get install python3-venv; install it and retry"
      "$PYTHON" -m venv "$VENV" || fail "could not create the virtualenv $VENV"
    else
      fail "'$PYTHON -m venv' failed; install python3-venv (sudo apt-get install python3-venv) and retry"
    fi
  fi
fi
if [ "${WITH_TESTS:-0}" = "1" ]; then kind=test; else kind=runtime; fi
lock=requirements/$kind.txt
# The stamp holds a hash of both locks and pyproject.toml (the project's own entry points): any
# change installs again. A venv set up for the tests also serves `make run` (test.txt is
# runtime.txt plus the test tools), never the other way round.
digest=$(cat requirements/runtime.txt requirements/test.txt pyproject.toml | sha256sum | cut -c1-16)
stamp="$VENV/.installed-$kind-$digest"
if [ ! -f "$stamp" ] && ! { [ "$kind" = runtime ] && [ -f "$VENV/.installed-test-$digest" ]; }; then
  note "installing $lock into $VENV"
  { "$VENV/bin/python" -m pip install -q --disable-pip-version-check --require-hashes -r "$lock" \
    && "$VENV/bin/python" -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e . ; } \
    >"$VENV/pip.log" 2>&1 || fail "pip install of $lock failed; see $VENV/pip.log"
  rm -f "$VENV"/.installed-* && touch "$stamp"
fi

# ---- 2. RabbitMQ --------------------------------------------------------------------------
AMQP_URL_EFFECTIVE=${AMQP_URL:-amqp://guest:guest@127.0.0.1:5672/}
read -r AMQP_HOST AMQP_PORT MGMT_URL < <("$VENV/bin/python" - "$AMQP_URL_EFFECTIVE" <<'PY'
import sys
from clusterctl.settings import SettingsError, broker_endpoints
try:
    print(*broker_endpoints(sys.argv[1]))
except SettingsError as exc:
    sys.exit(f"setup: {exc}")
PY
) || exit 1

port_open() { "$VENV/bin/python" -c "import socket,sys; socket.create_connection((sys.argv[1], int(sys.argv[2])), 2).close()" "$1" "$2" >/dev/null 2>&1; }
wait_port() { for _ in $(seq 1 "${3:-60}"); do port_open "$1" "$2" && return 0; sleep 1; done; return 1; }
mgmt_ok() { "$VENV/bin/python" -m clusterctl broker-check --quiet >/dev/null 2>&1; }

is_local() { case "$AMQP_HOST" in 127.*|localhost|::1) return 0;; *) return 1;; esac; }

if ! port_open "$AMQP_HOST" "$AMQP_PORT"; then
  if [ -n "${AMQP_URL:-}" ]; then  # an explicit broker is used as it is, never installed or started
    fail "RabbitMQ at $AMQP_HOST:$AMQP_PORT (from AMQP_URL) is not reachable; check the URL and that the broker runs, or unset AMQP_URL to use a local one"
  fi
  if ! command -v rabbitmq-server >/dev/null 2>&1; then
    if is_root && have_apt; then
      note "RabbitMQ not installed: installing rabbitmq-server with apt (one-time, a minute or two)"
      (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rabbitmq-server) >/tmp/cluster-planning-apt.log 2>&1 \
        || fail "apt-get install rabbitmq-server failed (see /tmp/cluster-planning-apt.log); install it yourself or set AMQP_URL"
    else
      fail "no RabbitMQ at $AMQP_HOST:$AMQP_PORT and none installed; run 'sudo apt-get install rabbitmq-server' or set AMQP_URL=amqp://user:password@host:5672/"
    fi
  fi
  if is_root; then
    note "starting the local rabbitmq-server"
    # It shares this host with the services: its Erlang schedulers are left unbound (+stbt u)
    # instead of pinned one per CPU (docs/operations.md, "Sizing": halves freshness p50 here).
    # Only for this start: rabbitmq-env.conf makes it last (see there).
    RABBITMQ_SCHEDULER_BIND_TYPE="${RABBITMQ_SCHEDULER_BIND_TYPE:-u}" \
      rabbitmq-server -detached >/dev/null 2>&1 || service rabbitmq-server start >/dev/null 2>&1 || true
  else
    fail "rabbitmq-server is installed but not running; start it (sudo systemctl start rabbitmq-server) or set AMQP_URL"
  fi
  wait_port "$AMQP_HOST" "$AMQP_PORT" 90 || fail "rabbitmq-server did not start listening on $AMQP_PORT within 90 s; see /var/log/rabbitmq/"
fi

# The management plugin: provisioning (vhost, users, permissions, policies) and the nameko test
# fixtures use its HTTP API.
if ! mgmt_ok; then
  if [ -z "${AMQP_URL:-}" ] && command -v rabbitmq-plugins >/dev/null 2>&1 && is_root; then
    note "enabling the RabbitMQ management plugin"
    rabbitmq-plugins enable rabbitmq_management >/dev/null 2>&1 \
      || fail "could not enable the management plugin; run 'rabbitmq-plugins enable rabbitmq_management'"
    for _ in $(seq 1 60); do mgmt_ok && break; sleep 1; done
  fi
  mgmt_ok || fail "$("$VENV/bin/python" -m clusterctl broker-check 2>&1 | tail -n 1)"
fi

# ---- 3. Debian packages some tests need (make test only); without them those tests skip -----
# apt_for_tests COMMAND PACKAGE WHAT: installs PACKAGE when COMMAND is missing (root and apt).
apt_for_tests() {
  command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] && return 0
  if is_root && have_apt; then
    note "installing Debian's $2 for $3 (one-time)"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2") >/tmp/cluster-planning-apt.log 2>&1 \
      || note "could not install $2 (see /tmp/cluster-planning-apt.log): $3 will be skipped"
  else
    note "no $1 and no root to install it: $3 will be skipped"
  fi
}
# Chromium for the dashboard's browser tests
[ "${WITH_BROWSER:-0}" = "1" ] && apt_for_tests chromium chromium "the browser tests"
# nginx for the shipped HTTPS proxy config in front of a running gateway
# (tests/e2e/test_https_proxy.py starts it itself, in the foreground)
[ "${WITH_TESTS:-0}" = "1" ] && apt_for_tests nginx nginx-light "the HTTPS proxy test"

# ---- 4. The official AsyncAPI parser, for the AsyncAPI document's test (make test only) -----
# Node.js and the parser pinned by tests/asyncapi/package-lock.json, from npm.
if [ "${WITH_BROWSER:-0}" = "1" ] && [ ! -d tests/asyncapi/node_modules/@asyncapi/parser ]; then
  if ! command -v npm >/dev/null 2>&1 && is_root && have_apt; then
    note "installing Debian's nodejs and npm for the AsyncAPI parser (one-time)"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm) \
      >/tmp/cluster-planning-apt-node.log 2>&1 \
      || note "could not install nodejs (see /tmp/cluster-planning-apt-node.log)"
  fi
  if command -v npm >/dev/null 2>&1; then
    note "installing the AsyncAPI parser for its test (npm ci in tests/asyncapi)"
    (cd tests/asyncapi && npm ci --silent --no-audit --no-fund) >/tmp/cluster-planning-npm.log 2>&1 \
      || note "could not install the AsyncAPI parser (see /tmp/cluster-planning-npm.log): its test will be skipped"
  else
    note "no npm: the AsyncAPI parser's test will be skipped"
  fi
fi
exit 0
