# Thin wrappers over deploy/local/*.sh and the tools' own commands.
.DEFAULT_GOAL := help
SHELL := /bin/bash
ROLE ?= admin
UNIT ?=
SERVICE ?=
export SERVICE

.PHONY: help run test unit chaos token up down status migrate revision schemas demo bench lint bootstrap clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

# run and test: one command each, so that make runs the script itself (no shell between):
# the script then sees make as its parent and stops everything however make is stopped
# (deploy/local/lib.sh, "Stopping however it is stopped").
run: ## provision PostgreSQL and Kafka, migrate, start the five services (Ctrl-C stops all)
	@deploy/local/run.sh

test: ## start the test PostgreSQL and Kafka, run every test (or SERVICE=…), tear down
	@deploy/local/test.sh

chaos: ## the chaos suite on a private instance (INSTANCE=chaos): short form; CHAOS_ARGS="--long --seed 7"
	@deploy/local/bootstrap.sh
	@.venv/bin/python deploy/chaos/chaos.py $(CHAOS_ARGS)

unit: ## run the pure-rule tests only (tests/unit/, @pytest.mark.unit; or SERVICE=…): no PostgreSQL, no Kafka
	@deploy/local/unit.sh

token: ## print a signed local JWT: make token ROLE=officer UNIT=<uuid> [OFFICER=<uuid>]
	@deploy/local/bootstrap.sh
	@.venv/bin/enforcement-token --role "$(ROLE)" $(if $(UNIT),--unit "$(UNIT)") $(if $(OFFICER),--officer "$(OFFICER)")

up: ## start the local PostgreSQL and Kafka only (kept running until make down)
	@deploy/local/bootstrap.sh
	@deploy/local/infra.sh up

down: ## stop the local PostgreSQL and Kafka
	@deploy/local/infra.sh down

status: ## show what runs
	@deploy/local/infra.sh status || true

migrate: ## apply every service's migrations to the local databases
	@deploy/local/bootstrap.sh
	@eval "$$(deploy/local/infra.sh env)"; for s in case tolerance review accountability stats; do .venv/bin/$$s-service migrate || exit 1; done

demo: ## load the demo county into the running services (after make run; re-running adds nothing)
	@.venv/bin/python -m case_service.demo --base-url http://127.0.0.1:$${CASE_PORT:-8001}
	@.venv/bin/python -m tolerance_service.demo --base-url http://127.0.0.1:$${TOLERANCE_PORT:-8002} --case-url http://127.0.0.1:$${CASE_PORT:-8001}

bench: ## benchmarks: POST /cases vs bare asyncpg, 10 000-case import, GET /cases on 100 000 cases, closure → obligation latency at 50% of capacity, tolerance rule engine and POST /applications, interference register, stats county-year query and replay (test instance)
	@deploy/local/bench.sh

revision: ## new Alembic revision: make revision SERVICE=case-service MSG="add cases"
	@test -n "$(SERVICE)" -a -n "$(MSG)" || { echo 'usage: make revision SERVICE=<name>-service MSG="..."'; exit 2; }
	@.venv/bin/alembic -c services/$(SERVICE)/src/$(subst -,_,$(SERVICE))/alembic.ini revision -m "$(MSG)"

schemas: ## regenerate the event JSON Schemas and AsyncAPI document (libs/common/schemas)
	@deploy/local/bootstrap.sh
	@.venv/bin/python -m enforcement_common.contracts.documents write

lint: ## ruff (lint and format check)
	@deploy/local/bootstrap.sh
	@.venv/bin/ruff check . && .venv/bin/ruff format --check .

bootstrap: ## install uv and the locked Python packages
	@deploy/local/bootstrap.sh

clean: ## stop everything and delete .run/ (local databases and broker data, and a cluster kept outside the clone)
	@deploy/local/infra.sh clean
	@INSTANCE=test deploy/local/infra.sh clean
	rm -rf .run
