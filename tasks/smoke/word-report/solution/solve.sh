#!/usr/bin/env bash
set -euo pipefail
cd /app/data
{
  printf '{'
  sep=''
  for f in *; do
    [ -f "$f" ] || continue
    printf '%s"%s": %d' "$sep" "$f" "$(wc -w < "$f")"
    sep=', '
  done
  printf '}\n'
} > /app/report.json
