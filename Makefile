# The two commands of the README: `make run` and `make test`. Both install what is missing first.
BUILD_DIR  ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS       ?= $(shell nproc)
CONFIG     ?= config/local.yaml

.PHONY: all deps configure build run test bench fuzz clean format

all: build

deps:
	@scripts/install-deps.sh

configure: deps
	@cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DCMAKE_EXPORT_COMPILE_COMMANDS=ON >/dev/null

build: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS)

# The main job: the daemon in the foreground on config/local.yaml (the production feeds plus
# the bundled sample feed, state under ./var, alerts on stdout). Ctrl-C stops it.
run: build
	$(BUILD_DIR)/sanctwatch run -c $(CONFIG)

test: build
	@ctest --test-dir $(BUILD_DIR) --output-on-failure -j $(JOBS)

bench: build
	@mkdir -p $(BUILD_DIR)/bench
	@scripts/run-benchmarks.sh $(BUILD_DIR)

# libFuzzer targets need clang: a separate build tree.
fuzz: deps
	@CC=clang CXX=clang++ cmake -S . -B $(BUILD_DIR)-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSANCTWATCH_FUZZ=ON >/dev/null
	@cmake --build $(BUILD_DIR)-fuzz -j $(JOBS) --target fuzz_targets

clean:
	rm -rf $(BUILD_DIR) $(BUILD_DIR)-fuzz

format:
	@find daemon tests bench fuzz -name '*.cpp' -o -name '*.hpp' | xargs clang-format -i
