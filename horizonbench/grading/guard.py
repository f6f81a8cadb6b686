"""The harness's side of the pytest guard (:mod:`horizonbench.grading.pytest_guard`): put
it into the grading container, run the tests under it, check its signed records.

Why the guard: the code under test runs inside the test process. It can rewrite pytest's
reports, print or write a summary of its own into the log and change the exit code, so
neither the log nor the exit code can be believed alone. The guard keeps its own account
of each test in the same process and signs it with a key made here, for this grading only.

Why the test configuration is the base state's: a plugin switched on by the repository's
configuration (``addopts = -p ...``, an entry point of a ``*.dist-info`` on the path) runs
before any test. Pytest sections the change altered are put back (:data:`CONFIG_CHECK`),
and plugin auto-loading is off for pytest-graded tasks: the guard loads the plugins
installed in the interpreter's own site directories instead, which the change cannot
touch (fresh mode never sees them; same mode refuses an attempt that changed them).
"""

from __future__ import annotations

import ast
import functools
import secrets
import shlex
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from horizonbench import pyast
from horizonbench.sandbox.sandbox import Sandbox

GUARD_SOURCE = Path(__file__).with_name("pytest_guard.py")
CONFIG_FILES = ("pytest.ini", ".pytest.ini", "pyproject.toml", "tox.ini", "setup.cfg")

# Run with ``python3 -I`` (no PYTHONPATH, no working directory on the path, no user site):
# nothing of the change can shadow the pytest that reads the sections. Arguments: the
# configuration files the diff touched, relative to the working directory. Each whose
# pytest section differs from HEAD's (a file without one counts as absent, but for
# pyproject.toml, whose presence alone can set the rootdir) is put back as HEAD has it
# (removed when HEAD has none) and printed.
CONFIG_CHECK = r"""
import pathlib, subprocess, sys, tempfile
from _pytest.config.findpaths import load_config_dict_from_file
def section(p):
    if not p.is_file():
        return None
    try:
        found = load_config_dict_from_file(p)
    except Exception as exc:
        return ("unreadable", str(exc))
    if found is None and p.name != "pyproject.toml":
        return None
    return ("present", found)
for rel in sys.argv[1:]:
    p = pathlib.Path(rel)
    base = subprocess.run(["git", "show", "HEAD:" + rel], capture_output=True)
    with tempfile.TemporaryDirectory() as d:
        b = pathlib.Path(d) / p.name
        if base.returncode == 0:
            b.write_bytes(base.stdout)
        before = section(b)
    if section(p) != before:
        print(rel)
        if base.returncode == 0:
            p.write_bytes(base.stdout)
        else:
            p.unlink(missing_ok=True)
"""


def portable(source: str) -> str:
    """The guard's source as the oldest Python of SWE-bench's environments (3.6) runs it:
    without its annotations and ``from __future__ import annotations`` (3.7's). The guard
    does not read its annotations at run time."""
    tree = pyast.parse(source)

    class _Strip(ast.NodeTransformer):
        def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.AST:
            args = node.args
            for arg in [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]:
                if arg is not None:
                    arg.annotation = None
            node.returns = None
            self.generic_visit(node)
            return node

        def visit_AnnAssign(self, node: ast.AnnAssign) -> ast.AST | None:
            if node.value is None:
                return None
            return ast.copy_location(ast.Assign(targets=[node.target], value=node.value), node)

        def visit_ImportFrom(self, node: ast.ImportFrom) -> ast.AST | None:
            return None if node.module == "__future__" else node

    return ast.unparse(ast.fix_missing_locations(_Strip().visit(tree))) + "\n"


_PLACEHOLDER = "GUARD_DIR = ''"  # as ast.unparse writes the module's `GUARD_DIR = ""`


@functools.cache
def _portable_guard() -> str:
    """:func:`portable` of the guard, made once per process."""
    source = portable(GUARD_SOURCE.read_text(encoding="utf-8"))
    if _PLACEHOLDER not in source:
        raise AssertionError(f"{GUARD_SOURCE} has no GUARD_DIR placeholder line")
    return source


@dataclass
class GuardSetup:
    """One grading's guard: where it lives in the container and the keys it signs with."""

    directory: str
    module: str
    keys: list[str]
    nonce: str
    base_plugins: bool

    @classmethod
    def new(cls, *, keys: int, base_plugins: bool) -> GuardSetup:
        tag = secrets.token_hex(8)
        return cls(
            directory=f"/tmp/.hb-guard-{tag}",
            module=f"hbguard_{tag}",
            keys=[secrets.token_hex(32) for _ in range(keys)],
            nonce=secrets.token_hex(8),
            base_plugins=base_plugins,
        )

    def install(self, sb: Sandbox, verifier_dir: str) -> None:
        """Copy the guard and its keys into the container (one archive)."""
        with tempfile.TemporaryDirectory() as tmp:
            here = Path(tmp) / Path(self.directory).name
            here.mkdir(mode=0o700)
            # pytest rewrites the asserts of a plugin module it imports by name (parsing and
            # compiling it in every run); the guard itself sits behind a one-line module,
            # is compiled once at install, and loads from its bytecode.
            (here / f"{self.module}.py").write_text(f"from {self.module}_impl import *  # noqa: F403\n")
            (here / f"{self.module}_impl.py").write_text(self.impl_source())
            (here / "guard.cfg").write_text(self.config_text(verifier_dir))
            sb.put_dir(tmp, str(Path(self.directory).parent))

    def impl_source(self) -> str:
        """The guard's module as installed: it knows its directory, and runs on Python 3.6 and up."""
        return _portable_guard().replace(_PLACEHOLDER, f"GUARD_DIR = {self.directory!r}", 1)

    def config_text(self, verifier_dir: str) -> str:
        """The guard's guard.cfg: this grading's nonce, where rewards land, its keys."""
        return "".join([f"nonce {self.nonce}\n", f"verifier_dir {verifier_dir}\n", *(f"key {k}\n" for k in self.keys)])

    def switch_on(self) -> str:
        """A shell command that installs the guard into the site directory of the
        container's ``python3`` with a ``.pth`` file that, at start-up of every
        interpreter, adds it to ``PYTEST_PLUGINS`` (and, in a pytest process, imports it).
        A test command that sets ``PYTHONPATH`` or ``PYTEST_PLUGINS`` keeps the guard, a pytest in another
        interpreter (a reward task's own venv) runs without it instead of failing to
        import it, and the test command is run as it is, with no extra round trip.

        ``PYTEST_PLUGINS`` rather than ``-p``: pytest looks a ``-p`` name up among the
        entry points of every installed distribution first, which costs a pytest run
        some 40 ms; the environment variable imports the module straight away (after
        ``-p`` plugins and auto-loaded ones, before any conftest.py or test module)."""
        hook = (
            f"import os, sys; m = '{self.module}'; p = os.environ.get('PYTEST_PLUGINS', ''); "
            "os.environ['PYTEST_PLUGINS'] = p if m in p else ','.join(filter(None, [m, p]))"
        )
        if self.base_plugins:
            hook += "; os.environ['PYTEST_DISABLE_PLUGIN_AUTOLOAD'] = '1'; os.environ['HB_GUARD_BASE_PLUGINS'] = '1'"
        # In a pytest process the guard is imported here, at start-up, before the working
        # directory is on the path: it takes its key before any module of the change can run.
        hook += (
            "; a = getattr(sys, 'orig_argv', []); i = a.index('-m') + 1 if '-m' in a else 0; "
            "(i and a[i:i + 1] == ['pytest'] or any(os.path.basename(x) in ('pytest', 'py.test') for x in a[:2])) "
            "and __import__(m + '_impl')"
        )
        # The two modules go into the site directory itself: one more sys.path entry would
        # cost every import that is looked for along the path. The guard is compiled here,
        # once per grading: compiling it in each pytest run would cost that run a few ms.
        writer = (
            "import py_compile, shutil, site, sys; d = site.getsitepackages()[0]; "
            "[shutil.move(f'{sys.argv[2]}/{n}', f'{d}/{n}') for n in sys.argv[3:]]; "
            "open(d + '/zz-hb-guard.pth', 'w').write(sys.argv[1]); "
            "py_compile.compile(f'{d}/{sys.argv[-1]}', doraise=True)"
        )
        names = [f"{self.module}.py", f"{self.module}_impl.py"]
        args = [f"{hook}\n", self.directory, *names]
        return f"python3 -c {shlex.quote(writer)} " + " ".join(map(shlex.quote, args))

    def read_records(self, sb: Sandbox) -> list[str]:
        """The raw records the runs left (none when no pytest ran under the guard)."""
        with tempfile.TemporaryDirectory() as tmp:
            try:
                sb.get_dir(f"{self.directory}/records", tmp)
            except FileNotFoundError:
                return []
            return [p.read_text(encoding="utf-8", errors="replace") for p in sorted(Path(tmp).glob("*.rec"))]


def restore_test_config(sb: Sandbox, changed_paths: list[str], workdir: str) -> list[str]:
    """Put back the pytest configuration of the base state in the files the diff touched;
    returns those whose pytest part had changed."""
    candidates = [p for p in changed_paths if Path(p).name in CONFIG_FILES]
    if not candidates:
        return []
    cmd = f"python3 -I -c {shlex.quote(CONFIG_CHECK)} " + " ".join(map(shlex.quote, candidates))
    res = sb.exec(cmd, cwd=workdir, timeout=120)
    return [line for line in res.stdout.splitlines() if line in candidates]


# Top-level names pytest imports before the guard can run: the standard library's (looked
# up on the path like any other module, after the working directory and PYTHONPATH) and
# pytest's own dependencies.
PYTEST_DEPENDENCIES = ("pytest", "_pytest", "pluggy", "iniconfig", "packaging", "exceptiongroup", "tomli", "py")
# (``test``, the standard library's own test suite, is never imported; a repository's
# ``test/`` directory is common.)
SHADOW_NAMES = (frozenset(sys.stdlib_module_names) - {"test"}) | frozenset(PYTEST_DEPENDENCIES)

# Run with ``python3 -I``. Arguments: changed paths relative to the working directory.
# Prints those that sit at the top of a directory python searches first (the working
# directory, each PYTHONPATH entry) under a name of the standard library or of pytest's
# dependencies: a module there would run inside pytest before the guard.
SHADOW_CHECK = r"""
import os, sys
names = (set(sys.stdlib_module_names) - {"test"}) | set(sys.argv[1].split(","))
roots = {os.path.realpath(r) for r in [os.getcwd(), *os.environ.get("PYTHONPATH", "").split(os.pathsep)] if r}
for rel in sys.argv[2:]:
    cur = os.path.abspath(rel)
    while os.path.dirname(cur) != cur and os.path.realpath(os.path.dirname(cur)) not in roots:
        cur = os.path.dirname(cur)
    if os.path.dirname(cur) == cur:
        continue
    top = os.path.basename(cur)
    if top.split(".")[0] in names and (cur != os.path.abspath(rel) or top.endswith((".py", ".pyc", ".so"))):
        print(rel)
"""


def restore_shadowing_modules(sb: Sandbox, changed_paths: list[str], workdir: str) -> list[str]:
    """Put back (or remove) changed files that would stand in for a module pytest imports
    before the guard loads (a ``json.py`` or a ``pluggy/`` at the top of the working
    directory or of a PYTHONPATH entry); returns them."""
    candidates = [p for p in changed_paths if any(part.split(".")[0] in SHADOW_NAMES for part in Path(p).parts if part)]
    if not candidates:
        return []
    cmd = f"python3 -I -c {shlex.quote(SHADOW_CHECK)} {','.join(PYTEST_DEPENDENCIES)} " + " ".join(
        map(shlex.quote, candidates)
    )
    found = [line for line in sb.exec(cmd, cwd=workdir, timeout=120).stdout.splitlines() if line in candidates]
    if found:
        sb.exec(
            " ; ".join(
                f"{{ git checkout -q HEAD -- {q} 2>/dev/null || rm -rf -- {q}; }}" for q in map(shlex.quote, found)
            ),
            cwd=workdir,
            timeout=120,
        )
    return found
