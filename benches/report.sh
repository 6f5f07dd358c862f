#!/usr/bin/env bash
# Turns the raw samples of benches/measure.sh ($W/raw) into the Markdown report (stdout).
# Reads W, MACHINE, DATE, ELAPSED, COMMIT, RUSTC, MUSL_V, GLIBC_V, NAMED_V, ROUNDS, BATCH.
set -euo pipefail
R=$W/raw
C=(musl musl+shim glibc glibc+shim)
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

# stats FILE: "n median p99 mean min max" of the numbers in FILE; nothing when FILE has none.
stats() { [ -s "$1" ] && "$W/bench-glibc" stats <"$1" | awk '$1 > 0' || true; }
field() { echo "$1" | awk -v i="$2" '{print $i}'; }
# val FILE: the figure in FILE, nothing when it was not measured.
val() { cat "$1" 2>/dev/null || true; }
# why KEY: why the figure KEY (a raw file name, e.g. lat.bind.small.musl) is missing.
why() {
  local r
  r=$(awk -F '\t' -v k="$1" '$1 == k {print $2; exit}' "$R/missing" 2>/dev/null || true)
  echo "${r:-not measured}"
}
# fig VALUE KEY: VALUE, or "— (why)" when it is missing.
fig() { if [ -n "$1" ] && [ "$1" != "-" ]; then echo "$1"; else echo "— ($(why "$2"))"; fi; }
# server_label SERVER: how the tables name a server configuration of measure.sh.
server_label() {
  case $1 in
    testsrv) echo "test server" ;; testsrv-edns0) echo "test server, edns0" ;;
    bind) echo "BIND" ;; bind-edns0) echo "BIND, edns0" ;;
  esac
}

declare -A MED P99 N RES
for f in "$R"/lat.*; do
  case $f in *.result) continue ;; esac
  key=${f#"$R/lat."}
  case $f in *.failed) continue ;; esac
  s=$(stats "$f")
  [ -n "$s" ] || continue
  N[$key]=$(field "$s" 1); MED[$key]=$(field "$s" 2); P99[$key]=$(field "$s" 3)
  RES[$key]=$(val "$f.result")
done

cell() { # cell KEY: "median / p99" in µs, with the result when it is not the full answer
  local k=$1 want=$2
  [ -n "${MED[$k]:-}" ] || { echo "— ($(why "lat.$k"))"; return; }
  local r=${RES[$k]:-?}
  local s
  s="$(us "${MED[$k]:-}") / $(us "${P99[$k]:-}")"
  [ "$r" = "$want" ] || s="$s ($r)"
  echo "$s"
}

# Throughput: per-round rate = ok / elapsed; the median of the rounds. Each helper prints
# nothing ("-" for the per-call ones) when the configuration was not measured.
rate() {
  [ -s "$R/tput.$1" ] || return 0
  awk '{ if ($3 > 0) printf "%.3f\n", $1 * 1e9 / $3 }' "$R/tput.$1" | median
}
errs() { [ -s "$R/tput.$1" ] && sum_col 2 <"$R/tput.$1" || true; }
cpu_per_call() {
  [ -s "$R/tput.$1" ] || { echo "-"; return; }
  awk '{ok += $1; cpu += $4} END {if (ok) printf "%.1f", cpu / ok; else print "-"}' "$R/tput.$1"
}
srv_per_call() { # server CPU µs per lookup over all rounds of one configuration
  [ -s "$R/tput.$1" ] && [ -s "$R/tput.$1.srvcpu" ] && [ -s "$R/clk_tck" ] || { echo "-"; return; }
  local tck; tck=$(cat "$R/clk_tck")
  paste "$R/tput.$1" "$R/tput.$1.srvcpu" |
    awk -v t="$tck" '{ok += $1; ticks += $5} END {if (ok) printf "%.1f", ticks * 1e6 / t / ok; else print "-"}'
}

# per_call FILE: µs per call from lines "ns calls" (summed), "-" without data.
per_call() { [ -s "$1" ] && awk '{ns += $1; n += $2} END {if (n) printf "%.1f", ns / n / 1000; else print "-"}' "$1" || echo "-"; }

small=testsrv.small
cat <<EOF
# dnsshim benchmarks

\`make bench\` (\`bash benches/run.sh MUSL_SO GLIBC_SO TESTSRV\`) rewrites this file; the notes
after the tables are kept in \`benches/notes.md\`.

- **Date**: $DATE; **run time**: ${ELAPSED} s
- **Machine**: $MACHINE, shared with other work while measuring: load average $LOAD_BEFORE
  before the run, $LOAD_AFTER after it
- **Software**: musl ${MUSL_V:-?}, glibc ${GLIBC_V:-?}, BIND ${NAMED_V:-?}, $RUSTC; dnsshim at \`$COMMIT\`
- **Command**: \`make bench\`, i.e. \`bash benches/run.sh target/x86_64-unknown-linux-musl/release/libdnsshim.so target/release/libdnsshim.so target/release/dnsshim-testsrv\` followed by the static command and the aarch64 builds and command (sizes only)
- **Method**: one private network + mount namespace; the embedded test server on 127.0.0.1:53
  and BIND 9 on 127.0.0.2:53, both on loopback. One C program (\`benches/bench.c\`) built with
  \`musl-gcc\` and \`gcc\`, each run without and with \`LD_PRELOAD=libdnsshim.so\`: four
  contenders, interleaved in $ROUNDS rounds of $BATCH calls each in a rotating order.
  Latency is \`getaddrinfo(name, NULL, {AF_UNSPEC, SOCK_STREAM})\` + \`freeaddrinfo\`, timed per
  call after 5 warm-up calls per process, in a 20-variable environment like a Kubernetes
  pod's. Ratios compare medians from the same run.

EOF

# --- targets -----------------------------------------------------------------------------
t_row() { printf '| %s | %s | %s | %s |\n' "$1" "$2" "$3" "$4"; }
echo "## Targets"
echo
echo "| target | measured | limit | status |"
echo "|---|---|---|---|"
# t_lat LABEL A B LIMIT: the target "median of latency key A ÷ median of B ≤ LIMIT"; a key that
# was not measured makes the figure missing, with the reason.
t_lat() {
  local m k
  m=$(ratio "${MED[$2]:-}" "${MED[$3]:-}")
  for k in "$3" "$2"; do [ -n "${MED[$k]:-}" ] || m="— ($(why "lat.$k"))"; done
  t_row "$1" "$m" "≤ $4" "$(le "$(ratio "${MED[$2]:-}" "${MED[$3]:-}")" "$4")"
}
for srv in testsrv bind; do
  label=$(server_label $srv)
  t_lat "small name ($label): musl+shim ÷ musl" "$srv.small.musl+shim" "$srv.small.musl" 1.00
  t_lat "small name ($label): glibc+shim ÷ glibc" "$srv.small.glibc+shim" "$srv.small.glibc" 1.00
  for c in musl+shim glibc+shim; do
    t_lat "large name ($label): $c ÷ glibc" "$srv.large.$c" "$srv.large.glibc" 1.00
  done
  for c in musl+shim glibc+shim; do
    t_lat "large name, edns0 ($label): $c large ÷ small" "$srv-edns0.large.$c" "$srv-edns0.small.$c" 1.20
  done
  # Truncated over UDP, then TCP: one connection and one exchange more than the small name.
  for c in musl+shim glibc+shim; do
    t_lat "large name, TC then TCP ($label): $c large ÷ small" "$srv.large.$c" "$srv.small.$c" 2.00
  done
done
for k in hosts numeric; do
  t_lat "$k name: musl+shim ÷ musl" "local.$k.musl+shim" "local.$k.musl" 1.00
done
for srv in testsrv bind; do
  label=$(server_label $srv)
  for k in small large; do
    for c in musl+shim glibc+shim; do
      r1=$(rate "$srv.$k.1.$c"); r2=$(rate "$srv.$k.2.$c")
      own=${c%+shim}
      o1=$(rate "$srv.$k.1.$own"); o2=$(rate "$srv.$k.2.$own")
      ref="$own alone: $(ratio "$o2" "$o1")"
      [ "$(errs "$srv.$k.1.$own")" = 0 ] || ref="$own alone fails"
      m="$(ratio "$r2" "$r1") ($ref)"
      [ -n "$r1" ] || m="— ($(why "tput.$srv.$k.1.$c"))"
      [ -n "$r2" ] || m="— ($(why "tput.$srv.$k.2.$c"))"
      t_row "throughput, $k name ($label), $c: 2 threads ÷ 1" "$m" "≥ 1.70" "$(le 1.7 "$(ratio "$r2" "$r1")")"
    done
  done
done
# t_cg LABEL SHIM LIBC: callgrind instructions per small lookup, the shim's ≤ its libc's.
t_cg() {
  local a b m
  a=$(val "$R/cg.small.$2"); b=$(val "$R/cg.small.$3")
  m="$a ÷ $b = $(ratio "$a" "$b")"
  num "$a" || m="— ($(why "cg.small.$2"))"
  num "$b" || m="— ($(why "cg.small.$3"))"
  t_row "$1" "$m" "≤ 1.00" "$(le "$(ratio "$a" "$b")" 1.00)"
}
t_cg "instructions per small-name lookup: musl+shim ÷ musl" musl+shim musl
t_cg "instructions per small-name lookup: glibc+shim ÷ glibc" glibc+shim glibc
# The Kubernetes table's figures: K8S_MED[name.contender] (median ns), K8S_P99, K8S_RES, and
# K8S_Q (queries per lookup; for the repeated lookups, those after the process's first).
declare -A K8S_MED K8S_P99 K8S_RES K8S_Q
K8S_ROWS=(musl glibc shim shim-parallel shim-cache-first shim-cache shim-both-first)
for k in external short; do
  for c in "${K8S_ROWS[@]}"; do
    s=$(stats "$R/k8s.lat.$k.$c")
    [ -n "$s" ] || continue
    K8S_MED[$k.$c]=$(field "$s" 2); K8S_P99[$k.$c]=$(field "$s" 3)
    K8S_RES[$k.$c]=$(val "$R/k8s.lat.$k.$c.result")
  done
  for c in "${K8S_ROWS[@]}"; do
    [ -s "$R/k8s.q.$k.$c" ] || continue
    if [ "$c" = shim-cache ]; then
      # Each run's first lookup asked what the first-lookup row asks; the rest are counted.
      first=${K8S_Q[$k.shim-cache-first]:-}
      num "$first" || continue
      K8S_Q[$k.$c]=$(awk -v f="$first" '{q += $1 - f; n += $2 - 1} END {if (n) printf "%.1f", (q < 0 ? 0 : q) / n}' "$R/k8s.q.$k.$c")
    else
      K8S_Q[$k.$c]=$(awk '{q += $1; n += $2} END {if (n) printf "%.1f", q / n}' "$R/k8s.q.$k.$c")
    fi
  done
done
# t_k8s LABEL KEY_A KEY_B LIMIT: the target "median A ÷ median B ≤ LIMIT" of the Kubernetes
# table (keys NAME.CONTENDER).
t_k8s() {
  local m k
  m=$(ratio "${K8S_MED[$2]:-}" "${K8S_MED[$3]:-}")
  for k in "$3" "$2"; do [ -n "${K8S_MED[$k]:-}" ] || m="— ($(why "k8s.$k"))"; done
  t_row "$1" "$m" "≤ $4" "$(le "$(ratio "${K8S_MED[$2]:-}" "${K8S_MED[$3]:-}")" "$4")"
}
t_k8s "Kubernetes, external name: shim + parallel search ÷ musl" external.shim-parallel external.musl 0.35
m=$(ratio "${K8S_MED[external.musl]:-}" "${K8S_MED[external.shim-cache]:-}")
for k in external.musl external.shim-cache; do [ -n "${K8S_MED[$k]:-}" ] || m="— ($(why "k8s.$k"))"; done
t_row "Kubernetes, external name: musl ÷ shim + cache, repeated lookup" "$m" "≥ 100" \
  "$(le 100 "$(ratio "${K8S_MED[external.musl]:-}" "${K8S_MED[external.shim-cache]:-}")")"
t_k8s "Kubernetes, external name: shim (default) ÷ musl" external.shim external.musl 1.00
t_k8s "Kubernetes, short name: shim (default) ÷ musl" short.shim short.musl 1.00
sp_none=$(field "$(stats "$R/spawn.none")" 2)
sp_empty=$(field "$(stats "$R/spawn.empty")" 2)
sp_shim=$(field "$(stats "$R/spawn.shim")" 2)
d_empty=$(sub_int "$sp_empty" "$sp_none"); d_shim=$(sub_int "$sp_shim" "$sp_none")
d_rust=$(sub_int "$(field "$(stats "$R/spawn.rust")" 2)" "$sp_none")
m="$(us "$d_shim") µs ÷ $(us "$d_empty") µs = $(ratio "$d_shim" "$d_empty") (minimal Rust cdylib: $(ratio "$d_rust" "$d_empty"))"
for v in none empty shim; do [ -s "$R/spawn.$v" ] || m="— ($(why "spawn.$v"))"; done
t_row "process start: cost added by the shim ÷ by an empty .so" "$m" "≤ 1.25" "$(le "$(ratio "$d_shim" "$d_empty")" 1.25)"
# The shim against the floor of a Rust library that keeps panics from crossing into C.
d_over=$(sub_int "$d_shim" "$d_rust")
m="$(us "$d_shim") µs − $(us "$d_rust") µs = $(us "$d_over") µs"
for v in none rust shim; do [ -s "$R/spawn.$v" ] || m="— ($(why "spawn.$v"))"; done
t_row "process start: cost added by the shim − by the minimal Rust cdylib" "$m" "≤ 2.0 µs" "$(le "$d_over" 2000)"
sz=$(val "$R/size.musl")
m="— ($(why size.musl))"
num "$sz" && m=$(awk -v s="$sz" 'BEGIN {printf "%d bytes (%.2f MiB)", s, s / 1048576}')
t_row "size: musl .so, stripped" "$m" "≤ 1 MiB" "$(le "$sz" 1048576)"
echo

# --- latency -----------------------------------------------------------------------------
cat <<EOF
## Latency per call

µs, median / p99 over ${N[$small.musl]:-?} calls per cell. A result other than the full answer is
shown in brackets: the number of addresses returned, or the error.

| server | name | musl | musl + shim | glibc | glibc + shim | musl+shim ÷ musl | glibc+shim ÷ glibc |
|---|---|---|---|---|---|---|---|
EOF
lat_row() {
  local srv=$1 k=$2 label=$3 want=$4
  printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$label" "$k" \
    "$(cell "$srv.$k.musl" "$want")" "$(cell "$srv.$k.musl+shim" "$want")" \
    "$(cell "$srv.$k.glibc" "$want")" "$(cell "$srv.$k.glibc+shim" "$want")" \
    "$(ratio "${MED[$srv.$k.musl+shim]:-}" "${MED[$srv.$k.musl]:-}")" \
    "$(ratio "${MED[$srv.$k.glibc+shim]:-}" "${MED[$srv.$k.glibc]:-}")"
}
lat_row testsrv small "$(server_label testsrv)" 2
lat_row testsrv large "$(server_label testsrv)" 60
lat_row testsrv-edns0 small "$(server_label testsrv-edns0)" 2
lat_row testsrv-edns0 large "$(server_label testsrv-edns0)" 60
lat_row bind small "$(server_label bind)" 2
lat_row bind large "$(server_label bind)" 60
lat_row bind-edns0 small "$(server_label bind-edns0)" 2
lat_row bind-edns0 large "$(server_label bind-edns0)" 60
lat_row local hosts "(hosts file)" 1
lat_row local numeric "(numeric)" 1
cat <<EOF

small: one A and one AAAA record, two UDP exchanges. large: 60 A records (994 bytes): over
512 bytes the test server truncates like CoreDNS (TC, no records) and BIND like BIND (TC and
the 29 records that fit), so musl 1.2.3 gets nothing or 29 addresses while glibc and the shim
retry over TCP; with \`options edns0\` the answer fits one UDP datagram (musl ignores edns0).

CPU time per call in the same latency runs, µs (the client process over its timed calls /
the DNS server process, all its threads): the latency of a call is the client's CPU, the
server's, the loopback delivery and the wake-ups in between.

| server | name | musl | musl + shim | glibc | glibc + shim |
|---|---|---|---|---|---|
EOF
for srv in testsrv testsrv-edns0 bind bind-edns0; do
  label=$(server_label $srv)
  for k in small large; do
    row="| $label | $k"
    for c in "${C[@]}"; do
      row="$row | $(per_call "$R/cpu.$srv.$k.$c.client") / $(per_call "$R/cpu.$srv.$k.$c.server")"
    done
    echo "$row |"
  done
done
echo

# --- Kubernetes --------------------------------------------------------------------------
cat <<EOF
## Kubernetes

A pod's resolv.conf (\`search default.svc.cluster.local svc.cluster.local cluster.local\`,
\`options ndots:5\`) and its cluster DNS one in-cluster round trip away: the test server,
answering every question 1 ms late. The external name \`api.example.com\` has two dots, fewer
than five: musl, glibc and the shim ask it with each search domain first (three NXDOMAIN
answers, A and AAAA each), then as it is. The short service name \`web\` is found with the
first search domain. The shim rows are its musl build: by default, with the parallel search
(\`DNSSHIM_PARALLEL_SEARCH=1\`, as \`options dnsshim-parallel-search\`), with the cache
(\`DNSSHIM_CACHE=1\`: a process's first lookup, and the lookups after it) and with both.
µs per \`getaddrinfo\`, median / p99 (${K8S_ROUNDS:-?} rounds of ${K8S_BATCH:-?} lookups per process after
one warm-up; a first lookup is one of a name the process has not looked up yet:
\`api1.example.com\`, \`api2.example.com\`, …), and the questions the server received per
lookup, from its log.

| contender | external name | queries | short name | queries |
|---|---|---|---|---|
EOF
k8s_cell() { # k8s_cell KEY WANT: "median / p99", the result in brackets when not WANT
  local k=$1
  [ -n "${K8S_MED[$k]:-}" ] || { echo "— ($(why "k8s.$k"))"; return; }
  local s
  s="$(us "${K8S_MED[$k]}") / $(us "${K8S_P99[$k]:-}")"
  [ "${K8S_RES[$k]:-?}" = "$2" ] || s="$s (${K8S_RES[$k]:-?})"
  echo "$s"
}
for c in "${K8S_ROWS[@]}"; do
  case $c in
    musl) label="musl alone" ;;
    glibc) label="glibc alone" ;;
    shim) label="musl + shim" ;;
    shim-parallel) label="musl + shim, parallel search" ;;
    shim-cache-first) label="musl + shim, cache: first lookup" ;;
    shim-cache) label="musl + shim, cache: repeated lookup" ;;
    shim-both-first) label="musl + shim, cache and parallel search: first lookup" ;;
  esac
  printf '| %s | %s | %s | %s | %s |\n' "$label" \
    "$(k8s_cell "external.$c" 2)" "${K8S_Q[external.$c]:--}" \
    "$(k8s_cell "short.$c" 1)" "${K8S_Q[short.$c]:--}"
done
cat <<EOF

The parallel search sends every candidate's questions at once (one socket each) and takes the
first candidate, in search-list order, that has an answer once every earlier one has said
NXDOMAIN: the same result in one round trip instead of four. It sends no more questions than
the sequential walk sends when no candidate has the name (the external name's 8), and that many
for the short name too, where the sequential walk stops after the first candidate's 2. The
cache answers a repeated lookup from memory, negative answers of the search candidates
included (RFC 2308, from their SOA), for as long as their TTLs allow.

EOF

# --- throughput --------------------------------------------------------------------------
cat <<EOF
## Throughput

Lookups per second (median of the rounds), all threads of one process calling
\`getaddrinfo\` in a loop. In brackets: failed calls, when there were any.

| server | name | threads | musl | musl + shim | glibc | glibc + shim |
|---|---|---|---|---|---|---|
EOF
for srv in testsrv bind; do
  label=$(server_label $srv)
  for k in small large; do
    for t in 1 2 8 32; do
      row="| $label | $k | $t"
      for c in "${C[@]}"; do
        v=$(rate "$srv.$k.$t.$c")
        if [ -z "$v" ]; then
          v="— ($(why "tput.$srv.$k.$t.$c"))"
        else
          v=$(awk -v x="$v" 'BEGIN {printf "%.0f", x}')
          e=$(errs "$srv.$k.$t.$c")
          [ "$e" = 0 ] || v="$v ($e failed)"
        fi
        row="$row | $v"
      done
      echo "$row |"
    done
  done
done
cat <<EOF

CPU time per lookup at 1 thread, µs (client process / DNS server process): where the server's
share is comparable to the client's, the server's speed bounds the throughput figures.

| server | name | musl | musl + shim | glibc | glibc + shim |
|---|---|---|---|---|---|
EOF
for srv in testsrv bind; do
  label=$(server_label $srv)
  for k in small large; do
    row="| $label | $k"
    for c in "${C[@]}"; do
      row="$row | $(cpu_per_call "$srv.$k.1.$c") / $(srv_per_call "$srv.$k.1.$c")"
    done
    echo "$row |"
  done
done
echo

# --- process start -----------------------------------------------------------------------
cat <<EOF
## Process start

A trivial musl program (\`int main(void) { return 0; }\`, built with \`musl-gcc\`) spawned and
reaped $(fig "$(field "$(stats "$R/spawn.none")" 1)" spawn.none) times per variant (\`posix_spawn\` + \`waitpid\`), interleaved.

| LD_PRELOAD | median µs | p99 µs | added to a spawn, µs |
|---|---|---|---|
EOF
for v in none empty nopanic rust shim; do
  s=$(stats "$R/spawn.$v")
  case $v in
    none) label="(none)" ;;
    empty) label="empty \`musl-gcc -shared\` object ($(val "$R/size.empty") bytes stripped)" ;;
    nopanic) label="panic-free Rust cdylib (prototype, \`benches/panic_free\`): the library's own address parsers, std, \`panic = \"abort\"\`, no panic runtime or unwinder linked ($(val "$R/size.nopanic") bytes stripped, $(val "$R/relocs.nopanic") relocations)" ;;
    rust) label="minimal Rust cdylib: std, static unwinder, one \`catch_unwind\` export ($(val "$R/size.rust") bytes stripped, $(val "$R/relocs.rust") relocations)" ;;
    shim) label="libdnsshim.so (musl build)" ;;
  esac
  if [ -z "$s" ]; then
    printf '| %s | — (%s) | | |\n' "$label" "$(why "spawn.$v")"
    continue
  fi
  printf '| %s | %s | %s | %s |\n' "$label" "$(us "$(field "$s" 2)")" "$(us "$(field "$s" 3)")" \
    "$(us "$(sub_int "$(field "$s" 2)" "$sp_none")")"
done
echo

# --- size --------------------------------------------------------------------------------
cat <<EOF
## Size

| build | stripped bytes | dynamic relocations (of which RELATIVE) | defined dynamic symbols |
|---|---|---|---|
EOF
for b in musl glibc aarch64-musl aarch64-glibc; do
  # The aarch64 rows only when run.sh was given the aarch64 builds.
  case $b in aarch64-*) [ -f "$R/size.$b" ] || continue ;; esac
  printf '| %s | %s | %s (%s) | %s |\n' "${b/-/ }" "$(fig "$(val "$R/size.$b")" "size.$b")" "$(val "$R/relocs.$b")" \
    "$(val "$R/relocs-relative.$b")" "$(val "$R/exports.$b")"
done
if [ -f "$R/size.cli" ]; then
  echo "| \`dnsshim\` command (static, both builds inside) | $(val "$R/size.cli") | - | - |"
fi
if [ -f "$R/size.aarch64-cli" ]; then
  echo "| aarch64 \`dnsshim\` command (static, both aarch64 builds inside) | $(val "$R/size.aarch64-cli") | - | - |"
fi
echo "| empty musl .so (floor) | $(fig "$(val "$R/size.empty")" size.empty) | $(val "$R/relocs.empty") | - |"
echo

# --- instructions ------------------------------------------------------------------------
cat <<EOF
## Instructions per lookup

\`valgrind --tool=callgrind\`, instructions executed in the client process per
\`getaddrinfo\` + \`freeaddrinfo\` (a run with 21 lookups minus a run with 1, divided by 20;
the test server, no edns0). Deterministic, unlike time on a shared machine.

| name | musl | musl + shim | glibc | glibc + shim | musl+shim ÷ musl |
|---|---|---|---|---|---|
EOF
for k in small large hosts numeric; do
  printf '| %s | %s | %s | %s | %s | %s |\n' "$k" \
    "$(fig "$(val "$R/cg.$k.musl")" "cg.$k.musl")" "$(fig "$(val "$R/cg.$k.musl+shim")" "cg.$k.musl+shim")" \
    "$(fig "$(val "$R/cg.$k.glibc")" "cg.$k.glibc")" "$(fig "$(val "$R/cg.$k.glibc+shim")" "cg.$k.glibc+shim")" \
    "$(ratio "$(val "$R/cg.$k.musl+shim")" "$(val "$R/cg.$k.musl")")"
done
