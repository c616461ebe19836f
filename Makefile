# wirepipe: every target sets up what it needs (virtualenv in .venv) and can be run again.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
OUT ?= out
PYTEST_ARGS ?=

.PHONY: demo replay-demo test venv clean browser

venv: $(STAMP)

# The train extra (scikit-learn) serves `wirepipe train-speakers` and its test; the package itself scores
# speakers with the JSON weights it ships.
# camel-tools goes in with --no-deps: its torch/transformers requirement (several GB) serves only
# the optional `--ner camel` backend (`pip install '.[camel-ner]'`); the utilities we use need
# regex, six and emoji, which pyproject.toml lists.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,train]'
	$(BIN)/pip install --quiet --no-deps 'camel-tools==1.6.0'
	touch $(STAMP)

demo: $(STAMP)
	OUT=$(OUT) BIN=$(BIN) bash deploy/local/demo.sh

replay-demo: $(STAMP)
	rm -rf $(OUT)
	$(BIN)/wirepipe replay seeds/ --out $(OUT)
	$(BIN)/wirepipe report $(OUT) --html $(OUT)/report.html

# Beam's Prism runner, for the tests of the endless stream (they are skipped without it). Built from
# the Go module proxy; a machine without Go skips those tests and says so.
PRISM := .local/bin/prism
$(PRISM):
	mkdir -p .local/bin
	if command -v go >/dev/null; then \
	  GOBIN=$(abspath .local/bin) go install github.com/apache/beam/sdks/v2/go/cmd/prism@v2.77.0 \
	    || echo "Prism did not build: the Prism streaming tests will be skipped"; \
	else echo "Go not found: the Prism streaming tests will be skipped"; fi

# Headless Chromium from the Debian packages, for the tests that render the HTML report (tests/browser;
# skipped, saying so, without it). Installed with apt-get only when missing and we are root; DejaVu Sans
# gives it Arabic glyphs for the screenshots.
browser:
	@if command -v chromium >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null) \
	    || echo "chromium did not install: the browser tests of the report will be skipped"; \
	else echo "chromium not found and not root: the browser tests of the report will be skipped"; fi

# tests/run.sh runs the ten-minute soak of the endless stream beside the rest (a broker of its own).
test: $(STAMP) $(PRISM) browser
	PRISM_LOCATION=$(abspath $(PRISM)) PYTHON=$(BIN)/python bash tests/run.sh $(PYTEST_ARGS)

clean:
	rm -rf $(OUT) .pytest_cache
