"""horizonbench's pytest guard: a plugin the harness copies into the grading container
(under a random module name, into the site directory of its python) and loads through
``PYTEST_PLUGINS`` in every pytest run of the grading, before any conftest.py or test module.

It runs inside the test process, beside the code under test, and keeps its own account:

- each test's outcome, taken from the exceptions its setup, call and teardown raise
  (seen by outermost hook wrappers), never from pytest's report objects;
- whether pytest's machinery is still what it was before the code under test was
  imported: the functions and classes of ``pytest``, ``_pytest`` and ``pluggy`` (their
  code objects included), every hook's implementations, the plugin manager's hook
  executor, the terminal reporter and its output file, the import machinery
  (``sys.meta_path``, ``sys.path_hooks``), the builtins, trace and profile functions and
  ``gc.callbacks``; a small set of these after every test, all of it at the end;
- whether the reward files in ``/logs/verifier`` changed while the tests ran.

The record is written at the end to ``records/`` in the guard's directory, signed (keyed
BLAKE2b, a MAC) under a key the harness made for this grading. The key file is read and removed when this
module is imported, before any code under test runs; only a keyed hash object is kept
(its state does not give the key back). What this cannot stop, code running in the same
interpreter that attacks this module on purpose, is in docs/security.md.

Standard library only, and little of it: this module is imported by every graded pytest
run, so its import must stay cheap. It must not import horizonbench.
"""

from __future__ import annotations

# Only what the interpreter has loaded before any file on the path can be read (os and
# sys are, _blake2 is built in): the key is taken before anything else is imported, so
# that a module of the change standing in for one pytest imports never sees it. The
# harness's .pth file imports this module at start-up of every pytest process, before
# the working directory is on the path.
import os
import sys
from _blake2 import blake2b

GUARD_DIR = ""  # set by the harness in the copy it installs: where guard.cfg and records/ are
_HERE = GUARD_DIR or os.path.dirname(os.path.abspath(__file__))
_CONFIG = os.path.join(_HERE, "guard.cfg")
_RECORDS = os.path.join(_HERE, "records")


def _claim_key() -> tuple[object, int, dict[str, str], str]:
    """This run's key from guard.cfg (``key`` lines: each run takes the first left), then
    removed from the file (the file itself when it was the last one). Returns the keyed
    hash object, the key's index, the other settings, and a problem if there was one."""
    try:
        with open(_CONFIG, encoding="utf-8") as fh:
            lines = fh.read().splitlines()
        keys = [line[4:] for line in lines if line.startswith("key ")]
        settings = dict(line.split(" ", 1) for line in lines if " " in line and not line.startswith("key "))
        first = int(settings.get("first", "0"))
        if len(keys) > 1:
            rest = [f"{k} {v}" for k, v in settings.items() if k != "first"] + [f"first {first + 1}"]
            tmp = f"{_CONFIG}.{os.getpid()}"
            with open(tmp, "w", encoding="utf-8") as fh:
                fh.write("\n".join(rest + [f"key {k}" for k in keys[1:]]) + "\n")
            os.replace(tmp, _CONFIG)
        else:
            os.unlink(_CONFIG)
        if not keys:
            return None, -1, settings, "no key left for this run"
        return blake2b(key=bytes.fromhex(keys[0]), digest_size=32), first, settings, ""
    except (OSError, ValueError) as exc:
        return None, -1, {}, f"no key for this run ({type(exc).__name__})"


_SIGNER, _KEY_INDEX, _SETTINGS, _KEY_PROBLEM = _claim_key()

import builtins  # noqa: E402
import gc  # noqa: E402
import site  # noqa: E402
import threading  # noqa: E402
import types  # noqa: E402
from collections.abc import Mapping  # noqa: E402
from typing import Any  # noqa: E402

import pytest  # noqa: E402
from _pytest.outcomes import Skipped, XFailed  # noqa: E402
from _pytest.skipping import xfailed_key  # noqa: E402

_WATCHED_MODULES = ("pytest", "_pytest", "pluggy")
# What an attack on the verdict rewrites first: checked after every test (the rest at the end).
_CRITICAL = (
    ("_pytest.runner", ("runtestprotocol", "call_and_report", "call_runtest_hook", "check_interactive_exception")),
    ("_pytest.runner.CallInfo", ("from_call",)),
    ("_pytest.reports.BaseReport", ("passed", "failed", "skipped", "head_line")),
    ("_pytest.reports.TestReport", ("__init__", "from_item_and_call")),
    ("_pytest.terminal.TerminalReporter", ("pytest_runtest_logreport", "short_test_summary", "summary_stats")),
    ("_pytest.python", ("pytest_pyfunc_call",)),
    ("_pytest.python.Function", ("runtest",)),
    ("_pytest.unittest.TestCaseFunction", ("runtest",)),
    ("_pytest.skipping", ("pytest_runtest_makereport", "pytest_report_teststatus")),
    ("pluggy._callers", ("_multicall",)),  # pluggy < 1.6
    ("pluggy._execution", ("_multicall",)),
)


_WATCHED_TYPES = (type, types.FunctionType, types.BuiltinFunctionType, classmethod, staticmethod, property)
# pytest changes a few of its own names while it configures itself.
_PYTEST_OWN_PATCHES = {
    "_pytest.config.Config._getini_unknown_type": ("_pytest.legacypath", "Config__getini_unknown_type"),
}


def _lookup(module: str, name: str) -> object:
    return getattr(sys.modules.get(module), name, _lookup)


class _State:
    """Everything the guard knows, in one object the hooks close over."""

    def __init__(self) -> None:
        self.mac: Any = None
        self.key_index = -1
        self.nonce = ""
        self.problems: list[str] = []
        self.outcomes: dict[str, str] = {}
        self.spaces: list[tuple[str, Mapping[str, Any], dict[str, object]]] = []
        self.codes: list[tuple[object, object, object, object]] = []
        self.critical: list[tuple[Mapping[str, Any], str, object, tuple, str]] = []
        self.hooks: dict[str, tuple] = {}
        self.accepted: set[int] = set()
        self.session_started = False
        # The run this guard watches; a pytest run inside it (pytester) is left alone.
        self.config: object = None
        self.exitstatus: int | None = None
        self.reporter: object = None
        self.reporter_file: object = None
        self.reporter_calls: dict[str, object] = {}
        self.world: tuple = ()
        self.trace: object = None
        self.profile: object = None
        self.verifier_dir = "/logs/verifier"
        self.rewards_before: dict[str, tuple] = {}
        self.written = False


_S = _State()


def _codes(value: object) -> tuple:
    """The code objects behind a function, method, classmethod, staticmethod or property
    (replacing ``__code__`` keeps the function's identity, so identity alone is not enough)."""
    kind = type(value)
    if kind is types.FunctionType:
        fns: tuple = (value,)
    elif kind is classmethod or kind is staticmethod:
        fns = (value.__func__,)  # type: ignore[attr-defined]
    elif kind is property:
        fns = (value.fget, value.fset, value.fdel)  # type: ignore[attr-defined]
    else:
        return ()
    return tuple((fn, fn.__code__, fn.__defaults__, fn.__kwdefaults__) for fn in fns if type(fn) is types.FunctionType)


def _same_codes(saved: tuple) -> bool:
    for fn, code, dflt, kw in saved:
        if fn.__code__ is not code or fn.__defaults__ is not dflt or fn.__kwdefaults__ is not kw:
            return False
    return True


def _watch(space: Mapping[str, Any], key: str, into: list, owner: str) -> None:
    value = space.get(key)
    into.append((space, key, value, _codes(value), owner))


def _snapshot_machinery() -> None:
    """Every function and class (and class member) of pytest, _pytest and pluggy: copies
    of their namespaces (a dict copy is done in C) and the code objects of the functions."""
    functions: list[object] = []
    # This module and the one-line module pytest loaded by name are watched as well.
    base = __name__[: -len("_impl")] if __name__.endswith("_impl") else __name__  # no removesuffix before 3.9
    watched = (*_WATCHED_MODULES, __name__, base)
    for name, module in list(sys.modules.items()):
        if module is None or name.partition(".")[0] not in watched:
            continue
        saved = {k: v for k, v in vars(module).items() if callable(v)}
        _S.spaces.append((name, vars(module), saved))
        for key, value in saved.items():
            if type(value) is types.FunctionType:
                functions.append(value)
            elif isinstance(value, type) and value.__module__ == name:
                members: dict[str, object] = {k: v for k, v in value.__dict__.items() if isinstance(v, _WATCHED_TYPES)}
                _S.spaces.append((f"{name}.{key}", value.__dict__, members))
                functions.extend(fn for v in members.values() for fn, *_ in _codes(v))
    _S.codes = [(fn, fn.__code__, fn.__defaults__, fn.__kwdefaults__) for fn in functions]  # type: ignore[attr-defined]
    for owner, names in _CRITICAL:
        found = _namespace(owner)
        for key in names:
            if found is not None and key in found:
                _watch(found, key, _S.critical, owner)


def _namespace(owner: str) -> Mapping[str, Any] | None:
    """The namespace of ``module`` or ``module.Class`` (a mapping proxy for a class)."""
    module_name, _, cls = owner.rpartition(".") if owner not in sys.modules else (owner, "", "")
    module = sys.modules.get(module_name)
    if module is None:
        return None
    if not cls:
        return vars(module)
    target = getattr(module, cls, None)
    return target.__dict__ if isinstance(target, type) else None


def _changed(entries: list) -> list[str]:
    """The critical names (checked after every test) that are not what they were."""
    bad = []
    for space, key, value, codes, owner in entries:
        if space.get(key) is value:
            for fn, code, dflt, kw in codes:
                if fn.__code__ is not code or fn.__defaults__ is not dflt or fn.__kwdefaults__ is not kw:
                    break
            else:
                continue
        bad.append(f"{owner}.{key}")
    return bad


def _machinery_changes() -> list[str]:
    bad = []
    for owner, space, saved in _S.spaces:
        get = space.get
        for key, value in saved.items():
            if get(key) is not value:
                allowed = _PYTEST_OWN_PATCHES.get(f"{owner}.{key}")
                if allowed is None or get(key) is not _lookup(*allowed):
                    bad.append(f"{owner}.{key}")
    for fn, code, dflt, kw in _S.codes:
        if fn.__code__ is not code or fn.__defaults__ is not dflt or fn.__kwdefaults__ is not kw:  # type: ignore[attr-defined]
            bad.append(f"{fn.__module__}.{fn.__qualname__}.__code__")  # type: ignore[attr-defined]
    return bad


def _world() -> tuple:
    return (
        sys.gettrace(),
        sys.getprofile(),
        getattr(threading, "_trace_hook", None),
        getattr(threading, "_profile_hook", None),
        tuple(sys.meta_path),
        tuple(sys.path_hooks),
        tuple(gc.callbacks),
    )


_WORLD_NAMES = (
    "sys.settrace",
    "sys.setprofile",
    "threading.settrace",
    "threading.setprofile",
    "sys.meta_path",
    "sys.path_hooks",
    "gc.callbacks",
)


def _installed_hook(hook: object) -> bool:
    """An import hook defined by an installed package, not by the code under test: six adds
    its ``_SixMetaPathImporter`` to ``sys.meta_path`` when first imported, mid-session."""
    name = hook.__module__ if isinstance(hook, type) else type(hook).__module__
    path = str(getattr(sys.modules.get(name), "__file__", None) or "")
    parts = path.split(os.sep)
    return ("site-packages" in parts or "dist-packages" in parts) and not path.startswith(os.getcwd() + os.sep)


def _world_changes() -> list[str]:
    now = _world()
    changed = []
    # No zip(strict=True) or `type | tuple` here: this module runs inside the task's Python (3.6 and up;
    # it is installed without its annotations, see horizonbench.grading.guard.portable).
    for name, a, b in zip(_WORLD_NAMES, _S.world, now):  # noqa: B905
        if name in ("sys.meta_path", "sys.path_hooks"):
            # Hooks of installed packages may be added; none may be removed or come from the tree.
            if any(h not in b for h in a) or any(h not in a and not _installed_hook(h) for h in b):
                changed.append(name)
        elif a is not b and a != b:
            changed.append(name)
    return changed


def _hook_snapshot(pm: pytest.PytestPluginManager) -> dict[str, tuple]:
    hook = pm.hook
    out = {}
    for name, caller in vars(hook).items():
        impls = getattr(caller, "get_hookimpls", None)
        if impls is None:
            continue
        out[name] = (
            caller,
            getattr(caller, "_hookexec", None),
            tuple((i, i.function, _codes(i.function)) for i in impls()),
        )
    return out


def _hook_changes(pm: pytest.PytestPluginManager) -> list[str]:
    bad = []
    hook = pm.hook
    current = vars(hook)
    for name, (caller, hookexec, impls) in _S.hooks.items():
        now = current.get(name)
        if now is not caller or getattr(now, "_hookexec", None) is not hookexec:
            bad.append(f"hook {name}")
            continue
        live = now.get_hookimpls()
        live_ids = {id(i) for i in live}
        for impl, fn, codes in impls:
            if id(impl) not in live_ids or impl.function is not fn or not _same_codes(codes):
                bad.append(f"hook {name}: {getattr(impl, 'plugin_name', '?')}")
        saved = {id(i) for i, _, _ in impls}
        for impl in live:
            if id(impl) not in saved and id(impl.plugin) not in _S.accepted:
                bad.append(f"hook {name}: unexpected implementation from {getattr(impl, 'plugin_name', '?')}")
    return bad


def _reward_state() -> dict[str, tuple]:
    out = {}
    for name in ("reward.txt", "reward.json"):
        try:
            st = os.stat(os.path.join(_S.verifier_dir, name))
        except OSError:
            continue
        out[name] = (st.st_size, st.st_mtime_ns, st.st_ino)
    return out


def _check_origins() -> None:
    """pytest, pluggy and what this module imports must come from the interpreter's own
    directories, not from a same-named module the change put on the path."""
    roots = tuple(os.path.realpath(p) + os.sep for p in [*site.getsitepackages(), os.path.dirname(os.__file__)])
    for name in (*_WATCHED_MODULES, "_blake2", "site", "threading"):
        module = sys.modules.get(name)
        where = [getattr(module, "__file__", None), *getattr(module, "__path__", ())]
        for path in filter(None, where):
            if not os.path.realpath(path).startswith(roots):
                _S.problems.append(f"module {name} loaded from {path}")


def _load_base_plugins(pm: pytest.PytestPluginManager) -> None:
    """Plugin auto-loading is off (the repository could register an entry point from a
    ``*.dist-info`` on its path); the pytest11 entry points of the distributions in the
    interpreter's own site directories, which the change cannot touch, are loaded here
    instead. Read by hand: importing importlib.metadata would cost ten milliseconds."""
    import importlib

    for directory in site.getsitepackages():
        try:
            entries = [e.path for e in os.scandir(directory) if e.name.endswith((".dist-info", ".egg-info"))]
        except OSError:
            continue
        for meta in entries:
            try:
                with open(os.path.join(meta, "entry_points.txt"), encoding="utf-8") as fh:
                    lines = fh.read().splitlines()
            except OSError:
                continue
            group = ""
            for line in lines:
                line = line.strip()
                if line.startswith("["):
                    group = line.strip("[] ")
                elif group == "pytest11" and "=" in line:
                    name, _, target = (part.strip() for part in line.partition("="))
                    if pm.get_plugin(name) is not None or pm.is_blocked(name):
                        continue
                    module, _, attr = target.partition(":")
                    plugin = importlib.import_module(module.strip())
                    for part in filter(None, attr.strip().split(".")):
                        plugin = getattr(plugin, part)
                    pm.register(plugin, name=name)


def _escape(text: object) -> str:
    return str(text).replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r")


def _start() -> None:
    _S.mac, _S.key_index = _SIGNER, _KEY_INDEX
    if _KEY_PROBLEM:
        _S.problems.append(_KEY_PROBLEM)
    _S.nonce = _SETTINGS.get("nonce", "")
    _S.verifier_dir = _SETTINGS.get("verifier_dir", _S.verifier_dir)
    _check_origins()
    _S.rewards_before = _reward_state()


_start()


# -- hooks ----------------------------------------------------------------------------


@pytest.hookimpl(tryfirst=True)
def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    if os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD") and os.environ.get("HB_GUARD_BASE_PLUGINS") == "1":
        _load_base_plugins(pluginmanager)


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config) -> None:
    if _S.config is not None:
        return
    _S.config = early_config
    # After the plugins of the base image loaded (some patch pytest on purpose, like
    # hypothesis), before any conftest.py, test module or package under test is imported.
    _snapshot_machinery()


@pytest.hookimpl(trylast=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    if session.config is not _S.config:
        return
    pm = session.config.pluginmanager
    _S.hooks = _hook_snapshot(pm)
    _S.world = _world()
    _S.trace, _S.profile = sys.gettrace(), sys.getprofile()
    tr = pm.get_plugin("terminalreporter")
    _S.reporter = tr
    if tr is not None:
        tw = getattr(tr, "_tw", None)
        _S.reporter_file = getattr(tw, "_file", None)
        _S.reporter_calls = {k: v for k, v in vars(tr).items() if callable(v)}
    _S.session_started = True


def pytest_plugin_registered(plugin: object, manager: object) -> None:
    if not _S.session_started or manager is not getattr(_S.config, "pluginmanager", None):
        return
    # After the session starts only conftest.py files (the base state's: the change's are
    # restored before grading) may join.
    if type(plugin).__name__ == "module" and os.path.basename(getattr(plugin, "__file__", "") or "") == "conftest.py":
        _S.accepted.add(id(plugin))
        return
    _S.problems.append(f"plugin registered during the session: {getattr(plugin, '__name__', type(plugin).__name__)}")


# Each phase's exception (None: it raised nothing) of the test running now.
_NOW: dict[str, BaseException | None] = {}


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_setup(item: pytest.Item):  # type: ignore[no-untyped-def]
    outcome = yield
    if item.config is _S.config:
        _NOW["setup"] = outcome.excinfo[1] if outcome.excinfo else None


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_call(item: pytest.Item):  # type: ignore[no-untyped-def]
    outcome = yield
    if item.config is not _S.config:
        return
    if outcome.excinfo:
        _NOW["call"] = outcome.excinfo[1]
        return
    # unittest cases do not raise: their failures wait in the item for the report.
    pending = item.__dict__.get("_excinfo")
    _NOW["call"] = pending[0].value if pending else None


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_teardown(item: pytest.Item):  # type: ignore[no-untyped-def]
    outcome = yield
    if item.config is _S.config:
        _NOW["teardown"] = outcome.excinfo[1] if outcome.excinfo else None


# Old-style wrappers (``hookwrapper``): pluggy 0.13 of pytest 6, which SWE-bench's older
# instances pin, has no ``wrapper=True``.
@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_protocol(item: pytest.Item):  # type: ignore[no-untyped-def]
    if item.config is not _S.config:  # a pytest run inside the tests: not ours to judge
        yield
        return
    _NOW.clear()
    yield
    _S.outcomes[item.nodeid] = _outcome(item, dict(_NOW))
    _NOW.clear()
    if sys.gettrace() is not _S.trace or sys.getprofile() is not _S.profile or _changed(_S.critical):
        for bad in [*_changed(_S.critical), *_world_changes()]:
            if f"during {item.nodeid}: {bad}" not in _S.problems:
                _S.problems.append(f"during {item.nodeid}: {bad}")


def _expected(exc: BaseException, raises: object) -> bool:
    """Whether an xfail mark's ``raises`` accepts ``exc`` (a type, a tuple, or a matcher)."""
    if raises is None:
        return True
    if isinstance(raises, (type, tuple)):
        return isinstance(exc, raises)
    matches = getattr(raises, "matches", None)
    return bool(matches(exc)) if callable(matches) else False


def _outcome(item: pytest.Item, seen: dict[str, BaseException | None]) -> str:
    if "setup" not in seen:
        return "error"
    setup = seen["setup"]
    if setup is not None:
        return "skipped" if isinstance(setup, Skipped) else "error"
    store = item.stash if hasattr(item, "stash") else item._store  # pytest < 7: _store
    xfail = store.get(xfailed_key, None)
    if "call" not in seen:
        result = "xfailed" if xfail is not None else "error"
    else:
        call = seen["call"]
        if call is None:
            result = "failed" if xfail is not None and xfail.strict else ("xpassed" if xfail is not None else "passed")
        elif isinstance(call, Skipped):
            result = "skipped"
        elif isinstance(call, XFailed) or (xfail is not None and _expected(call, xfail.raises)):
            result = "xfailed"
        else:
            result = "failed"
    if seen.get("teardown") is not None or "teardown" not in seen:
        return "error" if result in ("passed", "xfailed", "xpassed") else result
    return result


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if session.config is not _S.config:
        return
    # Before the terminal summary is written: whatever rewrote the machinery to print a
    # different summary is still in place now.
    _S.exitstatus = int(exitstatus)
    _final_checks(session.config.pluginmanager)


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    if config is not _S.config:
        return
    # The whole of it was compared before the summary; what could still change the
    # record's worth now is the critical part.
    for bad in [*_changed(_S.critical), *_world_changes()]:
        if bad not in _S.problems:
            _S.problems.append(bad)
    _S.exitstatus = _S.exitstatus if _S.exitstatus is not None else -1
    _write_record()


def _final_checks(pm: pytest.PytestPluginManager) -> None:
    bad = _machinery_changes() + _world_changes() + _hook_changes(pm)
    tr = _S.reporter
    if tr is not None:
        tw = getattr(tr, "_tw", None)
        if getattr(tw, "_file", None) is not _S.reporter_file:
            bad.append("terminal writer output file")
        for obj in (tr, tw):
            for k, v in vars(obj).items() if obj is not None else ():
                if callable(v) and hasattr(type(obj), k) and _S.reporter_calls.get(k) is not v:
                    bad.append(f"instance attribute {type(obj).__name__}.{k}")
    if vars(builtins).get("__import__") is not _BUILTIN_IMPORT:
        bad.append("builtins.__import__")
    for b in bad:
        if b not in _S.problems:
            _S.problems.append(b)


_BUILTIN_IMPORT = builtins.__import__


def _write_record() -> None:
    if _S.written:
        return
    _S.written = True
    changed = sorted(
        k for k in {*_S.rewards_before, *_reward_state()} if _S.rewards_before.get(k) != _reward_state().get(k)
    )
    body = [
        f"key {_S.key_index}",
        f"nonce {_S.nonce}",
        f"pid {os.getpid()}",
        f"exitstatus {_S.exitstatus}",
        *(f"problem {_escape(p)}" for p in _S.problems[:50]),
        *(f"reward {name}" for name in changed),
        *(f"test {outcome} {_escape(test)}" for test, outcome in _S.outcomes.items()),
    ]
    text = "\n".join(body) + "\n"
    mac = ""
    if _S.mac is not None:
        signer = _S.mac.copy()
        signer.update(text.encode())
        mac = signer.hexdigest()
    os.makedirs(_RECORDS, exist_ok=True)
    path = os.path.join(_RECORDS, f"{os.getpid()}-{_S.key_index}.rec")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(f"mac {mac}\n{text}")
