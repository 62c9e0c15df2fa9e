# Tidecast — the two commands that matter on a fresh Debian 12 machine:
#   make run    build and run the server with its embedded defaults
#   make test   build and run the whole test suite
# Both install missing Debian packages first (apt is skipped when nothing is missing).

BUILD_DIR ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=
DEPS := packaging/install-deps.sh

.PHONY: all deps node-deps test-deps package-deps web build run test test-asan test-cluster bench fuzz clean deb test-package clean-deb

# The web UI (web/, npm + esbuild) is built into web/dist, which CMake embeds
# into the binary. `npm ci` runs when node_modules is missing or older than the
# lock file; `npm run build` when any input is newer than the stamp (or dist
# is gone). Directories are inputs too, so added/removed files count.
WEB_INPUTS := $(shell find web/src web/public 2>/dev/null) web/package.json web/package-lock.json web/build.mjs
WEB_INSTALLED := web/node_modules/.tidecast-installed
WEB_STAMP := web/node_modules/.tidecast-built

all: build

deps:
	@$(DEPS) packaging/build-deps.txt

node-deps:
	@command -v node >/dev/null && command -v npm >/dev/null || $(DEPS) packaging/node-deps.txt

test-deps: deps node-deps
	@$(DEPS) packaging/test-deps.txt

$(WEB_INSTALLED): web/package-lock.json | node-deps
	cd web && npm ci --no-audit --no-fund
	@touch $@

$(WEB_STAMP): $(WEB_INPUTS) $(WEB_INSTALLED) $(if $(wildcard web/dist/index.html),,FORCE)
	cd web && npm run build
	@touch $@

web: $(WEB_STAMP)

FORCE:

$(BUILD_DIR)/CMakeCache.txt:
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_FLAGS)

build: deps web $(BUILD_DIR)/CMakeCache.txt
	cmake --build $(BUILD_DIR) -j $(JOBS)

run: build
	$(BUILD_DIR)/tidecast --config config/tidecast.json

test: test-deps build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)

# The cluster tier alone (also part of `make test`): PostgreSQL catalog tests
# and several nodes behind HAProxy (tests/e2e/test_cluster*.py).
test-cluster: test-deps build
	cd $(BUILD_DIR) && ctest --output-on-failure -R "postgres|cluster"

# The suite again in a Debug build with AddressSanitizer + UBSan (CI runs it
# after `make test`): every unit, fuzz-replay and e2e test except the
# page-level browser tests and four long real-time ones (ctest labels
# `browser` and `long`, tests/CMakeLists.txt), whose server paths the others
# drive. Every sanitizer report goes to a file under
# $(ASAN_BUILD_DIR)/sanitizer-logs/ (log_path), so a finding fails this target
# even when it happens in a server an e2e test kills or whose exit status it
# ignores; the reports are printed at the end. halt_on_error: the first finding
# stops that process. detect_leaks: LeakSanitizer checks every process that
# exits normally (the server on SIGTERM, every unit test binary). No
# suppressions: nothing in the third-party libraries has needed one.
ASAN_BUILD_DIR ?= build-asan
# Debug (assertions on) at -O1, as the ASan docs advise: at -O0 the in-process
# ABR ladder cannot encode in real time on 2 cores and the live e2e tests time out.
# -g1 (line tables): enough for the reports' file:line stacks, and a quarter
# less compile time than -g.
ASAN_OPT ?= -g1 -O1
ASAN_LOGS = $(abspath $(ASAN_BUILD_DIR))/sanitizer-logs
ASAN_ENV = ASAN_OPTIONS=halt_on_error=1:detect_leaks=1:check_initialization_order=1:log_path=$(ASAN_LOGS)/asan \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:log_path=$(ASAN_LOGS)/ubsan \
	LSAN_OPTIONS=log_path=$(ASAN_LOGS)/lsan

test-asan: test-deps web
	cmake -S . -B $(ASAN_BUILD_DIR) -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="$(ASAN_OPT)" -DTIDECAST_SANITIZE=ON $(CMAKE_FLAGS)
	cmake --build $(ASAN_BUILD_DIR) -j $(JOBS)
	@rm -rf $(ASAN_LOGS); mkdir -p $(ASAN_LOGS)
	@cd $(ASAN_BUILD_DIR) && status=0; $(ASAN_ENV) ctest --output-on-failure -j $(JOBS) -LE "browser|long" || status=$$?; \
	  if [ -n "$$(ls -A $(ASAN_LOGS))" ]; then \
	    echo "test-asan: sanitizer reports:"; for f in $(ASAN_LOGS)/*; do echo "== $$f"; cat "$$f"; done; status=1; \
	  fi; exit $$status

bench: test-deps build
	python3 bench/run.py --build-dir $(BUILD_DIR)

clean:
	rm -rf $(BUILD_DIR)

# Fuzzing (clang + libFuzzer): builds every fuzz target in build-fuzz and runs
# each for FUZZ_SECONDS on a scratch copy of its committed corpus. Crashes land
# in build-fuzz/artifacts/<target>/; add them to tests/fuzz/corpus/<target>/
# once fixed (the regular test suite replays that corpus). The targets are the
# corpus directories (each listed in tests/fuzz/targets.cmake); pick some with
# e.g. `make fuzz FUZZ_TARGETS="amf0 http_path" FUZZ_SECONDS=300`.
FUZZ_SECONDS ?= 60
FUZZ_BUILD_DIR ?= build-fuzz
FUZZ_TARGETS ?= $(notdir $(wildcard tests/fuzz/corpus/*))

fuzz:
	CC=clang CXX=clang++ cmake -S . -B $(FUZZ_BUILD_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTIDECAST_FUZZ=ON -DTIDECAST_TESTS=OFF
	cmake --build $(FUZZ_BUILD_DIR) -j $(JOBS) --target $(addprefix fuzz_,$(FUZZ_TARGETS))
	@set -e; for target in $(FUZZ_TARGETS); do \
	  work=$(FUZZ_BUILD_DIR)/corpus/$$target; artifacts=$(FUZZ_BUILD_DIR)/artifacts/$$target; \
	  rm -rf $$work; mkdir -p $$work $$artifacts; \
	  cp tests/fuzz/corpus/$$target/* $$work/; \
	  echo "fuzz: $$target for $(FUZZ_SECONDS) s"; \
	  $(FUZZ_BUILD_DIR)/fuzz_$$target -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	    -artifact_prefix=$$artifacts/ $$work; \
	done

# Debian package (packaging/debian/, debhelper): a RelWithDebInfo build of its
# own in build-deb/, Build-Depends filled from packaging/build-deps.txt, output
# dist/tidecast_<version>_<arch>.deb. TIDECAST_DEB_VERSION overrides the
# version taken from CMakeLists.txt. test-package installs, runs, upgrades,
# removes and purges it on this machine (root or sudo; see packaging/test-package.sh).
DEB_BUILD_DIR ?= build-deb
DIST_DIR ?= dist

package-deps:
	@$(DEPS) packaging/package-deps.txt

deb: deps package-deps web
	DEB_BUILD_DIR=$(DEB_BUILD_DIR) DIST_DIR=$(DIST_DIR) JOBS=$(JOBS) packaging/build-deb.sh

test-package: deb
	DEB_BUILD_DIR=$(DEB_BUILD_DIR) DIST_DIR=$(DIST_DIR) JOBS=$(JOBS) packaging/test-package.sh

clean-deb:
	rm -rf $(DEB_BUILD_DIR) $(DIST_DIR)
