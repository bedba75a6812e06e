# One command per verb. Everything a target needs is installed by the target itself.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
PYTEST_ARGS ?=
ifdef FAST
PYTEST_ARGS += -m "not slow"
endif
# llama.cpp compiles on install; use both cores.
export CMAKE_BUILD_PARALLEL_LEVEL ?= 2

.PHONY: venv demo test lint bench bundle tf-check clean

$(STAMP): pyproject.toml scripts/install-system-packages.sh
	bash scripts/install-system-packages.sh
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	@echo "installing dependencies (the first time, llama.cpp is compiled: about 5 minutes)"
	$(BIN)/pip install -q -e '.[local,gcp,api,dev]'
	touch $(STAMP)

venv: $(STAMP)

# The main job: write the first example book with the embedded default engine and print where it is.
demo: $(STAMP)
	BOOKGEN_DATA_DIR=$${BOOKGEN_DATA_DIR:-bookgen-data} $(BIN)/bookgen generate examples/maya-space-adventure.json

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check src tests bench scripts

bench: $(STAMP)
	$(BIN)/python bench/workflow_engine.py
	$(BIN)/python bench/pipeline.py
	$(BIN)/python bench/render.py
	$(BIN)/python bench/api.py

# Cloud Function zips for Terraform: build/steps/<step>.zip (+ <step>-<sha>.zip, bundles.json).
bundle: $(STAMP)
	$(BIN)/python scripts/bundle.py --out build/steps

# Static checks of terraform/ (providers cannot be downloaded here, so no init/validate).
tf-check: $(STAMP)
	terraform fmt -check -recursive terraform/
	$(BIN)/python -m pytest tests/terraform -q

clean:
	rm -rf $(VENV) build .pytest_cache
