#!/usr/bin/env bash
# `make test`'s runner: the whole suite in two halves at the same time, so that it stays near 15
# minutes on 2 cores. The fault-injection half (FAULT_DIRS: private RabbitMQ nodes and clusters
# that spend most of their time waiting for brokers to stop, start and fail over, and the API
# fuzz) runs beside everything else; its output goes to test-artifacts/faults.log and is printed after the other
# half's. The exit status is non-zero when any test of either half fails.
#
#   bash tests/suite.sh PYTHON [PYTEST ARGS...]
# With pytest arguments (make test PYTEST_ARGS=...), it runs just those, in one process.
set -uo pipefail
PY=$1; shift
if [ $# -gt 0 ]; then
  exec "$PY" -m pytest "$@"
fi

FAULT_DIRS=(tests/reliability)
[ -d tests/tls ] && FAULT_DIRS+=(tests/tls)
# The API fuzz starts a system of its own and takes 2-3 minutes: on this side the halves even out.
FAULT_DIRS+=(tests/e2e/test_api_fuzz.py)
ignore=(); for dir in "${FAULT_DIRS[@]}"; do ignore+=(--ignore="$dir"); done

mkdir -p test-artifacts
log=test-artifacts/faults.log
temp=$(mktemp -d /tmp/cluster-planning-suite-XXXXXX)  # each half its own pytest basetemp

"$PY" -m pytest "${FAULT_DIRS[@]}" --basetemp="$temp/faults" >"$log" 2>&1 &
faults=$!
trap 'kill -INT "$faults" 2>/dev/null; wait "$faults"; rm -rf "$temp"; exit 130' INT TERM

echo "suite: the fault-injection half (${FAULT_DIRS[*]}) runs beside this one; its log: $log"
"$PY" -m pytest "${ignore[@]}" --basetemp="$temp/rest"
rest=$?
wait "$faults"
fault=$?
trap - INT TERM

echo
echo "======== the fault-injection half (${FAULT_DIRS[*]}), from $log ========"
cat "$log"
rm -rf "$temp"
echo
echo "suite: the rest exited $rest, the fault-injection half $fault (0 = every test passed)"
[ "$rest" -eq 0 ] && [ "$fault" -eq 0 ]
