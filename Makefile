# dnsshim: the front door. `make demo`, `make test`, `make bench`, `make install`.
# Every target installs what it needs when it is missing (Debian/Ubuntu, as root).

SHELL        := /bin/bash
CARGO        ?= cargo
# The architecture built for (x86_64 or aarch64; default this machine's), and its Rust target
# triples (musl, and glibc with the oldest glibc whose symbol versions the glibc build may
# need: GLIBC_MIN). `make ARCH=aarch64 musl glibc cli` cross-builds on an x86_64 machine.
HOST_ARCH    := $(shell uname -m)
ARCH         ?= $(HOST_ARCH)
MUSL_TARGET  := $(ARCH)-unknown-linux-musl
GNU_TARGET   := $(ARCH)-unknown-linux-gnu
GLIBC_MIN    := 2.17
# Debian's multiarch directory: what glibc's loader makes of `$$LIB` on Debian and Ubuntu.
MULTIARCH    := $(ARCH)-linux-gnu
# Debian's name of the architecture (its packages are `NAME:$(DEB_ARCH)`).
DEB_ARCH_x86_64  := amd64
DEB_ARCH_aarch64 := arm64
DEB_ARCH     := $(or $(DEB_ARCH_$(ARCH)),$(ARCH))
# Building for another architecture than this machine's: Debian's cross toolchains.
CROSS        := $(filter-out $(HOST_ARCH),$(ARCH))
MUSL_SO      := target/$(MUSL_TARGET)/release/libdnsshim.so
# The glibc build as the linker writes it, and where the project keeps it (the same bytes).
GLIBC_BUILT  := target/$(GNU_TARGET)/release/libdnsshim.so
GLIBC_SO     := $(if $(CROSS),$(GLIBC_BUILT),target/release/libdnsshim.so)
# The other architecture `make test` builds and runs a slice of the suite for, under
# qemu-user (test-arch): aarch64, on an x86_64 machine. Its musl and glibc builds and command.
TEST_ARCH    := $(if $(filter x86_64,$(HOST_ARCH)),aarch64)
TEST_ARCH_BUILDS := target/$(TEST_ARCH)-unknown-linux-musl/release/libdnsshim.so \
	target/$(TEST_ARCH)-unknown-linux-gnu/release/libdnsshim.so \
	target/static/$(TEST_ARCH)-unknown-linux-musl/release/dnsshim
TESTSRV      := target/release/dnsshim-testsrv
# The `dnsshim` command, statically linked (own target dir: other RUSTFLAGS than the libraries),
# carrying both libraries of its architecture.
CLI          := target/static/$(MUSL_TARGET)/release/dnsshim
# The glibc build is linked by zig against glibc $(GLIBC_MIN)'s symbol stubs (cargo-zigbuild),
# so that it loads on every glibc since 2.17. Both come from PyPI into target/tools.
ZIG_VERSION      := 0.15.2
ZIGBUILD_VERSION := 0.24.1
TOOLS        := $(CURDIR)/target/tools/py
ZIGBUILD     := $(TOOLS)/bin/cargo-zigbuild
ZIG_STAMP    := $(TOOLS)/.installed-zig-$(ZIG_VERSION)-zigbuild-$(ZIGBUILD_VERSION)
# cel-python (PyPI): tests/check_examples.py parses the CEL of examples/kubernetes with it.
CEL_VERSION  := 0.5.0
CEL_DIR      := $(CURDIR)/target/tools/cel
CEL_STAMP    := $(CEL_DIR)/.installed-cel-python-$(CEL_VERSION)
PREFIX       ?= /usr/local
DESTDIR      ?=
LIBDIR       ?= $(PREFIX)/lib
INCLUDEDIR   ?= $(PREFIX)/include
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
SONAME       := libdnsshim.so.0
VERSION      := $(shell sed -n 's/^version *= *"\(.*\)"/\1/p' Cargo.toml | head -n1)
# How `make install` lays the libraries out: single (one build, for LIBC, with its header and
# pkg-config file) or multi (both builds under PREFIX, for the one LD_PRELOAD value
# 'PREFIX/$$LIB/libdnsshim.so.0': docs/deployment.md).
LAYOUT       ?= single
# Which build `make install` installs: musl or glibc (default: the host's C library).
LIBC         ?= $(shell if ldd --version 2>&1 | grep -qi musl; then echo musl; else echo glibc; fi)
export CARGO_BUILD_JOBS ?= 2

.PHONY: all deps deps-build zig build musl glibc testsrv cli test test-arch demo bench install install-single install-multi uninstall lint clean fuzz fuzz-corpus mutants

all: build

## deps-build: what building the libraries and the command needs (gcc for the build scripts,
## musl-gcc, the rustup targets, zig; for another ARCH also Debian's cross compilers and its
## musl: `cross_packages`); deps: that and what the tests need besides (for another ARCH,
## qemu-user). bind9, unbound and dnsmasq are for the interop tests, which start their own
## copies inside a namespace: a policy-rc.d (when none exists) keeps the packages from
## starting system services on install. Every check is a file test: when everything is
## there, nothing is installed and apt is not run.
deps-build: zig
	@missing=""; \
	command -v readelf >/dev/null  || missing="$$missing binutils"; \
	$(host_packages) $(if $(CROSS),$(cross_packages)) \
	$(apt_install)
	@rustup target list --installed 2>/dev/null | grep -qx $(MUSL_TARGET) || rustup target add $(MUSL_TARGET)
	@rustup target list --installed 2>/dev/null | grep -qx $(GNU_TARGET) || rustup target add $(GNU_TARGET)

# host_packages, cross_packages: add to $$missing the packages whose files are missing.
host_packages = \
	command -v musl-gcc >/dev/null || missing="$$missing musl-tools"; \
	command -v gcc >/dev/null      || missing="$$missing gcc";
# For ARCH: the cross gcc and its glibc to link with (the glibc probes of the tests; the
# driver of Debian's musl wrapper), the aarch64-linux-musl-gcc wrapper with musl's headers and
# crt files (musl-dev:arm64: the musl build and its probes), and what ARCH's programs run
# with under qemu-user: glibc (libc6:arm64, the same release as this machine's; the cross
# toolchain's own is older) and musl's loader and libc.so (musl:arm64).
# NAME:$(DEB_ARCH) packages need the architecture added to dpkg first.
cross_packages = \
	command -v $(ARCH)-linux-gnu-gcc >/dev/null      || missing="$$missing gcc-$(ARCH)-linux-gnu"; \
	[ -e /usr/$(ARCH)-linux-gnu/lib/crt1.o ]          || missing="$$missing libc6-dev-$(DEB_ARCH)-cross"; \
	[ -e /lib/$(ARCH)-linux-gnu/libc.so.6 ]           || missing="$$missing libc6:$(DEB_ARCH)"; \
	[ -e /lib/ld-musl-$(ARCH).so.1 ]                  || missing="$$missing musl:$(DEB_ARCH)"; \
	command -v $(ARCH)-linux-musl-gcc >/dev/null     || missing="$$missing musl-dev:$(DEB_ARCH)"; \
	case "$$missing" in *:$(DEB_ARCH)*) \
	  dpkg --print-foreign-architectures | grep -qx $(DEB_ARCH) || dpkg --add-architecture $(DEB_ARCH);; \
	esac;

deps: deps-build
	@missing=""; \
	$(if $(CROSS),command -v qemu-$(ARCH) >/dev/null || missing="$$missing qemu-user";) \
	command -v ip >/dev/null       || missing="$$missing iproute2"; \
	command -v unshare >/dev/null  || missing="$$missing util-linux"; \
	command -v pkg-config >/dev/null || missing="$$missing pkgconf"; \
	command -v valgrind >/dev/null || missing="$$missing valgrind"; \
	command -v mawk >/dev/null     || missing="$$missing mawk"; \
	command -v setpriv >/dev/null  || missing="$$missing util-linux"; \
	PATH="$$PATH:/usr/sbin:/sbin"; \
	command -v named >/dev/null    || missing="$$missing bind9"; \
	command -v unbound >/dev/null  || missing="$$missing unbound"; \
	command -v dnsmasq >/dev/null  || missing="$$missing dnsmasq-base"; \
	/usr/bin/python3 -c 'import yaml' 2>/dev/null || python3 -c 'import yaml' 2>/dev/null \
	  || missing="$$missing python3-yaml"; \
	$(apt_install)
	@so=$(NSS_DIR)/$(ARCH)/libnss_myhostname.so.2; [ -e "$$so" ] || { \
	  echo "fetching: libnss-myhostname:$(DEB_ARCH) (Debian), extracted into $(NSS_DIR)/$(ARCH)"; \
	  tmp=$$(mktemp -d) && \
	  ( cd "$$tmp" && { $(apt_download) || { apt-get update -qq && $(apt_download); }; } ) && \
	  dpkg-deb -x "$$tmp"/libnss-myhostname_*.deb "$$tmp/x" && mkdir -p "$$(dirname "$$so")" && \
	  cp "$$tmp/x/usr/lib/$(MULTIARCH)/libnss_myhostname.so.2" "$$so"; \
	  rc=$$?; rm -rf "$$tmp"; [ $$rc = 0 ]; }
	@[ -e "$(CEL_STAMP)" ] || { \
	  py=/usr/bin/python3; [ -x $$py ] || py=python3; \
	  echo "installing: cel-python $(CEL_VERSION) (PyPI) into $(CEL_DIR)"; \
	  rm -rf "$(CEL_DIR)" && \
	  PIP_BREAK_SYSTEM_PACKAGES=1 $$py -m pip install -q --disable-pip-version-check --no-warn-script-location \
	    --target "$(CEL_DIR)" cel-python==$(CEL_VERSION) && touch "$(CEL_STAMP)"; }

# Debian's libnss-myhostname for the nsswitch tests (tests/conformance/nsswitch.scn), one per
# architecture: downloaded and extracted, not installed (its maintainer script would add
# `myhostname` to the machine's own /etc/nsswitch.conf); the tests find it by LD_LIBRARY_PATH.
NSS_DIR      := target/tools/nss
apt_download = apt-get download -qq -o APT::Sandbox::User=root libnss-myhostname:$(DEB_ARCH) >/dev/null

# apt_install: installs the Debian packages in $$missing (set by the lines before it), if any.
apt_install = if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  rcd=; [ -e /usr/sbin/policy-rc.d ] || { rcd=1; printf '\#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d; chmod 755 /usr/sbin/policy-rc.d; }; \
	  apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing >/dev/null; rc=$$?; \
	  [ -z "$$rcd" ] || rm -f /usr/sbin/policy-rc.d; \
	  [ $$rc = 0 ] || exit $$rc; \
	fi

## zig: ziglang and cargo-zigbuild from PyPI into target/tools (once per version pair).
zig:
	@[ -e "$(ZIG_STAMP)" ] || { \
	  echo "installing: ziglang $(ZIG_VERSION), cargo-zigbuild $(ZIGBUILD_VERSION) (PyPI) into $(TOOLS)"; \
	  python3 -m pip --version >/dev/null 2>&1 || { \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-pip >/dev/null; } ; \
	  rm -rf "$(TOOLS)" && \
	  PIP_BREAK_SYSTEM_PACKAGES=1 python3 -m pip install -q --disable-pip-version-check --no-warn-script-location \
	    --target "$(TOOLS)" ziglang==$(ZIG_VERSION) cargo-zigbuild==$(ZIGBUILD_VERSION) && \
	  touch "$(ZIG_STAMP)"; }

## build: both libraries and the test server.
build: deps musl glibc testsrv

## The libraries are built as a cdylib alone (`cargo rustc --crate-type cdylib`): built together
## with the rlib, every public function keeps external linkage, so calls go through the GOT
## and each adds a relocation for the loader (BENCHMARKS.md: 838 -> 465 relocations).
musl: deps-build
	$(CARGO) rustc --release --locked --target $(MUSL_TARGET) -p dnsshim --lib --crate-type cdylib

## glibc: linked by zig against glibc $(GLIBC_MIN)'s stubs (no symbol version newer than
## GLIBC_$(GLIBC_MIN): tests/layout.rs checks), then kept at $(GLIBC_SO).
glibc: deps-build
	PATH="$(TOOLS)/ziglang:$$PATH" $(ZIGBUILD) rustc --release --locked \
	  --target $(GNU_TARGET).$(GLIBC_MIN) -p dnsshim --lib --crate-type cdylib
	@mkdir -p $(dir $(GLIBC_SO)); cmp -s $(GLIBC_BUILT) $(GLIBC_SO) || cp $(GLIBC_BUILT) $(GLIBC_SO)

testsrv:
	$(CARGO) build --release --locked -p dnsshim-testsrv

## cli: the `dnsshim` command, one static musl executable to copy into any container, with both
## libraries inside (build.rs embeds the files DNSSHIM_EMBED_MUSL and DNSSHIM_EMBED_GLIBC name:
## `dnsshim install`, `dnsshim run`), so the libraries are built first.
## .cargo/config.toml turns crt-static off for the musl target (the cdylib needs that);
## RUSTFLAGS replaces it here. relocation-model=static: musl-gcc's specs cannot link a
## static-pie. (rustc warns that it drops the cdylib crate type for this build: expected.)
cli: deps-build musl glibc
	DNSSHIM_EMBED_MUSL=$(CURDIR)/$(MUSL_SO) DNSSHIM_EMBED_GLIBC=$(CURDIR)/$(GLIBC_BUILT) \
	RUSTFLAGS="-C target-feature=+crt-static -C relocation-model=static" \
	$(CARGO) build --release --locked --target $(MUSL_TARGET) -p dnsshim --bin dnsshim \
	  --target-dir target/static
	@! readelf -lW $(CLI) | grep -q INTERP || { echo "$(CLI) is not static" >&2; exit 1; }

## test: the whole suite (unit tests, ELF checks, namespace scenarios with real C probes),
## then, on x86_64, the aarch64 builds and the aarch64 slice of the suite under qemu-user
## (test-arch). The `fuzzing` feature gives tests/fuzz_corpus.rs the fuzz target bodies; the
## libraries under test are the release builds above, which never have it (tests/elf.rs).
## The library's unit tests run a second time built as it ships (release: inlining and stack
## frames differ, and the stack switch's tests depend on them).
test: build cli
	DNSSHIM_MUSL_SO=$(CURDIR)/$(MUSL_SO) DNSSHIM_GLIBC_SO=$(CURDIR)/$(GLIBC_SO) \
	DNSSHIM_TESTSRV=$(CURDIR)/$(TESTSRV) DNSSHIM_CLI=$(CURDIR)/$(CLI) \
	$(CARGO) test --locked --workspace --features dnsshim/fuzzing -- --test-threads=2
	$(CARGO) test --locked --release -p dnsshim --lib -- --test-threads=2
	$(if $(TEST_ARCH),@$(MAKE) --no-print-directory ARCH=$(TEST_ARCH) test-arch)

## test-arch (with ARCH=aarch64): both libraries and the static command for ARCH, then the
## unit tests for ARCH under qemu-ARCH, then the slice of the suite for ARCH (README, "The
## aarch64 slice"): its C probes built with ARCH's musl and glibc toolchains and run under
## qemu-ARCH, with and without ARCH's libraries, against the (native) test server in the
## namespace; tests/common/probes.rs reads DNSSHIM_TEST_ARCH. The files of ARCH_SLICE_FILES run
## whole, the tests of ARCH_SLICE_TESTS by name: each must be reported passed (a name that
## matches nothing fails instead of being skipped).
ARCH_SLICE_FILES := arch shim core conformance elf
ARCH_SLICE_TESTS := \
	res:getnameinfo_as_each_libc res:r_functions_keep_to_the_buffer \
	res:large_answers_through_res_functions res:old_names_reach_the_shim \
	res:h_errno_per_libc res:res_mkquery_bytes res:answer_bigger_than_the_buffer \
	stress:threads_64_by_500 stress:fork_while_threads_look_up stress:caller_buffers_of_every_size \
	scarce:small_stacks scarce:few_descriptors \
	layout:static_command_installs_the_layout_byte_for_byte \
	layout:glibc_build_needs_nothing_newer_than_glibc_2_17 \
	cli:the_command_is_statically_linked cli:check_dynamic_probes \
	cli:resolve_through_the_library_with_the_trace
# The unit tests of the library and the command, built for ARCH's glibc target (cross gcc as
# the linker) and run under qemu-ARCH.
cross_runner = CARGO_TARGET_$(call upper,$(subst -,_,$(GNU_TARGET)))_LINKER=$(ARCH)-linux-gnu-gcc \
	CARGO_TARGET_$(call upper,$(subst -,_,$(GNU_TARGET)))_RUNNER=qemu-$(ARCH)
upper = $(shell echo '$(1)' | tr a-z A-Z)
arch_test_env = DNSSHIM_TEST_ARCH=$(ARCH) \
	DNSSHIM_MUSL_SO=$(CURDIR)/$(MUSL_SO) DNSSHIM_GLIBC_SO=$(CURDIR)/$(GLIBC_SO) \
	DNSSHIM_TESTSRV=$(CURDIR)/$(TESTSRV) DNSSHIM_CLI=$(CURDIR)/$(CLI)

test-arch: deps musl glibc testsrv cli
	@[ -n "$(CROSS)" ] || { echo "test-arch: ARCH=$(ARCH) is this machine's: make test runs it all" >&2; exit 2; }
	$(cross_runner) $(CARGO) test --locked -p dnsshim --lib --bin dnsshim --target $(GNU_TARGET) \
	  -- --test-threads=2
	$(arch_test_env) $(CARGO) test --locked $(addprefix --test ,$(ARCH_SLICE_FILES)) -- --test-threads=2
	@log=$$(mktemp); trap 'rm -f "$$log"' EXIT; \
	echo "test-arch: the tests of ARCH_SLICE_TESTS, by name, with DNSSHIM_TEST_ARCH=$(ARCH)"; \
	$(arch_test_env) $(CARGO) test --locked \
	  $(addprefix --test ,$(sort $(foreach t,$(ARCH_SLICE_TESTS),$(firstword $(subst :, ,$(t)))))) \
	  -- --test-threads=2 --exact $(foreach t,$(ARCH_SLICE_TESTS),$(lastword $(subst :, ,$(t)))) \
	  2>&1 | tee "$$log"; rc=$${PIPESTATUS[0]}; [ $$rc = 0 ] || exit $$rc; \
	for t in $(foreach t,$(ARCH_SLICE_TESTS),$(lastword $(subst :, ,$(t)))); do \
	  grep -qx "test $$t ... ok" "$$log" || { echo "test-arch: $$t did not run and pass" >&2; exit 1; }; \
	done

## mutants: the mutation check (tests/mutants.py): planted bugs applied one at a time to a
## scratch copy of the tree (target/mutants/src, with its own cargo target), each of which the
## tests must catch (about 8 minutes on 2 cores). MUTANTS="NAME..." runs only those.
MUTANTS ?=
mutants: deps
	python3 tests/mutants.py $(MUTANTS)

## lint: formatting and clippy, as CI expects.
lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --locked --workspace --all-targets --features dnsshim/fuzzing -- -D warnings

## demo: the same musl program failing without the shim and succeeding with it.
demo: build
	@bash examples/demo.sh $(CURDIR)/$(MUSL_SO) $(CURDIR)/$(TESTSRV)

## bench: musl, musl+shim, glibc, glibc+shim side by side in one run (latency, throughput,
## process start, size, callgrind instructions; benches/run.sh); rewrites BENCHMARKS.md. The
## size table also lists the TEST_ARCH (aarch64) builds and command: sizes only, no times.
bench: build cli
	@command -v valgrind >/dev/null || { echo "installing: valgrind"; \
	  DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends valgrind >/dev/null; }
	$(if $(TEST_ARCH),@$(MAKE) --no-print-directory ARCH=$(TEST_ARCH) musl glibc cli)
	@bash benches/run.sh $(CURDIR)/$(MUSL_SO) $(CURDIR)/$(GLIBC_SO) $(CURDIR)/$(TESTSRV) $(CURDIR)/$(CLI) \
	  $(if $(TEST_ARCH),$(foreach f,$(TEST_ARCH_BUILDS),$(CURDIR)/$(f)))

## install: LAYOUT=single (the default): the library for LIBC (musl or glibc), its header and
## pkg-config file:
##   $(LIBDIR)/libdnsshim.so.0 (SONAME libdnsshim.so.0), $(LIBDIR)/libdnsshim.so -> libdnsshim.so.0,
##   $(INCLUDEDIR)/dnsshim.h, $(PKGCONFIGDIR)/dnsshim.pc. Builds the library when it is missing.
## LAYOUT=multi: both builds under PREFIX for the one value LD_PRELOAD='PREFIX/$$LIB/libdnsshim.so.0',
## the same tree `dnsshim install PREFIX` writes: the musl build in a directory literally named
## `$$LIB` (musl's loader does not expand it), the glibc build (hard links) in each directory
## glibc's loader expands `$$LIB` to: lib/$(MULTIARCH), lib64, lib. Plus dnsshim.version.
install:
	@case "$(LAYOUT)" in single|multi) ;; *) echo "install: LAYOUT must be single or multi, not '$(LAYOUT)'" >&2; exit 2;; esac
	@$(MAKE) --no-print-directory install-$(LAYOUT)

install-single:
	@case "$(LIBC)" in musl|glibc) ;; *) echo "install: LIBC must be musl or glibc, not '$(LIBC)'" >&2; exit 2;; esac
	@so=$(if $(filter musl,$(LIBC)),$(MUSL_SO),$(GLIBC_SO)); \
	if [ ! -f "$$so" ]; then $(MAKE) --no-print-directory $(LIBC) || exit 1; fi; \
	$(call check_soname,$$so); \
	set -e; \
	install -d "$(DESTDIR)$(LIBDIR)" "$(DESTDIR)$(INCLUDEDIR)" "$(DESTDIR)$(PKGCONFIGDIR)"; \
	install -m 0755 "$$so" "$(DESTDIR)$(LIBDIR)/$(SONAME)"; \
	ln -sfn $(SONAME) "$(DESTDIR)$(LIBDIR)/libdnsshim.so"; \
	install -m 0644 include/dnsshim.h "$(DESTDIR)$(INCLUDEDIR)/dnsshim.h"; \
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|g' \
	    -e 's|@VERSION@|$(VERSION)|g' -e 's|@LIBC@|$(LIBC)|g' -e 's|@SONAME@|$(SONAME)|g' \
	    dnsshim.pc.in >"$(DESTDIR)$(PKGCONFIGDIR)/dnsshim.pc"; \
	chmod 0644 "$(DESTDIR)$(PKGCONFIGDIR)/dnsshim.pc"; \
	echo "installed the $(LIBC) build: $(DESTDIR)$(LIBDIR)/$(SONAME), libdnsshim.so, $(DESTDIR)$(INCLUDEDIR)/dnsshim.h, $(DESTDIR)$(PKGCONFIGDIR)/dnsshim.pc"

# The directories glibc's loader expands `$$LIB` to, that the multi layout fills with the glibc build.
GLIBC_LIBDIRS := lib/$(MULTIARCH) lib64 lib

install-multi:
	@for l in musl glibc; do \
	  so=$(MUSL_SO); [ $$l = glibc ] && so=$(GLIBC_SO); \
	  if [ ! -f "$$so" ]; then $(MAKE) --no-print-directory $$l || exit 1; fi; \
	  $(call check_soname,$$so); \
	done
	@set -e; d="$(DESTDIR)$(PREFIX)"; \
	install -d "$$d/\$$LIB" $(foreach l,$(GLIBC_LIBDIRS),"$$d/$(l)"); \
	install -m 0755 $(MUSL_SO) "$$d/\$$LIB/$(SONAME)"; \
	install -m 0755 $(GLIBC_SO) "$$d/lib/$(SONAME)"; \
	for l in $(filter-out lib,$(GLIBC_LIBDIRS)); do \
	  ln -f "$$d/lib/$(SONAME)" "$$d/$$l/$(SONAME)" 2>/dev/null || install -m 0755 $(GLIBC_SO) "$$d/$$l/$(SONAME)"; \
	done; \
	printf 'dnsshim %s %s\n' $(VERSION) $(ARCH) >"$$d/dnsshim.version"; chmod 0644 "$$d/dnsshim.version"; \
	echo "installed the musl and glibc builds under $$d"; \
	echo "LD_PRELOAD='$(PREFIX)/\$$LIB/$(SONAME)'"

# check_soname,FILE: fails unless FILE's SONAME is $(SONAME).
check_soname = soname=$$(readelf -d "$(1)" | sed -n 's/.*(SONAME).*\[\(.*\)\].*/\1/p'); \
	if [ "$$soname" != $(SONAME) ]; then \
	  echo "install: $(1) has SONAME '$$soname', not $(SONAME): rebuild it" >&2; exit 1; \
	fi

## uninstall: removes exactly the files `make install` installs (same PREFIX/DESTDIR/LAYOUT),
## nothing else (and, for LAYOUT=multi, the directories it made when they are left empty).
uninstall:
	@case "$(LAYOUT)" in \
	single) rm -f "$(DESTDIR)$(LIBDIR)/$(SONAME)" "$(DESTDIR)$(LIBDIR)/libdnsshim.so" \
	          "$(DESTDIR)$(INCLUDEDIR)/dnsshim.h" "$(DESTDIR)$(PKGCONFIGDIR)/dnsshim.pc" ;; \
	multi) d="$(DESTDIR)$(PREFIX)"; \
	  rm -f "$$d/\$$LIB/$(SONAME)" $(foreach l,$(GLIBC_LIBDIRS),"$$d/$(l)/$(SONAME)") "$$d/dnsshim.version"; \
	  rmdir "$$d/\$$LIB" $(foreach l,$(GLIBC_LIBDIRS),"$$d/$(l)") 2>/dev/null || true ;; \
	*) echo "uninstall: LAYOUT must be single or multi, not '$(LAYOUT)'" >&2; exit 2 ;; \
	esac

## fuzz: libFuzzer on every target of fuzz/ for FUZZ_SECONDS (default 60) each, on a working
## copy of the committed corpus (fuzz/target/work); crashes land in fuzz/artifacts/TARGET/.
## Installs the nightly toolchain and cargo-fuzz when missing. (`make test` replays the corpus
## through the same target bodies on stable: tests/fuzz_corpus.rs.)
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := response message_vs_hickory resolv_conf hosts addrinfo getaddrinfo hostent
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
