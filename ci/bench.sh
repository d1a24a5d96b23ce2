#!/usr/bin/env bash
# Speed and memory of the release binary on the embedded reference ENT:
# median wall time of 5 runs of each suite of `entconf demo` (the FOOTER
# suite alone, the SSO suite alone, everything), and peak memory of one.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked -p entconf >/dev/null
bin=target/release/entconf
out=$(mktemp -d); trap 'rm -rf "$out"' EXIT

measure() {
  local label=$1; shift
  local times=()
  for _ in 1 2 3 4 5; do
    local start end
    start=$(date +%s%N)
    "$bin" demo --format json --out "$out" "$@" >/dev/null 2>&1
    end=$(date +%s%N)
    times+=($(( (end - start) / 1000000 )))
  done
  local sorted
  sorted=$(printf '%s\n' "${times[@]}" | sort -n)
  echo "$label (5 essais) : médiane $(echo "$sorted" | sed -n 3p) ms ; essais : ${times[*]} ms"
}

measure "entconf demo --suite FOOTER (20 vérifications)" --suite FOOTER
measure "entconf demo --suite SSO (27 vérifications, 43 connexions)" --suite SSO
measure "entconf demo (toutes les suites)"
if [ -x /usr/bin/time ]; then
  /usr/bin/time -f "mémoire maximale (toutes les suites) : %M Kio" "$bin" demo --format json --out "$out" >/dev/null 2>"$out/time.log" || true
  tail -1 "$out/time.log"
fi
