# ABM Lab. The two commands:  make demo  (set up + run the demo end to end)  and  make test.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
export TQDM_DISABLE ?= 0

.PHONY: setup demo lint test notebooks docs benchmarks browser clean lab

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test,spark]'
	touch $(STAMP)

setup: $(STAMP)

## Set up (first time) and run the demo on the synthetic world; prints where the report is.
demo: $(STAMP)
	$(BIN)/abm-lab run params/demo.yaml --force

## Headless Chromium for the browser test (Debian package; never a browser download).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing Debian chromium for the browser test"; \
	    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium not installed and not root: the browser test will skip"; fi; }

## Lint: ruff (package, tests, benchmarks, notebooks), formatting, and mypy on the package.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

## Set up (first time), lint, and run every test: package tests, the demo run rendered and opened in a browser, nbval.
test: $(STAMP) browser lint
	TQDM_DISABLE=1 $(BIN)/abm-lab run params/demo.yaml --force --quiet
	ws=$$(mktemp -d); TQDM_DISABLE=1 ABM_LAB_WORKSPACE=$$ws $(BIN)/python -m pytest tests notebooks --nbval-lax --nbval-sanitize-with $(CURDIR)/notebooks/nbval_sanitize.cfg -p no:cacheprovider --durations=25; \
	  rc=$$?; rm -rf "$$ws"; if [ $$rc -eq 5 ]; then echo "pytest collected no tests"; exit 0; fi; exit $$rc

## Re-execute the notebooks in place on the demo world (commit their outputs for nbval).
notebooks: $(STAMP)
	TQDM_DISABLE=1 $(BIN)/python -m abm_lab.pipeline.devtools refresh-notebooks

## Open the notebooks in JupyterLab as workspace copies (workspace/<run>/, git-ignored, params filled in): the
## committed notebooks/ are never edited. PARAMS=params/maven_crm.yaml for another run; as root it adds --allow-root.
PARAMS ?= params/demo.yaml
lab: $(STAMP)
	$(BIN)/abm-lab open all $(PARAMS) --keep-existing --lab

## Regenerate the generated parts of docs/ (artefact table from the registry).
docs: $(STAMP)
	$(BIN)/python -m abm_lab.pipeline.devtools docs

benchmarks: $(STAMP)
	$(BIN)/python benchmarks/bench_generator.py

## Remove the generated demo world and the demo run (only what `make test` / `abm-lab run params/demo.yaml`
## create: reports/demo when it is a run folder, data/demo when it holds the generator's stamp). Other runs are
## never touched; remove those yourself.
clean:
	$(BIN)/python -m abm_lab.pipeline.devtools clean
