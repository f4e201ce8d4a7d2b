#!/usr/bin/env bash
# Benchmark: one whole certification session of N candidates (default
# 100,000) on this machine, step by step, with wall time, CPU time and
# peak memory (GNU time's maximum resident set size) of each: draw the
# papers, grade generated answer sheets (one run, then the same in two
# `--shard` parts through GNU parallel), verify the score files, `archive
# add` them and `archive verify` the archive. Rendering is not run here:
# `benches/render.sh` and the README's "Large sessions: measured" give the
# per-paper cost that projects it.
# Usage: benches/session.sh [N]
source "$(dirname "$0")/common.sh"
n=${1:-100000}
make_key
measure() {
  local label=$1
  shift
  local out status=0
  /usr/bin/time -o "$work/time" -f '%e %U %S %M' "$@" >/dev/null 2>"$work/stderr" || status=$?
  if [ "$status" -gt 1 ]; then
    echo "$label failed (exit $status):" >&2
    tail -5 "$work/stderr" >&2
    exit 1
  fi
  out=$(tail -1 "$work/time")
  awk -v n="$n" -v t="$out" -v l="$label" 'BEGIN {
    split(t, x, " ")
    printf "%-28s %7d: %7.1f s wall, %7.1f s CPU, peak %6.0f MB, %7.0f a second\n",
      l, n, x[1], x[2] + x[3], x[4] / 1024, n / (x[1] > 0 ? x[1] : 0.01) }'
}
make_roster "$n" "$work/roster.csv"
measure "draw" "$bin" draw --blueprint examples/blueprint.toml --roster "$work/roster.csv" \
  --seed bench --out "$work/exam"
# The answer sheets as a scanning office hands them over: one file per
# 10,000 candidates (one answer file holds at most a million cells).
mkdir "$work/sheets"
python3 - "$work/exam/papers" "$work/sheets" <<'PY'
import glob, os, sys, tomllib, csv
w = None
for i, path in enumerate(sorted(glob.glob(os.path.join(sys.argv[1], "*.paper.toml")))):
    with open(path, "rb") as f:
        p = tomllib.load(f)
    qs = p["question"]
    if i % 10000 == 0:
        out = open(os.path.join(sys.argv[2], f"sheets-{i // 10000:03d}.csv"), "w", encoding="utf-8", newline="")
        w = csv.writer(out, lineterminator="\n")
        w.writerow(["candidate", "paper"] + [str(q["number"]) for q in qs])
    row = []
    for j, q in enumerate(qs):
        key, k = q["answer"], (i * 7 + j * 3) % 10
        if isinstance(key, bool):
            row.append(("对" if key else "错") if k else ("错" if key else "对"))
        else:
            row.append("" if k == 0 else ",".join(key))
    w.writerow([p["candidate"]["id"], p["paper_id"]] + row)
PY
grade=(grade --papers "$work/exam" --sheets "$work/sheets" --key "$work/proctor.key")
measure "grade and sign" "$bin" "${grade[@]}" --out "$work/scores"
graded=$(find "$work/scores" -name '*.score.toml' | wc -l)
[ "$graded" -eq "$n" ] || { echo "grade wrote $graded score files, not $n" >&2; exit 1; }
measure "grade in 2 parts (parallel)" parallel -j 2 "$bin" "${grade[@]}" --out "$work/scores-parts" \
  --shard {}/2 ::: 1 2
measure "verify score files" "$bin" verify --quiet --pubkey "$work/proctor.pub" "$work/scores"
measure "archive add" "$bin" archive add --archive "$work/archive" --pubkey "$work/proctor.pub" \
  "$work/scores"
measure "archive verify" "$bin" archive verify --archive "$work/archive" --pubkey "$work/proctor.pub"
echo "disk: papers $(du -sh "$work/exam" | cut -f1), score files $(du -sh "$work/scores" | cut -f1), archive $(du -sh "$work/archive" | cut -f1)"
