"""Which of the agent's changes same-mode grading puts back from the image, sets aside or
leaves: the sorting only (the copies themselves run in tests/e2e/test_same_mode.py and the
adversarial suite)."""

from __future__ import annotations

from horizonbench.grading.runtime import plan
from horizonbench.sandbox.overlay import CHANGE_ADDED, CHANGE_DELETED, CHANGE_MODIFIED

SITE = "/usr/local/lib/python3.11/site-packages"


def test_changed_runtime_files_are_put_back_and_the_rest_left() -> None:
    todo = plan(
        [
            ("/usr/bin/bash", CHANGE_MODIFIED),
            ("/usr/local/bin/python3.11", CHANGE_MODIFIED),
            ("/usr/bin/curl", CHANGE_MODIFIED),  # test.sh fetches its tools with it
            ("/usr/lib/python3.11/json/__init__.py", CHANGE_DELETED),
            (f"{SITE}/_pytest/runner.py", CHANGE_MODIFIED),
            ("/usr/lib/x86_64-linux-gnu/libtinfo.so.6", CHANGE_MODIFIED),
            (f"{SITE}/requests/api.py", CHANGE_MODIFIED),  # a package the agent upgraded: its own
            ("/etc/nginx/nginx.conf", CHANGE_MODIFIED),
            ("/usr/local/bin/mytool", CHANGE_MODIFIED),
        ]
    )
    assert todo.restore == [
        "/usr/bin/bash",
        "/usr/local/bin/python3.11",
        "/usr/bin/curl",
        "/usr/lib/python3.11/json/__init__.py",
        f"{SITE}/_pytest/runner.py",
        "/usr/lib/x86_64-linux-gnu/libtinfo.so.6",
    ]
    assert todo.set_aside == [] and todo.pth_candidates == []


def test_added_hooks_and_stand_ins_are_set_aside_and_installs_kept() -> None:
    todo = plan(
        [
            ("/etc/ld.so.preload", CHANGE_ADDED),
            ("/usr/local/bin/pytest", CHANGE_ADDED),
            ("/usr/local/bin/python3", CHANGE_ADDED),
            (f"{SITE}/sitecustomize.py", CHANGE_ADDED),
            (f"{SITE}/pytest", CHANGE_ADDED),
            (f"{SITE}/evil.pth", CHANGE_ADDED),
            ("/usr/local/bin/curl", CHANGE_ADDED),  # a task may ask for curl: kept
            ("/usr/local/bin/mytool", CHANGE_ADDED),
            (f"{SITE}/requests", CHANGE_ADDED),
            (f"{SITE}/__pycache__/x.cpython-311.pyc", CHANGE_ADDED),
        ]
    )
    assert todo.set_aside == [
        "/etc/ld.so.preload",
        "/usr/local/bin/pytest",
        "/usr/local/bin/python3",
        f"{SITE}/sitecustomize.py",
        f"{SITE}/pytest",
    ]
    assert todo.pth_candidates == [f"{SITE}/evil.pth"]  # set aside only if a line is code
    assert todo.restore == []
