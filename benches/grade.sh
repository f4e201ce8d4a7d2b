#!/usr/bin/env bash
# Benchmark: grade and sign N answer sheets, grade them again (a no-op that
# re-verifies every existing score file), and verify the N score files, for
# N = 1,000 and 10,000 (release build, work disk). The papers are drawn
# from the example blueprint for a generated roster; the sheets (wide CSV,
# mixed answers) are generated from the papers.
# Usage: benches/grade.sh [N...]
source "$(dirname "$0")/common.sh"
make_key
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1000 10000)
for n in "${sizes[@]}"; do
  draw_session "$n"
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
  timed "grade (sign + write)" "$n" files "$bin" grade --papers "$work/exam-$n" \
    --sheets "$work/sheets-$n.csv" --key "$work/proctor.key" --out "$out"
  timed "grade again (no-op, verifies all)" "$n" files "$bin" grade --papers "$work/exam-$n" \
    --sheets "$work/sheets-$n.csv" --key "$work/proctor.key" --out "$out"
  timed "verify" "$n" files "$bin" verify --pubkey "$work/proctor.pub" "$out"
  rm -rf "$work/exam-$n" "$out"
done
