# Two commands: `make run` to try aidsys, `make test` to check it. See scripts/.
.PHONY: run test test-fast setup lint messages bench

PYTHON := .venv/bin/python

run:
	scripts/run.sh

test:
	scripts/test.sh

test-fast:
	scripts/test.sh fast

setup:
	scripts/setup.sh

lint: setup
	.venv/bin/ruff check .

# Extract new messages into the zh_Hans catalogue; translate them before `make test`.
messages: setup
	$(PYTHON) manage.py makemessages -l zh_Hans -d django --no-obsolete \
		--ignore=.venv --ignore=node_modules --ignore=staticfiles --ignore=bench --ignore=tests

bench: setup
	@set -e; for script in bench/*.py; do \
		[ -e "$$script" ] || continue; \
		echo "== $$script"; \
		PYTHONPATH=. $(PYTHON) "$$script"; \
	done
