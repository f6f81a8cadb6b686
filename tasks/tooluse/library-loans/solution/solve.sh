#!/usr/bin/env bash
# Reference handling of the desk log, entry by entry.
set -euo pipefail
lib() { echo "$2" | python3 /opt/library/library.py "$1"; }

cat /opt/library/POLICY.md /work/desk-log.txt >/dev/null
lib get_member '{"member_id": "M-3"}'
lib get_member '{"member_id": "M-1"}'
lib return_book '{"loan_id": 4}'
lib return_book '{"loan_id": 5}'
lib pay_fine '{"member_id": "M-3", "amount_cents": 550}'
lib checkout '{"member_id": "M-3", "isbn": "9780441569595"}'
lib renew '{"loan_id": 1}'
lib place_hold '{"member_id": "M-4", "isbn": "9780553283686"}'
lib checkout '{"member_id": "M-2", "isbn": "9780441013593"}'
