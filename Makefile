# The two commands of the public contract (see README.md):
#   make run   set everything up, start the whole system in the foreground (Ctrl-C stops it)
#   make test  the same set-up, then the whole test suite against the real RabbitMQ
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python

.PHONY: run test setup reliability clean-venv

run: setup
	@$(PY) -m clusterctl run

test:
	@PYTHON="$(PYTHON)" VENV="$(VENV)" WITH_BROWSER=1 bash deploy/setup.sh
	@$(PY) -m pytest $(PYTEST_ARGS)

# The fault-injection suite alone, rewriting docs/reliability.md from what it observed.
reliability: setup
	@RELIABILITY_REPORT=docs/reliability.md $(PY) -m pytest tests/reliability -v $(PYTEST_ARGS)

setup:
	@PYTHON="$(PYTHON)" VENV="$(VENV)" bash deploy/setup.sh

clean-venv:
	rm -rf $(VENV)
