"""The shell sessions of a real sandbox: exit codes, streams, state, timeouts, output cap."""

from __future__ import annotations

import hashlib
import re
import time

import pytest

from horizonbench.sandbox import Sandbox
from horizonbench.sandbox.shell import DEFAULT_OUTPUT_CAP, KILL_GRACE_S

pytestmark = pytest.mark.docker

# Room for the elision note the cap inserts between head and tail.
CAP_SLACK = 200


# -- stateless exec ----------------------------------------------------------------------


@pytest.mark.parametrize("code", [0, 1, 42])
def test_exec_reports_exit_code(shared_sandbox: Sandbox, code: int) -> None:
    res = shared_sandbox.exec(f"exit {code}")
    assert res.exit_code == code
    assert res.ok is (code == 0)
    assert not res.timed_out and not res.session_restarted


def test_exec_separates_stdout_and_stderr(shared_sandbox: Sandbox) -> None:
    res = shared_sandbox.exec("echo to-out; echo to-err >&2; echo more-out")
    assert res.stdout == "to-out\nmore-out\n"
    assert res.stderr == "to-err\n"


def test_exec_runs_in_given_cwd_with_given_env(shared_sandbox: Sandbox) -> None:
    value = "two words, 'quotes', \"double\" and $HOME"
    res = shared_sandbox.exec(
        'pwd; printf "%s\\n" "$HB_VALUE"; env | grep -c ^HB_VALUE=', cwd="/tmp", env={"HB_VALUE": value}
    )
    assert res.exit_code == 0, res.output
    assert res.stdout.splitlines() == ["/tmp", value, "1"]


def test_exec_defaults_to_workdir_and_fails_on_missing_cwd(shared_sandbox: Sandbox) -> None:
    assert shared_sandbox.exec("pwd").stdout == "/work\n"
    res = shared_sandbox.exec("echo should-not-run", cwd="/no/such/dir")
    assert res.exit_code == 126
    assert "should-not-run" not in res.stdout
    assert "/no/such/dir" in res.stderr


def test_exec_leaves_no_state_behind(shared_sandbox: Sandbox) -> None:
    setup = shared_sandbox.exec(
        "cd /tmp; export HB_EXPORTED=1; HB_PLAIN=2; hb_func() { echo hi; }", env={"HB_GIVEN": "3"}
    )
    assert setup.exit_code == 0, setup.output
    res = shared_sandbox.exec(
        'pwd; echo "${HB_EXPORTED-unset} ${HB_PLAIN-unset} ${HB_GIVEN-unset}"\n'
        "type hb_func >/dev/null 2>&1 || echo no-func"
    )
    assert res.stdout.splitlines() == ["/work", "unset unset unset", "no-func"]


# -- stateful shell ----------------------------------------------------------------------


def test_shell_keeps_cwd_exports_variables_and_functions(sandbox: Sandbox) -> None:
    setup = sandbox.shell(
        "mkdir -p /tmp/state && cd /tmp/state\n"
        "export HB_EXPORTED=exported\n"
        "HB_PLAIN=plain\n"
        'hb_greet() { echo "hello $1"; }'
    )
    assert setup.exit_code == 0, setup.output
    assert sandbox.shell("pwd").stdout == "/tmp/state\n"
    # Exported variables reach child processes, plain ones stay in the shell.
    child = sandbox.shell("bash -c 'echo \"${HB_EXPORTED-unset} ${HB_PLAIN-unset}\"'")
    assert child.stdout == "exported unset\n"
    assert sandbox.shell('echo "$HB_PLAIN"').stdout == "plain\n"
    assert sandbox.shell("hb_greet world").stdout == "hello world\n"


def test_shell_and_exec_do_not_share_state(sandbox: Sandbox) -> None:
    sandbox.shell("cd /tmp && export HB_ONLY_IN_SHELL=1")
    res = sandbox.exec('pwd; echo "${HB_ONLY_IN_SHELL-unset}"')
    assert res.stdout == "/work\nunset\n"
    assert sandbox.shell("pwd").stdout == "/tmp\n"


@pytest.mark.parametrize(
    "bad",
    ["if then fi", "echo 'unclosed", 'echo "unclosed', "echo $(", "for x in; do", "cat <<EOF\nno end marker"],
)
def test_broken_command_does_not_hang_the_session(shared_sandbox: Sandbox, bad: str) -> None:
    shared_sandbox.shell("export HB_BEFORE=kept")
    res = shared_sandbox.shell(bad, timeout=10)
    assert not res.timed_out and not res.session_restarted
    after = shared_sandbox.shell('echo "after $HB_BEFORE"', timeout=10)
    assert after.stdout == "after kept\n"
    assert not after.session_restarted


def test_stdin_readers_get_eof_not_the_session_stream(shared_sandbox: Sandbox) -> None:
    started = time.monotonic()
    res = shared_sandbox.shell('cat; read -r line; echo "read=$? line=[$line]"; head -c 10 | wc -c', timeout=10)
    assert time.monotonic() - started < 2
    assert not res.timed_out
    assert res.stdout == "read=1 line=[]\n0\n"
    assert shared_sandbox.shell("echo still-here").stdout == "still-here\n"


def test_multiline_commands_and_heredocs(shared_sandbox: Sandbox) -> None:
    script = (
        "total=0\n"
        "for n in 1 2 3; do\n"
        "  total=$((total + n))\n"
        "done\n"
        'echo "total=$total"\n'
        "cat <<EOF\n"
        "expanded $total\n"
        "EOF\n"
        "cat <<'EOF'\n"
        "literal $total `not run` \\n\n"
        "EOF"
    )
    res = shared_sandbox.shell(script)
    assert res.exit_code == 0, res.output
    assert res.stdout == "total=6\nexpanded 6\nliteral $total `not run` \\n\n"


def test_long_command_text_passes_through(shared_sandbox: Sandbox) -> None:
    body = "\n".join(f"line {i} with some text \t and a tab" for i in range(5000))
    res = shared_sandbox.shell(f"cat <<'EOF' | sha256sum | cut -c1-64\n{body}\nEOF")
    assert res.stdout.strip() == hashlib.sha256((body + "\n").encode()).hexdigest()


# -- timeouts and restarts ---------------------------------------------------------------


def test_timeout_kills_the_command_and_keeps_the_session(sandbox: Sandbox) -> None:
    sandbox.shell("cd /tmp && export HB_KEPT=yes && hb_kept() { echo fn-kept; }")
    res = sandbox.shell("sleep 100", timeout=1)
    assert res.timed_out and not res.ok
    assert not res.session_restarted
    assert 0.9 <= res.duration_s < 2.0
    after = sandbox.shell('pwd; echo "$HB_KEPT"; hb_kept; pgrep -fx "sleep 100" || echo no-sleep', timeout=10)
    assert after.stdout == "/tmp\nyes\nfn-kept\nno-sleep\n"
    assert not after.session_restarted


def test_background_server_survives_another_commands_timeout(sandbox: Sandbox) -> None:
    started = sandbox.shell("sleep 300 & HB_SERVER=$!; echo $HB_SERVER")
    pid = int(started.stdout)
    # The next command comes in a later step, as an agent's next turn would. (A timeout
    # spares process groups started more than 0.1 s before the timed-out command.)
    time.sleep(0.3)
    res = sandbox.shell("sleep 100", timeout=1)
    assert res.timed_out and not res.session_restarted
    alive = sandbox.shell('kill -0 "$HB_SERVER" && echo alive; echo "$HB_SERVER"')
    assert alive.stdout == f"alive\n{pid}\n"
    assert sandbox.exec(f"tr '\\0' ' ' < /proc/{pid}/cmdline").stdout.strip() == "sleep 300"


def test_builtin_loop_timeout_restarts_the_session(sandbox: Sandbox) -> None:
    stuck_pid = int(sandbox.shell("echo $$").stdout)
    res = sandbox.shell("while :; do :; done", timeout=1)
    assert res.session_restarted and res.timed_out
    assert res.duration_s < 1 + KILL_GRACE_S + 2
    after = sandbox.shell("echo $$; echo works")
    new_pid, word = after.stdout.split()
    assert word == "works" and not after.session_restarted
    assert int(new_pid) != stuck_pid
    # The stuck shell is killed, not left spinning on the sandbox's CPU.
    assert sandbox.exec(f"kill -0 {stuck_pid}").exit_code != 0


def test_exit_restarts_the_session(sandbox: Sandbox) -> None:
    sandbox.shell("cd /tmp")
    res = sandbox.shell("exit 3")
    assert res.session_restarted
    assert res.exit_code == 3
    assert not res.timed_out
    after = sandbox.shell("pwd; echo works")
    assert after.stdout == "/work\nworks\n"  # a new shell starts in the workdir
    assert after.exit_code == 0 and not after.session_restarted


# -- output cap --------------------------------------------------------------------------


def _assert_capped(stdout: str) -> None:
    assert len(stdout.encode()) <= DEFAULT_OUTPUT_CAP + CAP_SLACK
    assert len(stdout.encode()) >= DEFAULT_OUTPUT_CAP


def test_endless_writer_is_capped_and_timed_out(shared_sandbox: Sandbox) -> None:
    res = shared_sandbox.shell("echo HEAD; yes", timeout=1)
    assert res.timed_out and res.truncated
    _assert_capped(res.stdout)
    assert res.stdout.startswith("HEAD\ny\ny\n")
    assert res.stdout.endswith("y\ny\n")
    assert "bytes of output elided" in res.stdout


def test_large_output_keeps_head_and_tail(shared_sandbox: Sandbox) -> None:
    size = 50_000_000
    res = shared_sandbox.shell(f"echo HEAD; head -c {size} /dev/zero | tr '\\0' a; echo; echo TAIL", timeout=60)
    assert res.exit_code == 0 and not res.timed_out
    assert res.truncated
    _assert_capped(res.stdout)
    assert res.stdout.startswith("HEAD\naaaa")
    assert res.stdout.endswith("aaaa\nTAIL\n")
    note = re.search(r"\n\[\.\.\. (\d+) bytes of output elided \.\.\.\]\n", res.stdout)
    assert note is not None
    kept = len(res.stdout.encode()) - len(note.group(0))
    assert kept + int(note.group(1)) == len("HEAD\n") + size + len("\nTAIL\n")


def test_non_utf8_output_is_decoded_with_replacement(shared_sandbox: Sandbox) -> None:
    res = shared_sandbox.shell(r"printf 'ok\xff\xfe\n'; printf 'e\xffrr' >&2")
    assert res.stdout == "ok\ufffd\ufffd\n"
    assert res.stderr == "e\ufffdrr"
    assert not res.truncated
