# EqIA: `make run` serves the app with demo accounts; `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app eqia
CHROMIUM := /usr/bin/chromium
CLAMD := /usr/sbin/clamd
REDIS_SERVER := /usr/bin/redis-server
# What the PDFs need from Debian: the fonts they name (eqia/pdfbase.py), and poppler and
# qpdf, with which the tests read, draw and check them.
PDF_PACKAGES := fonts-dejavu-core fonts-noto-core fonts-noto-cjk fonts-noto-color-emoji \
	poppler-utils qpdf
PDF_FILES := /usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf \
	/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf \
	/usr/share/fonts/truetype/noto/NotoSansGurmukhi-Regular.ttf \
	/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc \
	/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf /usr/bin/pdftoppm /usr/bin/qpdf

.PHONY: run serve demo test install assets db seed chromium fonts pdf-tools clamav redis wrk system-packages lint bench clean

run: demo
	@echo "Open http://127.0.0.1:5000 and sign in with any account above."
	$(FLASK) run --host 127.0.0.1 --port 5000

# The demo, served as production serves (gunicorn with eqia/gunicorn_conf.py), but with the
# development configuration: production's needs its real settings (README "Running in
# production"). EQIA_BIND, EQIA_WORKERS and the rest change it as they would there.
serve: demo
	@echo "Open http://$${EQIA_BIND:-127.0.0.1:8000} and sign in with any account above."
	EQIA_CONFIG=development $(BIN)/gunicorn -c python:eqia.gunicorn_conf

# The demo accounts and data, with their password printed.
demo: install assets db fonts
	@password="$${EQIA_DEMO_PASSWORD:-$$(cat instance/demo-password 2>/dev/null)}"; \
	if [ -z "$$password" ]; then \
		password="$$($(BIN)/python -c 'import secrets; print("demo-" + secrets.token_urlsafe(12))')"; \
		echo "$$password" > instance/demo-password; chmod 600 instance/demo-password; \
	fi; \
	$(FLASK) seed-demo --password "$$password" && \
	echo "Demo password: $$password"

test: install assets chromium fonts pdf-tools clamav redis
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

# Debian packages, installed when missing: $(call debian,<test that they are there>,<apt-get
# arguments>,<what for>,<what happens without them>). Only root can install; anyone else is
# told what is missing.
define debian
	@if ! ( $(1) ); then \
		if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
			echo "Installing Debian's $(filter-out --%,$(2)) $(3)"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(2) >/dev/null; \
		else \
			echo "Debian's $(filter-out --%,$(2)) is missing and cannot be installed here: $(4)"; \
		fi; \
	fi
endef
UNDER_CI := tests will skip (and fail under CI=true)

# Chromium for the browser tests.
chromium:
	$(call debian,[ -x $(CHROMIUM) ],chromium,for the browser tests,browser $(UNDER_CI))

# The PDFs' fonts (Noto for every script, colour emoji, DejaVu Sans Mono), and poppler-utils
# and qpdf for the tests.
fonts:
	$(call debian,for file in $(PDF_FILES); do [ -e "$$file" ] || exit 1; done,--no-install-recommends $(PDF_PACKAGES),for the PDFs,PDFs cannot be made)

# Tools that check signed records independently of our own code: poppler's pdfsig, qpdf,
# and NSS's certutil (to give pdfsig a certificate database that trusts the test root).
pdf-tools:
	$(call debian,command -v pdfsig >/dev/null && command -v qpdf >/dev/null && command -v certutil >/dev/null,poppler-utils qpdf libnss3-tools,for the PDF record tests,the PDF record $(UNDER_CI))

# ClamAV's daemon for the virus-scanning tests. They start their own clamd, with their own
# configuration and one EICAR signature: the package's services and freshclam play no part.
clamav:
	$(call debian,[ -x $(CLAMD) ],--no-install-recommends clamav-daemon,for the virus-scanning tests,virus-scanning $(UNDER_CI))

# Redis for the throttling and several-instance tests. They start their own redis-server on
# a free loopback port, keeping nothing on disk: the package's own service plays no part.
redis:
	$(call debian,[ -x $(REDIS_SERVER) ],--no-install-recommends redis-server,for the throttling and instance tests,Redis $(UNDER_CI))

# Debian's wrk, with which bench_load.py puts the pages under load.
wrk:
	$(call debian,command -v wrk >/dev/null,wrk,for the load benchmark,bench_load.py will refuse to run)

lint: install
	$(BIN)/ruff check eqia tests config.py migrations
	$(BIN)/ruff format --check eqia tests config.py

# Benchmarks with 100,000 generated EqIAs (kept under benchmarks/results/, ignored by git);
# BENCH_DATABASE_URL=postgresql+psycopg://... runs them on PostgreSQL.
bench: install fonts wrk
	set -e; for bench in benchmarks/bench_*.py; do echo "== $$bench"; $(BIN)/python $$bench; done

clean:
	rm -rf $(VENV) node_modules static/css static/govuk static/js/govuk-frontend.min.js
