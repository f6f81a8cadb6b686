"""Ledger of a small business bank: accounts, transfers, approvals, held payments."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from svckit import Args, Service, ToolError, one, rows  # noqa: E402

svc = Service("bank", str(Path(__file__).resolve().parent))


def _account(conn, account_id):
    return one(conn, "SELECT * FROM accounts WHERE id = ?", account_id, missing=f"no account {account_id}")


def _ref_used(conn, ref):
    used = conn.execute(
        "SELECT (SELECT count(*) FROM transfers WHERE ref = ?) + (SELECT count(*) FROM holds WHERE ref = ?)", (ref, ref)
    ).fetchone()[0]
    if used:
        raise ToolError(f"payment {ref} has already been handled")


@svc.tool(mutates=False)
def list_accounts(conn, args: Args):
    return rows(conn, "SELECT id, owner, balance_cents, status FROM accounts ORDER BY id")


@svc.tool(mutates=False)
def get_account(conn, args: Args):
    account = _account(conn, args.str("account_id"))
    account["transfers"] = rows(
        conn, "SELECT * FROM transfers WHERE src = ? OR dst = ? ORDER BY id", account["id"], account["id"]
    )
    return account


@svc.tool(mutates=True)
def request_approval(conn, args: Args):
    ref, amount = args.str("ref"), args.int("amount_cents")
    if amount <= 0:
        raise ToolError("amount_cents must be positive")
    cur = conn.execute("INSERT INTO approvals (ref, amount_cents) VALUES (?, ?)", (ref, amount))
    return {"approval_id": cur.lastrowid, "ref": ref, "amount_cents": amount, "approved_by": "treasury"}


@svc.tool(mutates=True)
def transfer(conn, args: Args):
    ref, amount = args.str("ref"), args.int("amount_cents")
    src, dst = _account(conn, args.str("from_account")), _account(conn, args.str("to_account"))
    _ref_used(conn, ref)
    if amount <= 0 or src["id"] == dst["id"]:
        raise ToolError("a transfer moves a positive amount between two different accounts")
    if src["balance_cents"] < amount:
        raise ToolError(f"insufficient funds: {src['id']} holds {src['balance_cents']} cents")
    conn.execute("UPDATE accounts SET balance_cents = balance_cents - ? WHERE id = ?", (amount, src["id"]))
    conn.execute("UPDATE accounts SET balance_cents = balance_cents + ? WHERE id = ?", (amount, dst["id"]))
    conn.execute(
        "INSERT INTO transfers (ref, src, dst, amount_cents) VALUES (?, ?, ?, ?)", (ref, src["id"], dst["id"], amount)
    )
    return {"ref": ref, "from": _account(conn, src["id"]), "to": _account(conn, dst["id"])}


@svc.tool(mutates=True)
def hold_payment(conn, args: Args):
    ref = args.str("ref")
    reason = args.choice("reason", ["frozen_account", "insufficient_funds", "unknown_account"])
    _ref_used(conn, ref)
    conn.execute("INSERT INTO holds (ref, reason) VALUES (?, ?)", (ref, reason))
    return {"ref": ref, "held": reason}


@svc.tool(mutates=True)
def freeze_account(conn, args: Args):
    account = _account(conn, args.str("account_id"))
    conn.execute("UPDATE accounts SET status = 'frozen' WHERE id = ?", (account["id"],))
    return _account(conn, account["id"])


@svc.tool(mutates=True)
def unfreeze_account(conn, args: Args):
    account = _account(conn, args.str("account_id"))
    conn.execute("UPDATE accounts SET status = 'active' WHERE id = ?", (account["id"],))
    return _account(conn, account["id"])


if __name__ == "__main__":
    sys.exit(svc.main(sys.argv))
