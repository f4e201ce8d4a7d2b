#!/usr/bin/env bash
# Benchmark: grade and sign N answer sheets, grade them again (a no-op that
# re-verifies every existing score file), and verify the N score files, for
# N = 1,000 and 10,000 (release build, work disk). The papers are drawn
# from the example blueprint for a generated roster; the sheets (wide CSV,
# mixed answers) are generated from the papers.
# Usage: benches/grade.sh [N...]
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin=$PWD/target/release/certexam
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$bin" keygen --out "$work/proctor" --unencrypted 2>/dev/null
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1000 10000)
timed() { # label count command...
  # Wall time and CPU time (user + sys): on a shared machine the CPU time
  # divided by the number of cores is what an idle machine would take.
  local label=$1 n=$2; shift 2
  local TIMEFORMAT='%R %U %S' t
  t=$( { time "$@" >/dev/null 2>&1 || [ $? -eq 1 ]; } 2>&1 )
  awk -v n="$n" -v t="$t" -v l="$label" -v cores="$(nproc)" 'BEGIN {
    split(t, x, " "); cpu = x[2] + x[3]
    printf "%-34s %6d files: %6.2f s wall (%6.0f/s), %6.2f s CPU (%5.2f user + %5.2f sys; %6.0f/s on %d idle cores)\n",
      l, n, x[1], n / x[1], cpu, x[2], x[3], n * cores / cpu, cores }'
}
for n in "${sizes[@]}"; do
  python3 - "$n" > "$work/roster-$n.csv" <<'PY'
import sys
print("id,name,department")
for i in range(int(sys.argv[1])):
    print(f"C{i:06d},考生{i},客服部")
PY
  "$bin" draw --blueprint examples/blueprint.toml --roster "$work/roster-$n.csv" \
    --seed bench --out "$work/exam-$n" 2>/dev/null
  python3 - "$work/exam-$n/papers" > "$work/sheets-$n.csv" <<'PY'
import glob, os, sys, tomllib, csv
w = csv.writer(sys.stdout, lineterminator="\n")
papers = sorted(glob.glob(os.path.join(sys.argv[1], "*.paper.toml")))
header = None
for i, path in enumerate(papers):
    with open(path, "rb") as f:
        p = tomllib.load(f)
    qs = p["question"]
    if header is None:
        header = ["candidate", "paper"] + [str(q["number"]) for q in qs]
        w.writerow(header)
    row = []
    for j, q in enumerate(qs):
        key = q["answer"]
        k = (i * 7 + j * 3) % 10
        if isinstance(key, bool):
            row.append(("对" if key else "错") if k else ("错" if key else "对"))
        elif k == 0:
            row.append("")
        elif k == 1:
            row.append("A,B")
        else:
            row.append(",".join(key))
    w.writerow([p["candidate"]["id"], p["paper_id"]] + row)
PY
  out="$work/scores-$n"
  timed "grade (sign + write)" "$n" "$bin" grade --papers "$work/exam-$n" \
    --sheets "$work/sheets-$n.csv" --key "$work/proctor.key" --out "$out"
  timed "grade again (no-op, verifies all)" "$n" "$bin" grade --papers "$work/exam-$n" \
    --sheets "$work/sheets-$n.csv" --key "$work/proctor.key" --out "$out"
  timed "verify" "$n" "$bin" verify --pubkey "$work/proctor.pub" "$out"
  rm -rf "$work/exam-$n" "$out"
done
