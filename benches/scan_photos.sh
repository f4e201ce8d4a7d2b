#!/usr/bin/env bash
# Benchmark: `certexam scan` (release build) on N phone photos of answer
# sheets (default 200; target: at least 10 photos a second on 2 cores).
# The photos are the scan tests' own (`take_photos` in tests/scan.rs, made
# by `benches/scan_pages.rs --photos`): filled sheets on a wooden desk,
# 8–25° off-axis, turned, upside down or sideways, 8 and 12 MP, uneven
# light and a shadow, blur, sensor noise, JPEG quality 70. The 8 photos
# are copied to N files. It also checks every answer read (`?`, sent to
# review, is counted apart from wrong).
# Usage: benches/scan_photos.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-200}
cargo build --release --quiet
bin=${CARGO_TARGET_DIR:-$PWD/target}/release/certexam
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cargo bench --quiet --bench scan_pages -- --photos "$work/photos" >/dev/null
papers=$(cat "$work/photos/papers.txt")
mkdir "$work/stack"
i=0
while [ "$i" -lt "$n" ]; do
  for photo in "$work"/photos/*.jpg; do
    [ "$i" -lt "$n" ] || break
    cp "$photo" "$work/stack/$(printf 'IMG_%05d.jpg' "$i")"
    i=$((i + 1))
  done
done
sync
start=$(date +%s.%N)
"$bin" scan --papers "$papers" --out "$work/out" "$work/stack" >/dev/null 2>&1 || [ $? -eq 1 ]
end=$(date +%s.%N)
awk -v n="$n" -v s="$start" -v e="$end" \
  'BEGIN { t = e - s; printf "scan %d phone photos (8-12 MP JPEG): %.2f s  (%.1f photos per second, %.1f ms a photo)\n", n, t, n / t, 1000 * t / n }'
python3 - "$work/photos/truth.csv" "$work/out/sheets.csv" "$work/out/scan-log.csv" <<'PY'
import csv, sys
truth = {r[1]: r[2:] for r in csv.reader(open(sys.argv[1], encoding="utf-8"))}
got = {r[1]: r[2:] for r in list(csv.reader(open(sys.argv[2], encoding="utf-8")))[1:]}
log = list(csv.DictReader(open(sys.argv[3], encoding="utf-8-sig")))
read = sum(r["status"] == "read" for r in log)
cells = [(a, b) for p in truth for a, b in zip(truth[p], got.get(p, []))]
wrong = sum(a != b and b != "?" for a, b in cells)
undecided = sum(b == "?" for a, b in cells)
missing = len(set(truth) - set(got))
print(f"photos read: {read} of {len(log)}; answers checked: {len(cells)} cells, {wrong} wrong, {undecided} sent to review, {missing} papers missing")
sys.exit(1 if wrong or missing or read < len(log) else 0)
PY
