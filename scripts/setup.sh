#!/usr/bin/env bash
# Installs what certexam needs on a Debian/Ubuntu machine, skipping whatever is
# already there: typst (pinned, built with cargo), a CJK font, poppler-utils
# (pdftotext, pdffonts, pdftoppm) and minisign. With --tests (what
# scripts/test.sh and CI use) also LibreOffice Calc, util-linux's prlimit,
# npm (gift-pegjs) and GNU parallel, which only the tests need (they open the
# XLSX export, fill a disk, parse the GIFT export and run shards).
# Safe to run again and again.
set -euo pipefail

for_tests=false
for arg in "$@"; do
  case "$arg" in
    --tests) for_tests=true ;;
    *) printf 'setup: unknown option %s (the only one is --tests)\n' "$arg" >&2; exit 2 ;;
  esac
done

TYPST_VERSION=0.15.1

say() { printf 'setup: %s\n' "$*" >&2; }

sudo_if_needed() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    say "need root to run: $*"; return 1; fi
}

packages=()
command -v pdftotext >/dev/null 2>&1 || packages+=(poppler-utils)
command -v minisign >/dev/null 2>&1 || packages+=(minisign)
command -v fc-list >/dev/null 2>&1 || packages+=(fontconfig)
if $for_tests; then
  # The archive test reads exported XLSX back through LibreOffice (headless)
  # and fills a disk with prlimit; neither is needed to use certexam.
  command -v libreoffice >/dev/null 2>&1 || packages+=(libreoffice-calc)
  command -v prlimit >/dev/null 2>&1 || packages+=(util-linux)
  # The GIFT export is read back by gift-pegjs, from npm, under node.
  command -v npm >/dev/null 2>&1 || packages+=(npm)
  # The shard tests run `render --shard K/N`, `grade --shard K/N` and scans room
  # by room through GNU parallel, as the README shows.
  command -v parallel >/dev/null 2>&1 || packages+=(parallel)
fi
if ! command -v fc-list >/dev/null 2>&1 || [ -z "$(fc-list :lang=zh family 2>/dev/null)" ]; then
  packages+=(fonts-noto-cjk)
fi

have_typst() {
  command -v typst >/dev/null 2>&1 && typst --version 2>/dev/null | grep -q "typst ${TYPST_VERSION}"
}
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
if ! have_typst; then
  # typst-kit links OpenSSL; building it needs the headers.
  command -v pkg-config >/dev/null 2>&1 || packages+=(pkg-config)
  dpkg -s libssl-dev >/dev/null 2>&1 || packages+=(libssl-dev)
fi

if [ ${#packages[@]} -gt 0 ]; then
  if command -v apt-get >/dev/null 2>&1; then
    say "installing ${packages[*]}"
    sudo_if_needed apt-get update -qq
    DEBIAN_FRONTEND=noninteractive sudo_if_needed apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
  else
    say "please install: ${packages[*]} (no apt-get on this machine)"
    exit 1
  fi
fi

if ! have_typst; then
  say "building typst ${TYPST_VERSION} with cargo (a few minutes, once)"
  cargo install --locked "typst-cli@${TYPST_VERSION}" --no-default-features --features embedded-fonts
fi
gift_dir="$(cd "$(dirname "$0")/.." && pwd)/target/gift-pegjs"
if $for_tests && [ ! -f "$gift_dir/node_modules/gift-pegjs/package.json" ]; then
  say "installing gift-pegjs 1.0.2 (npm) for the GIFT export test"
  npm install --no-save --no-audit --no-fund --prefix "$gift_dir" gift-pegjs@1.0.2 >/dev/null
fi
say "ready: $(typst --version), $(pdftotext -v 2>&1 | head -n1), minisign $(minisign -v 2>&1 | head -n1)"
