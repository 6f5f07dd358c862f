# dnsshim: the front door. `make demo`, `make test`, `make bench`, `make install`.
# Every target installs what it needs when it is missing (Debian/Ubuntu, as root).

SHELL        := /bin/bash
CARGO        ?= cargo
MUSL_TARGET  := x86_64-unknown-linux-musl
MUSL_SO      := target/$(MUSL_TARGET)/release/libdnsshim.so
GLIBC_SO     := target/release/libdnsshim.so
TESTSRV      := target/release/dnsshim-testsrv
# The `dnsshim` command, statically linked (own target dir: other RUSTFLAGS than the libraries).
CLI          := target/static/$(MUSL_TARGET)/release/dnsshim
PREFIX       ?= /usr/local
DESTDIR      ?=
LIBDIR       ?= $(PREFIX)/lib
INCLUDEDIR   ?= $(PREFIX)/include
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
SONAME       := libdnsshim.so.0
VERSION      := $(shell sed -n 's/^version *= *"\(.*\)"/\1/p' Cargo.toml | head -n1)
# Which build `make install` installs: musl or glibc (default: the host's C library).
LIBC         ?= $(shell if ldd --version 2>&1 | grep -qi musl; then echo musl; else echo glibc; fi)
export CARGO_BUILD_JOBS ?= 2

.PHONY: all deps build musl glibc testsrv cli test demo bench install uninstall lint clean fuzz fuzz-corpus mutants

all: build

## deps: install the toolchain pieces a fresh Debian/Ubuntu machine lacks. bind9, unbound and
## dnsmasq are for the interop tests, which start their own copies inside a namespace: a
## policy-rc.d (when none exists) keeps the packages from starting system services on install.
deps:
	@missing=""; \
	command -v musl-gcc >/dev/null || missing="$$missing musl-tools"; \
	command -v ip >/dev/null       || missing="$$missing iproute2"; \
	command -v unshare >/dev/null  || missing="$$missing util-linux"; \
	command -v gcc >/dev/null      || missing="$$missing gcc"; \
	command -v readelf >/dev/null  || missing="$$missing binutils"; \
	command -v pkg-config >/dev/null || missing="$$missing pkgconf"; \
	command -v valgrind >/dev/null || missing="$$missing valgrind"; \
	command -v setpriv >/dev/null  || missing="$$missing util-linux"; \
	PATH="$$PATH:/usr/sbin:/sbin"; \
	command -v named >/dev/null    || missing="$$missing bind9"; \
	command -v unbound >/dev/null  || missing="$$missing unbound"; \
	command -v dnsmasq >/dev/null  || missing="$$missing dnsmasq-base"; \
	/usr/bin/python3 -c 'import yaml' 2>/dev/null || python3 -c 'import yaml' 2>/dev/null \
	  || missing="$$missing python3-yaml"; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  rcd=; [ -e /usr/sbin/policy-rc.d ] || { rcd=1; printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d; chmod 755 /usr/sbin/policy-rc.d; }; \
	  apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing >/dev/null; rc=$$?; \
	  [ -z "$$rcd" ] || rm -f /usr/sbin/policy-rc.d; \
	  [ $$rc = 0 ] || exit $$rc; \
	fi
	@rustup target list --installed 2>/dev/null | grep -qx $(MUSL_TARGET) || rustup target add $(MUSL_TARGET)

## build: both libraries and the test server.
build: deps musl glibc testsrv

## The libraries are built as a cdylib alone (`cargo rustc --crate-type cdylib`): built together
## with the rlib, every public function keeps external linkage, so calls go through the GOT
## and each adds a relocation for the loader (BENCHMARKS.md: 838 -> 465 relocations).
musl:
	$(CARGO) rustc --release --locked --target $(MUSL_TARGET) -p dnsshim --lib --crate-type cdylib

glibc:
	$(CARGO) rustc --release --locked -p dnsshim --lib --crate-type cdylib

testsrv:
	$(CARGO) build --release --locked -p dnsshim-testsrv

## cli: the `dnsshim` command, one static musl executable to copy into any container.
## .cargo/config.toml turns crt-static off for the musl target (the cdylib needs that);
## RUSTFLAGS replaces it here. relocation-model=static: musl-gcc's specs cannot link a
## static-pie. (rustc warns that it drops the cdylib crate type for this build: expected.)
cli: deps
	RUSTFLAGS="-C target-feature=+crt-static -C relocation-model=static" \
	$(CARGO) build --release --locked --target $(MUSL_TARGET) -p dnsshim --bin dnsshim \
	  --target-dir target/static
	@! readelf -lW $(CLI) | grep -q INTERP || { echo "$(CLI) is not static" >&2; exit 1; }

## test: the whole suite (unit tests, ELF checks, namespace scenarios with real C probes).
test: build cli
	DNSSHIM_MUSL_SO=$(CURDIR)/$(MUSL_SO) DNSSHIM_GLIBC_SO=$(CURDIR)/$(GLIBC_SO) \
	DNSSHIM_TESTSRV=$(CURDIR)/$(TESTSRV) DNSSHIM_CLI=$(CURDIR)/$(CLI) \
	$(CARGO) test --locked --workspace -- --test-threads=2

## mutants: the mutation check (tests/mutants.py): planted bugs applied one at a time to a
## scratch copy of the tree (target/mutants/src, with its own cargo target), each of which the
## tests must catch (about 8 minutes on 2 cores). MUTANTS="NAME..." runs only those.
MUTANTS ?=
mutants: deps
	python3 tests/mutants.py $(MUTANTS)

## lint: formatting and clippy, as CI expects.
lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --locked --workspace --all-targets -- -D warnings

## demo: the same musl program failing without the shim and succeeding with it.
demo: build
	@bash examples/demo.sh $(CURDIR)/$(MUSL_SO) $(CURDIR)/$(TESTSRV)

## bench: musl, musl+shim, glibc, glibc+shim side by side in one run (latency, throughput,
## process start, size, callgrind instructions; benches/run.sh); rewrites BENCHMARKS.md.
bench: build
	@command -v valgrind >/dev/null || { echo "installing: valgrind"; \
	  DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends valgrind >/dev/null; }
	@bash benches/run.sh $(CURDIR)/$(MUSL_SO) $(CURDIR)/$(GLIBC_SO) $(CURDIR)/$(TESTSRV)

## install: the library for LIBC (musl or glibc), its header and pkg-config file:
##   $(LIBDIR)/libdnsshim.so.0 (SONAME libdnsshim.so.0), $(LIBDIR)/libdnsshim.so -> libdnsshim.so.0,
##   $(INCLUDEDIR)/dnsshim.h, $(PKGCONFIGDIR)/dnsshim.pc. Builds the library when it is missing.
install:
	@case "$(LIBC)" in musl|glibc) ;; *) echo "install: LIBC must be musl or glibc, not '$(LIBC)'" >&2; exit 2;; esac
	@so=$(if $(filter musl,$(LIBC)),$(MUSL_SO),$(GLIBC_SO)); \
	if [ ! -f "$$so" ]; then $(MAKE) --no-print-directory $(LIBC) || exit 1; fi; \
	soname=$$(readelf -d "$$so" | sed -n 's/.*(SONAME).*\[\(.*\)\].*/\1/p'); \
	if [ "$$soname" != $(SONAME) ]; then \
	  echo "install: $$so has SONAME '$$soname', not $(SONAME): rebuild it (make $(LIBC))" >&2; exit 1; \
	fi; \
	set -e; \
	install -d "$(DESTDIR)$(LIBDIR)" "$(DESTDIR)$(INCLUDEDIR)" "$(DESTDIR)$(PKGCONFIGDIR)"; \
	install -m 0755 "$$so" "$(DESTDIR)$(LIBDIR)/$(SONAME)"; \
	ln -sfn $(SONAME) "$(DESTDIR)$(LIBDIR)/libdnsshim.so"; \
	install -m 0644 include/dnsshim.h "$(DESTDIR)$(INCLUDEDIR)/dnsshim.h"; \
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|g' \
	    -e 's|@VERSION@|$(VERSION)|g' -e 's|@LIBC@|$(LIBC)|g' dnsshim.pc.in >"$(DESTDIR)$(PKGCONFIGDIR)/dnsshim.pc"; \
	chmod 0644 "$(DESTDIR)$(PKGCONFIGDIR)/dnsshim.pc"; \
	echo "installed the $(LIBC) build: $(DESTDIR)$(LIBDIR)/$(SONAME), libdnsshim.so, $(DESTDIR)$(INCLUDEDIR)/dnsshim.h, $(DESTDIR)$(PKGCONFIGDIR)/dnsshim.pc"

## uninstall: removes exactly the files `make install` installs (same PREFIX/DESTDIR), nothing else.
uninstall:
	rm -f "$(DESTDIR)$(LIBDIR)/$(SONAME)" "$(DESTDIR)$(LIBDIR)/libdnsshim.so" \
	      "$(DESTDIR)$(INCLUDEDIR)/dnsshim.h" "$(DESTDIR)$(PKGCONFIGDIR)/dnsshim.pc"

## fuzz: libFuzzer on every target of fuzz/ for FUZZ_SECONDS (default 60) each, on a working
## copy of the committed corpus (fuzz/target/work); crashes land in fuzz/artifacts/TARGET/.
## Installs the nightly toolchain and cargo-fuzz when missing. (`make test` replays the corpus
## through the same target bodies on stable: tests/fuzz_corpus.rs.)
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := response resolv_conf hosts addrinfo getaddrinfo hostent
fuzz:
	@rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
	@command -v cargo-fuzz >/dev/null || $(CARGO) install --locked cargo-fuzz
	$(CARGO) +nightly fuzz build
	@for t in $(FUZZ_TARGETS); do \
	  mkdir -p fuzz/target/work/$$t; \
	  echo "fuzz $$t: $(FUZZ_SECONDS) s"; \
	  $(CARGO) +nightly fuzz run $$t fuzz/target/work/$$t fuzz/corpus/$$t -- \
	    -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 >fuzz/target/work/$$t.log 2>&1; \
	  rc=$$?; grep -E '^Done|number_of_executed_units|ERROR|panicked|crash-' fuzz/target/work/$$t.log; \
	  [ $$rc = 0 ] || { echo "fuzz $$t failed: fuzz/target/work/$$t.log, fuzz/artifacts/$$t/"; exit 1; }; \
	done

## fuzz-corpus: rebuilds fuzz/corpus/response from the responses the test servers send during
## tests/faults.rs (fuzz/make-corpus.sh).
fuzz-corpus: build
	DNSSHIM_MUSL_SO=$(CURDIR)/$(MUSL_SO) DNSSHIM_GLIBC_SO=$(CURDIR)/$(GLIBC_SO) \
	DNSSHIM_TESTSRV=$(CURDIR)/$(TESTSRV) CARGO="$(CARGO)" sh fuzz/make-corpus.sh

clean:
	$(CARGO) clean
