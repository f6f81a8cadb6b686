#!/usr/bin/env bash
# Compares the agent's report with the counts of the data as shipped. They are written
# here, not recomputed from /app/data: the agent could have changed or deleted the data.
mkdir -p /logs/verifier
python3 - <<'PY'
import json, pathlib
expected = {"a.txt": 9, "b.txt": 4, "c.txt": 8, "empty.txt": 0}
try:
    got = json.loads(pathlib.Path("/app/report.json").read_text())
except (OSError, ValueError) as exc:
    print(f"report.json unreadable: {exc}")
    got = None
ok = got == expected
print("expected", expected)
print("got", got)
pathlib.Path("/logs/verifier/reward.txt").write_text("1" if ok else "0")
PY
