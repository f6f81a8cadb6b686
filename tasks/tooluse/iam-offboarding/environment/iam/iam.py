"""Identity and access management: accounts, groups, API keys, owned resources."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from svckit import Args, Service, ToolError, one, rows  # noqa: E402

svc = Service("iam", str(Path(__file__).resolve().parent))


def _user(conn, login):
    user = one(conn, "SELECT * FROM users WHERE login = ?", login, missing=f"no user {login}")
    user["groups"] = [r["grp"] for r in rows(conn, "SELECT grp FROM memberships WHERE login = ? ORDER BY grp", login)]
    return user


def _group(conn, name):
    return one(conn, "SELECT * FROM groups WHERE name = ?", name, missing=f"no group {name}")


@svc.tool(mutates=False)
def get_user(conn, args: Args):
    return _user(conn, args.str("login"))


@svc.tool(mutates=False)
def list_resources(conn, args: Args):
    return rows(conn, "SELECT * FROM resources WHERE owner = ? ORDER BY id", args.str("owner"))


@svc.tool(mutates=False)
def list_api_keys(conn, args: Args):
    return rows(conn, "SELECT * FROM api_keys WHERE login = ? ORDER BY id", args.str("login"))


@svc.tool(mutates=True)
def transfer_resource(conn, args: Args):
    resource = one(conn, "SELECT * FROM resources WHERE id = ?", args.str("resource_id"), missing="no such resource")
    new_owner = _user(conn, args.str("new_owner"))
    if new_owner["status"] != "active":
        raise ToolError(f"{new_owner['login']} is {new_owner['status']}")
    conn.execute("UPDATE resources SET owner = ? WHERE id = ?", (new_owner["login"], resource["id"]))
    return {**resource, "owner": new_owner["login"]}


@svc.tool(mutates=True)
def revoke_api_key(conn, args: Args):
    key = one(conn, "SELECT * FROM api_keys WHERE id = ?", args.str("key_id"), missing="no such key")
    if not key["active"]:
        raise ToolError(f"key {key['id']} is already revoked")
    conn.execute("UPDATE api_keys SET active = 0 WHERE id = ?", (key["id"],))
    return {**key, "active": 0}


@svc.tool(mutates=True)
def add_to_group(conn, args: Args):
    user, group = _user(conn, args.str("login")), _group(conn, args.str("group"))
    if group["name"] in user["groups"]:
        raise ToolError(f"{user['login']} is already in {group['name']}")
    conn.execute("INSERT INTO memberships (login, grp) VALUES (?, ?)", (user["login"], group["name"]))
    return _user(conn, user["login"])


@svc.tool(mutates=True)
def remove_from_group(conn, args: Args):
    user, group = _user(conn, args.str("login")), _group(conn, args.str("group"))
    if group["name"] not in user["groups"]:
        raise ToolError(f"{user['login']} is not in {group['name']}")
    conn.execute("DELETE FROM memberships WHERE login = ? AND grp = ?", (user["login"], group["name"]))
    return _user(conn, user["login"])


@svc.tool(mutates=True)
def disable_user(conn, args: Args):
    user = _user(conn, args.str("login"))
    conn.execute("UPDATE users SET status = 'disabled' WHERE login = ?", (user["login"],))
    return _user(conn, user["login"])


@svc.tool(mutates=True)
def delete_user(conn, args: Args):
    user = _user(conn, args.str("login"))
    for table in ("memberships", "api_keys"):
        conn.execute(f"DELETE FROM {table} WHERE login = ?", (user["login"],))
    conn.execute("DELETE FROM users WHERE login = ?", (user["login"],))
    return {"deleted": user["login"]}


if __name__ == "__main__":
    sys.exit(svc.main(sys.argv))
