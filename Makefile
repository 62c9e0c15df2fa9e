# Tidecast — the two commands that matter on a fresh Debian 12 machine:
#   make run    build and run the server with its embedded defaults
#   make test   build and run the whole test suite
# Both install missing Debian packages first (apt is skipped when nothing is missing).

BUILD_DIR ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=
DEPS := packaging/install-deps.sh

.PHONY: all deps test-deps build run test bench fuzz clean

all: build

deps:
	@$(DEPS) packaging/build-deps.txt

test-deps: deps
	@$(DEPS) packaging/test-deps.txt
	@command -v node >/dev/null && command -v npm >/dev/null || $(DEPS) packaging/node-deps.txt

$(BUILD_DIR)/CMakeCache.txt:
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_FLAGS)

build: deps $(BUILD_DIR)/CMakeCache.txt
	cmake --build $(BUILD_DIR) -j $(JOBS)

run: build
	$(BUILD_DIR)/tidecast --config config/tidecast.json

test: test-deps build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)

bench: test-deps build
	python3 bench/run.py --build-dir $(BUILD_DIR)

clean:
	rm -rf $(BUILD_DIR)
