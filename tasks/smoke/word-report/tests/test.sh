#!/usr/bin/env bash
# Recomputes the counts from the data and compares them with the agent's report.
mkdir -p /logs/verifier
python3 - <<'PY'
import json, pathlib
data = pathlib.Path("/app/data")
expected = {p.name: len(p.read_text().split()) for p in sorted(data.iterdir()) if p.is_file()}
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
