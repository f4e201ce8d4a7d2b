#!/usr/bin/env bash
# The test command (README, CI): install what is missing, then check the
# formatting, lint, and run every test — rendering tests run the real typst,
# read PDFs back with poppler, and check signatures with the real minisign.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --tests
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
# rustfmt and clippy ship as rustup components; add them if this toolchain lacks them.
for component in rustfmt clippy; do
  if ! cargo "${component/rustfmt/fmt}" --version >/dev/null 2>&1 && command -v rustup >/dev/null 2>&1; then
    rustup component add "$component"
  fi
done
cargo fmt --check
cargo clippy --all-targets --locked -- -D warnings
cargo test --locked
