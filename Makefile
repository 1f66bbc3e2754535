# The two commands a fresh clone needs: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test docs bench setup bytecode clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

# The project's modules compiled ahead, as pip does for an installed package: an editable install
# under PYTHONDONTWRITEBYTECODE would compile them anew in every command and every collecting process.
bytecode: $(STAMP)
	$(BIN)/python -m compileall -q aws_integration > /dev/null

demo: bytecode
	$(BIN)/python -m aws_integration.sample.demo

test: bytecode
	$(BIN)/python -m pytest -q

bench: bytecode
	$(BIN)/python -m bench.store_speed --json bench/results/store.json
	$(BIN)/python -m bench.store_speed --backend postgresql --json bench/results/store-postgresql.json
	$(BIN)/python -m bench.query_speed --json bench/results/query.json
	$(BIN)/python -m bench.startup_speed --json bench/results/startup.json
	$(BIN)/python -m bench.ingest_speed --latency-ms $(or $(LATENCY_MS),50) --memory --throttling \
		--json bench/results/ingest.json
	$(BIN)/python -m bench.organization_speed --latency-ms $(or $(LATENCY_MS),50) --json bench/results/organization.json
	$(BIN)/python -m bench.workers_speed --latency-ms $(or $(LATENCY_MS),50) --json bench/results/workers.json
	$(BIN)/python -m bench.sentinelone_speed --latency-ms $(or $(LATENCY_MS),50) --json bench/results/sentinelone.json

docs: $(STAMP)
	$(BIN)/aws-integration docs --output docs/data-model.md
	rm -f policies/aws-integration-policy*.json
	$(BIN)/aws-integration setup --format policy --output policies
	$(BIN)/aws-integration setup --format cloudformation --as-parameters --output policies
	$(BIN)/aws-integration setup --format terraform --as-parameters --output policies
	$(BIN)/python -m aws_integration.integrations.aws.setup.guide docs/setup.md

clean:
	rm -rf $(VENV) .pytest_cache
