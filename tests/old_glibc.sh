#!/bin/sh
# The glibc build loaded by an older glibc, for real (not run by `make test`: it downloads).
#
#   sh tests/old_glibc.sh [GLIBC_SO [TESTSRV]]     # as root; defaults: what `make` builds
#
# Takes Debian 11's libc6 and libc-bin (glibc 2.31, the oldest glibc the Debian mirror still
# serves; it predates 2.33/2.34, the versions a build linked against the host glibc needs),
# unpacks them into a scratch directory, and inside a private network + mount namespace runs
# Debian 11's own `getent hosts` under Debian 11's loader with the library preloaded
# (`ld-2.31.so --library-path ... --preload GLIBC_SO`), against the test server answering a
# 60-address name CoreDNS-style (UDP: TC and no records). Expected: 60 addresses and the
# shim's trace (udp tc=1, then tcp answers=60). docs/deployment.md records the result.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
so=$(realpath "${1:-$here/target/release/libdnsshim.so}")
srv=$(realpath "${2:-$here/target/release/dnsshim-testsrv}")
# The Debian mirror this machine's apt uses (deb822 or one-line sources), unless DEBIAN_MIRROR.
mirror=${DEBIAN_MIRROR:-$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null |
  awk '/^URIs:/ && $2 !~ /security/ {print $2; exit}')}
[ -n "$mirror" ] || mirror=$(awk '/^deb / && $2 !~ /security/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null)
[ -n "$mirror" ] || { echo "old_glibc: no Debian mirror in apt's sources: set DEBIAN_MIRROR" >&2; exit 1; }
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
curl -fsS "$mirror/dists/bullseye/main/binary-amd64/Packages.xz" | xz -dc |
  awk '/^Package: (libc6|libc-bin)$/ {p = 1} p && /^Filename:/ {print $2; p = 0}' >"$W/files"
[ "$(wc -l <"$W/files")" = 2 ] || { echo "old_glibc: libc6/libc-bin not found for bullseye" >&2; exit 1; }
while read -r f; do
  curl -fsS -o "$W/$(basename "$f")" "$mirror/$f"
  dpkg-deb -x "$W/$(basename "$f")" "$W/root"
done <"$W/files"
printf 'nameserver 127.0.0.1\n' >"$W/resolv.conf"
printf 'big.test. A 10.0.0.1..60\nudp truncate-empty\nudp-size 512\n' >"$W/srv.conf"
cat >"$W/run.sh" <<'SCRIPT'
set -eu
ip link set lo up
mount --make-rprivate /
mount --bind "$W/resolv.conf" /etc/resolv.conf
"$SRV" --config "$W/srv.conf" --listen 127.0.0.1:53 --ready-file "$W/ready" 2>"$W/srv.log" &
s=$!
while [ ! -s "$W/ready" ]; do sleep 0.05; done
L=$W/root/lib/x86_64-linux-gnu
echo "loader: $(ls "$L"/ld-2.*.so)"
rc=0
DNSSHIM_LOG=1 "$L"/ld-2.*.so --library-path "$L" --preload "$SO" "$W/root/usr/bin/getent" hosts big.test \
  >"$W/out" 2>"$W/err" || rc=$?
kill $s
echo "getent hosts big.test: exit $rc, $(wc -l <"$W/out") addresses"
cat "$W/err"
[ $rc = 0 ] && [ "$(wc -l <"$W/out")" = 60 ] && grep -q 'tcp tc=0 .*answers=60' "$W/err"
SCRIPT
W=$W SRV=$srv SO=$so unshare --net --mount sh "$W/run.sh" && echo "old_glibc: OK" || { echo "old_glibc: FAILED" >&2; exit 1; }
