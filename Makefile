# The two commands of the public contract (see README.md):
#   make run   set everything up, start the whole system in the foreground (Ctrl-C stops it)
#   make test  the same set-up, then the whole test suite against the real RabbitMQ
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python

.PHONY: run test setup reliability bench bench-quick clean-venv

run: setup
	@$(PY) -m clusterctl run

test:
	@PYTHON="$(PYTHON)" VENV="$(VENV)" WITH_BROWSER=1 bash deploy/setup.sh
	@$(PY) -m pytest $(PYTEST_ARGS)

# The fault-injection suite alone, rewriting docs/reliability.md from what it observed.
reliability: setup
	@RELIABILITY_REPORT=docs/reliability.md $(PY) -m pytest tests/reliability -v $(PYTEST_ARGS)

# Speed, measured (never asserted in tests): one table, each figure against a baseline of the
# same run, the issue's goals, and bench/results/<date>-<time>.json. See bench/README.md.
#   make bench                      full: 4 and 76 provinces, 10k/100k/1M stored reports (~7 min)
#   make bench BENCH_ARGS=--quick   small N, 10k only (under a minute); also: make bench-quick
#   make bench BENCH_ARGS=--private-broker   on a RabbitMQ node of its own, schedulers unbound
bench: setup
	@$(PY) -m bench.run $(BENCH_ARGS)

bench-quick: setup
	@$(PY) -m bench.run --quick $(BENCH_ARGS)

setup:
	@PYTHON="$(PYTHON)" VENV="$(VENV)" bash deploy/setup.sh

clean-venv:
	rm -rf $(VENV)
