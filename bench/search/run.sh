#!/usr/bin/env bash
# Search benchmark (issue 8): 1,000,000 documents indexed on disk with the
# jieba tokenizer; 1-, 2- and 3-term queries and plate lookups as a prosecutor
# and as a liaison (audience filter inside the query), 300 each, half sorted by
# relevance and half by date (each search also computes facets and snippets).
#
#   bash bench/search/run.sh              # 1,000,000 documents
#   DOCS=100000 bash bench/search/run.sh
#   REUSE=1 bash bench/search/run.sh   # query the index the last run left
set -euo pipefail
cd "$(dirname "$0")/../.."
DOCS=${DOCS:-1000000}
WORK=${BENCH_DIR:-/tmp/xj-search-bench}
cargo run --locked --quiet --profile bench-fast -p xingjian-search --example bench -- "$DOCS" "$WORK"
du -sh "$WORK"
