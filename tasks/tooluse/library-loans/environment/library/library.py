"""Circulation desk of a public library: members, loans, fines, holds."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from svckit import Args, Service, ToolError, one, rows  # noqa: E402

svc = Service("library", str(Path(__file__).resolve().parent))
TODAY = dt.date(2024, 3, 15)
LOAN_DAYS = 21
FINE_PER_DAY = 25


def _member(conn, member_id):
    member = one(conn, "SELECT * FROM members WHERE id = ?", member_id, missing=f"no member {member_id}")
    member["loans"] = rows(
        conn,
        "SELECT l.id, l.isbn, b.title, l.due, l.renewals FROM loans l JOIN books b ON b.isbn = l.isbn"
        " WHERE l.member_id = ? AND l.returned IS NULL ORDER BY l.id",
        member_id,
    )
    return member


def _book(conn, isbn):
    book = one(conn, "SELECT * FROM books WHERE isbn = ?", isbn, missing=f"no book {isbn}")
    on_loan = conn.execute("SELECT count(*) FROM loans WHERE isbn = ? AND returned IS NULL", (isbn,)).fetchone()[0]
    book["available"] = book["copies"] - on_loan
    book["holds"] = [r["member_id"] for r in rows(conn, "SELECT member_id FROM holds WHERE isbn = ? ORDER BY id", isbn)]
    return book


def _loan(conn, loan_id):
    return one(conn, "SELECT * FROM loans WHERE id = ?", loan_id, missing=f"no loan {loan_id}")


@svc.tool(mutates=False)
def get_member(conn, args: Args):
    return {**_member(conn, args.str("member_id")), "today": TODAY.isoformat()}


@svc.tool(mutates=False)
def search_books(conn, args: Args):
    query = args.str("query").lower()
    found = rows(conn, "SELECT isbn FROM books WHERE lower(title) LIKE ? ORDER BY title", f"%{query}%")
    return [_book(conn, r["isbn"]) for r in found]


@svc.tool(mutates=True)
def checkout(conn, args: Args):
    member, book = _member(conn, args.str("member_id")), _book(conn, args.str("isbn"))
    if book["available"] <= 0:
        raise ToolError(f"no copy of {book['title']!r} is available")
    due = (TODAY + dt.timedelta(days=LOAN_DAYS)).isoformat()
    cur = conn.execute(
        "INSERT INTO loans (member_id, isbn, due, renewals) VALUES (?, ?, ?, 0)", (member["id"], book["isbn"], due)
    )
    conn.execute("DELETE FROM holds WHERE isbn = ? AND member_id = ?", (book["isbn"], member["id"]))
    return {"loan_id": cur.lastrowid, "title": book["title"], "due": due}


@svc.tool(mutates=True)
def return_book(conn, args: Args):
    loan = _loan(conn, args.int("loan_id"))
    if loan["returned"]:
        raise ToolError(f"loan {loan['id']} was returned on {loan['returned']}")
    late = max(0, (TODAY - dt.date.fromisoformat(loan["due"])).days)
    fine = late * FINE_PER_DAY
    conn.execute("UPDATE loans SET returned = ? WHERE id = ?", (TODAY.isoformat(), loan["id"]))
    conn.execute("UPDATE members SET fines_cents = fines_cents + ? WHERE id = ?", (fine, loan["member_id"]))
    return {"loan_id": loan["id"], "days_late": late, "fine_cents": fine}


@svc.tool(mutates=True)
def renew(conn, args: Args):
    loan = _loan(conn, args.int("loan_id"))
    if loan["returned"]:
        raise ToolError(f"loan {loan['id']} was returned")
    if loan["renewals"] >= 2:
        raise ToolError(f"loan {loan['id']} has been renewed twice already")
    due = (dt.date.fromisoformat(loan["due"]) + dt.timedelta(days=LOAN_DAYS)).isoformat()
    conn.execute("UPDATE loans SET due = ?, renewals = renewals + 1 WHERE id = ?", (due, loan["id"]))
    return {"loan_id": loan["id"], "due": due, "renewals": loan["renewals"] + 1}


@svc.tool(mutates=True)
def pay_fine(conn, args: Args):
    member, amount = _member(conn, args.str("member_id")), args.int("amount_cents")
    if amount <= 0 or amount > member["fines_cents"]:
        raise ToolError(f"amount must be between 1 and the {member['fines_cents']} cents owed")
    conn.execute("UPDATE members SET fines_cents = fines_cents - ? WHERE id = ?", (amount, member["id"]))
    conn.execute("INSERT INTO payments (member_id, amount_cents) VALUES (?, ?)", (member["id"], amount))
    return {"member_id": member["id"], "fines_cents": member["fines_cents"] - amount}


@svc.tool(mutates=True)
def waive_fine(conn, args: Args):
    member, amount = _member(conn, args.str("member_id")), args.int("amount_cents")
    amount = min(amount, member["fines_cents"])
    conn.execute("UPDATE members SET fines_cents = fines_cents - ? WHERE id = ?", (amount, member["id"]))
    return {"member_id": member["id"], "fines_cents": member["fines_cents"] - amount}


@svc.tool(mutates=True)
def place_hold(conn, args: Args):
    member, book = _member(conn, args.str("member_id")), _book(conn, args.str("isbn"))
    if member["id"] in book["holds"]:
        raise ToolError(f"{member['id']} already holds {book['title']!r}")
    conn.execute("INSERT INTO holds (isbn, member_id) VALUES (?, ?)", (book["isbn"], member["id"]))
    return {**_book(conn, book["isbn"])}


if __name__ == "__main__":
    sys.exit(svc.main(sys.argv))
