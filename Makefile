# The README's two commands: `make run` and `make test`.
BUILD_DIR ?= build
TEST_BUILD_DIR ?= build-test
CONFIG ?= examples/quickstart.yaml
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
PYTHON ?= /usr/bin/python3

.PHONY: all deps build build-test run test unit-test integration-test install clean fuzz

all: build

deps:
	@scripts/install-deps.sh

build: deps
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build $(BUILD_DIR) -j $(JOBS)

# Tests run on a build with AddressSanitizer and UndefinedBehaviorSanitizer.
build-test: deps
	cmake -S . -B $(TEST_BUILD_DIR) -DCMAKE_BUILD_TYPE=Debug -DRIPOSTE_SANITIZE=ON >/dev/null
	cmake --build $(TEST_BUILD_DIR) -j $(JOBS)

run: build
	scripts/run-sandbox.sh $(BUILD_DIR) $(CONFIG)

unit-test: build-test
	cd $(TEST_BUILD_DIR) && ctest --output-on-failure

integration-test: build-test
	RIPOSTE_BIN=$(CURDIR)/$(TEST_BUILD_DIR)/riposte \
	RIPOSTE_PLUGIN_DIR=$(CURDIR)/$(TEST_BUILD_DIR)/plugins \
	$(PYTHON) -m pytest tests/integration -q

test: unit-test integration-test

# The libFuzzer targets under ASan+UBSan, FUZZ_SECONDS (default 60) each; needs clang.
fuzz:
	FUZZ_SECONDS=$(FUZZ_SECONDS) JOBS=$(JOBS) scripts/fuzz.sh

install: build
	cmake --install $(BUILD_DIR)

clean:
	rm -rf $(BUILD_DIR) $(TEST_BUILD_DIR)
