#!/usr/bin/env bash
# Benchmark: `archive add` of N signed score files into a new archive, the
# same add again (a no-op), `archive verify` of the N-record archive (chain,
# hashes and every signature), `archive query` and an XLSX export, for
# N = 10,000 by default (release build, work disk). The score files come
# from the real pipeline: a generated roster, papers drawn from the example
# blueprint, generated answer sheets, `certexam grade`.
# Usage: benches/archive.sh [N...]
source "$(dirname "$0")/common.sh"
make_key
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(10000)
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
        w.writerow(["candidate", "paper"] + [str(q["number"]) for q in qs])
        header = True
    row = []
    for j, q in enumerate(qs):
        key = q["answer"]
        k = (i * 7 + j * 3) % 10
        if isinstance(key, bool):
            row.append(("对" if key else "错") if k else ("错" if key else "对"))
        elif k == 0:
            row.append("")
        else:
            row.append(",".join(key))
    w.writerow([p["candidate"]["id"], p["paper_id"]] + row)
PY
  "$bin" grade --papers "$work/exam-$n" --sheets "$work/sheets-$n.csv" \
    --key "$work/proctor.key" --out "$work/scores-$n" >/dev/null 2>&1 || true
  archive="$work/archive-$n"
  timed "archive add (new archive)" "$n" records "$bin" archive add --archive "$archive" \
    --pubkey "$work/proctor.pub" "$work/scores-$n"
  timed "archive add again (no-op)" "$n" records "$bin" archive add --archive "$archive" \
    --pubkey "$work/proctor.pub" "$work/scores-$n"
  timed "archive verify" "$n" records "$bin" archive verify --archive "$archive" \
    --pubkey "$work/proctor.pub"
  timed "certexam verify (comparison)" "$n" records "$bin" verify --pubkey "$work/proctor.pub" \
    "$work/scores-$n"
  timed "archive query" "$n" records "$bin" archive query --archive "$archive" \
    --pubkey "$work/proctor.pub"
  timed "archive export xlsx" "$n" records "$bin" archive export --archive "$archive" \
    --pubkey "$work/proctor.pub" --out "$work/archive-$n.xlsx"
  echo "ledger: $(wc -l < "$archive/ledger.jsonl") lines, $(du -sh "$archive" | cut -f1) on disk"
  rm -rf "$work/exam-$n" "$work/scores-$n" "$archive"
done
