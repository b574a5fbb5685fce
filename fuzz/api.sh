#!/usr/bin/env bash
# Schemathesis against the JSON API's OpenAPI document, on a demo office:
# every operation (except signing in and out) with generated valid and invalid
# input, as an administrator; the check is "no server error" (5xx).
#   bash fuzz/api.sh                  # CI: fixed seed, 30 examples per operation
#   EXAMPLES=500 SEED= bash fuzz/api.sh   # longer, random
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-target/debug/xingjian}
PORT=${PORT:-18090}
EXAMPLES=${EXAMPLES:-30}
SEED=${SEED-20231016}
command -v st >/dev/null 2>&1 || pip install -q --disable-pip-version-check --root-user-action=ignore 'schemathesis==4.*'
work=$(mktemp -d)
"$BIN" --data-dir "$work" serve --demo --listen "127.0.0.1:$PORT" \
  > "$work/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 300); do grep -q listening "$work/serve.log" && break; sleep 1; done
grep -q listening "$work/serve.log" || { cat "$work/serve.log"; exit 1; }
pw=$(awk '$1 == "admin" { print $2 }' "$work/serve.log")
base="http://127.0.0.1:$PORT"
csrf=$(curl -sf -c "$work/jar" -H 'Content-Type: application/json' \
  -d "{\"username\":\"admin\",\"password\":\"$pw\"}" "$base/api/v1/session" \
  | sed -n 's/.*"csrf_token":"\([^"]*\)".*/\1/p')
session=$(awk '$6 == "xj_session" { print $7 }' "$work/jar")
[ -n "$session" ] && [ -n "$csrf" ] || { echo "login failed" >&2; exit 1; }
seed=()
[ -n "$SEED" ] && seed=(--seed "$SEED" --generation-deterministic)
st run "$base/api/v1/openapi.json" --url "$base" \
  --checks not_a_server_error \
  --header "Cookie: xj_session=$session" --header "X-CSRF-Token: $csrf" \
  --exclude-path /api/v1/session \
  --max-examples "$EXAMPLES" "${seed[@]}" --no-color 2>&1 | tail -n 25
