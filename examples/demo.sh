#!/usr/bin/env bash
# make demo: the same musl-built program, without and with the shim, against a DNS server that
# truncates like CoreDNS (TC bit, no records) for a name with 60 addresses.
# Runs in a private network+mount namespace: traffic only ever goes to 127.0.0.1 inside it.
set -euo pipefail
so=${1:?usage: demo.sh MUSL_SO TESTSRV}
srv=${2:?usage: demo.sh MUSL_SO TESTSRV}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

musl-gcc -O1 -o "$work/lookup" "$here/lookup.c"
cat >"$work/server.conf" <<'CONF'
vis.company.test  A  10.20.0.1..60
small.company.test A 10.20.1.1
udp truncate-empty
udp-size 512
CONF
printf 'nameserver 127.0.0.1\noptions timeout:2 attempts:1\n' >"$work/resolv.conf"
printf '127.0.0.1 localhost\n' >"$work/hosts"

if [ "$(id -u)" = 0 ]; then ns=(unshare --net --mount); else ns=(unshare --user --map-root-user --net --mount); fi
"${ns[@]}" env W="$work" SO="$so" SRV="$srv" bash -s <<'INNER'
set -u
mount --make-rprivate /
ip link set lo up
mount --bind "$W/resolv.conf" /etc/resolv.conf
mount --bind "$W/hosts" /etc/hosts
"$SRV" --config "$W/server.conf" --listen 127.0.0.1:53 --ready-file "$W/ready" &
srv_pid=$!
for _ in $(seq 1000); do [ -s "$W/ready" ] && break; sleep 0.01; done

bold() { printf '\n\033[1m%s\033[0m\n' "$*"; }
bold "A DNS server that truncates like CoreDNS; vis.company.test has 60 A records (> 512 bytes)."
bold "1. musl 1.2.3 alone:   ./lookup vis.company.test"
"$W/lookup" vis.company.test; echo "exit status: $?  (musl never retried over TCP)"
bold "2. with the shim:      LD_PRELOAD=libdnsshim.so DNSSHIM_LOG=1 ./lookup vis.company.test"
LD_PRELOAD="$SO" DNSSHIM_LOG=1 "$W/lookup" vis.company.test 2>"$W/trace" >"$W/out"; rc=$?
echo "--- trace (stderr):"; cat "$W/trace"
echo "--- result: $(wc -l <"$W/out") addresses, exit status $rc; first and last:"
head -n 2 "$W/out"; echo "..."; tail -n 2 "$W/out"
bold "3. a small name is answered the same way with and without the shim:"
"$W/lookup" small.company.test; LD_PRELOAD="$SO" "$W/lookup" small.company.test
kill "$srv_pid" 2>/dev/null
INNER
