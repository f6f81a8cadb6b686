#!/usr/bin/env bash
# Reference changes: approved tickets in number order.
set -euo pipefail
dns() { echo "$2" | python3 /opt/dns/dns.py "$1"; }

cat /opt/dns/POLICY.md /work/changes/*.md >/dev/null
dns list_records '{}'
dns update_record '{"ticket": "CHG-101", "record_id": 7, "value": "203.0.113.20", "ttl": 300}'
dns add_record '{"ticket": "CHG-103", "name": "status", "type": "CNAME", "value": "status.example-hosting.net.", "ttl": 300}'
dns delete_record '{"ticket": "CHG-104", "record_id": 10}'
dns delete_record '{"ticket": "CHG-104", "record_id": 13}'
dns delete_record '{"ticket": "CHG-104", "record_id": 9}'
dns update_record '{"ticket": "CHG-105", "record_id": 6, "value": "v=spf1 include:_spf.new-mail.net ~all"}'
dns update_record '{"ticket": "CHG-106", "record_id": 4, "value": "10 mx.new-mail.net."}'
