#!/usr/bin/env bash
# Fuzz the importers and the cell parsers with cargo-fuzz (libFuzzer, nightly).
#   bash fuzz/run.sh                 # CI: each target for a fixed number of runs, fixed seed
#   FUZZ_SECONDS=3600 bash fuzz/run.sh   # a long run: an hour per target, random seed
# Findings are written to fuzz/artifacts/<target>/ with the input that crashed.
set -euo pipefail
cd "$(dirname "$0")"
rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
cargo fuzz --version >/dev/null 2>&1 || cargo install cargo-fuzz --locked
for t in import_csv import_xlsx values; do
  mkdir -p "corpus/$t"
  cp -n seeds/"$t"/* "corpus/$t/" 2>/dev/null || true
done
if [ -n "${FUZZ_SECONDS:-}" ]; then
  limit=(-max_total_time="$FUZZ_SECONDS")
else
  limit=(-runs="${FUZZ_RUNS:-30000}" -seed=1)
fi
for t in import_csv import_xlsx values; do
  echo "== fuzz $t"
  cargo +nightly fuzz run --release "$t" "corpus/$t" -- "${limit[@]}" -max_len=65536 -timeout=10 -rss_limit_mb=2048 2>&1 | tail -n 3
done
