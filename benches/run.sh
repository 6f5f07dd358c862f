#!/usr/bin/env bash
# make bench: musl, musl + shim, glibc and glibc + shim measured side by side in one run.
#
#   bash benches/run.sh MUSL_SO GLIBC_SO TESTSRV [CLI [AARCH64_MUSL_SO AARCH64_GLIBC_SO AARCH64_CLI]]
#
# CLI (the static `dnsshim` command, both libraries inside) only adds its size to the size table;
# so do the aarch64 builds and command (`make ARCH=aarch64 musl glibc cli`; sizes and
# relocations only: no time is measured under emulation). Another architecture's files are
# stripped with its binutils (aarch64-linux-gnu-strip, from gcc-aarch64-linux-gnu).
#
# Everything runs in a private network + mount namespace (as `make test` and `make demo` do):
# loopback only, /etc/resolv.conf, /etc/hosts and /etc/nsswitch.conf bind-mounted, the
# embedded test server on 127.0.0.1:53 and BIND 9 (`named`, a generated zone) on 127.0.0.2:53.
# The measuring program is benches/bench.c, built with gcc and with musl-gcc; the shell only
# orders the runs (contenders interleaved, round by round, in a rotating order) and turns the
# raw samples into the table printed at the end and written to BENCHMARKS.md.
#
# Knobs (environment): BENCH_ROUNDS (latency rounds, 8), BENCH_BATCH (calls per contender per
# round, 250), BENCH_TPUT_MS (ms per throughput run, 300), BENCH_TPUT_ROUNDS (5),
# BENCH_SPAWN_ROUNDS (20), BENCH_SPAWN_BATCH (100), BENCH_K8S_ROUNDS (Kubernetes table rounds,
# 6), BENCH_K8S_BATCH (lookups per process and round, 40), BENCH_OUT (BENCHMARKS.md path),
# BENCH_KEEP=1 (keep the raw samples).
set -euo pipefail
musl_so=$(realpath "${1:?usage: run.sh MUSL_SO GLIBC_SO TESTSRV}")
glibc_so=$(realpath "${2:?usage: run.sh MUSL_SO GLIBC_SO TESTSRV}")
srv=$(realpath "${3:?usage: run.sh MUSL_SO GLIBC_SO TESTSRV}")
cli=${4:+$(realpath "$4")}
a64_musl=${5:+$(realpath "$5")}
a64_glibc=${6:+$(realpath "$6")}
a64_cli=${7:+$(realpath "$7")}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
out_md=${BENCH_OUT:-$root/BENCHMARKS.md}
t_start=$(date +%s)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

for tool in musl-gcc gcc rustc named valgrind readelf strip nm unshare ip \
  ${a64_musl:+aarch64-linux-gnu-strip}; do
  command -v "$tool" >/dev/null || PATH=$PATH:/usr/sbin:/sbin
  command -v "$tool" >/dev/null || { echo "bench: $tool not found (make bench installs it)" >&2; exit 1; }
done

W=$(mktemp -d /tmp/dnsshim-bench.XXXXXX)
chmod 755 "$W"
if [ "${BENCH_KEEP:-0}" = 1 ]; then
  echo "bench: raw samples kept in $W" >&2
else
  trap 'rm -rf "$W"' EXIT
fi

# --- programs ---------------------------------------------------------------------------
cflags=(-O2 -Wall -Wextra -Werror -pthread)
gcc "${cflags[@]}" -o "$W/bench-glibc" "$here/bench.c"
musl-gcc "${cflags[@]}" -o "$W/bench-musl" "$here/bench.c"
printf 'int main(void) { return 0; }\n' >"$W/trivial.c"
musl-gcc -O2 -o "$W/trivial-musl" "$W/trivial.c"
printf 'void dnsshim_bench_empty(void) {}\n' >"$W/empty.c"
musl-gcc -O2 -shared -fPIC -o "$W/empty-musl.so" "$W/empty.c"
# The floor for any Rust library that must not let a panic cross the C boundary: std, the
# static unwinder (as build.rs links it) and one export around catch_unwind, built with the
# library's release settings. Process start compares the shim with it too.
mkdir -p "$W/rust-floor"
cp "$(rustc --print sysroot)/lib/rustlib/x86_64-unknown-linux-musl/lib/self-contained/libunwind.a" \
  "$W/rust-floor/libgcc_s.a"
cat >"$W/rust-floor/lib.rs" <<'RUST'
#[no_mangle]
pub extern "C" fn dnsshim_bench_floor(x: i32) -> i32 {
    // A panic the optimiser cannot rule out: the unwinding and panic machinery is linked in.
    std::panic::catch_unwind(|| match std::hint::black_box(x) {
        i32::MIN => panic!("floor"),
        x => x + 1,
    })
    .unwrap_or(-1)
}
RUST
mkdir -p "$W/raw"
# miss KEY REASON: as in measure.sh, a figure the report shows as missing, with the reason.
miss() { printf '%s\t%s\n' "$1" "$2" >>"$W/raw/missing"; echo "bench: $1 not measured: $2" >&2; }
if ! rustc --edition 2021 --crate-type cdylib --target x86_64-unknown-linux-musl -C opt-level=2 \
  -C lto -C codegen-units=1 -C panic=unwind -C target-feature=-crt-static -C linker=musl-gcc \
  -L "$W/rust-floor" -o "$W/rust-floor-musl.so" "$W/rust-floor/lib.rs" 2>"$W/rust-floor.log"; then
  cat "$W/rust-floor.log" >&2
  miss size.rust "the minimal Rust cdylib did not build"
fi
# The panic-free boundary prototype (benches/panic_free/lib.rs: the library's own address
# parsers behind two exports): panic = "abort" and exports that cannot panic, so nothing of
# std's panic runtime or the unwinder may be linked. The link-time check: no panic handler
# (`rust_begin_unwind`), no unwinder symbol; a build that has one is not measured.
if ! rustc --edition 2021 --crate-type cdylib --target x86_64-unknown-linux-musl -C opt-level=2 \
  -C lto -C codegen-units=1 -C panic=abort -C target-feature=-crt-static -C linker=musl-gcc \
  -L "$W/rust-floor" -o "$W/rust-nopanic-musl.so" "$here/panic_free/lib.rs" 2>"$W/rust-nopanic.log"; then
  cat "$W/rust-nopanic.log" >&2
  miss size.nopanic "the panic-free prototype did not build"
elif nm "$W/rust-nopanic-musl.so" | grep -Eq 'rust_begin_unwind|_Unwind_'; then
  miss size.nopanic "the panic-free prototype links a panic handler or the unwinder: an export can panic"
  rm -f "$W/rust-nopanic-musl.so"
fi

# --- data -------------------------------------------------------------------------------
# small: one A and one AAAA (one UDP exchange each); large: 60 A records, 994 bytes: over
# 512 it is truncated (the test server like CoreDNS: TC and no records; BIND: TC and the 29
# records that fit), so a resolver that retries over TCP gets all 60; with `options edns0` it
# fits one UDP answer.
large_a=$(for i in $(seq 1 60); do printf ' 10.1.0.%d' "$i"; done)
cat >"$W/server.conf" <<EOF
small.bench.test A 10.0.0.1
small.bench.test AAAA 2001:db8::1
large.bench.test A$large_a
EOF
{
  printf '$TTL 300\n@ IN SOA ns.bench.test. hostmaster.bench.test. 1 3600 600 86400 300\n'
  printf '@ IN NS ns.bench.test.\nns IN A 127.0.0.2\n'
  printf 'small IN A 10.0.0.1\nsmall IN AAAA 2001:db8::1\n'
  for i in $(seq 1 60); do printf 'large IN A 10.1.0.%d\n' "$i"; done
} >"$W/bench.test.zone"
printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n10.2.0.1\tfiles.bench.test\n' >"$W/hosts"
printf 'hosts: files dns\n' >"$W/nsswitch.conf"
printf 'nameserver 127.0.0.1\n' >"$W/resolv.conf"
# The Kubernetes table (measure.sh): a cluster's names as CoreDNS serves them (TTL 5 s inside
# the cluster, the SOA of its negative answers likewise; 30 s for the external name) with
# every answer 1 ms late, a round trip inside a cluster.
# apiN.example.com and webN are the names a process looks up for the first time (bench.c %d).
{
  printf 'delay 1\nsoa 5 5\nttl 5\nweb.default.svc.cluster.local A 10.96.0.10\n'
  for i in $(seq 0 "${BENCH_K8S_BATCH:-40}"); do printf 'web%d.default.svc.cluster.local A 10.96.1.%d\n' "$i" "$i"; done
  printf 'ttl 30\n'
  for n in api $(seq -f 'api%g' 0 "${BENCH_K8S_BATCH:-40}"); do
    printf '%s.example.com A 93.184.216.34\n%s.example.com AAAA 2606:2800:220:1:248:1893:25c8:1946\n' "$n" "$n"
  done
} >"$W/k8s.conf"

# --- measure (inside the namespace) --------------------------------------------------------
if [ "$(id -u)" = 0 ]; then ns=(unshare --net --mount); else ns=(unshare --user --map-root-user --net --mount); fi
echo "bench: measuring (about 4 minutes)..." >&2
"${ns[@]}" env W="$W" MUSL_SO="$musl_so" GLIBC_SO="$glibc_so" SRV="$srv" PATH="$PATH" \
  ROUNDS="${BENCH_ROUNDS:-8}" BATCH="${BENCH_BATCH:-250}" TPUT_MS="${BENCH_TPUT_MS:-300}" \
  TPUT_ROUNDS="${BENCH_TPUT_ROUNDS:-5}" SPAWN_ROUNDS="${BENCH_SPAWN_ROUNDS:-20}" \
  SPAWN_BATCH="${BENCH_SPAWN_BATCH:-100}" K8S_ROUNDS="${BENCH_K8S_ROUNDS:-6}" \
  K8S_BATCH="${BENCH_K8S_BATCH:-40}" bash "$here/measure.sh" ||
  echo "bench: the measurements stopped early (exit status $?); the report shows what was measured" >&2

# --- static figures ---------------------------------------------------------------------
# static_figures NAME FILE: FILE's stripped size into raw/size.NAME; for a shared object also
# its dynamic relocations (all, and RELATIVE) and defined dynamic symbols into
# raw/relocs.NAME, raw/relocs-relative.NAME, raw/exports.NAME. An aarch64 file is stripped by
# aarch64-linux-gnu-strip (the host's strip reads only its own architecture).
static_figures() {
  local name=$1 file=$2 strip=strip rel=R_X86_64_ header
  header=$(readelf -h "$file")
  case $header in *"Machine:"*AArch64*) strip=aarch64-linux-gnu-strip rel=R_AARCH64_ ;; esac
  "$strip" --strip-all -o "$W/stripped-$name" "$file"
  stat -c %s "$W/stripped-$name" >"$W/raw/size.$name"
  case $header in *"Type:"*DYN*) ;; *) return 0 ;; esac
  readelf -rW "$file" | grep -c " $rel" >"$W/raw/relocs.$name" || true
  readelf -rW "$file" | grep -c " ${rel}RELATIVE" >"$W/raw/relocs-relative.$name" || true
  nm -D --defined-only "$file" | grep -c ' [TtWDdBbVvi] ' >"$W/raw/exports.$name" || true
}
static_figures musl "$musl_so"
static_figures glibc "$glibc_so"
[ -z "$cli" ] || static_figures cli "$cli"
[ -z "$a64_musl" ] || static_figures aarch64-musl "$a64_musl"
[ -z "$a64_glibc" ] || static_figures aarch64-glibc "$a64_glibc"
[ -z "$a64_cli" ] || static_figures aarch64-cli "$a64_cli"
static_figures empty "$W/empty-musl.so"
[ ! -f "$W/rust-floor-musl.so" ] || static_figures rust "$W/rust-floor-musl.so"
[ ! -f "$W/rust-nopanic-musl.so" ] || static_figures nopanic "$W/rust-nopanic-musl.so"

# --- report -----------------------------------------------------------------------------
elapsed=$(($(date +%s) - t_start))
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
machine="$(nproc) × ${cpu:-unknown CPU}, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo) RAM, Linux $(uname -r)"
musl_v=$(/lib/ld-musl-x86_64.so.1 2>&1 | awk '/Version/ {print $2}' || true)
glibc_v=$(getconf GNU_LIBC_VERSION 2>/dev/null | awk '{print $2}' || true)
named_v=$(named -v 2>/dev/null | awk '{print $2}' || true)
W="$W" MACHINE="$machine" DATE="$(date -u '+%Y-%m-%d %H:%M UTC')" ELAPSED="$elapsed" \
  LOAD_BEFORE="$load_before" LOAD_AFTER="$(cut -d' ' -f1-3 /proc/loadavg)" \
  MUSL_V="$musl_v" GLIBC_V="$glibc_v" NAMED_V="$named_v" \
  COMMIT="$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$root" diff --quiet HEAD -- src Cargo.toml 2>/dev/null || echo '+changes')" \
  RUSTC="$(rustc --version 2>/dev/null || echo unknown)" \
  ROUNDS="${BENCH_ROUNDS:-8}" BATCH="${BENCH_BATCH:-250}" K8S_ROUNDS="${BENCH_K8S_ROUNDS:-6}" \
  K8S_BATCH="${BENCH_K8S_BATCH:-40}" bash "$here/report.sh" >"$W/report.md"
cat "$W/report.md"
# Measured figures: latency, throughput, spawn and callgrind samples. None at all: the run
# measured nothing, and says so with its exit status (the report above says why).
measured=$(find "$W/raw" -type f \( -name 'lat.*' -o -name 'k8s.lat.*' -o -name 'tput.*' -o -name 'spawn.*' -o -name 'cg.*' \) \
  ! -name '*.failed' ! -name '*.result' -size +0 | wc -l)
if [ -f "$here/notes.md" ]; then
  { cat "$W/report.md"; printf '\n'; cat "$here/notes.md"; } >"$out_md"
else
  cp "$W/report.md" "$out_md"
fi
echo "bench: wrote $out_md (${elapsed}s)" >&2
if [ -s "$W/raw/missing" ]; then
  echo "bench: $(wc -l <"$W/raw/missing") figure(s) not measured (marked in the report)" >&2
fi
if [ "$measured" = 0 ]; then
  echo "bench: nothing could be measured" >&2
  exit 1
fi
