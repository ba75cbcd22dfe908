# caseflow: `make run` serves the app; `make test` runs every test.
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 5000
FLASK := $(PY) -m flask --app webforms
VENDOR := webforms/static/vendor

.PHONY: install run test bench bench-notify bench-dashboard clean

install: $(VENV)/.installed $(VENDOR)/.copied

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[test]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The built dist files only: no Sass build.  The modeller page's script
# (bpmn-js Modeler, properties panel, caseflow's panel section) is bundled
# from webforms/static_src by esbuild, offline, from node_modules.
$(VENDOR)/.copied: node_modules/.installed $(wildcard webforms/static_src/*.js)
	rm -rf $(VENDOR) && mkdir -p $(VENDOR)/govuk $(VENDOR)/bpmn-js $(VENDOR)/bpmn-js-properties-panel
	cp node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.css node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js $(VENDOR)/govuk/
	cp -r node_modules/govuk-frontend/dist/govuk/assets $(VENDOR)/govuk/assets
	cp -r node_modules/bpmn-js/dist/* $(VENDOR)/bpmn-js/
	cp node_modules/@bpmn-io/properties-panel/dist/assets/properties-panel.css $(VENDOR)/bpmn-js-properties-panel/
	node_modules/.bin/esbuild webforms/static_src/modeller.js --bundle --minify --format=iife \
	  --target=es2020 --legal-comments=eof --log-level=warning --outfile=$(VENDOR)/modeller.bundle.js
	touch $@

run: install
	$(FLASK) init-db
	$(FLASK) deploy
	$(FLASK) seed-demo
	@echo "caseflow: http://127.0.0.1:$(PORT)"
	@$(FLASK) worker & worker=$$!; trap "kill $$worker 2>/dev/null" EXIT INT TERM; \
	  CASEFLOW_SECURE_COOKIES=0 $(VENV)/bin/gunicorn -c python:webforms.serving --bind 127.0.0.1:$(PORT) --workers 2 --threads 4 --access-logfile - 'webforms:create_app()'

test: install
	$(PY) -m pytest

bench: install
	$(PY) -m tests.bench.engine_bench
	$(PY) -m tests.bench.load_bench

# What telling people costs: the outbox on a completion, 1,000 e-mails through the worker.
bench-notify: install
	$(PY) -m tests.bench.notify_bench

# The managers' dashboard queries at 10k, 100k and 1M instances, SQLite and
# PostgreSQL, e.g. `make bench-dashboard BENCH_ARGS="--sizes 10000,100000 --compare"`.
bench-dashboard: install
	$(PY) -m tests.bench.dashboard_bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) node_modules $(VENDOR) instance
