#!/usr/bin/env bash
# The measuring part of `make bench`, run by benches/run.sh inside a private network + mount
# namespace. Reads W (work directory with the programs and data), MUSL_SO, GLIBC_SO, SRV and
# the knobs ROUNDS, BATCH, TPUT_MS, TPUT_ROUNDS, SPAWN_ROUNDS, SPAWN_BATCH, K8S_ROUNDS,
# K8S_BATCH; writes raw samples
# to $W/raw. Contenders are interleaved: every round runs each of them once, in an order that
# rotates from round to round, so drift on a shared machine hits them all alike.
set -euo pipefail
R=$W/raw
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
fail() { echo "bench: $*" >&2; exit 1; }
# miss KEY REASON: a measurement that could not be made. The report shows it as a missing
# figure with the reason ($R/missing, one "KEY<TAB>REASON" line each); the run goes on.
miss() {
  printf '%s\t%s\n' "$1" "$2" >>"$R/missing"
  echo "bench: $1 not measured: $2" >&2
}
# why_failed STATUS ERRFILE: a one-line reason from an exit status and the stderr kept.
why_failed() {
  local last
  last=$(grep -v '^[[:space:]]*$' "$2" 2>/dev/null | tail -n 1 | cut -c1-160 || true)
  echo "exit status $1${last:+: $last}"
}

# --- namespace set-up ---------------------------------------------------------------------
mount --make-rprivate /
ip link set lo up
ip addr add 127.0.0.2/8 dev lo 2>/dev/null || true
ip addr add 127.0.0.3/8 dev lo 2>/dev/null || true
for f in resolv.conf hosts nsswitch.conf; do
  if [ -e "/etc/$f" ] || [ -L "/etc/$f" ]; then mount --bind "$W/$f" "/etc/$f"; fi
done
cmp -s /etc/resolv.conf "$W/resolv.conf" || fail 'the bind-mounted /etc/resolv.conf does not read back'

# named's files live in /var/cache/bind (a private tmpfs in this namespace) where the
# distribution's AppArmor profile for named lets it read and write; elsewhere if it is absent.
ND=/var/cache/bind
if [ -d "$ND" ]; then mount -t tmpfs tmpfs "$ND"; else ND=$W/named; mkdir -p "$ND"; fi
cp "$W/bench.test.zone" "$ND/"
cat >"$ND/named.conf" <<NAMEDCONF
options {
  directory "$ND";
  pid-file "$ND/named.pid";
  session-keyfile "$ND/session.key";
  managed-keys-directory "$ND";
  listen-on port 53 { 127.0.0.2; };
  listen-on-v6 { none; };
  recursion no;
  dnssec-validation no;
  notify no;
};
controls { };
zone "bench.test" { type primary; file "$ND/bench.test.zone"; };
NAMEDCONF

"$SRV" --config "$W/server.conf" --listen 127.0.0.1:53 --ready-file "$W/srv.ready" 2>"$W/srv.log" &
SRV_PID=$!
named -g -n 2 -c "$ND/named.conf" >"$W/named.log" 2>&1 &
NAMED_PID=$!
# The Kubernetes table's CoreDNS: the test server answering every question 1 ms late, logging
# each question (the queries counted per lookup).
"$SRV" --config "$W/k8s.conf" --listen 127.0.0.3:53 --ready-file "$W/k8s.ready" --verbose \
  2>"$W/k8s.log" &
K8S_PID=$!
trap 'kill $SRV_PID $NAMED_PID $K8S_PID 2>/dev/null; wait 2>/dev/null' EXIT
srv_up=0 named_up=0 k8s_up=0
for _ in $(seq 1000); do
  [ -s "$W/srv.ready" ] && srv_up=1
  grep -q 'running$' "$W/named.log" && named_up=1
  [ -s "$W/k8s.ready" ] && k8s_up=1
  [ $srv_up = 1 ] && [ $named_up = 1 ] && [ $k8s_up = 1 ] && break
  kill -0 $SRV_PID 2>/dev/null || [ $srv_up = 1 ] || break
  kill -0 $NAMED_PID 2>/dev/null || [ $named_up = 1 ] || break
  kill -0 $K8S_PID 2>/dev/null || [ $k8s_up = 1 ] || break
  sleep 0.01
done
# A server that did not come up costs its figures, not the run: every measurement against it
# is reported missing, with this reason.
SRV_DOWN="" NAMED_DOWN="" K8S_DOWN=""
if [ $srv_up = 0 ]; then
  cat "$W/srv.log" >&2
  SRV_DOWN="the test server did not start ($(tail -n 1 "$W/srv.log" 2>/dev/null | cut -c1-120))"
fi
if [ $named_up = 0 ]; then
  cat "$W/named.log" >&2
  NAMED_DOWN="named did not start ($(grep -v '^$' "$W/named.log" 2>/dev/null | tail -n 1 | cut -c1-120))"
fi
if [ $k8s_up = 0 ]; then
  K8S_DOWN="the test server for the Kubernetes table did not start ($(grep -v '^$' "$W/k8s.log" 2>/dev/null | tail -n 1 | cut -c1-120))"
fi
# down PID: the reason the server with that PID cannot be measured against, or nothing.
down() {
  if [ "$1" = "$SRV_PID" ]; then echo "$SRV_DOWN"; elif [ "$1" = "$NAMED_PID" ]; then echo "$NAMED_DOWN"; fi
}

# --- contenders ---------------------------------------------------------------------------
CONTENDERS=(musl musl+shim glibc glibc+shim)
# The environment of a process in a Kubernetes pod (20 variables): what getenv has to scan.
clean_env=(env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
  HOSTNAME=web-7d9f8b6c5d-x2x7q HOME=/root LANG=C.UTF-8 TERM=xterm SHLVL=1
  KUBERNETES_SERVICE_HOST=10.96.0.1 KUBERNETES_SERVICE_PORT=443 KUBERNETES_SERVICE_PORT_HTTPS=443
  KUBERNETES_PORT=tcp://10.96.0.1:443 KUBERNETES_PORT_443_TCP=tcp://10.96.0.1:443
  KUBERNETES_PORT_443_TCP_PROTO=tcp KUBERNETES_PORT_443_TCP_PORT=443
  KUBERNETES_PORT_443_TCP_ADDR=10.96.0.1 WEB_SERVICE_HOST=10.96.12.7 WEB_SERVICE_PORT=8080
  WEB_PORT=tcp://10.96.12.7:8080 APP_ENV=production LOG_LEVEL=info
  OTEL_EXPORTER_OTLP_ENDPOINT=http://otel-collector.observability.svc:4317)
# run CONTENDER ARGS...: the bench program of that contender, in a clean environment.
run() {
  local c=$1; shift
  case $c in
    musl) "${clean_env[@]}" "$W/bench-musl" "$@" ;;
    musl+shim) "${clean_env[@]}" LD_PRELOAD="$MUSL_SO" "$W/bench-musl" "$@" ;;
    glibc) "${clean_env[@]}" "$W/bench-glibc" "$@" ;;
    glibc+shim) "${clean_env[@]}" LD_PRELOAD="$GLIBC_SO" "$W/bench-glibc" "$@" ;;
  esac
}
# rotated N: the contenders, starting at index N mod 4.
rotated() {
  local i n=${#CONTENDERS[@]}
  for ((i = 0; i < n; i++)); do echo "${CONTENDERS[(($1 + i) % n)]}"; done
}
resolv() { printf '%b' "$1" >"$W/resolv.conf"; }
# server_cpu_ticks PID: user + system CPU time of PID in clock ticks.
server_cpu_ticks() { awk '{printf "%.0f\n", $14 + $15}' "/proc/$1/stat"; }
# server_cpu_ns PID: CPU time of all the threads of PID, in ns (schedstat: nanosecond counts;
# a busy server passes 2^31 ns within seconds).
server_cpu_ns() { cat /proc/"$1"/task/*/schedstat 2>/dev/null | sum_col 1; }

declare -A NAME=([small]=small.bench.test [large]=large.bench.test
  [hosts]=files.bench.test [numeric]=10.3.0.1)

# --- latency --------------------------------------------------------------------------------
# lat_phase SERVER PID CASE...: ROUNDS rounds of BATCH calls per contender and case; with the
# client's CPU time of the timed calls ($f.cpu: "ns calls") and the DNS server's CPU time over
# the whole run ($f.srv: "ns calls", warm-up calls included; PID 0: no server).
lat_phase() {
  local server=$1 pid=$2; shift 2
  local r c k before after rc
  local gone; gone=$(down "$pid")
  for ((r = 0; r < ROUNDS; r++)); do
    for k in "$@"; do
      for c in $(rotated $r); do
        local f="$R/lat.$server.$k.$c" cpu="$R/cpu.$server.$k.$c"
        # A contender that failed once is not run again: its figure is missing, with why.
        [ -e "$f.failed" ] && continue
        if [ -n "$gone" ]; then miss "lat.$server.$k.$c" "$gone"; touch "$f.failed"; continue; fi
        [ "$pid" = 0 ] || before=$(server_cpu_ns "$pid")
        rc=0
        run "$c" lat "${NAME[$k]}" 5 "$BATCH" >"$f.batch" 2>"$W/err" || rc=$?
        if [ $rc != 0 ]; then
          miss "lat.$server.$k.$c" "$(why_failed $rc "$W/err")"
          touch "$f.failed"; rm -f "$f" "$f.result" "$f.batch" "$cpu.client" "$cpu.server"
          continue
        fi
        grep -v '^[[:space:]]*$' "$W/err" >>"$cpu.client" || true
        if [ "$pid" != 0 ]; then
          after=$(server_cpu_ns "$pid")
          echo "$(sub_int "$after" "$before") $((BATCH + 5))" >>"$cpu.server"
        fi
        [ $r = 0 ] && head -n 1 "$f.batch" | cut -d' ' -f2 >"$f.result"
        tail -n +2 "$f.batch" >>"$f"
        rm -f "$f.batch"
      done
    done
  done
}
echo "bench: latency" >&2
resolv 'nameserver 127.0.0.1\n'
lat_phase testsrv $SRV_PID small large
lat_phase local 0 hosts numeric
resolv 'nameserver 127.0.0.1\noptions edns0\n'
lat_phase testsrv-edns0 $SRV_PID small large
resolv 'nameserver 127.0.0.2\n'
lat_phase bind $NAMED_PID small large
resolv 'nameserver 127.0.0.2\noptions edns0\n'
lat_phase bind-edns0 $NAMED_PID small large

# --- Kubernetes ---------------------------------------------------------------------------
# A pod's resolv.conf (three search domains, ndots:5) and its cluster DNS 1 ms away: an
# external name (three NXDOMAIN candidates, A and AAAA each, before the name itself) and a
# short service name (found as the first candidate). Rows: musl, glibc, the musl build of the
# shim by default, with the parallel search, with the cache (the first lookup of a name; the
# lookups after it) and with both (first lookup). Each run: one process, one warm-up lookup,
# then K8S_BATCH timed ones; K8S_ROUNDS rounds, contenders in a rotating order. A first lookup
# is one of a name the process has not looked up yet (api1.example.com, api2.example.com, ...:
# bench.c's %d), in a process that has looked up others. Queries per lookup: the server's log
# lines over the run ("QUERIES LOOKUPS" per run in k8s.q.*).
echo "bench: Kubernetes" >&2
K8S_CONTENDERS=(musl glibc shim shim-parallel shim-cache-first shim-cache shim-both-first)
declare -A K8S_NAME=([external]=api.example.com [short]=web)
declare -A K8S_NEW_NAME=([external]=api%d.example.com [short]=web%d)
k8s_run() { # k8s_run CONTENDER ARGS...
  local c=$1; shift
  case $c in
    musl) "${clean_env[@]}" "$W/bench-musl" "$@" ;;
    glibc) "${clean_env[@]}" "$W/bench-glibc" "$@" ;;
    shim) "${clean_env[@]}" LD_PRELOAD="$MUSL_SO" "$W/bench-musl" "$@" ;;
    shim-parallel) "${clean_env[@]}" LD_PRELOAD="$MUSL_SO" DNSSHIM_PARALLEL_SEARCH=1 "$W/bench-musl" "$@" ;;
    shim-cache|shim-cache-first) "${clean_env[@]}" LD_PRELOAD="$MUSL_SO" DNSSHIM_CACHE=1 "$W/bench-musl" "$@" ;;
    shim-both-first) "${clean_env[@]}" LD_PRELOAD="$MUSL_SO" DNSSHIM_CACHE=1 DNSSHIM_PARALLEL_SEARCH=1 \
      "$W/bench-musl" "$@" ;;
  esac
}
k8s_queries() { grep -c -e ': udp ' -e ': tcp ' "$W/k8s.log" || true; }
resolv 'nameserver 127.0.0.3\nsearch default.svc.cluster.local svc.cluster.local cluster.local\noptions ndots:5\n'
for ((r = 0; r < K8S_ROUNDS; r++)); do
  for k in external short; do
    n=${#K8S_CONTENDERS[@]}
    for ((i = 0; i < n; i++)); do
      c=${K8S_CONTENDERS[(((r + i) % n))]}
      f="$R/k8s.lat.$k.$c"
      [ -e "$f.failed" ] && continue
      if [ -n "$K8S_DOWN" ]; then miss "k8s.$k.$c" "$K8S_DOWN"; touch "$f.failed"; continue; fi
      name=${K8S_NAME[$k]}
      case $c in *-first) name=${K8S_NEW_NAME[$k]} ;; esac
      before=$(k8s_queries)
      rc=0
      k8s_run "$c" lat "$name" 1 "$K8S_BATCH" >"$W/out" 2>"$W/err" || rc=$?
      if [ $rc != 0 ]; then
        miss "k8s.$k.$c" "$(why_failed $rc "$W/err")"
        touch "$f.failed"; rm -f "$f" "$f.result" "$R/k8s.q.$k.$c"
        continue
      fi
      [ $r = 0 ] && head -n 1 "$W/out" | cut -d' ' -f2 >"$f.result"
      tail -n +2 "$W/out" >>"$f"
      echo "$(sub_int "$(k8s_queries)" "$before") $((K8S_BATCH + 1))" >>"$R/k8s.q.$k.$c"
    done
  done
done

# --- throughput -----------------------------------------------------------------------------
echo "bench: throughput" >&2
tput_phase() {
  local server=$1 pid=$2 r k t c rc
  local gone; gone=$(down "$pid")
  for ((r = 0; r < TPUT_ROUNDS; r++)); do
    for k in small large; do
      for t in 1 2 8 32; do
        for c in $(rotated $r); do
          local f="$R/tput.$server.$k.$t.$c" before after
          [ -e "$f.failed" ] && continue
          if [ -n "$gone" ]; then miss "tput.$server.$k.$t.$c" "$gone"; touch "$f.failed"; continue; fi
          before=$(server_cpu_ticks "$pid")
          rc=0
          run "$c" tput "${NAME[$k]}" "$t" "$TPUT_MS" >"$W/out" 2>"$W/err" || rc=$?
          if [ $rc != 0 ]; then
            miss "tput.$server.$k.$t.$c" "$(why_failed $rc "$W/err")"
            touch "$f.failed"; rm -f "$f" "$f.srvcpu"
            continue
          fi
          cat "$W/out" >>"$f"
          after=$(server_cpu_ticks "$pid")
          sub_int "$after" "$before" >>"$f.srvcpu"
        done
      done
    done
  done
}
resolv 'nameserver 127.0.0.1\n'
tput_phase testsrv $SRV_PID
resolv 'nameserver 127.0.0.2\n'
tput_phase bind $NAMED_PID
getconf CLK_TCK >"$R/clk_tck"

# --- process start --------------------------------------------------------------------------
echo "bench: process start" >&2
for ((r = 0; r < SPAWN_ROUNDS; r++)); do
  order=(none empty nopanic rust shim)
  for ((i = 0; i < ${#order[@]}; i++)); do
    v=${order[((r + i) % ${#order[@]})]}
    case $v in
      none) env_=() ;;
      empty) env_=(LD_PRELOAD="$W/empty-musl.so") ;;
      nopanic) env_=(LD_PRELOAD="$W/rust-nopanic-musl.so") ;;
      rust) env_=(LD_PRELOAD="$W/rust-floor-musl.so") ;;
      shim) env_=(LD_PRELOAD="$MUSL_SO") ;;
    esac
    [ -e "$R/spawn.$v.failed" ] && continue
    if [ "${env_[0]:-}" ] && [ ! -f "${env_[0]#LD_PRELOAD=}" ]; then
      miss "spawn.$v" "${env_[0]#LD_PRELOAD=} was not built"; touch "$R/spawn.$v.failed"; continue
    fi
    rc=0
    "$W/bench-glibc" spawn "$SPAWN_BATCH" "$W/trivial-musl" "${env_[@]}" >"$W/out" 2>"$W/err" || rc=$?
    if [ $rc != 0 ]; then
      miss "spawn.$v" "$(why_failed $rc "$W/err")"
      touch "$R/spawn.$v.failed"; rm -f "$R/spawn.$v"
      continue
    fi
    cat "$W/out" >>"$R/spawn.$v"
  done
done

# --- instructions -------------------------------------------------------------------------
# Instructions per lookup: (run with 1 + CG_N lookups) − (run with 1 lookup), divided by CG_N.
# The shim is preloaded through the dynamic loader's --preload option: LD_PRELOAD would also
# be applied to valgrind's own (glibc) launcher.
echo "bench: instructions (callgrind)" >&2
CG_N=20
resolv 'nameserver 127.0.0.1\n'
for k in small large hosts numeric; do
  for c in "${CONTENDERS[@]}"; do
    case $c in
      musl) cmd=("$W/bench-musl") ;;
      musl+shim) cmd=(/lib/ld-musl-x86_64.so.1 --preload "$MUSL_SO" "$W/bench-musl") ;;
      glibc) cmd=("$W/bench-glibc") ;;
      glibc+shim) cmd=(/lib64/ld-linux-x86-64.so.2 --preload "$GLIBC_SO" "$W/bench-glibc") ;;
    esac
    ok=1
    for n in 1 $((CG_N + 1)); do
      rc=0
      "${clean_env[@]}" valgrind --tool=callgrind --callgrind-out-file="$W/cg.out" \
        "${cmd[@]}" loop "${NAME[$k]}" $n >"$W/cg.stdout" 2>"$W/cg.log" || rc=$?
      total=$(awk '/^totals:/ {print $2}' "$W/cg.out" 2>/dev/null || true)
      if [ $rc != 0 ] || ! num "$total"; then
        cat "$W/cg.log" >&2
        miss "cg.$k.$c" "callgrind: $(why_failed $rc "$W/cg.log")"
        ok=0; break
      fi
      echo "$total" >"$R/cg.$k.$c.$n"
    done
    rm -f "$W/cg.out"
    [ $ok = 1 ] || continue
    div_int "$(sub_int "$(cat "$R/cg.$k.$c.$((CG_N + 1))")" "$(cat "$R/cg.$k.$c.1")")" $CG_N >"$R/cg.$k.$c"
  done
done
