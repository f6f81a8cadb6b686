#!/usr/bin/env bash
# Reference actions for the six requests in /work/inbox, in the order they arrived.
set -euo pipefail
shop() { echo "$2" | python3 /opt/shop/shop.py "$1"; }

cat /work/inbox/*.txt /opt/shop/POLICY.md >/dev/null
# 01 carol: cancel 1003 (placed, hers)
shop get_order '{"order_id": 1003}'
shop cancel_order '{"order_id": 1003}'
# 02 dan: full refund of 1004, over $500: approval first
shop get_order '{"order_id": 1004}'
shop request_approval '{"order_id": 1004, "amount_cents": 129900}'
shop refund_order '{"order_id": 1004, "amount_cents": 129900}'
# 03 erin: 1005 has shipped (flag it), 1009 is placed (cancel it)
shop get_order '{"order_id": 1005}'
shop flag_order '{"order_id": 1005, "code": "cancel_after_ship"}'
shop get_order '{"order_id": 1009}'
shop cancel_order '{"order_id": 1009}'
# 04 bob asks about alice's order 1006
shop get_order '{"order_id": 1006}'
shop flag_order '{"order_id": 1006, "code": "requester_mismatch"}'
# 05 carol: refund $29.00 on 1008
shop refund_order '{"order_id": 1008, "amount_cents": 2900}'
# 06 alice: refund half of 1001
shop refund_order '{"order_id": 1001, "amount_cents": 4450}'
