#!/usr/bin/env bash
# Turns the raw samples of benches/measure.sh ($W/raw) into the Markdown report (stdout).
# Reads W, MACHINE, DATE, ELAPSED, COMMIT, RUSTC, MUSL_V, GLIBC_V, NAMED_V, ROUNDS, BATCH.
set -euo pipefail
R=$W/raw
C=(musl musl+shim glibc glibc+shim)

# stats FILE: "n median p99 mean min max" of the numbers in FILE.
stats() { "$W/bench-glibc" stats <"$1"; }
field() { echo "$1" | awk -v i="$2" '{print $i}'; }
us() { awk -v x="$1" 'BEGIN {printf (x < 100000 ? "%.1f" : "%.0f"), x / 1000}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (b > 0) printf "%.2f", a / b; else print "-"}'; }
# server_label SERVER: how the tables name a server configuration of measure.sh.
server_label() {
  case $1 in
    testsrv) echo "test server" ;; testsrv-edns0) echo "test server, edns0" ;;
    bind) echo "BIND" ;; bind-edns0) echo "BIND, edns0" ;;
  esac
}
# le A B: "met" when A <= B (floating point), else "MISSED".
le() { awk -v a="$1" -v b="$2" 'BEGIN {print (a <= b ? "met" : "**missed**")}'; }
median() { sort -n | awk '{v[NR] = $1} END {if (NR) print v[int((NR + 1) / 2)]; else print 0}'; }

declare -A MED P99 N RES
for f in "$R"/lat.*; do
  case $f in *.result) continue ;; esac
  key=${f#"$R/lat."}
  s=$(stats "$f")
  N[$key]=$(field "$s" 1); MED[$key]=$(field "$s" 2); P99[$key]=$(field "$s" 3)
  RES[$key]=$(cat "$f.result")
done

cell() { # cell KEY: "median / p99" in µs, with the result when it is not the full answer
  local k=$1 want=$2
  local r=${RES[$k]:-?}
  local s
  s="$(us "${MED[$k]}") / $(us "${P99[$k]}")"
  [ "$r" = "$want" ] || s="$s ($r)"
  echo "$s"
}

# Throughput: per-round rate = ok / elapsed; the median of the rounds.
rate() { awk '{ if ($3 > 0) print $1 * 1e9 / $3 }' "$R/tput.$1" | median; }
errs() { awk '{s += $2} END {print s + 0}' "$R/tput.$1"; }
cpu_per_call() { awk '{ok += $1; cpu += $4} END {if (ok) printf "%.1f", cpu / ok; else print "-"}' "$R/tput.$1"; }
srv_per_call() { # server CPU µs per lookup over all rounds of one configuration
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
- **Command**: \`make bench\`, i.e. \`bash benches/run.sh target/x86_64-unknown-linux-musl/release/libdnsshim.so target/release/libdnsshim.so target/release/dnsshim-testsrv\`
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
for srv in testsrv bind; do
  label=$(server_label $srv)
  a=${MED[$srv.small.musl+shim]}; b=${MED[$srv.small.musl]}
  t_row "small name ($label): musl+shim ÷ musl" "$(ratio "$a" "$b")" "≤ 1.00" "$(le "$(ratio "$a" "$b")" 1.0)"
  a=${MED[$srv.small.glibc+shim]}; b=${MED[$srv.small.glibc]}
  t_row "small name ($label): glibc+shim ÷ glibc" "$(ratio "$a" "$b")" "≤ 1.00" "$(le "$(ratio "$a" "$b")" 1.0)"
  for c in musl+shim glibc+shim; do
    a=${MED[$srv.large.$c]}; b=${MED[$srv.large.glibc]}
    t_row "large name ($label): $c ÷ glibc" "$(ratio "$a" "$b")" "≤ 1.00" "$(le "$(ratio "$a" "$b")" 1.0)"
  done
  for c in musl+shim glibc+shim; do
    a=${MED[$srv-edns0.large.$c]}; b=${MED[$srv-edns0.small.$c]}
    t_row "large name, edns0 ($label): $c large ÷ small" "$(ratio "$a" "$b")" "≤ 1.20" "$(le "$(ratio "$a" "$b")" 1.2)"
  done
done
for k in hosts numeric; do
  a=${MED[local.$k.musl+shim]}; b=${MED[local.$k.musl]}
  t_row "$k name: musl+shim ÷ musl" "$(ratio "$a" "$b")" "≤ 1.00" "$(le "$(ratio "$a" "$b")" 1.0)"
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
      t_row "throughput, $k name ($label), $c: 2 threads ÷ 1" "$(ratio "$r2" "$r1") ($ref)" "≥ 1.70" "$(le 1.7 "$(ratio "$r2" "$r1")")"
    done
  done
done
sp_none=$(field "$(stats "$R/spawn.none")" 2)
sp_empty=$(field "$(stats "$R/spawn.empty")" 2)
sp_shim=$(field "$(stats "$R/spawn.shim")" 2)
d_empty=$((sp_empty - sp_none)); d_shim=$((sp_shim - sp_none))
d_rust=$(($(field "$(stats "$R/spawn.rust")" 2) - sp_none))
t_row "process start: cost added by the shim ÷ by an empty .so" "$(us $d_shim) µs ÷ $(us $d_empty) µs = $(ratio $d_shim $d_empty) (minimal Rust cdylib: $(ratio $d_rust $d_empty))" "≤ 1.25" "$(le "$(ratio $d_shim $d_empty)" 1.25)"
sz=$(cat "$R/size.musl")
t_row "size: musl .so, stripped" "$(awk -v s="$sz" 'BEGIN {printf "%d bytes (%.2f MiB)", s, s / 1048576}')" "≤ 1 MiB" "$(le "$sz" 1048576)"
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
    "$(ratio "${MED[$srv.$k.musl+shim]}" "${MED[$srv.$k.musl]}")" \
    "$(ratio "${MED[$srv.$k.glibc+shim]}" "${MED[$srv.$k.glibc]}")"
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
        v=$(rate "$srv.$k.$t.$c" | awk '{printf "%.0f", $1}')
        e=$(errs "$srv.$k.$t.$c")
        [ "$e" = 0 ] || v="$v ($e failed)"
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
reaped $(field "$(stats "$R/spawn.none")" 1) times per variant (\`posix_spawn\` + \`waitpid\`), interleaved.

| LD_PRELOAD | median µs | p99 µs | added to a spawn, µs |
|---|---|---|---|
EOF
for v in none empty rust shim; do
  s=$(stats "$R/spawn.$v")
  case $v in
    none) label="(none)" ;;
    empty) label="empty \`musl-gcc -shared\` object ($(cat "$R/size.empty") bytes stripped)" ;;
    rust) label="minimal Rust cdylib: std, static unwinder, one \`catch_unwind\` export ($(cat "$R/size.rust") bytes stripped, $(cat "$R/relocs.rust") relocations)" ;;
    shim) label="libdnsshim.so (musl build)" ;;
  esac
  printf '| %s | %s | %s | %s |\n' "$label" "$(us "$(field "$s" 2)")" "$(us "$(field "$s" 3)")" \
    "$(us $(($(field "$s" 2) - sp_none)))"
done
echo

# --- size --------------------------------------------------------------------------------
cat <<EOF
## Size

| build | stripped bytes | dynamic relocations (of which RELATIVE) | defined dynamic symbols |
|---|---|---|---|
EOF
for b in musl glibc; do
  printf '| %s | %s | %s (%s) | %s |\n' "$b" "$(cat "$R/size.$b")" "$(cat "$R/relocs.$b")" \
    "$(cat "$R/relocs-relative.$b")" "$(cat "$R/exports.$b")"
done
if [ -f "$R/size.cli" ]; then
  echo "| \`dnsshim\` command (static, both builds inside) | $(cat "$R/size.cli") | - | - |"
fi
echo "| empty musl .so (floor) | $(cat "$R/size.empty") | $(cat "$R/relocs.empty") | - |"
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
  printf '| %s | %s | %s | %s | %s | %s |\n' "$k" "$(cat "$R/cg.$k.musl")" "$(cat "$R/cg.$k.musl+shim")" \
    "$(cat "$R/cg.$k.glibc")" "$(cat "$R/cg.$k.glibc+shim")" \
    "$(ratio "$(cat "$R/cg.$k.musl+shim")" "$(cat "$R/cg.$k.musl")")"
done
