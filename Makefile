# dnsshim: the front door. `make demo`, `make test`, `make bench`, `make install`.
# Every target installs what it needs when it is missing (Debian/Ubuntu, as root).

SHELL        := /bin/bash
CARGO        ?= cargo
MUSL_TARGET  := x86_64-unknown-linux-musl
MUSL_SO      := target/$(MUSL_TARGET)/release/libdnsshim.so
GLIBC_SO     := target/release/libdnsshim.so
TESTSRV      := target/release/dnsshim-testsrv
PREFIX       ?= /usr/local
DESTDIR      ?=
# Which build `make install` installs: musl or glibc (default: the host's C library).
LIBC         ?= $(shell if ldd --version 2>&1 | grep -qi musl; then echo musl; else echo glibc; fi)
export CARGO_BUILD_JOBS ?= 2

.PHONY: all deps build musl glibc testsrv test demo bench install uninstall lint clean

all: build

## deps: install the toolchain pieces a fresh Debian/Ubuntu machine lacks.
deps:
	@missing=""; \
	command -v musl-gcc >/dev/null || missing="$$missing musl-tools"; \
	command -v ip >/dev/null       || missing="$$missing iproute2"; \
	command -v unshare >/dev/null  || missing="$$missing util-linux"; \
	command -v gcc >/dev/null      || missing="$$missing gcc"; \
	command -v readelf >/dev/null  || missing="$$missing binutils"; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -qq && apt-get install -y -qq $$missing >/dev/null; \
	fi
	@rustup target list --installed 2>/dev/null | grep -qx $(MUSL_TARGET) || rustup target add $(MUSL_TARGET)

## build: both libraries and the test server.
build: deps musl glibc testsrv

musl:
	$(CARGO) build --release --locked --target $(MUSL_TARGET) -p dnsshim --lib

glibc:
	$(CARGO) build --release --locked -p dnsshim --lib

testsrv:
	$(CARGO) build --release --locked -p dnsshim-testsrv

## test: the whole suite (unit tests, ELF checks, namespace scenarios with real C probes).
test: build
	DNSSHIM_MUSL_SO=$(CURDIR)/$(MUSL_SO) DNSSHIM_GLIBC_SO=$(CURDIR)/$(GLIBC_SO) \
	DNSSHIM_TESTSRV=$(CURDIR)/$(TESTSRV) \
	$(CARGO) test --locked --workspace -- --test-threads=2

## lint: formatting and clippy, as CI expects.
lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --locked --workspace --all-targets -- -D warnings

## demo: the same musl program failing without the shim and succeeding with it.
demo: build
	@bash examples/demo.sh $(CURDIR)/$(MUSL_SO) $(CURDIR)/$(TESTSRV)

## bench: per-lookup latency of musl, musl+shim, glibc, glibc+shim in one run.
bench: build
	@bash benches/run.sh $(CURDIR)/$(MUSL_SO) $(CURDIR)/$(GLIBC_SO) $(CURDIR)/$(TESTSRV)

## install: the library for LIBC (musl or glibc) and its header.
install:
	@so=$$([ "$(LIBC)" = musl ] && echo $(MUSL_SO) || echo $(GLIBC_SO)); \
	[ -f "$$so" ] || $(MAKE) $(LIBC); \
	install -D -m 0755 "$$so" "$(DESTDIR)$(PREFIX)/lib/libdnsshim.so"; \
	install -D -m 0644 include/dnsshim.h "$(DESTDIR)$(PREFIX)/include/dnsshim.h"; \
	echo "installed $(DESTDIR)$(PREFIX)/lib/libdnsshim.so ($(LIBC) build)"

uninstall:
	rm -f "$(DESTDIR)$(PREFIX)/lib/libdnsshim.so" "$(DESTDIR)$(PREFIX)/include/dnsshim.h"

clean:
	$(CARGO) clean
