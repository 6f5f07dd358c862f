#!/bin/sh
# fuzz/corpus/response (and fuzz/corpus/message_vs_hickory, which reads the same packets): every
# response the test servers send during tests/faults.rs (truncated, mangled, decoys, CNAME
# chains, ...), up to 4 KiB each, one file per distinct content (the ID ignored), named by the
# SHA-1 of the content. Run from the repository root by
# `make fuzz-corpus` (needs what `make test` needs: root, both libraries, the test server).
set -eu
dump=$(mktemp -d)
trap 'rm -rf "$dump"' EXIT
chmod 755 "$dump"
DNSSHIM_FAULTS_DUMP="$dump" ${CARGO:-cargo} test --locked --test faults -- --test-threads=2 >/dev/null
out=fuzz/corpus/response
mkdir -p "$out" fuzz/corpus/message_vs_hickory
n=0
for f in "$dump"/*.bin; do
  [ "$(wc -c <"$f")" -le 4096 ] || continue
  sum=$(tail -c +3 "$f" | sha1sum | cut -c1-40)
  [ -e "$out/$sum" ] && continue
  cp "$f" "$out/$sum"
  cp "$f" fuzz/corpus/message_vs_hickory/"$sum"
  n=$((n + 1))
done
echo "fuzz/corpus/response: $n new seeds, $(ls "$out" | wc -l) in all"
