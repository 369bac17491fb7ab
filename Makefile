# hone — the three commands a user needs. Each one installs missing Debian packages first.
#   make demo    build, then scripts/demo.sh: `hone demo`, then curate -> tokenize -> pretrain -> UL2R ->
#                Flan -> eval on Debian's bundled text (10-15 minutes on 2 cores; DEMO_DIR=... to move it)
#   make test    build and run every test (plus the sanitizer build of the input-parsing tests)
#   make bench   build and run the benchmarks against PyTorch eager
# PORTABLE=1 builds without -march=native.

BUILD     ?= build
ASAN      ?= build-asan
JOBS      ?= $(shell nproc)
DEMO_DIR  ?= $(BUILD)/demo-run
NATIVE    := $(if $(PORTABLE),OFF,ON)
CMAKE_CFG := -DCMAKE_BUILD_TYPE=Release -DHONE_NATIVE=$(NATIVE)

.PHONY: all setup build demo test test-asan bench clean

all: build

setup:
	@bash scripts/setup.sh

build: setup
	@cmake -S . -B $(BUILD) $(CMAKE_CFG) > /dev/null
	@cmake --build $(BUILD) -j $(JOBS)

demo: build
	HONE=$(abspath $(BUILD))/hone bash scripts/demo.sh $(DEMO_DIR)

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 600
	@$(MAKE) --no-print-directory test-asan

# Parsers of untrusted input (safetensors, ...) run under AddressSanitizer + UBSan.
test-asan: setup
	@cmake -S . -B $(ASAN) -DCMAKE_BUILD_TYPE=Debug -DHONE_SANITIZE=ON -DHONE_NATIVE=$(NATIVE) -DHONE_BUILD_BENCH=OFF > /dev/null
	@cmake --build $(ASAN) -j $(JOBS) --target core_tests
	cd $(ASAN) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --output-on-failure -j $(JOBS) -L core

bench: build
	bash bench/run.sh $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN)
