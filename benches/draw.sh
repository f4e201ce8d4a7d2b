#!/usr/bin/env bash
# Benchmark: draw papers of the example blueprint (draw v2) for 1,000 /
# 10,000 / 20,000 candidates from the shipped bank (release build), to show
# the time and that it grows linearly; beside it the same exam drawn with v1
# (the blueprint without its `draw` line) and with v2 calibrated from a
# synthetic items.csv (which makes v2 retry). Papers are written to memory
# (/dev/shm) to measure certexam itself, then (v2) to the work disk, which
# adds the file system's cost of creating that many files.
# Usage: benches/draw.sh [CANDIDATES...]
source "$(dirname "$0")/common.sh"
mem=$(mktemp -d -p /dev/shm 2>/dev/null || mktemp -d)
trap 'rm -rf "$work" "$mem"' EXIT

sed '/^draw = "v2"$/d' examples/blueprint.toml > "$work/blueprint-v1.toml"
sed 's/^draw = "v2"$/draw = "v2"\ncalibration = "items.csv"/' examples/blueprint.toml \
  > "$work/blueprint-calibrated.toml"
# Facilities scattered around what each question's level predicts, as if
# 40 candidates had answered every question (a fixed offset per id).
python3 - "$work/items.csv" <<'PY'
import hashlib, math, pathlib, sys, tomllib
rows = ["id,n,facility"]
for path in sorted(pathlib.Path("question_bank").glob("*.toml")):
    for q in tomllib.loads(path.read_text(encoding="utf-8")).get("question", []):
        offset = hashlib.sha256(q["id"].encode()).digest()[0] / 255 * 1.2 - 0.6
        b = (q["difficulty"] - 2.5) * 0.8 + offset
        rows.append(f"{q['id']},40,{round(40 / (1 + math.exp(b))) / 40:.4f}")
pathlib.Path(sys.argv[1]).write_text("\n".join(rows) + "\n", encoding="utf-8")
PY

for n in ${@:-1000 10000 20000}; do
  make_roster "$n" "$work/roster-$n.csv"
  for variant in v1 v2 v2-calibrated; do
    case $variant in
      v1) bp=$work/blueprint-v1.toml ;;
      v2) bp=examples/blueprint.toml ;;
      v2-calibrated) bp=$work/blueprint-calibrated.toml ;;
    esac
    timed "draw $variant to memory" "$n" candidates "$bin" draw --blueprint "$bp" \
      --roster "$work/roster-$n.csv" --seed bench --out "$mem/out-$n"
    rm -rf "$mem/out-$n"
  done
  timed "draw v2 to disk" "$n" candidates "$bin" draw --blueprint examples/blueprint.toml \
    --roster "$work/roster-$n.csv" --seed bench --out "$work/out-$n"
  rm -rf "$work/out-$n"
done
