"""Run four rules' queries with DuckDB on the same Parquet datasets and compare
with Xingjian's per-rule times and counts (from `xingjian screen`'s log).

Both sides produce the same lines: the rule's query under the engine's wrapper
(`WHERE violated IS NOT FALSE`, every output column, explanations included),
materialised (DuckDB into a temporary table; Xingjian into its line structs).
Counting alone would let DuckDB skip building the explanations.

The rule files are read as Xingjian reads them; a few DataFusion function names
are mapped to DuckDB's (same meaning), everything else is the rule's own SQL.

Each side's figure is its best of the same number of runs (this machine's run-to-run
spread is ±30 %): Xingjian's from the `xingjian screen` logs given (one process per
run), DuckDB's from as many runs of the query in this process.

    python3 duckdb_compare.py WORK_DIR SCREEN_LOG...
"""
import glob
import os
import re
import sys
import time
import tomllib

import duckdb

RULES = ["PERMIT-HELD", "REPEAT-OVERLOAD", "XQZ-25", "MONTH-END-SPIKE"]
AS_OF = "2026-06-30"
root = os.path.join(os.path.dirname(__file__), "..", "..", "crates", "rules", "core")
work, logs = sys.argv[1], sys.argv[2:]

ours = {}  # rule → (hits, incomplete, best ms)
for log in logs:
    for line in open(log, encoding="utf-8"):
        m = re.match(r"\s+(\S+)\s+命中\s+(\d+)\s+资料不全\s+(\d+)\s+(\d+) ms", line)
        if m:
            h, i, ms = int(m.group(2)), int(m.group(3)), int(m.group(4))
            prev = ours.get(m.group(1))
            if prev is not None and prev[:2] != (h, i):
                sys.exit(f"{m.group(1)}: counts differ between runs: {prev[:2]} vs {(h, i)}")
            ours[m.group(1)] = (h, i, ms if prev is None else min(prev[2], ms))
runs = len(logs)

con = duckdb.connect()
con.execute(f"SET threads TO {os.cpu_count()}")
objects = os.path.join(work, "data", "objects", "datasets")
# Date-times are stored as Arrow Timestamp(Second), which Parquet keeps as plain
# INT64 seconds; DuckDB reads them as BIGINT, so the view turns them back.
REPLACE = {
    "compulsory_measures": " REPLACE (make_timestamp(start_time * 1000000) AS start_time, "
    "make_timestamp(approval_time * 1000000) AS approval_time)",
}
for table in ["penalty_cases", "compulsory_measures", "officers", "vehicle_permits"]:
    files = sorted(glob.glob(os.path.join(objects, table, "*.parquet")))
    # `_key` as the engine makes it: file position × 2³² + row
    scans = " UNION ALL ".join(
        f"SELECT *{REPLACE.get(table, '')}, {i} * 4294967296 + _row AS _key FROM read_parquet('{f}')"
        for i, f in enumerate(files)
    )
    con.execute(f"CREATE VIEW {table} AS {scans}")
con.execute("CREATE TABLE agencies (id BIGINT, name VARCHAR, kind VARCHAR)")
con.execute("CREATE MACRO days_between(a, b) AS (b - a)")
con.execute("CREATE MACRO seconds_between(a, b) AS (epoch(b) - epoch(a))")
con.execute("CREATE MACRO to_char(t, f) AS strftime(t, f)")


def sql_of(rule_id):
    with open(os.path.join(root, rule_id + ".toml"), "rb") as f:
        rule = tomllib.load(f)
    sql = rule["sql"].replace("${as_of}", f"DATE '{AS_OF}'")
    for name, p in rule.get("params", {}).items():
        v = p["default"]
        lit = str(v) if isinstance(v, (int, float)) else f"'{v}'"
        if isinstance(v, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", v):
            lit = f"DATE '{v}'"
        sql = sql.replace("${" + name + "}", lit)
    # DataFusion's ordered-aggregate first_value is DuckDB's first
    sql = re.sub(r"\bfirst_value\(", "first(", sql)
    return (
        "CREATE OR REPLACE TEMP TABLE xj_lines AS SELECT CAST(r.agency_id AS BIGINT) AS agency_id, "
        "CAST(r.record_key AS VARCHAR) AS record_key, r.violated, CAST(r.explanation AS VARCHAR) AS explanation, "
        "CAST(r.officers AS VARCHAR) AS officers, CAST(r._file AS VARCHAR) AS _file, CAST(r._row AS BIGINT) AS _row "
        f"FROM ({sql}) r WHERE r.violated IS NOT FALSE"
    )


COUNT = (
    "SELECT count(*) FILTER (WHERE violated) AS hits, count(*) FILTER (WHERE violated IS NULL) AS incomplete "
    "FROM xj_lines"
)


print(f"DuckDB {duckdb.__version__}; best of {runs} runs each")
print(f"{'rule':<18} {'xingjian ms':>12} {'duckdb ms':>10} {'ratio':>6}  counts (ours / duckdb)")
for rid in RULES:
    q = sql_of(rid)
    ms = None
    for _ in range(runs):
        t0 = time.perf_counter()
        con.execute(q)
        t = (time.perf_counter() - t0) * 1000
        ms = t if ms is None else min(ms, t)
    hits, incomplete = con.execute(COUNT).fetchone()
    h, i, our_ms = ours.get(rid, (None, None, None))
    ratio = f"{our_ms / ms:.2f}" if our_ms is not None else "?"
    print(f"{rid:<18} {our_ms:>12} {ms:>10.0f} {ratio:>6}  {h}/{i} vs {hits}/{incomplete}")
