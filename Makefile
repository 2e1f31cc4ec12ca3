# The two commands of the README: `make run` and `make test`. Both install what is missing first.
BUILD_DIR  ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS       ?= $(shell nproc)
CONFIG     ?= config/local.yaml

.PHONY: all deps configure build run test test-asan bench eval deb fuzz fuzz-run clean format

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

# The whole suite again under AddressSanitizer + UndefinedBehaviorSanitizer (own build tree).
ASAN_DIR ?= $(BUILD_DIR)-asan
test-asan: deps
	@cmake -S . -B $(ASAN_DIR) -DCMAKE_BUILD_TYPE=Debug -DSANCTWATCH_SANITIZE=ON -DSANCTWATCH_BENCH=OFF >/dev/null
	@cmake --build $(ASAN_DIR) -j $(JOBS)
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:strict_string_checks=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --test-dir $(ASAN_DIR) --output-on-failure -j $(JOBS) --timeout 600

bench: build
	@mkdir -p $(BUILD_DIR)/bench
	@scripts/run-benchmarks.sh $(BUILD_DIR)

# Alert quality of the default rules on the labelled news beside the checkout (skips without it).
eval: build
	@scripts/eval-news-dev.sh $(BUILD_DIR) $(EVAL_ARGS)

# The Debian package (CPack's DEB generator), built for the /usr prefix in its own tree:
# config in /etc/sanctwatch, rules in /usr/share/sanctwatch, units in /lib/systemd/system.
DEB_DIR ?= $(BUILD_DIR)-deb
deb: deps
	@cmake -S . -B $(DEB_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=/usr \
	  -DSANCTWATCH_TESTS=OFF -DSANCTWATCH_BENCH=OFF >/dev/null
	@cmake --build $(DEB_DIR) -j $(JOBS) --target sanctwatch
	@cd $(DEB_DIR) && cpack -G DEB
	@ls $(DEB_DIR)/*.deb

# libFuzzer targets need clang: a separate build tree.
fuzz: deps
	@CC=clang CXX=clang++ cmake -S . -B $(BUILD_DIR)-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSANCTWATCH_FUZZ=ON >/dev/null
	@cmake --build $(BUILD_DIR)-fuzz -j $(JOBS) --target fuzz_targets

# Every fuzz target for FUZZ_SECONDS each; findings under $(BUILD_DIR)-fuzz/fuzz-findings.
FUZZ_SECONDS ?= 600
fuzz-run: fuzz
	@scripts/run-fuzzers.sh $(BUILD_DIR)-fuzz $(FUZZ_SECONDS)

clean:
	rm -rf $(BUILD_DIR) $(BUILD_DIR)-fuzz $(BUILD_DIR)-asan $(BUILD_DIR)-deb

format:
	@find daemon tests bench fuzz -name '*.cpp' -o -name '*.hpp' | xargs clang-format -i
