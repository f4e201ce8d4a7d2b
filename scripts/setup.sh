#!/usr/bin/env bash
# Installs what certexam needs on a Debian/Ubuntu machine, skipping whatever is
# already there: typst (pinned, built with cargo), a CJK font, poppler-utils
# (pdftotext, pdffonts, pdftoppm), minisign, LibreOffice Calc (XLSX test) and GNU
# parallel (shard test). Safe to run again and again.
set -euo pipefail

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
# The archive test reads exported XLSX back through LibreOffice (headless).
command -v libreoffice >/dev/null 2>&1 || packages+=(libreoffice-calc)
# The shard test runs `render --shard K/N` through GNU parallel, as the README shows.
command -v parallel >/dev/null 2>&1 || packages+=(parallel)
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
say "ready: $(typst --version), $(pdftotext -v 2>&1 | head -n1), minisign $(minisign -v 2>&1 | head -n1)"
