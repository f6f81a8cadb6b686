"""Order and inventory service of a small web shop."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from svckit import Args, Service, ToolError, one, rows  # noqa: E402

svc = Service("shop", str(Path(__file__).resolve().parent))
FLAG_CODES = ["cancel_after_ship", "requester_mismatch", "address_problem"]


def _order(conn, order_id):
    order = one(conn, "SELECT * FROM orders WHERE id = ?", order_id, missing=f"no order {order_id}")
    order["items"] = rows(conn, "SELECT sku, qty FROM order_items WHERE order_id = ? ORDER BY sku", order_id)
    order["flags"] = [r["code"] for r in rows(conn, "SELECT code FROM flags WHERE order_id = ?", order_id)]
    return order


@svc.tool(mutates=False)
def find_orders(conn, args: Args):
    customer, status = args.str("customer", False), args.str("status", False)
    sql, params = "SELECT id, customer, status, total_cents FROM orders WHERE 1=1", []
    if customer:
        sql, params = sql + " AND customer = ?", [*params, customer]
    if status:
        sql, params = sql + " AND status = ?", [*params, status]
    return rows(conn, sql + " ORDER BY id", *params)


@svc.tool(mutates=False)
def get_order(conn, args: Args):
    return _order(conn, args.int("order_id"))


@svc.tool(mutates=False)
def get_product(conn, args: Args):
    sku = args.str("sku")
    return one(conn, "SELECT * FROM products WHERE sku = ?", sku, missing=f"no product {sku}")


@svc.tool(mutates=True)
def cancel_order(conn, args: Args):
    order = _order(conn, args.int("order_id"))
    if order["status"] != "placed":
        raise ToolError(f"order {order['id']} is {order['status']}; only placed orders can be cancelled")
    for item in order["items"]:
        conn.execute("UPDATE products SET stock = stock + ? WHERE sku = ?", (item["qty"], item["sku"]))
    conn.execute("UPDATE orders SET status = 'cancelled' WHERE id = ?", (order["id"],))
    return {"order_id": order["id"], "status": "cancelled", "restocked": order["items"]}


@svc.tool(mutates=True)
def request_approval(conn, args: Args):
    order = _order(conn, args.int("order_id"))
    amount = args.int("amount_cents")
    if amount <= 0:
        raise ToolError("amount_cents must be positive")
    cur = conn.execute("INSERT INTO approvals (order_id, amount_cents) VALUES (?, ?)", (order["id"], amount))
    return {"approval_id": cur.lastrowid, "order_id": order["id"], "amount_cents": amount, "approved_by": "manager"}


@svc.tool(mutates=True)
def refund_order(conn, args: Args):
    order = _order(conn, args.int("order_id"))
    amount = args.int("amount_cents")
    if order["status"] not in ("shipped", "delivered", "refunded"):
        raise ToolError(f"order {order['id']} is {order['status']}; only shipped or delivered orders are refunded")
    if amount <= 0 or order["refunded_cents"] + amount > order["total_cents"]:
        raise ToolError(f"refund of {amount} cents exceeds what is left of order {order['id']}")
    conn.execute("INSERT INTO refunds (order_id, amount_cents) VALUES (?, ?)", (order["id"], amount))
    refunded = order["refunded_cents"] + amount
    status = "refunded" if refunded == order["total_cents"] else order["status"]
    conn.execute("UPDATE orders SET refunded_cents = ?, status = ? WHERE id = ?", (refunded, status, order["id"]))
    return {"order_id": order["id"], "refunded_cents": refunded, "status": status}


@svc.tool(mutates=True)
def flag_order(conn, args: Args):
    order = _order(conn, args.int("order_id"))
    code = args.choice("code", FLAG_CODES)
    if code in order["flags"]:
        raise ToolError(f"order {order['id']} already has flag {code}")
    conn.execute("INSERT INTO flags (order_id, code) VALUES (?, ?)", (order["id"], code))
    return {"order_id": order["id"], "flags": [*order["flags"], code]}


if __name__ == "__main__":
    sys.exit(svc.main(sys.argv))
