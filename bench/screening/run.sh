#!/usr/bin/env bash
# Screening benchmark (issue 3): 10,000,000 penalty cases + 1,000,000 measures +
# 1,000,000 permits, imported from CSV, screened with every core rule (the lines
# checked against the generator's labels), and four rules compared with DuckDB
# on the same Parquet files, both producing the same lines.
#
#   bash bench/screening/run.sh            # full size
#   CASES=1000000 bash bench/screening/run.sh
#
# Needs ~30 GB free disk in $BENCH_DIR (default /tmp/xj-bench), Python 3 with pip.
set -euo pipefail
cd "$(dirname "$0")/../.."
CASES=${CASES:-10000000}
WORK=${BENCH_DIR:-/tmp/xj-bench}
PROFILE=bench-fast
TIME=/usr/bin/time

cargo build --locked --profile "$PROFILE" --bin xingjian
BIN=${CARGO_TARGET_DIR:-$PWD/target}/$PROFILE/xingjian
python3 -m pip install --quiet 'duckdb>=1.1'

rm -rf "$WORK"
mkdir -p "$WORK"
export XINGJIAN_DATA_DIR="$WORK/data" XINGJIAN_LOG=warn
"$BIN" user add --username bench --name 基准测试 --role admin > /dev/null

echo "== generating $CASES cases"
"$BIN" demo-data --cases "$CASES" --rows-per-file 1000000 --out "$WORK/csv"
ROWS=$(( $(cat "$WORK"/csv/penalty_cases*.csv "$WORK"/csv/compulsory_measures.csv \
            "$WORK"/csv/vehicle_permits.csv "$WORK"/csv/officers.csv | wc -l) ))

echo "== importing CSV → Parquet"
$TIME -f '%e %M' -o "$WORK/import.time" "$BIN" import "$WORK"/csv/officers.csv "$WORK"/csv/vehicle_permits.csv \
  "$WORK"/csv/compulsory_measures.csv "$WORK"/csv/penalty_cases*.csv > "$WORK/import.log"
read -r IMPORT_S IMPORT_KB < "$WORK/import.time"

echo "== screening with every core rule"
$TIME -f '%e %M' -o "$WORK/screen.time" "$BIN" screen --as-of 2026-06-30 --out "$WORK/hits.csv" 2> "$WORK/screen.log"
read -r SCREEN_S SCREEN_KB < "$WORK/screen.time"
cat "$WORK/screen.log"
python3 bench/screening/check_labels.py "$WORK/hits.csv" "$WORK/csv/labels.csv"

echo "== the four compared rules again (three runs), then DuckDB on the same Parquet files"
COMPARED=(--rule PERMIT-HELD --rule REPEAT-OVERLOAD --rule XQZ-25 --rule MONTH-END-SPIKE)
for i in 1 2 3; do
  "$BIN" screen --as-of 2026-06-30 "${COMPARED[@]}" --out "$WORK/compared.csv" 2> "$WORK/compared-$i.log"
done
python3 bench/screening/duckdb_compare.py "$WORK" "$WORK"/compared-[123].log | tee "$WORK/duckdb.txt"

RULES_MS=$(awk '/命中/ {gsub("ms","",$NF); s += $(NF-1)} END {print s}' "$WORK/screen.log")
echo
echo "rows imported:        $((ROWS - 4)) (data rows, all files)"
echo "import:               ${IMPORT_S}s, $(awk -v n=$((ROWS - 4)) -v s="$IMPORT_S" 'BEGIN {printf "%d", n / s}') rows/s, peak RSS $((IMPORT_KB / 1024)) MiB"
echo "all core rules:       $((RULES_MS / 1000)).$(( (RULES_MS % 1000) / 100 ))s engine time (whole command ${SCREEN_S}s incl. storing the lines)"
echo "screening peak RSS:   $((SCREEN_KB / 1024)) MiB"
