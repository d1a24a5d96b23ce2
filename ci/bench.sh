#!/usr/bin/env bash
# Speed and memory of the release binary on the embedded reference ENT:
# median wall time of 5 runs of each suite of `entconf demo` (the FOOTER
# suite alone, the SSO suite alone, the STATS suite alone, everything), and
# peak memory of one; then the STATS consistency rules at académie scale,
# the GAR export at département and académie scale (beside xmllint), a
# 2 GiB reversibility export, and the recall of the FOOTER phrase lists on
# the corpus of notices.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked -p entconf --bin entconf --example stats_consistency --example gar_export --example export_archive >/dev/null
cargo build --release --locked -p ent-server --bin ent-server >/dev/null
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
measure "entconf demo --suite STATS (12 vérifications, 40 connexions, 2 écoles dédiées)" --suite STATS
measure "entconf demo (toutes les suites)"
if [ -x /usr/bin/time ]; then
  /usr/bin/time -f "mémoire maximale (toutes les suites) : %M Kio" "$bin" demo --format json --out "$out" >/dev/null 2>"$out/time.log" || true
  tail -1 "$out/time.log"
fi

# The FOOTER suite through the browser probe (issue 20), beside the static
# path: the standalone reference ENT, served pages read as served, then its
# script-drawn pages opened in chromium. Peak memory is the sum over the
# whole process tree (entconf, chromium and its renderers), sampled every
# 50 ms, since each process's own peak says nothing about their total.
# Time per page is the run's wall time over the pages rendered: the
# browser's start and the checks' own work are in it.
tree_pss_kib() {
  # PSS, not RSS: chromium's processes share most of their pages, and
  # adding their RSS would count them several times.
  local pids
  pids=$(ps -e -o pid=,ppid= | awk -v root="$1" '
    { parent[$1] = $2 }
    END { for (p in parent) { q = p; while (q != "" && q != 0 && q != root) q = parent[q]; if (q == root) print p } }')
  # shellcheck disable=SC2086
  # A process may end between the listing and the reading: not an error.
  { (cd /proc && cat $(printf '%s/smaps_rollup ' $pids) 2>/dev/null) || true; } \
    | awk '/^Pss:/ { total += $2 } END { print total + 0 }'
}
footer_once() {
  local mode=$1 url=$2 label=$3
  printf 'id = "bench"\nbase_url = "%s/"\n[capabilities]\nlogin_page = "/auth/login"\nhome_page = "/"\n[browser]\nmode = "%s"\n' \
    "$url" "$mode" >"$out/cible-$mode.toml"
  local start end peak=0 now pid
  start=$(date +%s%N)
  "$bin" run --target "$out/cible-$mode.toml" --suite FOOTER --format json --out "$out/footer-$mode" >/dev/null 2>&1 &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    now=$(tree_pss_kib "$pid"); ((now > peak)) && peak=$now
    sleep 0.05
  done
  wait "$pid" || true
  end=$(date +%s%N)
  local pages
  pages=$(python3 -c 'import json,glob,sys; r=json.load(open(sorted(glob.glob(sys.argv[1]+"/*/results.json"))[-1])); print(len(r.get("renderings", [])))' "$out/footer-$mode")
  local ms=$(( (end - start) / 1000000 ))
  if ((pages > 0)); then
    echo "  $label : $ms ms, $pages pages rendues ($(( ms / pages )) ms par page, navigateur compris), mémoire maximale (PSS de l'arbre de processus) $peak Kio"
  else
    echo "  $label : $ms ms, mémoire maximale (PSS) $peak Kio"
  fi
}
if command -v chromium >/dev/null 2>&1; then
  echo "suite FOOTER sur l'ENT de référence autonome, pages lues telles que servies puis rendues par chromium (3 tours alternés) :"
  target/release/ent-server --listen 127.0.0.1:0 >"$out/served.log" 2>&1 & served_pid=$!
  target/release/ent-server --listen 127.0.0.1:0 --scripted >"$out/scripted.log" 2>&1 & scripted_pid=$!
  for _ in $(seq 50); do grep -q '^ent-server: http' "$out/served.log" && grep -q '^ent-server: http' "$out/scripted.log" && break; sleep 0.1; done
  served_url=$(sed -n 's/^ent-server: //p' "$out/served.log" | head -1)
  scripted_url=$(sed -n 's/^ent-server: //p' "$out/scripted.log" | head -1)
  for round in 1 2 3; do
    footer_once off "$served_url" "sans navigateur, pages servies (tour $round)"
    footer_once required "$scripted_url" "chromium, pages dessinées par script (tour $round)"
  done
  kill "$served_pid" "$scripted_pid" 2>/dev/null || true
fi

echo "cohérence STATS à l'échelle d'une académie (5 départements, 3 000 écoles, 52 semaines) :"
if [ -x /usr/bin/time ]; then
  /usr/bin/time -f "mémoire maximale : %M Kio" target/release/examples/stats_consistency
else
  target/release/examples/stats_consistency
fi

# GAR export at two scales, beside xmllint on the same files (issue 23).
gar_rounds() {
  local dir=$1
  if [ -x /usr/bin/time ]; then
    # Three rounds each, alternated: on a shared 2-core machine one run says
    # little (the spread between rounds is often 10 %).
    for round in 1 2 3; do
      /usr/bin/time -f "  entconf (tour $round) : %e s, mémoire maximale %M Kio" \
        target/release/examples/gar_export validate "$dir" | tail -n 1
      /usr/bin/time -f "  xmllint --noout --schema (tour $round) : %e s, mémoire maximale %M Kio" \
        xmllint --noout --schema fixtures/data/gar/GAR-ENT-1D.xsd "$dir"/*.xml 2>&1 | grep -v ' validates$'
    done
  else
    target/release/examples/gar_export validate "$dir"
  fi
}
echo "export GAR à l'échelle d'un département (500 écoles, 100 000 élèves, 7 000 enseignants) :"
target/release/examples/gar_export generate "$out/gar"
gar_rounds "$out/gar"
echo "export GAR à l'échelle d'une académie (5 départements : 2 500 écoles, 500 000 élèves, 35 000 enseignants) :"
target/release/examples/gar_export generate "$out/gar-academie" --scale 5
du -sh "$out/gar-academie" | sed 's/^/  taille : /'
gar_rounds "$out/gar-academie"
rm -rf "$out/gar-academie"

# Reversibility export (src/reversibility): about 5 Gio free under $TMPDIR
# (the archive, then its extracted copy for sha256sum).
echo "export de réversibilité (ZIP d'environ 2 Gio, 22 051 entrées : photos, documents, 20 000 pièces jointes, JSON) :"
target/release/examples/export_archive generate "$out/export"
# unzip -t decompresses and checks every CRC without writing anything;
# sha256sum needs the files on disk, so they are extracted once, untimed.
# Together they do what `validate` does (inflate, CRC-32, SHA-256), all
# three reading from the page cache.
unzip -q "$out/export/export.zip" -d "$out/export/extrait"
if [ -x /usr/bin/time ]; then
  # Three rounds each, alternated: on a shared 2-core machine one run says
  # little (the spread between rounds is often 10 %).
  for round in 1 2 3; do
    /usr/bin/time -f "  entconf (tour $round) : %e s, mémoire maximale %M Kio" \
      target/release/examples/export_archive validate "$out/export/export.zip" | tail -n 1
    /usr/bin/time -f "  unzip -tq (tour $round) : %e s, mémoire maximale %M Kio" \
      unzip -tq "$out/export/export.zip" >/dev/null
    /usr/bin/time -f "  sha256sum -b des fichiers extraits (tour $round) : %e s, mémoire maximale %M Kio" \
      sh -c 'find "$1" -type f -print0 | xargs -0 sha256sum -b >/dev/null' sh "$out/export/extrait"
  done
  rm -rf "$out/export"
  # Same entries, ten times smaller: the memory must not follow the size.
  target/release/examples/export_archive generate "$out/export" --size-mib 200
  /usr/bin/time -f "  entconf, archive dix fois plus légère (--size-mib 200, mêmes 22 051 entrées) : %e s, mémoire maximale %M Kio" \
    target/release/examples/export_archive validate "$out/export/export.zip" | tail -n 1
else
  target/release/examples/export_archive validate "$out/export/export.zip"
fi
rm -rf "$out/export"

# Recall of the FOOTER phrase lists on the corpus of notices, mentions
# légales and accessibility declarations (fixtures/data/notices,
# tests/it/notices.rs): per item, the documents stating it, those where the
# list is found, and the false passes on the variants without the item.
# Two tables: the pages written for entconf, then the real documents (real/).
echo "rappel des listes de phrases FOOTER sur le corpus de notices (fixtures/data/notices) :"
cargo nextest run --release --locked --no-capture -E 'test(/^notices::/)' 2>&1 \
  | sed -n '/^Corpus de notices/,/^Trouvées sans être énoncées/p'

# Property tests over every reader of candidate input, with many more cases
# than CI runs (tests/it/properties.rs): no panic, every case within its
# time bound.
echo "tests de propriétés des lecteurs d'entrées du candidat (2 000 cas chacun) :"
PROPTEST_CASES=2000 cargo nextest run --release --locked -E 'test(/^properties::/)' 2>&1 | tail -n 3
