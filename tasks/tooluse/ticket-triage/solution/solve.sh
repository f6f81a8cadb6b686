#!/usr/bin/env bash
# Reference triage: tickets in ascending id, first matching policy rule.
set -euo pipefail
hd() { echo "$2" | python3 /opt/helpdesk/helpdesk.py "$1"; }

cat /opt/helpdesk/POLICY.md /work/oncall.txt /work/blocklist.txt >/dev/null
hd list_tickets '{"status": "open"}'
hd list_engineers '{}'
hd set_priority '{"ticket_id": 201, "priority": "P1"}'
hd assign_ticket '{"ticket_id": 201, "handle": "gus"}'
hd set_priority '{"ticket_id": 202, "priority": "P1"}'
hd assign_ticket '{"ticket_id": 202, "handle": "chen"}'
hd assign_ticket '{"ticket_id": 203, "handle": "gus"}'
hd assign_ticket '{"ticket_id": 204, "handle": "dee"}'
hd close_ticket '{"ticket_id": 205, "resolution": "duplicate", "duplicate_of": 201}'
hd set_priority '{"ticket_id": 206, "priority": "P1"}'
hd assign_ticket '{"ticket_id": 206, "handle": "dee"}'
hd assign_ticket '{"ticket_id": 207, "handle": "hal"}'
hd close_ticket '{"ticket_id": 208, "resolution": "duplicate", "duplicate_of": 204}'
hd assign_ticket '{"ticket_id": 209, "handle": "chen"}'
hd close_ticket '{"ticket_id": 210, "resolution": "wontfix"}'
hd assign_ticket '{"ticket_id": 211, "handle": "eli"}'
