#!/usr/bin/env bash
# The measuring part of `make bench`, run by benches/run.sh inside a private network + mount
# namespace. Reads W (work directory with the programs and data), MUSL_SO, GLIBC_SO, SRV and
# the knobs ROUNDS, BATCH, TPUT_MS, TPUT_ROUNDS, SPAWN_ROUNDS, SPAWN_BATCH; writes raw samples
# to $W/raw. Contenders are interleaved: every round runs each of them once, in an order that
# rotates from round to round, so drift on a shared machine hits them all alike.
set -euo pipefail
R=$W/raw
fail() { echo "bench: $*" >&2; exit 1; }

# --- namespace set-up ---------------------------------------------------------------------
mount --make-rprivate /
ip link set lo up
ip addr add 127.0.0.2/8 dev lo 2>/dev/null || true
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
trap 'kill $SRV_PID $NAMED_PID 2>/dev/null; wait 2>/dev/null' EXIT
for _ in $(seq 1000); do
  [ -s "$W/srv.ready" ] && grep -q 'running$' "$W/named.log" && break
  kill -0 $SRV_PID 2>/dev/null || { cat "$W/srv.log" >&2; fail 'test server exited'; }
  kill -0 $NAMED_PID 2>/dev/null || { cat "$W/named.log" >&2; fail 'named exited'; }
  sleep 0.01
done
grep -q 'running$' "$W/named.log" || { cat "$W/named.log" >&2; fail 'named not ready after 10 s'; }

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
server_cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# server_cpu_ns PID: CPU time of all the threads of PID, in ns (schedstat: nanosecond counts).
server_cpu_ns() { cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{s += $1} END {print s + 0}'; }

declare -A NAME=([small]=small.bench.test [large]=large.bench.test
  [hosts]=files.bench.test [numeric]=10.3.0.1)

# --- latency --------------------------------------------------------------------------------
# lat_phase SERVER PID CASE...: ROUNDS rounds of BATCH calls per contender and case; with the
# client's CPU time of the timed calls ($f.cpu: "ns calls") and the DNS server's CPU time over
# the whole run ($f.srv: "ns calls", warm-up calls included; PID 0: no server).
lat_phase() {
  local server=$1 pid=$2; shift 2
  local r c k before
  for ((r = 0; r < ROUNDS; r++)); do
    for k in "$@"; do
      for c in $(rotated $r); do
        local f="$R/lat.$server.$k.$c" cpu="$R/cpu.$server.$k.$c"
        [ "$pid" = 0 ] || before=$(server_cpu_ns "$pid")
        run "$c" lat "${NAME[$k]}" 5 "$BATCH" >"$f.batch" 2>>"$cpu.client"
        [ "$pid" = 0 ] || echo "$(($(server_cpu_ns "$pid") - before)) $((BATCH + 5))" >>"$cpu.server"
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

# --- throughput -----------------------------------------------------------------------------
echo "bench: throughput" >&2
tput_phase() {
  local server=$1 pid=$2 r k t c
  for ((r = 0; r < TPUT_ROUNDS; r++)); do
    for k in small large; do
      for t in 1 2 8 32; do
        for c in $(rotated $r); do
          local f="$R/tput.$server.$k.$t.$c" before after
          before=$(server_cpu_ticks "$pid")
          run "$c" tput "${NAME[$k]}" "$t" "$TPUT_MS" >>"$f"
          after=$(server_cpu_ticks "$pid")
          echo $((after - before)) >>"$f.srvcpu"
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
  order=(none empty rust shim)
  for ((i = 0; i < 4; i++)); do
    v=${order[((r + i) % 4)]}
    case $v in
      none) env_=() ;;
      empty) env_=(LD_PRELOAD="$W/empty-musl.so") ;;
      rust) env_=(LD_PRELOAD="$W/rust-floor-musl.so") ;;
      shim) env_=(LD_PRELOAD="$MUSL_SO") ;;
    esac
    "$W/bench-glibc" spawn "$SPAWN_BATCH" "$W/trivial-musl" "${env_[@]}" >>"$R/spawn.$v"
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
    for n in 1 $((CG_N + 1)); do
      "${clean_env[@]}" valgrind --tool=callgrind --callgrind-out-file="$W/cg.out" \
        "${cmd[@]}" loop "${NAME[$k]}" $n >"$W/cg.stdout" 2>"$W/cg.log" \
        || { cat "$W/cg.log" >&2; fail "callgrind $c $k failed"; }
      awk '/^totals:/ {print $2}' "$W/cg.out" >"$R/cg.$k.$c.$n"
    done
    echo $(( ($(cat "$R/cg.$k.$c.$((CG_N + 1))") - $(cat "$R/cg.$k.$c.1")) / CG_N )) >"$R/cg.$k.$c"
  done
done
