"""Applying a patch the way swebench's harness does (``run_evaluation.GIT_APPLY_CMDS``).

The commands are tried in order until one succeeds; after a failed attempt the tree is
put back to where it started (a ``--3way`` or ``--reject`` attempt leaves partial state
that would make every later one fail). When every command fails, a patch whose reverse
applies is already in the tree and counts as applied. A patch counts as not applied only
when the whole chain fails, so a patch with a stale context line that ``patch --fuzz=5``
places is graded on its merits, as SWE-bench grades it.

The chain is one bash script run in the container's repository, so it costs one exec;
its last line names the method that applied (:func:`method_of`).
"""

from __future__ import annotations

import re
import shlex

# (method recorded in results, command the patch file is appended to), swebench 5.x's order.
CHAIN: tuple[tuple[str, str], ...] = (
    ("git apply", "git apply --verbose"),
    ("git apply --3way", "git apply --verbose --3way"),
    ("git apply --reject", "git apply --verbose --reject"),
    ("patch --fuzz=5", "patch --batch --forward --fuzz=5 -p1 -i"),
)
ALREADY_APPLIED = "already applied"
PATCH_METHODS: tuple[str, ...] = (*(name for name, _ in CHAIN), ALREADY_APPLIED)
_MARK = "HB-PATCH-METHOD:"
_MARK_RE = re.compile(rf"^{re.escape(_MARK)} (.+)$", re.M)

# Puts the tree back: index and tracked files as at HEAD, files the attempt created
# removed. Untracked files that were there before are left alone (swebench's
# ``git clean -fd`` would remove them too; a task image may keep some on purpose).
_PRELUDE = """hb_before=$(mktemp)
git ls-files -o --exclude-standard -z | sort -z > "$hb_before"
hb_reset() {
  git reset -q >/dev/null 2>&1
  git checkout -q -- . >/dev/null 2>&1
  git ls-files -o --exclude-standard -z | sort -z | comm -z -13 "$hb_before" - | xargs -0 -r rm -f --
}
hb_try() {
  hb_name=$1; shift
  echo "\\$ $* $hb_patch"
  if "$@" "$hb_patch" 2>&1; then rm -f "$hb_before"; echo "HB_MARK $hb_name"; exit 0; fi
}
""".replace("HB_MARK", _MARK)


def chain_script(patch_path: str) -> str:
    """The bash script that applies ``patch_path`` in the current directory (a git work
    tree) with swebench's chain. It exits 0 after printing the method's line, else 1."""
    lines = [f"hb_patch={shlex.quote(patch_path)}", _PRELUDE]
    for n, (name, command) in enumerate(CHAIN):
        if n:
            lines.append("hb_reset")
        lines.append(f"hb_try {shlex.quote(name)} {command}")
    # As swebench does: after the last attempt (no reset), a patch whose reverse applies is in.
    lines.append(
        f'if git apply --check --reverse "$hb_patch" >/dev/null 2>&1; then rm -f "$hb_before"; '
        f"echo {shlex.quote(_MARK + ' ' + ALREADY_APPLIED)}; exit 0; fi"
    )
    lines.append('rm -f "$hb_before"; echo "the patch applies with none of: git apply, --3way, --reject, patch"')
    lines.append("exit 1")
    return "\n".join(lines) + "\n"


def method_of(output: str) -> str | None:
    """The method a chain script's output says applied the patch, or None."""
    found = _MARK_RE.findall(output)
    return found[-1].strip() if found and found[-1].strip() in PATCH_METHODS else None


def failure_summary(output: str, limit: int = 300) -> str:
    """The first command's complaint in a failed chain's output, in a line."""
    lines = [line for line in output.splitlines() if not line.startswith(_MARK)]
    starts = [n for n, line in enumerate(lines) if line.startswith("$ ")]
    first = lines[: starts[1]] if len(starts) > 1 else lines
    return " ".join(line.strip() for line in first if line.strip())[:limit]
