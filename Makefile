# The two commands of the public contract (see README.md):
#   make run   set everything up, start the whole system in the foreground (Ctrl-C stops it)
#   make test  the same set-up, then the whole test suite against the real RabbitMQ
# Which Python: PYTHON=python3.13 make test (3.11, 3.12 and 3.13 are supported). The default
# python3 uses .venv; any other interpreter a venv of its own, .venv-<major.minor>, so switching
# PYTHON never reuses a venv of another version.
PYTHON ?= python3
PY_VERSION := $(shell $(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)
VENV   ?= $(if $(filter python3,$(PYTHON)),.venv,.venv-$(PY_VERSION))
PY     := $(VENV)/bin/python

.PHONY: run test setup setup-tools lock reliability bench bench-quick clean-venv

# make run installs requirements/runtime.txt only; make test requirements/test.txt (runtime +
# test tools). Both are locks with hashes; `make lock` regenerates them from pyproject.toml.
run: setup
	@$(PY) -m clusterctl run

# Also smokes every other CPython >= 3.11 found on the machine (tests/smoke/test_other_pythons.py).
# tests/suite.sh runs the fault-injection half beside the rest (the 15-minute budget on 2 cores);
# with PYTEST_ARGS it runs just those, in one pytest.
test:
	@PYTHON="$(PYTHON)" VENV="$(VENV)" WITH_TESTS=1 WITH_BROWSER=1 bash deploy/setup.sh
	@bash tests/suite.sh $(PY) $(PYTEST_ARGS)

# The locks, regenerated from pyproject.toml's pins with uv (installed into .venv-lock): one
# universal resolution valid on every supported Python (3.11-3.13) and platform, with the hash
# of every file of every pinned release. Run after changing a pin, then commit requirements/.
UV_VERSION := 0.13.9
lock:
	@[ -x .venv-lock/bin/uv ] || { $(PYTHON) -m venv .venv-lock && .venv-lock/bin/pip install -q "uv==$(UV_VERSION)"; }
	.venv-lock/bin/uv pip compile -q pyproject.toml --universal --python-version 3.11 \
	  --generate-hashes --custom-compile-command "make lock" -o requirements/runtime.txt $(LOCK_ARGS)
	.venv-lock/bin/uv pip compile -q pyproject.toml --extra test -c requirements/runtime.txt \
	  --universal --python-version 3.11 --generate-hashes --custom-compile-command "make lock" \
	  -o requirements/test.txt $(LOCK_ARGS)

# The fault-injection suite alone, rewriting docs/reliability.md from what it observed.
reliability: setup-tools
	@RELIABILITY_REPORT=docs/reliability.md $(PY) -m pytest tests/reliability tests/tls -v $(PYTEST_ARGS)

# Speed, measured (never asserted in tests): one table, each figure against a baseline of the
# same run, the issue's goals, and bench/results/<date>-<time>.json. See bench/README.md.
#   make bench                      full: 4 and 76 provinces, 10k/100k/1M stored reports (~7 min)
#   make bench BENCH_ARGS=--quick   small N, 10k only (under a minute); also: make bench-quick
#   make bench BENCH_ARGS=--private-broker   on a RabbitMQ node of its own, schedulers unbound
bench: setup-tools
	@$(PY) -m bench.run $(BENCH_ARGS)

bench-quick: setup-tools
	@$(PY) -m bench.run --quick $(BENCH_ARGS)

setup:
	@PYTHON="$(PYTHON)" VENV="$(VENV)" bash deploy/setup.sh

# reliability and bench drive the system with the test tools (pytest, pika, Playwright): test.txt.
setup-tools:
	@PYTHON="$(PYTHON)" VENV="$(VENV)" WITH_TESTS=1 bash deploy/setup.sh

clean-venv:
	rm -rf $(VENV)
