# newswatch — the two commands: `make run` and `make test`. See README.md.
# Python 3.11: python3.11 if it is on PATH, else python3 (checked below)
PY      ?= $(shell command -v python3.11 || command -v python3)
VENV    := .venv
BIN     := $(VENV)/bin
NW      := $(BIN)/newswatch
STAMP   := $(VENV)/.installed
QUERY   ?= Russia Ukraine

.PHONY: install up down status run lint test test-unit test-cluster eval bench bench-extract bytecode clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@$(PY) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null || { echo "needs Python 3.11 (found: $(PY))"; exit 1; }
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check --upgrade pip
	@# pip byte-compiles the venv's ~8,000 modules one by one (some 20 s): compiled here on every core instead
	$(BIN)/pip install -q --disable-pip-version-check --no-compile -e '.[test]'
	$(BIN)/python -m compileall -q -j 0 $(VENV)/lib >/dev/null
	@touch $(STAMP)

up: install
	$(NW) stack up

down:
	@if [ -x $(NW) ]; then $(NW) stack down; fi

status: install
	$(NW) stack status

# Installs, starts Kafka + Elasticsearch + the pipeline, adds the example alert rules, sends the sample
# corpus in seeds/ (progress bars), waits until every article is searchable and prints a short tour
# (`newswatch demo`; a second run sends nothing again). `make down` stops everything.
run: install
	$(NW) stack up --pipeline
	$(NW) demo seeds/ --wait 170

# ruff (style, likely bugs, private access) and mypy (types); configured in pyproject.toml
lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy

# Lint (while the stack starts), then: the whole suite in TEST_WORKERS processes (pytest-xdist; the cluster's
# tests in one of them, beside the rest: see tests/conftest.py), and stops what it started.
TEST_WORKERS ?= 3
test:
	@# the console's browser tests drive Debian's headless Chromium (CI is a fresh machine, as root): it is
	@# installed beside the Python packages, both mostly downloads
	@mkdir -p .newswatch; browser=""; \
	if ! command -v chromium >/dev/null 2>&1; then \
		if [ "$$(id -u)" != 0 ]; then echo "chromium is missing: sudo apt-get install chromium chromium-driver"; exit 1; fi; \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; } \
			>.newswatch/apt.log 2>&1 & browser=$$!; \
	fi; \
	$(MAKE) --no-print-directory install; installed=$$?; \
	if [ -n "$$browser" ] && ! wait $$browser; then cat .newswatch/apt.log; echo "installing chromium failed"; exit 1; fi; \
	[ $$installed = 0 ] || exit 1; \
	was_up=""; $(NW) stack status >/dev/null 2>&1 && was_up=1; \
	$(NW) stack up >.newswatch/stack-up.log 2>&1 & up=$$!; \
	$(MAKE) --no-print-directory lint; lint=$$?; \
	wait $$up; up_rc=$$?; cat .newswatch/stack-up.log; \
	if [ $$lint != 0 ] || [ $$up_rc != 0 ]; then [ -n "$$was_up" ] || $(NW) stack down; exit 1; fi; \
	$(MAKE) --no-print-directory bytecode; \
	$(BIN)/pytest -ra --durations=25 -n $(TEST_WORKERS) tests; rc=$$?; \
	[ -n "$$was_up" ] || $(NW) stack down; \
	exit $$rc

# Only the scale-out tests (3 brokers, 3 Elasticsearch nodes on 127.0.0.1; `make test` runs them too).
test-cluster: install
	@was_up=""; $(NW) stack status >/dev/null 2>&1 && was_up=1; \
	$(NW) stack up || { [ -n "$$was_up" ] || $(NW) stack down; exit 1; }; \
	$(BIN)/pytest -ra tests/cluster; rc=$$?; \
	[ -n "$$was_up" ] || $(NW) stack down; \
	exit $$rc

# Page extraction against gold bodies, on the held-out splits (tuned on l3s-gn1-dev.txt and the first 150
# pages of dragnet-training.txt). EXTRACT_ROOT: a checkout of the public j-szulc/html-cleaning-dataset-merged
# repository (not committed here). The Zyte/Scrapinghub article-extraction benchmark is the project's held-out
# check: never tune on it. TRAFILATURA_ROOT (optional): a checkout of the public adbar/trafilatura repository,
# whose tests/ corpus of modern pages is scored by its snippets on its test half.
EXTRACT_ROOT ?= ../data/html-cleaning-dataset-merged
TRAFILATURA_ROOT ?=
bench-extract: install
	$(NW) bench extract $(EXTRACT_ROOT) --set page-signal-master:pipeline/measure/splits/l3s-gn1-test.txt \
		--set dragnet_data:pipeline/measure/splits/dragnet-test.txt
	[ -z "$(TRAFILATURA_ROOT)" ] || $(NW) bench extract $(TRAFILATURA_ROOT) \
		--set tests:pipeline/measure/splits/trafilatura-test.txt

# Enrichment quality on the open development set (../shared/eval) and on the seeds; throughput beside it.
DEV_SET ?= ../shared/eval/geovirus.jsonl
eval: install
	$(NW) eval $(DEV_SET)
	$(NW) eval tests/data/seeds-gold.jsonl
	$(NW) eval tests/data/multilingual.jsonl
	$(NW) eval tests/data/ud-news.jsonl
	$(NW) bench enrich $(DEV_SET) --repeat 2

test-unit: install
	$(BIN)/pytest -ra tests/unit

# The checkout's own modules compiled once: the suite starts some 250 Python processes, and where
# PYTHONDONTWRITEBYTECODE is set (CI's machines) each compiled what it imports again (~0.2 s of CPU).
# Up-to-date files are only stat'ed; a file edited later is compiled in memory as usual.
bytecode:
	@$(BIN)/python -m compileall -q -j 0 pipeline producers consumers schemas deploy tests >/dev/null

clean: down
	rm -rf $(VENV) .newswatch
