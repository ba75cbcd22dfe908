# caseflow: `make run` serves the app; `make test` runs every test.
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 5000
FLASK := $(PY) -m flask --app webforms
VENDOR := webforms/static/vendor

.PHONY: install run test bench clean

install: $(VENV)/.installed $(VENDOR)/.copied

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[test]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The built dist files only: no Sass build.
$(VENDOR)/.copied: node_modules/.installed
	rm -rf $(VENDOR) && mkdir -p $(VENDOR)/govuk $(VENDOR)/bpmn-js
	cp node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.css node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js $(VENDOR)/govuk/
	cp -r node_modules/govuk-frontend/dist/govuk/assets $(VENDOR)/govuk/assets
	cp -r node_modules/bpmn-js/dist/* $(VENDOR)/bpmn-js/
	touch $@

run: install
	$(FLASK) init-db
	$(FLASK) deploy
	$(FLASK) seed-demo
	@echo "caseflow: http://127.0.0.1:$(PORT)"
	@$(FLASK) worker & worker=$$!; trap "kill $$worker 2>/dev/null" EXIT INT TERM; \
	  $(VENV)/bin/gunicorn --bind 127.0.0.1:$(PORT) --workers 2 --threads 4 --access-logfile - 'webforms:create_app()'

test: install
	$(PY) -m pytest

bench: install
	$(PY) -m tests.bench.engine_bench

clean:
	rm -rf $(VENV) node_modules $(VENDOR) instance
