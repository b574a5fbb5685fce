"""Compare a screening's hit export with the generator's labels: the same
(rule, outcome, table, agency, record) lines, no more, no fewer."""
import csv
import sys

KEY = ["rule_id", "outcome", "table", "agency", "record_key"]


def lines(path):
    with open(path, encoding="utf-8-sig", newline="") as f:
        return sorted(tuple(row[c] for c in KEY) for row in csv.DictReader(f))


hits, labels = lines(sys.argv[1]), lines(sys.argv[2])
if hits == labels:
    print(f"correctness: the {len(hits):,} lines equal labels.csv exactly")
    sys.exit(0)
extra, missing = sorted(set(hits) - set(labels)), sorted(set(labels) - set(hits))
print(f"correctness: MISMATCH — {len(hits):,} lines vs {len(labels):,} labels; "
      f"{len(extra)} not labelled, {len(missing)} labelled but missing")
for line in (extra[:5] + missing[:5]):
    print("  ", line)
sys.exit(1)
