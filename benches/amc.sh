#!/usr/bin/env bash
# Benchmark: making a session's printed material with certexam against Auto
# Multiple Choice's `prepare` (Debian package auto-multiple-choice, with
# texlive-xetex and texlive-lang-chinese for the Chinese text).
#
#   certexam make: N papers drawn from the shipped bank by the example
#     blueprint, print bundles, compact keys and explanations.pdf;
#   AMC prepare --mode s: N copies from the same bank and blueprint
#     (benches/amc_source.py: one group per section and category, the same
#     counts drawn, questions and options shuffled, separate answer sheet),
#     the subject, one solution and the catalog, compiled by xelatex.
#
# Each is run RUNS times (default 1; AMC at 200 copies takes minutes); the
# figures are wall and CPU time (user + system, all child processes) and
# the ratio AMC / certexam of each.
# Usage: benches/amc.sh [COPIES]        e.g. benches/amc.sh 200
source "$(dirname "$0")/common.sh"
n=${1:-200}
runs=${RUNS:-1}
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
command -v auto-multiple-choice >/dev/null || {
  echo "benches/amc.sh: needs auto-multiple-choice (apt-get install --no-install-recommends auto-multiple-choice texlive-xetex texlive-lang-chinese fonts-noto-cjk)" >&2
  exit 2
}
make_roster "$n" "$work/roster.csv"
python3 benches/amc_source.py question_bank examples/blueprint.toml "$n" >"$work/amc.tex"

# measure VAR COMMAND...: fastest of $runs runs, wall and CPU in $VAR, ${VAR}_cpu.
measure() {
  local var=$1 best="" best_cpu="" t wall cpu
  shift
  for _ in $(seq "$runs"); do
    t=$( { TIMEFORMAT='%R %U %S'; time "$@" >/dev/null 2>&1; } 2>&1 | tail -n1)
    wall=$(awk '{ print $1 }' <<<"$t")
    cpu=$(awk '{ printf "%.2f", $2 + $3 }' <<<"$t")
    if [ -z "$best" ] || awk -v a="$wall" -v b="$best" 'BEGIN { exit !(a < b) }'; then
      best=$wall best_cpu=$cpu
    fi
  done
  printf -v "$var" '%s' "$best"
  printf -v "${var}_cpu" '%s' "$best_cpu"
}
certexam_make() {
  rm -rf "$work/made"
  "$bin" make --blueprint examples/blueprint.toml --roster "$work/roster.csv" --seed bench --out "$work/made"
}
amc_prepare() {
  rm -rf "$work/amc" && mkdir -p "$work/amc/data"
  (cd "$work/amc" && auto-multiple-choice prepare --mode s --with xelatex \
    --prefix "$work/amc/" --data "$work/amc/data" "$work/amc.tex")
}
measure c certexam_make
measure a amc_prepare
[ -s "$work/amc/sujet.pdf" ] || { echo "benches/amc.sh: AMC made no subject" >&2; exit 1; }
pages() { pdfinfo "$1" | awk '/^Pages:/ { print $2 }'; }
c_pages=0
for f in "$work"/made/print/*.pdf "$work"/made/keys/*.pdf "$work"/made/explanations.pdf; do
  [ -f "$f" ] && c_pages=$((c_pages + $(pages "$f")))
done
a_pages=$(( $(pages "$work/amc/sujet.pdf") + $(pages "$work/amc/corrige.pdf") + $(pages "$work/amc/catalog.pdf") ))
printf '%-40s %8.2f s wall %8.2f s CPU  %6d pages\n' "certexam make ($n papers)" "$c" "$c_cpu" "$c_pages"
printf '%-40s %8.2f s wall %8.2f s CPU  %6d pages\n' "AMC prepare ($n copies)" "$a" "$a_cpu" "$a_pages"
awk -v a="$a" -v c="$c" -v ac="$a_cpu" -v cc="$c_cpu" \
  'BEGIN { printf "AMC / certexam: %.1fx wall, %.1fx CPU\n", a / c, ac / cc }'
