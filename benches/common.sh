# Sourced by the benchmark scripts: the release binary (or $CERTEXAM_BIN),
# a work folder removed on exit, timing, and generated sessions.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [ -z "${CERTEXAM_BIN:-}" ]; then
  cargo build --release --quiet
  bin=${CARGO_TARGET_DIR:-$PWD/target}/release/certexam
else
  bin=$CERTEXAM_BIN
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# An unencrypted proctor key pair: $work/proctor.key and $work/proctor.pub.
make_key() { "$bin" keygen --out "$work/proctor" --unencrypted 2>/dev/null; }

# timed LABEL COUNT UNIT COMMAND...: wall time and CPU time (user + sys) of
# COMMAND (exit status 1, "some input was refused", counts as run). On a
# shared machine the CPU time divided by the cores is what an idle machine
# would take.
timed() {
  local label=$1 n=$2 unit=$3
  shift 3
  local TIMEFORMAT='%R %U %S' t
  t=$( { time "$@" >/dev/null 2>&1 || [ $? -eq 1 ]; } 2>&1 )
  awk -v n="$n" -v t="$t" -v l="$label" -v u="$unit" -v cores="$(nproc)" 'BEGIN {
    split(t, x, " "); cpu = x[2] + x[3]
    wall = x[1] > 0.005 ? x[1] : 0.005; busy = cpu > 0.005 ? cpu : 0.005
    printf "%-34s %6d %s: %6.2f s wall (%6.0f/s), %6.2f s CPU (%5.2f user + %5.2f sys; %6.0f/s on %d idle cores)\n",
      l, n, u, x[1], n / wall, cpu, x[2], x[3], n * cores / busy, cores }'
}

# make_roster N FILE: N generated candidates C000000… with a department.
make_roster() {
  python3 - "$1" > "$2" <<'PY'
import sys
print("id,name,department")
for i in range(int(sys.argv[1])):
    print(f"C{i:06d},考生{i},客服部")
PY
}

# draw_session N: papers of the example blueprint for N generated
# candidates in $work/exam-N (roster in $work/roster-N.csv).
draw_session() {
  make_roster "$1" "$work/roster-$1.csv"
  "$bin" draw --blueprint examples/blueprint.toml --roster "$work/roster-$1.csv" \
    --seed bench --out "$work/exam-$1" 2>/dev/null
}
