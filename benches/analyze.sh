#!/usr/bin/env bash
# Benchmark: item analysis and feedback for a graded session of N
# candidates (default 1,000): `analyze` (CSV only, then with the PDF report)
# and `feedback` (one typst PDF per candidate, in parallel). Papers are
# drawn from the example blueprint for a generated roster; the answer
# sheets are generated from the papers (every candidate makes different
# mistakes) and graded with the real `certexam grade`.
# Usage: benches/analyze.sh [N...]    (CERTEXAM_BIN=PATH skips the release build;
# SKIP_FEEDBACK=1 times analyze only)
source "$(dirname "$0")/common.sh"
make_key
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1000)
for n in "${sizes[@]}"; do
  draw_session "$n"
  python3 - "$work/exam-$n/papers" > "$work/sheets-$n.csv" <<'PY'
import csv, glob, os, sys, tomllib
w = csv.writer(sys.stdout, lineterminator="\n")
papers = sorted(glob.glob(os.path.join(sys.argv[1], "*.paper.toml")))
for i, path in enumerate(papers):
    with open(path, "rb") as f:
        p = tomllib.load(f)
    qs = p["question"]
    if i == 0:
        w.writerow(["candidate", "paper"] + [str(q["number"]) for q in qs])
    row = []
    for j, q in enumerate(qs):
        key, k = q["answer"], (i * 7 + j * 3 + i // 5) % 10
        if isinstance(key, bool):
            row.append(("对" if key else "错") if k > i % 3 else ("错" if key else "对"))
        elif k == 0:
            row.append("")
        elif k <= i % 4:
            row.append("B" if key != "B" else "A")
        else:
            row.append(key)
    w.writerow([p["candidate"]["id"], p["paper_id"]] + row)
PY
  "$bin" grade --papers "$work/exam-$n" --sheets "$work/sheets-$n.csv" \
    --key "$work/proctor.key" --out "$work/scores-$n" >/dev/null 2>&1 || true
  timed "analyze --no-pdf" "$n" candidates "$bin" analyze "$work/scores-$n" --papers "$work/exam-$n" --out "$work/a1-$n" --no-pdf
  timed "analyze (with report.pdf)" "$n" candidates "$bin" analyze "$work/scores-$n" --papers "$work/exam-$n" --out "$work/a2-$n"
  if [ "${SKIP_FEEDBACK:-0}" = 0 ]; then
    timed "feedback (one PDF each)" "$n" candidates "$bin" feedback "$work/scores-$n" --papers "$work/exam-$n" --out "$work/fb-$n"
    ls "$work/fb-$n"/*/ | wc -l | xargs printf '  feedback PDFs written: %s\n'
  fi
done
