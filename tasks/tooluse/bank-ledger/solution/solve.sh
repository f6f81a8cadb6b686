#!/usr/bin/env bash
# Reference handling: the alert first, then the batch in file order.
set -euo pipefail
bank() { echo "$2" | python3 /opt/bank/bank.py "$1"; }

cat /opt/bank/POLICY.md /work/alerts/*.txt /work/payments.csv >/dev/null
bank list_accounts '{}'
bank freeze_account '{"account_id": "ACC-1007"}'
bank transfer '{"ref": "P-01", "from_account": "ACC-1001", "to_account": "ACC-1002", "amount_cents": 45000}'
bank hold_payment '{"ref": "P-02", "reason": "insufficient_funds"}'
bank request_approval '{"ref": "P-03", "amount_cents": 150000}'
bank transfer '{"ref": "P-03", "from_account": "ACC-1002", "to_account": "ACC-1005", "amount_cents": 150000}'
bank hold_payment '{"ref": "P-04", "reason": "frozen_account"}'
bank hold_payment '{"ref": "P-05", "reason": "frozen_account"}'
bank request_approval '{"ref": "P-06", "amount_cents": 200000}'
bank transfer '{"ref": "P-06", "from_account": "ACC-1005", "to_account": "ACC-1003", "amount_cents": 200000}'
bank transfer '{"ref": "P-07", "from_account": "ACC-1003", "to_account": "ACC-1006", "amount_cents": 30000}'
bank hold_payment '{"ref": "P-08", "reason": "frozen_account"}'
bank transfer '{"ref": "P-09", "from_account": "ACC-1006", "to_account": "ACC-1002", "amount_cents": 30000}'
bank hold_payment '{"ref": "P-10", "reason": "frozen_account"}'
