# EqIA: `make run` serves the app with demo accounts; `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app eqia
CHROMIUM := /usr/bin/chromium
CLAMD := /usr/sbin/clamd
# What the PDFs need from Debian: the fonts they name (eqia/pdfbase.py), and poppler and
# qpdf, with which the tests read, draw and check them.
PDF_PACKAGES := fonts-dejavu-core fonts-noto-core fonts-noto-cjk fonts-noto-color-emoji \
	poppler-utils qpdf
PDF_FILES := /usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf \
	/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf \
	/usr/share/fonts/truetype/noto/NotoSansGurmukhi-Regular.ttf \
	/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc \
	/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf /usr/bin/pdftoppm /usr/bin/qpdf

.PHONY: run test install assets db seed chromium fonts pdf-tools clamav wrk system-packages lint bench clean

run: install assets db fonts
	@password="$${EQIA_DEMO_PASSWORD:-$$(cat instance/demo-password 2>/dev/null)}"; \
	if [ -z "$$password" ]; then \
		password="$$($(BIN)/python -c 'import secrets; print("demo-" + secrets.token_urlsafe(12))')"; \
		echo "$$password" > instance/demo-password; chmod 600 instance/demo-password; \
	fi; \
	$(FLASK) seed-demo --password "$$password" && \
	echo "Demo password: $$password" && \
	echo "Open http://127.0.0.1:5000 and sign in with any account above."
	$(FLASK) run --host 127.0.0.1 --port 5000

test: install assets chromium fonts pdf-tools clamav
	$(BIN)/pytest $(PYTEST_ARGS)

install: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

assets: static/css/app.css

static/css/app.css: node_modules/.installed static/src/app.scss static/src/build.mjs
	npm run --silent build

db: install
	mkdir -p instance
	$(FLASK) db upgrade

# Debian packages the tests need: Chromium for the browser tests.
chromium:
	@if [ ! -x $(CHROMIUM) ]; then \
		if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
			echo "Installing Debian's chromium for the browser tests"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
		else \
			echo "Chromium is missing and cannot be installed here: browser tests will skip (and fail under CI=true)"; \
		fi; \
	fi

# The PDFs' fonts (Noto for every script, colour emoji, DejaVu Sans Mono), and poppler-utils
# and qpdf for the tests.
fonts:
	@missing=""; for file in $(PDF_FILES); do [ -e "$$file" ] || missing="$$missing $$file"; done; \
	if [ -n "$$missing" ]; then \
		if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
			echo "Installing Debian's $(PDF_PACKAGES) for the PDFs"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
				--no-install-recommends $(PDF_PACKAGES) >/dev/null; \
		else \
			echo "Missing:$$missing. Install Debian's $(PDF_PACKAGES), or PDFs cannot be made"; \
		fi; \
	fi

# Tools that check signed records independently of our own code: poppler's pdfsig, qpdf,
# and NSS's certutil (to give pdfsig a certificate database that trusts the test root).
pdf-tools:
	@if ! command -v pdfsig >/dev/null || ! command -v qpdf >/dev/null || ! command -v certutil >/dev/null; then \
		if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
			echo "Installing Debian's poppler-utils, qpdf and libnss3-tools for the PDF record tests"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils qpdf libnss3-tools >/dev/null; \
		else \
			echo "pdfsig, qpdf or certutil is missing and cannot be installed here: their tests will skip (and fail under CI=true)"; \
		fi; \
	fi

# ClamAV's daemon for the virus-scanning tests. They start their own clamd, with their own
# configuration and one EICAR signature: the package's services and freshclam play no part.
clamav:
	@if [ ! -x $(CLAMD) ]; then \
		if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
			echo "Installing Debian's clamav-daemon for the virus-scanning tests"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends clamav-daemon >/dev/null; \
		else \
			echo "clamd is missing and cannot be installed here: virus-scanning tests will skip (and fail under CI=true)"; \
		fi; \
	fi

# Debian's wrk, with which bench_load.py puts the pages under load.
wrk:
	@if ! command -v wrk >/dev/null; then \
		if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
			echo "Installing Debian's wrk for the load benchmark"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; \
		else \
			echo "wrk is missing and cannot be installed here: bench_load.py will refuse to run"; \
		fi; \
	fi

lint: install
	$(BIN)/ruff check eqia tests config.py migrations
	$(BIN)/ruff format --check eqia tests config.py

# Benchmarks with 100,000 generated EqIAs (kept under benchmarks/results/, ignored by git);
# BENCH_DATABASE_URL=postgresql+psycopg://... runs them on PostgreSQL.
bench: install fonts wrk
	set -e; for bench in benchmarks/bench_*.py; do echo "== $$bench"; $(BIN)/python $$bench; done

clean:
	rm -rf $(VENV) node_modules static/css static/govuk static/js/govuk-frontend.min.js
