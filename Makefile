# anthropic-proxy: one static musl binary.
#
#   make            build ./anthropic-proxy (static, stripped)
#   make run        build and serve in the foreground on 127.0.0.1:8082
#   make test       unit + end-to-end + real SDK client tests; ends "N passed, N failed"
#   make asan       the unit and end-to-end suites under ASan+UBSan (glibc build)
#   make fuzz       build the libFuzzer targets and run each for FUZZ_TIME seconds
#   make size       stripped size of the binary
#   make lint       grep for banned calls
#
# Overrides go in config.mk (git-ignored), e.g. FUZZ_TIME = 60.
-include config.mk

MUSL_CC   ?= musl-gcc
HOST_CC   ?= gcc
CLANG     ?= clang
FUZZ_TIME ?= 20
CA_BUNDLE ?= /etc/ssl/certs/ca-certificates.crt
PYTHON    ?= python3

B       := build
BEARSSL := vendor/bearssl-0.6
JSMN    := vendor/jsmn-1.1.0
VENDOR  := $(B)/.vendor-ok

SRC      := $(sort $(wildcard src/*.c src/*/*.c))
LIB_SRC  := $(filter-out src/main.c,$(SRC))
PURE_SRC := $(sort $(wildcard src/lib/*.c src/convert/*.c))
TESTS    := $(sort $(wildcard tests/test_*.c))
FUZZERS  := $(sort $(wildcard tests/fuzz/fuzz_*.c))

INC  := -Isrc/lib -Isrc/convert -Isrc/net -Isrc/app -I$(BEARSSL)/inc -I$(JSMN)
WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wno-unused-parameter
STD  := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE
VERSION := $(shell cat VERSION 2>/dev/null || echo 0.0.0)
DEFS := -DAP_VERSION='"$(VERSION)"'

# No C++ and no unwinding: the release build carries no .eh_frame tables.
NO_UNWIND   := -fno-asynchronous-unwind-tables -fno-unwind-tables
REL_CFLAGS  := $(STD) $(WARN) $(DEFS) -ffunction-sections -fdata-sections -fno-plt $(NO_UNWIND)
REL_LDFLAGS := -static -s -Wl,--gc-sections -Wl,-z,noseparate-code
DBG_CFLAGS  := $(STD) $(WARN) $(DEFS) -O1 -g -fno-omit-frame-pointer
SAN         := -fsanitize=address,undefined -fno-sanitize-recover=undefined

.PHONY: all run test asan fuzz size lint clean distclean bootstrap unit e2e sdk bench-tools bench
all: anthropic-proxy

# ---- setup: packages, then the pinned vendor sources ------------------------
$(B)/.bootstrap-build: tools/bootstrap
	@mkdir -p $(B)
	@tools/bootstrap build
	@touch $@
$(B)/.bootstrap-test: tools/bootstrap $(B)/.bootstrap-build
	@tools/bootstrap test
	@touch $@
$(B)/.bootstrap-asan: tools/bootstrap $(B)/.bootstrap-test
	@tools/bootstrap asan
	@touch $@
bootstrap: $(B)/.bootstrap-build

$(VENDOR): vendor/MANIFEST vendor/fetch.sh $(B)/.bootstrap-build
	@vendor/fetch.sh
	@touch $@

# BearSSL built twice: with musl for the product, with the host gcc for
# sanitizer and test builds. Each build keeps its own folder and is reused.
$(B)/musl/bearssl/libbearssl.a: $(VENDOR)
	@echo "  BEARSSL (musl)"
	@$(MAKE) -s -C $(BEARSSL) BUILD=$(abspath $(B)/musl/bearssl) CC=$(MUSL_CC) LD=$(MUSL_CC) \
		CFLAGS='-W -Wall -Os -ffunction-sections -fdata-sections $(NO_UNWIND)' lib >/dev/null
$(B)/host/bearssl/libbearssl.a: $(VENDOR)
	@echo "  BEARSSL (host)"
	@$(MAKE) -s -C $(BEARSSL) BUILD=$(abspath $(B)/host/bearssl) CC=$(HOST_CC) LD=$(HOST_CC) \
		CFLAGS='-W -Wall -O2 -g -fPIC' lib >/dev/null

# Trust anchors from the system CA bundle, compiled in.
$(B)/musl/mkta: tools/mkta.c src/net/castore.c src/net/castore.h $(B)/musl/bearssl/libbearssl.a
	@$(MUSL_CC) $(STD) -O1 $(INC) -static -o $@ tools/mkta.c src/net/castore.c $(B)/musl/bearssl/libbearssl.a
$(B)/gen/ca_roots.c: $(B)/musl/mkta
	@mkdir -p $(B)/gen
	@$(B)/musl/mkta $(CA_BUNDLE) > $@.tmp && mv $@.tmp $@

# ---- the product ------------------------------------------------------------
REL_OBJ := $(SRC:%.c=$(B)/musl/%.o) $(B)/musl/gen/ca_roots.o
# Code that runs once per start, reload or command (config, YAML, CLI, DNS
# setup, stats pages, the token estimator), and code that runs once per
# request on small inputs (the rules engine, the Gemini schema sanitizer), is
# built for size; the byte-crunching request path is built for speed. The
# request translators other than Anthropic -> OpenAI (Gemini both ways,
# OpenAI -> Anthropic), the Gemini event converters and the Anthropic
# decoders (anth_dec.c: only OpenAI and Gemini clients of an Anthropic
# upstream use them) are built for size too (-36 KiB, to stay under the
# 600 KiB bar); the OpenAI decoder and the Anthropic encoder and aggregator
# keep -O2.
COLD_SRC := src/main.c src/app/config.c src/app/cli.c src/app/stats.c src/app/routes.c src/app/log.c \
	src/lib/yaml.c src/lib/dnsmsg.c src/lib/url.c src/net/dns.c src/net/castore.c \
	src/convert/tokest.c src/convert/json_merge.c src/convert/rules.c src/convert/gem_schema.c \
	src/convert/xl_gem_anth.c src/convert/xl_anth_gem.c src/convert/xl_oai_anth.c src/convert/gem_events.c \
	src/convert/anth_dec.c
$(COLD_SRC:%.c=$(B)/musl/%.o): OPT := -Os
$(B)/musl/%.o: OPT ?= -O2
$(B)/musl/%.o: %.c $(VENDOR)
	@mkdir -p $(dir $@)
	@echo "  CC $<"
	@$(MUSL_CC) $(REL_CFLAGS) $(OPT) $(INC) -MMD -MP -c -o $@ $<
$(B)/musl/gen/ca_roots.o: $(B)/gen/ca_roots.c
	@mkdir -p $(dir $@)
	@$(MUSL_CC) $(STD) -O2 $(INC) -c -o $@ $<

anthropic-proxy: $(REL_OBJ) $(B)/musl/bearssl/libbearssl.a
	@echo "  LD $@"
	@$(MUSL_CC) $(REL_LDFLAGS) -o $@ $(REL_OBJ) $(B)/musl/bearssl/libbearssl.a

size: anthropic-proxy
	@echo "anthropic-proxy: $$(stat -c %s anthropic-proxy) bytes stripped ($$(( $$(stat -c %s anthropic-proxy) / 1024 )) KiB)"
	@file anthropic-proxy | sed 's/^[^:]*: /  /'

run: anthropic-proxy
	./anthropic-proxy serve

# ---- host builds for tests (plain) and sanitizers (asan) ----------------------
define hostbuild # $(1)=variant dir, $(2)=extra flags
$(B)/$(1)/%.o: %.c $(VENDOR)
	@mkdir -p $$(dir $$@)
	@$(HOST_CC) $(DBG_CFLAGS) $(2) $(INC) -MMD -MP -c -o $$@ $$<
$(B)/$(1)/libap.a: $(LIB_SRC:%.c=$(B)/$(1)/%.o) $(B)/$(1)/gen/ca_roots.o
	@rm -f $$@ && ar rcs $$@ $$^
$(B)/$(1)/gen/ca_roots.o: $(B)/gen/ca_roots.c
	@mkdir -p $$(dir $$@)
	@$(HOST_CC) $(STD) -O1 $(INC) -c -o $$@ $$<
$(B)/$(1)/anthropic-proxy: $(B)/$(1)/src/main.o $(B)/$(1)/libap.a $(B)/host/bearssl/libbearssl.a
	@$(HOST_CC) $(2) -o $$@ $$^
$(B)/$(1)/tests/%: tests/%.c tests/t.h $(B)/$(1)/libap.a $(B)/host/bearssl/libbearssl.a
	@mkdir -p $$(dir $$@)
	@$(HOST_CC) $(DBG_CFLAGS) $(2) $(INC) -Itests -o $$@ $$< $(B)/$(1)/libap.a $(B)/host/bearssl/libbearssl.a
endef
$(eval $(call hostbuild,dbg,))
$(eval $(call hostbuild,asan,$(SAN)))

UNIT_DBG  := $(TESTS:tests/%.c=$(B)/dbg/tests/%)
UNIT_ASAN := $(TESTS:tests/%.c=$(B)/asan/tests/%)

test: anthropic-proxy $(UNIT_DBG) $(B)/.bootstrap-test
	@tests/run --bin ./anthropic-proxy --unit "$(UNIT_DBG)"

asan: $(B)/asan/anthropic-proxy $(UNIT_ASAN) $(B)/.bootstrap-asan
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
		tests/run --bin $(B)/asan/anthropic-proxy --unit "$(UNIT_ASAN)" --no-sdk

# ---- fuzzing ----------------------------------------------------------------
FUZZ_BIN := $(FUZZERS:tests/fuzz/%.c=$(B)/fuzz/%)
# Pure code only, plus the config validation that sits on the parsers.
FUZZ_SRC := $(PURE_SRC) src/app/config.c src/app/log.c
$(B)/fuzz/%: tests/fuzz/%.c $(FUZZ_SRC) $(VENDOR) $(B)/.bootstrap-asan
	@mkdir -p $(B)/fuzz
	@$(CLANG) $(STD) $(DEFS) -g -O1 -fsanitize=fuzzer,address,undefined $(INC) -o $@ $< $(FUZZ_SRC)
# Each target runs on a scratch copy of its seed corpus; a crash fails the
# target and leaves the input in build/fuzz (add it to tests/ with the fix).
fuzz: $(FUZZ_BIN)
	@set -e; for f in $(FUZZ_BIN); do n=$${f##*/fuzz_}; \
		mkdir -p $(B)/fuzz/corpus/$$n; cp -r tests/fuzz/corpus/$$n/. $(B)/fuzz/corpus/$$n/ 2>/dev/null || true; \
		echo "== fuzz $$n ($(FUZZ_TIME)s)"; \
		if ! (cd $(B)/fuzz && ./fuzz_$$n -max_total_time=$(FUZZ_TIME) -print_final_stats=0 corpus/$$n \
			>fuzz_$$n.log 2>&1); then tail -40 $(B)/fuzz/fuzz_$$n.log; exit 1; fi; \
		tail -1 $(B)/fuzz/fuzz_$$n.log; done

# ---- benchmark kit (tools/bench) ----------------------------------------------
# make bench                      the full run (~4 min): proxy vs nginx vs direct,
#                                 table on stdout, $(B)/bench/results/{results.json,table.md}
# make bench BENCH_ARGS=--quick   a smoke run (< 1 min); see tools/bench/run.py
BENCH_ARGS ?=
BENCH_BIN := $(B)/bench/mockup $(B)/bench/sseclient
$(B)/bench/%: tools/bench/%.c $(B)/.bootstrap-build
	@mkdir -p $(B)/bench
	@$(MUSL_CC) -static -O2 -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -o $@ $<
bench-tools: $(BENCH_BIN)
$(B)/.bootstrap-bench: tools/bootstrap $(B)/.bootstrap-build
	@tools/bootstrap bench
	@touch $@
bench: anthropic-proxy bench-tools $(B)/.bootstrap-bench
	@$(PYTHON) tools/bench/run.py --bin ./anthropic-proxy --tools $(B)/bench \
		--out $(B)/bench/results $(BENCH_ARGS)

lint:
	@! grep -nE '\b(strcpy|strcat|sprintf|vsprintf|gets|atoi|atol|strtok)\s*\(' $(SRC) tools/*.c tools/bench/*.c || \
		{ echo "lint: banned call above"; exit 1; }
	@! grep -nP '(jw_l(key|str)\([^,]*, |JSON_KEY\()"[^"]*([^\x20-\x7e]|\\)' $(SRC) || \
		{ echo "lint: a jw_lkey/jw_lstr/JSON_KEY literal above holds a backslash or a non-ASCII byte"; exit 1; }
	@echo "lint: ok"

clean:
	rm -rf $(B) anthropic-proxy
distclean: clean
	rm -rf vendor/dl $(BEARSSL) $(JSMN)

-include $(shell find $(B) -name '*.d' 2>/dev/null)
