#!/usr/bin/env bash
# Benchmark: draw 200 papers of the example blueprint (a generated 200-line
# roster, release build) and render them: the default outputs (print.pdf +
# keys.pdf), then with --per-paper (plus 400 single PDFs), and a bare
# `typst compile` of the very same generated build folder (print and keys,
# both at once as certexam runs them) for the overhead ratio.
# Each timing is the fastest of RUNS runs (default 3); PER_PAPER=0 skips the
# slow --per-paper run (reported as 0).
# Usage: benches/render.sh [PAPERS]     e.g. benches/render.sh 400
set -euo pipefail
trap 'echo "benches/render.sh: line $LINENO failed" >&2' ERR
cd "$(dirname "$0")/.."
n=${1:-200}
runs=${RUNS:-3}
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
cargo build --release --quiet
bin=$PWD/target/release/certexam
typst=$(command -v typst)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

python3 - "$n" >"$work/roster.csv" <<'PY'
import sys
n = int(sys.argv[1])
print("id,name,department")
for i in range(n):
    print(f"C{i:04d},考生{i},客服部")
PY

# best NAME COMMAND...: runs COMMAND $runs times; keeps the fastest wall time
# in $NAME and that run's CPU time (user + system, all processes) in $NAME_cpu.
# CPU time says more than wall time on a machine shared with other work.
best() {
  local var=$1 line wall cpu min="" min_cpu=""
  shift
  for _ in $(seq "$runs"); do
    line=$( { TIMEFORMAT='%R %U %S'; time "$@" >/dev/null 2>&1; } 2>&1 | tail -n1)
    wall=$(awk '{ print $1 }' <<<"$line")
    cpu=$(awk '{ printf "%.2f", $2 + $3 }' <<<"$line")
    if [ -z "$min" ] || awk -v t="$wall" -v m="$min" 'BEGIN { exit !(t < m) }'; then
      min=$wall
      min_cpu=$cpu
    fi
  done
  printf -v "$var" '%s' "$min"
  printf -v "${var}_cpu" '%s' "$min_cpu"
}
report() { # label wall cpu
  awk -v l="$1" -v t="$2" -v c="$3" -v n="$n" \
    'BEGIN { printf "%-44s %7.2f s wall %6.0f papers/s %7.2f s CPU\n", l, t, n / t, c }'
}

draw() { rm -rf "$work/exam" && "$bin" draw --blueprint examples/blueprint.toml --roster "$work/roster.csv" --seed bench --out "$work/exam"; }
best t_draw draw
render_default() { rm -rf "$work/out" && "$bin" render --papers "$work/exam" --out "$work/out"; }
best t_default render_default
render_per_paper() { rm -rf "$work/out" && "$bin" render --papers "$work/exam" --out "$work/out" --per-paper; }
if [ "${PER_PAPER:-1}" = 1 ]; then best t_per render_per_paper; else t_per=0 t_per_cpu=0; fi
make_all() { rm -rf "$work/made" && "$bin" make --blueprint examples/blueprint.toml --roster "$work/roster.csv" --seed bench --out "$work/made"; }
best t_make make_all

# The same documents, compiled by typst alone from the build folder certexam
# generated, with the very options certexam gave typst (recorded by a
# wrapper): the ratio is certexam's own overhead, not a difference in options.
rm -rf "$work/out" "$work/build"
cat >"$work/typst-log" <<EOF
#!/usr/bin/env bash
# One write per line: certexam runs its compiles at the same time.
[ "\$1" = compile ] && printf '%s\n' "\$(printf '%q ' "\$@")" >>"$work/compiles"
exec "$typst" "\$@"
EOF
chmod +x "$work/typst-log"
CERTEXAM_TYPST="$work/typst-log" "$bin" render --papers "$work/exam" --out "$work/out" --keep-build "$work/build" 2>/dev/null
pages=$(pdfinfo "$work/out/print.pdf" 2>/dev/null | awk '/^Pages:/ { print $2 }')
key_pages=$(pdfinfo "$work/out/keys.pdf" 2>/dev/null | awk '/^Pages:/ { print $2 }')
bare() {
  local line out
  local -a args
  while IFS= read -r line; do
    eval "args=($line)"
    # The last argument is certexam's temporary output file.
    case "${args[-2]}" in *key.typ) out=$work/bare-keys.pdf ;; *) out=$work/bare-print.pdf ;; esac
    "$typst" "${args[@]:0:${#args[@]}-1}" "$out" &
  done <"$work/compiles"
  # Fail when a compile failed, as certexam would.
  local status=0
  for job in $(jobs -p); do wait "$job" || status=1; done
  return "$status"
}
best t_bare bare || true
[ -s "$work/bare-print.pdf" ] || { echo "render.sh: the bare typst compile failed:" >&2; bare >&2; exit 1; }
if cmp -s "$work/bare-print.pdf" "$work/out/print.pdf"; then same=identical; else same=DIFFERENT; fi

echo "certexam render benchmark: $n papers of examples/blueprint.toml, $(nproc) cores, $("$typst" --version)"
echo "print.pdf: ${pages:-?} pages, keys.pdf: ${key_pages:-?} pages; fastest of $runs runs"
report "draw (manifests only)" "$t_draw" "$t_draw_cpu"
report "render: print.pdf + keys.pdf" "$t_default" "$t_default_cpu"
if [ "${PER_PAPER:-1}" = 1 ]; then report "render --per-paper (+ $((2 * n)) single PDFs)" "$t_per" "$t_per_cpu"; fi
report "make (draw + render)" "$t_make" "$t_make_cpu"
report "bare typst compile of the same build folder" "$t_bare" "$t_bare_cpu"
awk -v a="$t_default" -v b="$t_bare" -v ac="$t_default_cpu" -v bc="$t_bare_cpu" \
  'BEGIN { printf "ratio render / bare typst: %.2f (wall), %.2f (CPU)\n", a / b, ac / bc }'
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) (the timings are only meaningful on an idle machine)"
echo "bare typst's print.pdf is ${same} to certexam's"
