# Everything a newcomer needs, from a fresh clone:
#   make run STEP=1     set up, then serve step 1 (its number, or a folder name like step01_minimal)
#                       XRAY=1 adds the request X-ray (kit/xray/): watch Flask-Login work
#   make test           set up, then run the behaviour tests of every step
#                       FULL=1 runs the full suite, as CI does: the chapters and
#                       docs, the browser and X-ray pages, the workshop grader
#   make tour STEP=1    walk step 1 in a Chromium-based browser, X-ray on; write tours/step01_minimal.html (STEP=all)
# Set-up means: a virtual environment in .venv with the pinned packages, and
# a random SECRET_KEY in instance/config.py (never committed).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STEP ?= 1

# Python keeps what it compiles, in .venv (not beside the steps), even where
# PYTHONDONTWRITEBYTECODE is set, as in many containers: compiling the same
# files again in every process costs a tenth of a second at each start.
KEEP_BYTECODE := env -u PYTHONDONTWRITEBYTECODE PYTHONPYCACHEPREFIX=$(CURDIR)/$(VENV)/pycache

# STEP=3 and STEP=step03_login_required both name the folder step03_login_required
# (a number below 10 gets its leading zero); a path names a learner's folder.
STEP_DIR := $(firstword $(patsubst %/,%,$(wildcard $(STEP)/ step$(if $(filter 1 2 3 4 5 6 7 8 9,$(STEP)),0)$(STEP)_*/)))
# Where a step keeps its SQLite database by default: the instance folder
# beside the step's folder, in a file named after the step.
STEP_DATABASE = $(dir $(STEP_DIR))instance/$(notdir $(STEP_DIR)).db

.PHONY: run test tour setup docs screenshots workshop check loadtest bench budgets canary clean

run: setup
	$(if $(STEP_DIR),,$(error No step '$(STEP)'. Try: make run STEP=1))
	@# Steps with a database (an init-db command) create it, with the demo users, before serving:
	@# each time on PostgreSQL (DATABASE_URL), on SQLite until its file exists (half a second saved).
	$(if $(and $(wildcard $(STEP_DATABASE)),$(if $(DATABASE_URL),,yes)),,$(BIN)/python -m kit.prepare $(STEP_DIR))
	$(KEEP_BYTECODE) $(BIN)/flask --app $(if $(filter 1,$(XRAY)),"kit.xray:create_app('$(STEP_DIR)')",$(STEP_DIR)) run --debug

# On every core; a test that finishes early takes work from the others.
# FULL=1 reaches the tests as an environment variable (tests/steps.py).
# Compiling the suite and rewriting its asserts again in every process would
# cost seconds: KEEP_BYTECODE, as the grader does.
test: setup
	$(KEEP_BYTECODE) $(BIN)/python -m pytest -n auto --dist worksteal

# A tour (kit/scenes/tour.py): one page per step, its chapter's walk as sequence
# diagrams, that opens from disk. DIR=workshop/stepNN_name walks a learner's folder;
# COMPARE=1 also writes it beside step N's tour, the differences marked.
tour: setup
	$(KEEP_BYTECODE) $(BIN)/python -m kit.scenes.tour $(or $(DIR),$(if $(filter all,$(STEP)),,$(or $(STEP_DIR),$(error No step '$(STEP)'. Try: make tour STEP=1)))) \
		$(if $(COMPARE),--compare-with $(STEP_DIR))

# Workshops: `make workshop STEP=N` copies step N-1 into workshop/ for a learner
# to rebuild step N (FORCE=1 starts again); `make check STEP=N` grades that
# folder (DIR=path grades another one; WATCH=1 grades again on every save;
# VERBOSE=1 lists every failing test).
workshop: setup
	$(BIN)/python -m kit.grader start $(STEP) $(if $(FORCE),--force)

check: setup
	$(KEEP_BYTECODE) $(BIN)/python -m kit.grader check $(STEP) $(if $(DIR),--dir $(DIR)) $(if $(WATCH),--watch) $(if $(VERBOSE),--verbose)

# Regenerate the "What changed" section of every chapter from the step folders,
# and the chapters' request diagrams from recordings of the steps (kit/scenes/diagrams.py).
docs: setup
	$(BIN)/python -m kit.what_changed --write
	$(BIN)/python -m kit.scenes.diagrams --write

# Take again the screenshots the chapters show (stepNN_*/screenshots/), with
# the browser tests (the X-ray's too). Needs a Chromium-based browser, found by kit/chromium.py
# (on Debian: apt-get install chromium fonts-dejavu-core).
screenshots: setup
	SCREENSHOTS=1 FULL=1 $(BIN)/python -m pytest -q kit/tests/test_browser.py kit/tests/test_xray_in_chromium.py -k "chromium and not postgresql"

# Step 8 under gunicorn, 8 clients for 20 s (kit/measure/loadtest.py; loopback only).
# DATABASE_URL=postgresql://... loads PostgreSQL instead of SQLite (and wipes it).
loadtest: setup
	$(BIN)/python -m kit.measure.loadtest $(if $(DATABASE_URL),--database-url $(DATABASE_URL))

# What loading the user costs per request in steps 4 to 8, against a Flask-SQLAlchemy
# peer and a floor, each app in a process of its own (kit/measure/bench.py, about a
# minute and a half): prints tables and verdicts. PROFILE=1 shows where the time goes;
# DATABASE_URL=postgresql://... also runs step 8 on that database.
bench: setup
	$(BIN)/python -m kit.measure.bench $(if $(PROFILE),--profile)

# The learner's budgets (kit/measure/budgets.py): step 1's lines and templates, the
# words of the front page and the chapters, create_app(), `make check`,
# `make test` and the development server's start-up in seconds. FULL=1 also
# times the full suite (minutes). Exits 1 when one is exceeded.
budgets: setup
	$(BIN)/python -m kit.measure.budgets $(if $(filter 1,$(FULL)),--full)

# For maintainers, not part of `make test`: the full suite on the newest release of every
# pinned package (kit/canary.py), in .canary/; FLASK_LOGIN=path installs Flask-Login from a
# local checkout (its main branch, say). Prints what differs from the pinned run.
canary: setup
	$(BIN)/python -m kit.canary $(if $(FLASK_LOGIN),--flask-login $(FLASK_LOGIN))

setup: $(VENV)/installed instance/config.py

# Reinstall whenever a requirements file changes.
$(VENV)/installed: requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Python 3.11 or newer is needed; try: make test PYTHON=python3.12"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

# Written once and kept: every step and every restart uses the same key, so
# sessions survive a restart. Delete the file to log everyone out.
instance/config.py:
	mkdir -p instance
	$(PYTHON) -c 'import secrets; print(f"SECRET_KEY = {secrets.token_hex(32)!r}")' > $@.tmp
	chmod 600 $@.tmp
	mv $@.tmp $@

clean:
	rm -rf $(VENV) .pytest_cache
