#!/usr/bin/env bash
# Speed and memory of the release binary on the embedded reference ENT:
# median wall time of 5 `entconf demo` runs, and peak memory of one.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked -p entconf >/dev/null
bin=target/release/entconf
out=$(mktemp -d); trap 'rm -rf "$out"' EXIT
times=()
for i in 1 2 3 4 5; do
  start=$(date +%s%N)
  "$bin" demo --format json --out "$out" >/dev/null 2>&1
  end=$(date +%s%N)
  times+=($(( (end - start) / 1000000 )))
done
sorted=$(printf '%s\n' "${times[@]}" | sort -n)
echo "entconf demo (20 vérifications, 5 essais) : médiane $(echo "$sorted" | sed -n 3p) ms ; essais : ${times[*]} ms"
if [ -x /usr/bin/time ]; then
  /usr/bin/time -f "mémoire maximale : %M Kio" "$bin" demo --format json --out "$out" >/dev/null 2>"$out/time.log" || true
  tail -1 "$out/time.log"
fi
