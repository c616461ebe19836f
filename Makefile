# wirepipe: every target sets up what it needs (virtualenv in .venv) and can be run again.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
OUT ?= out
PYTEST_ARGS ?=

.PHONY: demo replay-demo test venv clean

venv: $(STAMP)

# camel-tools goes in with --no-deps: its torch/transformers requirement (several GB) serves only
# the optional `--ner camel` backend (`pip install '.[camel-ner]'`); the utilities we use need
# regex, six and emoji, which pyproject.toml lists.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	$(BIN)/pip install --quiet --no-deps 'camel-tools==1.6.0'
	touch $(STAMP)

demo: $(STAMP)
	OUT=$(OUT) BIN=$(BIN) bash deploy/local/demo.sh

replay-demo: $(STAMP)
	rm -rf $(OUT)
	$(BIN)/wirepipe replay seeds/ --out $(OUT)

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(OUT) .pytest_cache
