#!/usr/bin/env bash
# Benchmark: draw papers of the example blueprint for 1,000 / 10,000 /
# 20,000 candidates from the shipped bank (release build), to show the time
# and that it grows linearly. Papers are written to memory (/dev/shm) to
# measure certexam itself, then to the work disk, which adds the file
# system's cost of creating that many files. Usage: benches/draw.sh
source "$(dirname "$0")/common.sh"
mem=$(mktemp -d -p /dev/shm 2>/dev/null || mktemp -d)
trap 'rm -rf "$work" "$mem"' EXIT
for n in 1000 10000 20000; do
  make_roster "$n" "$work/roster-$n.csv"
  for target in "$mem" "$work"; do
    where=$([ "$target" = "$mem" ] && echo memory || echo disk)
    start=$(date +%s.%N)
    "$bin" draw --blueprint examples/blueprint.toml --roster "$work/roster-$n.csv" \
      --seed bench --out "$target/out-$n" 2>/dev/null
    end=$(date +%s.%N)
    awk -v n="$n" -v s="$start" -v e="$end" -v w="$where" \
      'BEGIN { t = e - s; printf "draw %6d candidates to %-6s: %6.2f s  (%7.0f papers/s)\n", n, w, t, n / t }'
    rm -rf "$target/out-$n"
  done
done
