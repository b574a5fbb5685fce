#!/usr/bin/env bash
# bench/http — wrk against list pages and the API, on PostgreSQL holding the
# screening lines of 1,000,000 enforcement records and 100,000 clues.
#
#   bash bench/http/run.sh                    # the issue's sizes
#   CASES=100000 CLUES=10000 bash bench/http/run.sh
#   BIN=target/bench-fast/xingjian bash bench/http/run.sh   # an optimised build
#
# Prints p50/p99 per endpoint at 64 and 256 connections (wrk and the server
# share the machine's cores).
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${BIN:-target/debug/xingjian}
CASES=${CASES:-1000000}
CLUES=${CLUES:-100000}
DURATION=${DURATION:-20s}
PG=${PG:-postgres://postgres@127.0.0.1:5432}
DB=${DB:-xj_bench_http}
WORK=${WORK:-/tmp/xj-bench-http}
PORT=${PORT:-18080}
PW=Bench-Pass-2026

[ -x "$BIN" ] || cargo build --bin xingjian
command -v wrk >/dev/null || apt-get install -y -qq wrk >/dev/null
export XINGJIAN_DATABASE_URL="$PG/$DB" XINGJIAN_LOG=warn
x() { "$BIN" --data-dir "$WORK/data" "$@"; }
t() { local s; s=$(date +%s.%N); "$@"; printf '  (%.1f s)\n' "$(echo "$(date +%s.%N) - $s" | bc)"; }

if [ -n "${REUSE:-}" ] && [ -d "$WORK/data" ]; then
  echo "== reusing the office in $WORK"
else
psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB"
rm -rf "$WORK" && mkdir -p "$WORK"
echo "== office: accounts, $CASES cases generated, imported and screened"
echo "$PW" | x user add --username admin --name 管理员 --role admin --password-stdin >/dev/null
echo "$PW" | x user add --username prosecutor --name 王检察官 --role prosecutor --password-stdin >/dev/null
t x demo-data --cases "$CASES" --out "$WORK/gen" >/dev/null
for f in officers vehicle_permits penalty_cases compulsory_measures; do
  t x import "$WORK/gen/$f.csv" --valid-rows | tail -n 1
done
t x screen --as-of 2026-06-30 --out "$WORK/hits.csv" --as prosecutor | tail -n 1

echo "== $CLUES clues"
psql "$PG/$DB" -q <<SQL
INSERT INTO clues (source, title, content, agency_id, status, created_by_name, created_at,
                   received_at, plate, party, updated_at)
SELECT CASE i % 3 WHEN 0 THEN '12309' WHEN 1 THEN 'field_visit' ELSE 'agency_notice' END,
       '线索 ' || i || '：疑似' || CASE i % 4 WHEN 0 THEN '非法营运' WHEN 1 THEN '超限超载'
                                   WHEN 2 THEN '网约车违规' ELSE '执法不规范' END,
       '群众反映车辆豫A' || lpad((i % 99999)::text, 5, '0') || '在上街区' ||
         CASE i % 2 WHEN 0 THEN '火车站一带拉客' ELSE '工业路超载行驶' END,
       (SELECT MIN(id) FROM agencies),
       CASE WHEN i % 5 = 0 THEN 'closed' ELSE 'new' END,
       '王检察官', ts, ts, '豫A' || lpad((i % 99999)::text, 5, '0'), '', ts
FROM generate_series(1, $CLUES) AS i,
     LATERAL (SELECT to_char(timestamp '2023-01-01' + (i || ' minutes')::interval,
                             'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS ts) AS t;
ANALYZE;
SQL
fi
psql "$PG/$DB" -Atc "SELECT 'clues ' || COUNT(*) FROM clues UNION ALL SELECT 'screening lines ' || COUNT(*) FROM screening_hits"

echo "== serve"
"$BIN" --data-dir "$WORK/data" serve --listen "127.0.0.1:$PORT" > "$WORK/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
# The first start indexes everything for search (catch-up from the audit log).
started=$(date +%s)
for _ in $(seq 1800); do grep -q listening "$WORK/serve.log" && break; sleep 1; done
grep -q listening "$WORK/serve.log" || { echo "server did not start" >&2; exit 1; }
echo "  listening after $(( $(date +%s) - started )) s"
base="http://127.0.0.1:$PORT"
jar="$WORK/cookies"
token=$(curl -s -c "$jar" "$base/login" | sed -n 's/.*name="csrf-token" content="\([^"]*\)".*/\1/p')
curl -s -b "$jar" -c "$jar" -o /dev/null -X POST "$base/login" \
  --data-urlencode "_csrf=$token" --data-urlencode username=prosecutor --data-urlencode "password=$PW"
session=$(awk '$6 == "xj_session" { print $7 }' "$jar")
[ -n "$session" ] || { echo "login failed" >&2; exit 1; }
run=$(psql "$PG/$DB" -Atc "SELECT MAX(id) FROM screening_runs")

endpoints=(
  "/clues"
  "/clues?status=new&page=200"
  "/clues?q=%E9%9D%9E%E6%B3%95%E8%90%A5%E8%BF%90"
  "/api/v1/clues?page=100"
  "/screenings/$run"
  "/screenings/$run?rule=XCF-42&page=50"
)
printf '\n| endpoint | connections | requests/s | p50 | p99 | errors |\n|---|---|---|---|---|---|\n'
for c in 64 256; do
  for e in "${endpoints[@]}"; do
    out=$(wrk -t2 -c"$c" -d"$DURATION" --timeout 30s --latency -H "Cookie: xj_session=$session" "$base$e" 2>&1)
    rps=$(echo "$out" | awk '/Requests\/sec/ { print $2 }')
    p50=$(echo "$out" | awk '$1 == "50%" { print $2 }')
    p99=$(echo "$out" | awk '$1 == "99%" { print $2 }')
    errs=$(echo "$out" | awk '/Non-2xx|Socket errors/ { printf "%s ", $0 }')
    printf '| `%s` | %s | %s | %s | %s | %s |\n' "$e" "$c" "$rps" "$p50" "$p99" "${errs:-0}"
  done
done
