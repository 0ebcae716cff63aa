# hashsim — build, run, test and benchmark.  `make help` lists the targets.

CC       ?= cc
PREFIX   ?= /usr/local
BUILD    ?= build
DEVELOPER ?=
# MPI=1: build with Open MPI (mpicc) so `mpirun -np K hashsim sweep` splits
# a sweep across ranks; `make MPI=1` installs Open MPI when missing.
MPI      ?=

PKGS     := gsl hdf5 libcjson
WARN     := -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes \
            -Wmissing-prototypes -Wvla -Wwrite-strings -Wformat=2 -Wconversion
OPT      ?= -O2 -g
CFLAGS   ?=
CFLAGS   += -std=c11 -D_POSIX_C_SOURCE=200809L -ffp-contract=off $(OPT) $(WARN) \
            -I. $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
ifeq ($(DEVELOPER),1)
CFLAGS   += -Werror
endif
ifeq ($(MPI),1)
CC       := mpicc
CFLAGS   += -DHASHSIM_MPI
endif
# Objects are rebuilt when the compiler or MPI setting changes.
CONFIG   := MPI=$(MPI) CC=$(CC)
$(shell mkdir -p $(BUILD) && (echo '$(CONFIG)' | cmp -s - $(BUILD)/.config || \
          echo '$(CONFIG)' > $(BUILD)/.config))
LDLIBS   += $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lm
DEPFLAGS  = -MMD -MP

# Every folder is one module; app/main.c is the program, the rest a library.
MODULES  := sim engine models scenarios analysis app
LIB_SRC  := $(filter-out app/main.c,$(foreach m,$(MODULES),$(wildcard $(m)/*.c)))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
LIB      := $(BUILD)/libhashsim.a
BIN      := $(BUILD)/hashsim

TEST_SRC := $(wildcard tests/unit/test_*.c)
TEST_BIN := $(TEST_SRC:tests/unit/%.c=$(BUILD)/tests/%)
FUZZ_TARGETS ?= scenario history tick h5
FUZZ_REPLAY := $(FUZZ_TARGETS:%=$(BUILD)/fuzz-replay/fuzz_%)
BENCH_SRC := $(wildcard tests/bench/bench_*.c)
BENCH_BIN := $(BENCH_SRC:tests/bench/%.c=$(BUILD)/bench/%)

.PHONY: all deps run check bench check-asan clean install help check-symbols \
        golden-update check-mpi build bench-large fuzz fuzz-build fuzz-merge \
        check-valgrind

all: deps
	@$(MAKE) --no-print-directory build

build: $(BIN)

help:
	@echo "make            build $(BIN)"
	@echo "make run        build and run scenarios/default.json -> results/default.h5, .html"
	@echo "make check      build and run every test"
	@echo "make bench      run the benchmarks (one line per figure)"
	@echo "make bench-large  scenarios/large.json under /usr/bin/time -v (HASHSIM_DATA)"
	@echo "make golden-update  rewrite tests/golden/*.json from fresh runs"
	@echo "make check-asan run the tests under AddressSanitizer + UBSan"
	@echo "make check-valgrind  run the unit tests under valgrind's memcheck"
	@echo "make MPI=1      build with Open MPI (mpirun -np K build/hashsim sweep ...)"
	@echo "make check-mpi  build with MPI into build/mpi, check 2-rank sweeps"
	@echo "make fuzz       run each fuzz target for FUZZ_RUNS or FUZZ_SECONDS (clang),"
	@echo "                with FUZZ_JOBS workers"
	@echo "make fuzz-merge fold build/fuzz/new/* into tests/fuzz/corpus, minimised"
	@echo "make install PREFIX=/usr/local"
	@echo "DEVELOPER=1 turns warnings into errors"

# Installs the system packages the build needs when any is missing.
deps:
	@MPI=$(MPI) sh scripts/deps.sh

$(BUILD)/obj/%.o: %.c $(BUILD)/.config
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(DEPFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(BIN): $(BUILD)/obj/app/main.o $(LIB)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) $(DEPFLAGS) -o $@ $< $(LIB) $(LDLIBS) -lcmocka

$(BUILD)/bench/%: tests/bench/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) $(DEPFLAGS) -o $@ $< $(LIB) $(LDLIBS)

run: deps
	@$(MAKE) --no-print-directory $(BIN)
	@mkdir -p results
	$(BIN) run scenarios/default.json -o results/default.h5 --force
	$(BIN) report results/default.h5 -o results/default.html --force

check: deps
	@$(MAKE) --no-print-directory $(BIN) $(TEST_BIN) $(FUZZ_REPLAY)
	@sh tests/run.sh $(BUILD)

# The fuzz targets built without libFuzzer (tests/fuzz/replay.c), with the
# flags of the build, so `make check` (and check-asan, with sanitizers)
# replays the committed corpora and crash reproducers.
$(BUILD)/fuzz-replay/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c \
                             tests/fuzz/fuzz.h $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ tests/fuzz/replay.c $< $(LIB) $(LDLIBS)

# Rewrites the committed golden figures (see README: when that is right).
golden-update: deps
	@$(MAKE) --no-print-directory $(BIN)
	@GOLDEN_UPDATE=1 HASHSIM_BIN=$(CURDIR)/$(BIN) sh tests/cli/test_golden.sh

bench: deps
	@$(MAKE) --no-print-directory $(BIN) $(BENCH_BIN)
	@for b in $(BENCH_BIN); do $$b || exit 1; done
	@sh tests/bench/bench_run.sh $(BIN)

# The operator-scale run (scenarios/large.json): wall time and peak memory.
bench-large: deps
	@$(MAKE) --no-print-directory $(BIN)
	@sh tests/bench/bench_large.sh $(BIN)

# The MPI build in its own folder, and sweeps across 2 ranks against one
# process (tests/cli/test_mpi.sh).
check-mpi:
	@MPI=1 sh scripts/deps.sh
	@$(MAKE) --no-print-directory MPI=1 BUILD=build/mpi build
	@HASHSIM_BIN=$(CURDIR)/$(BIN) HASHSIM_MPI_BIN=$(CURDIR)/build/mpi/hashsim \
	    sh tests/cli/test_mpi.sh | tee build/mpi/test_mpi.log; \
	    ! grep -q '^FAIL' build/mpi/test_mpi.log

check-asan: deps
	@$(MAKE) --no-print-directory BUILD=build-asan \
	    OPT="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	    LDFLAGS="-fsanitize=address,undefined" check

# Every unit test program under valgrind's memcheck (tests/valgrind.sh).
check-valgrind: deps
	@VALGRIND=1 sh scripts/deps.sh
	@$(MAKE) --no-print-directory $(TEST_BIN)
	@sh tests/valgrind.sh $(BUILD)

# ---- Fuzzing (tests/fuzz/README.md) ----------------------------------------
# libFuzzer targets built with clang, ASan and UBSan into build/fuzz; each
# runs with FUZZ_JOBS workers (one core each) until FUZZ_RUNS executions
# (10 million) or FUZZ_SECONDS (30 minutes, enough for 10 million of the
# scenario and history targets; the tick target needs about 2 hours, the
# HDF5 target, at 30-70 a second per worker, days), whichever comes first.
# New inputs go to build/fuzz/new/<t>, crashes to build/fuzz/artifacts/<t>.
# `make fuzz FUZZ_TARGETS=tick FUZZ_SECONDS=60` runs one briefly.
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 1800
FUZZ_RUNS    ?= 10000000
FUZZ_JOBS    ?= 1
FUZZ_CFLAGS  := -std=c11 -D_POSIX_C_SOURCE=200809L -ffp-contract=off -g -O1 \
                -fno-omit-frame-pointer -fno-sanitize-recover=undefined -I. \
                $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
FUZZ_LIB     := build/fuzz/libhashsim.a
FUZZ_BIN     := $(FUZZ_TARGETS:%=build/fuzz/fuzz_%)

build/fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link,address,undefined \
	    $(DEPFLAGS) -c $< -o $@

$(FUZZ_LIB): $(LIB_SRC:%.c=build/fuzz/obj/%.o)
	rm -f $@
	ar rcs $@ $^

build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(FUZZ_LIB)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer,address,undefined $(DEPFLAGS) \
	    -o $@ $< $(FUZZ_LIB) $(LDLIBS)

fuzz-build:
	@FUZZ=1 sh scripts/deps.sh
	@$(MAKE) --no-print-directory $(FUZZ_BIN)

fuzz: fuzz-build
	@sh tests/fuzz/run.sh $(FUZZ_SECONDS) "$(FUZZ_RUNS)" "$(FUZZ_JOBS)" \
	    $(FUZZ_TARGETS)

fuzz-merge: fuzz-build
	@sh tests/fuzz/merge.sh $(FUZZ_TARGETS)

# Every exported symbol of the library must carry its module's prefix.
check-symbols: $(LIB)
	@sh scripts/check-symbols.sh $(LIB)

install: $(BIN)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/hashsim
	install -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/hashsim
	cp -r data scenarios $(DESTDIR)$(PREFIX)/share/hashsim/

clean:
	rm -rf build build-asan

-include $(shell find $(BUILD) build-asan -name '*.d' 2>/dev/null)
