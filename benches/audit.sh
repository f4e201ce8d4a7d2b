#!/usr/bin/env bash
# Benchmark: `bank audit` of a generated 10,000-question bank (segmentation
# and every check included), and the test-wise simulation over 1,000 papers
# of the example blueprint on the shipped bank (release build). The
# generated bank takes its words from the seed pages, so its vocabulary is
# as varied as a real bank's. Usage: benches/audit.sh
source "$(dirname "$0")/common.sh"
seeds=${CERTEXAM_SEEDS:-../shared/seeds}
python3 - "$seeds" "$work/big" <<'PY'
import os, random, re, sys
seeds, out = sys.argv[1], sys.argv[2]
text = "".join(open(os.path.join(seeds, f), encoding="utf-8").read() for f in sorted(os.listdir(seeds)))
runs = [r for r in re.findall(r"[\u4e00-\u9fff]{4,}", text)]
rng = random.Random(7)
def phrase(lo, hi):
    s = ""
    while len(s) < lo:
        s += rng.choice(runs)
    return s[:hi]
os.makedirs(out, exist_ok=True)
with open(os.path.join(out, "bank.toml"), "w", encoding="utf-8") as f:
    f.write('name = "大题库"\nversion = "1"\n')
    for c in ("security", "rules", "logistics"):
        f.write(f'[[category]]\nid = "{c}"\ntitle = "{c}"\ntitle_en = "{c}"\n')
for c in ("security", "rules", "logistics"):
    with open(os.path.join(out, f"{c}.toml"), "w", encoding="utf-8") as f:
        for i in range(3334 if c != "logistics" else 3332):
            kind = ("single", "single", "multiple", "truefalse")[i % 4]
            f.write(f'[[question]]\nid = "{c[:3].upper()}-{i:05d}"\ntype = "{kind}"\ncategory = "{c}"\n')
            f.write(f'difficulty = {1 + i % 4}\nstem = "{i}{phrase(15, 40)}？"\n')
            if kind == "truefalse":
                f.write(f"answer = {'true' if i % 8 < 4 else 'false'}\n")
            else:
                opts = []
                while len(opts) < 4:
                    o = phrase(6, 20)
                    if o not in opts:
                        opts.append(o)
                f.write("options = [" + ", ".join(f'"{o}"' for o in opts) + "]\n")
                f.write(f'answer = "{"ABCD"[i % 4] if kind == "single" else "AC"}"\n')
            f.write(f'explanation = "解析{i}"\n\n')
PY
"$bin" bank check "$work/big" 2>&1 | tail -n 1
timed "bank audit (generated bank)" 10000 questions "$bin" bank audit "$work/big"
timed "bank audit (shipped bank)" "$(grep -c '^\[\[question' question_bank/*.toml | awk -F: '{s+=$2} END {print s}')" questions \
  "$bin" bank audit question_bank
timed "  + simulation of 1,000 papers" 1000 papers \
  "$bin" bank audit question_bank --blueprint examples/blueprint.toml --papers 1000
