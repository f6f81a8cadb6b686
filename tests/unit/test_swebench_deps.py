"""What installing a SWE-bench repository needs, read from its own files at a commit."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from horizonbench.tasks import swebench_deps, swebench_env


def _commit(repo: Path, files: dict[str, str]) -> str:
    """Commit ``files`` into the git repository ``repo`` (made on first use); returns the sha."""
    if not (repo / ".git").exists():
        repo.mkdir(parents=True, exist_ok=True)
        subprocess.run(["git", "init", "-q", "-b", "main"], cwd=repo, check=True)
    for rel, text in files.items():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(text)
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t.invalid", "commit", "-qm", "c", "--allow-empty"]
    subprocess.run(git, cwd=repo, check=True)
    return subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True).stdout.strip()


@pytest.fixture(autouse=True)
def _own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HORIZONBENCH_CACHE", str(tmp_path / "cache"))


SETUP_PY = """
from setuptools import setup
INSTALL_REQUIRES = ["py>=1.5.0", "six>=1.10.0"]
OLD = ['pathlib2>=2.2.0; python_version < "3.6"']
TESTING = ["hypothesis>=3.56", "demo[docs]"]
def main():
    setup(
        name="demo",
        setup_requires=["setuptools-scm", "setuptools>=40.0"],
        install_requires=INSTALL_REQUIRES + OLD + ["colorama; sys_platform == 'win32'"],
        extras_require={"testing": TESTING, "docs": ["sphinx"], "test:python_version<'3'": ["mock"]},
    )
main()
"""


def test_setup_py_literals_are_read_with_markers_for_the_target_and_the_named_extras(tmp_path: Path) -> None:
    sha = _commit(tmp_path / "r", {"setup.py": SETUP_PY})
    needs = swebench_deps.project_needs(tmp_path / "r", sha, "3.9", ["testing"])
    assert needs.method == "static"
    # demo[docs] in an extra brings the docs extra; markers for Python 2, 3.5 and Windows drop out.
    assert needs.runtime == ("py>=1.5.0", "six>=1.10.0", "hypothesis>=3.56", "sphinx")
    assert needs.build == ("setuptools-scm", "setuptools>=40.0")
    assert swebench_deps.project_needs(tmp_path / "r", sha, "3.9").runtime == ("py>=1.5.0", "six>=1.10.0")


def test_pyproject_and_setup_cfg_are_read(tmp_path: Path) -> None:
    pyproject = """
[build-system]
requires = ["flit_core >=3.2,<4"]
[project]
name = "pkg"
dependencies = ["numpy>=1.17,!=1.24.0", 'typing-extensions; python_version < "3.10"']
[project.optional-dependencies]
dev = ["pytest", "mypy"]
"""
    sha = _commit(tmp_path / "a", {"pyproject.toml": pyproject})
    needs = swebench_deps.project_needs(tmp_path / "a", sha, "3.11", ["dev"])
    assert needs.runtime == ("numpy!=1.24.0,>=1.17", "pytest", "mypy") and needs.build == ("flit_core<4,>=3.2",)
    assert "typing-extensions" in swebench_deps.project_needs(tmp_path / "a", sha, "3.9").runtime

    cfg = "[metadata]\nname = tool\n[options]\ninstall_requires =\n    dill>=0.2\n    astroid>=2.11,<=2.12\n"
    cfg += "setup_requires = setuptools_scm\n[options.extras_require]\ntest = pytest-cov\n"
    sha = _commit(tmp_path / "b", {"setup.cfg": cfg, "setup.py": "from setuptools import setup\nsetup()\n"})
    needs = swebench_deps.project_needs(tmp_path / "b", sha, "3.9", ["test"])
    assert needs.runtime == ("dill>=0.2", "astroid<=2.12,>=2.11", "pytest-cov") and needs.build == ("setuptools_scm",)


def test_dynamic_dependencies_from_a_file_are_read(tmp_path: Path) -> None:
    pyproject = '[project]\nname = "x"\ndynamic = ["dependencies"]\n'
    pyproject += '[tool.setuptools.dynamic]\ndependencies = {file = ["requirements/base.txt"]}\n'
    sha = _commit(tmp_path / "r", {"pyproject.toml": pyproject, "requirements/base.txt": "# pins\nattrs>=19\n"})
    assert swebench_deps.project_needs(tmp_path / "r", sha, "3.9").runtime == ("attrs>=19",)


def test_the_pre_install_edits_of_the_metadata_apply_first(tmp_path: Path) -> None:
    setup = (
        "from setuptools import setup\nsetup(install_requires=['Jinja2>=2.3', 'packaging', 'alabaster>=0.7,<0.8'])\n"
    )
    sha = _commit(tmp_path / "r", {"setup.py": setup, "tox.ini": "[testenv]\ncommands = pytest\n"})
    edits = [
        "sed -i 's/pytest/pytest -rA/' tox.ini",
        "sed -i 's/Jinja2>=2.3/Jinja2<3.0/' setup.py",
        "sed -i \"s/'packaging',/'packaging', 'markupsafe<=2.0.1',/\" setup.py",
        "grep -q 'alabaster>=0.7,<0.8' setup.py && sed -i 's/alabaster>=0.7,<0.8/alabaster>=0.7,<0.7.12/' setup.py",
        "grep -q 'nowhere' setup.py && sed -i 's/packaging/broken/' setup.py",
        "apt-get update && apt-get install -y graphviz",
    ]
    needs = swebench_deps.project_needs(tmp_path / "r", sha, "3.9", [], edits)
    assert needs.runtime == ("Jinja2<3.0", "packaging", "markupsafe<=2.0.1", "alabaster<0.7.12,>=0.7")


def test_sed_expressions_are_basic_regular_expressions() -> None:
    files = {"pyproject.toml": 'requires = ["setuptools",\n  "wheel"]\n', "setup.cfg": "a+b (c)\nx x\n"}
    out = swebench_deps.apply_edits(
        files,
        [
            'sed -i \'s/requires = \\["setuptools",/requires = \\["setuptools==68.0.0",/\' pyproject.toml',
            "sed -i 's/a+b (c)/[&]/' setup.cfg",
            "sed -i 's|x|y|g' ./setup.cfg",
        ],
    )
    assert out["pyproject.toml"].startswith('requires = ["setuptools==68.0.0",')
    assert out["setup.cfg"] == "[a+b (c)]\ny y\n"


def test_a_computed_setup_py_is_prepared_by_pip_and_an_unreadable_one_is_left_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    setup = "from setuptools import setup\nfrom pkg import deps\nsetup(name='p', install_requires=deps())\n"
    sha = _commit(tmp_path / "r", {"setup.py": setup, "pyproject.toml": '[build-system]\nrequires = ["setuptools"]\n'})
    calls: list[str] = []

    def prepared(clone: Path, commit: str, pre_install: list[str]) -> tuple[str, list[str]]:
        calls.append(commit)
        return "p", ["attrs", 'tomli; python_version < "3.11"', 'pytest; extra == "test"']

    monkeypatch.setattr(swebench_deps, "_pip_requires", prepared)
    needs = swebench_deps.project_needs(tmp_path / "r", sha, "3.9")
    assert (needs.method, needs.runtime, needs.build) == ("pip", ("attrs", "tomli"), ("setuptools",))
    assert swebench_deps.project_needs(tmp_path / "r", sha, "3.9") == needs and len(calls) == 1, "cached"

    def fails(clone: Path, commit: str, pre_install: list[str]) -> tuple[str, list[str]]:
        raise RuntimeError("pip could not prepare the metadata (boom)")

    monkeypatch.setattr(swebench_deps, "_pip_requires", fails)
    other = swebench_deps.project_needs(tmp_path / "r", sha, "3.11")
    assert other.runtime == () and "runtime unknown" in other.method and other.build == ("setuptools",)


def test_no_packaging_files_need_nothing(tmp_path: Path) -> None:
    sha = _commit(tmp_path / "r", {"README": "x"})
    assert swebench_deps.project_needs(tmp_path / "r", sha, "3.9") == swebench_deps.ProjectNeeds()


def test_extras_are_read_from_the_install_command() -> None:
    assert swebench_deps.extras_of("python -m pip install -e .[test] --verbose") == ["test"]
    assert swebench_deps.extras_of("pip install -e '.[dev, docs]' && make") == ["dev", "docs"]
    assert swebench_deps.extras_of("python -m pip install -e .") == []


def test_pip_is_the_newest_unless_the_install_needs_a_legacy_path() -> None:
    assert swebench_env.pip_requirement("python -m pip install -e .", ["setuptools", "six"]) == "pip"
    assert swebench_env.pip_requirement("python -m pip install -e .", ["setuptools==68.0.0"]) == "pip"
    legacy = swebench_env.PIP_WITH_LEGACY
    assert swebench_env.pip_requirement("python -m pip install -e .", ["setuptools==58.5.3"]) == legacy
    assert swebench_env.pip_requirement("pip install -e .", ["setuptools~=62.6"]) == legacy
    assert swebench_env.pip_requirement("python -m pip install .", ["setuptools==58.5.3"]) == "pip"
    assert swebench_env.pip_requirement("pip install -v --no-use-pep517 --no-build-isolation -e .", []) == legacy


def test_the_layer_installs_build_requirements_and_downloads_runtime_ones(tmp_path: Path) -> None:
    clone = tmp_path / "r"
    setup_commit = _commit(clone, {"setup.py": SETUP_PY})
    spec = swebench_env.resolve(
        {
            "repo": "acme/demo",
            "python": "3.9",
            "pip_packages": ["setuptools==68.0.0"],
            "install": "pip install -e .[testing]",
        },
        ["pytest==8.3.3"],
    )
    layer = swebench_env.layer_requirements(spec, clone, setup_commit)
    # The spec's setuptools pin wins over the project's setuptools>=40.0.
    assert layer.install == ["setuptools==68.0.0", "pytest==8.3.3", "wheel", "setuptools-scm"]
    assert layer.download == ["pip", "py>=1.5.0", "six>=1.10.0", "hypothesis>=3.56", "sphinx"]
    assert layer.pip == "pip" and layer.method == "static"
    key = swebench_env.layer_key(spec, setup_commit, layer)
    assert key != swebench_env.layer_key(spec, setup_commit, layer.install), "what it downloads is in the key"

    folder = swebench_env.write_layer(tmp_path / "suite", spec, setup_commit, layer)
    toml, dockerfile = (folder / "layer.toml").read_text(), (folder / "Dockerfile").read_text()
    assert 'python_downloads = ["pip", "py>=1.5.0"' in toml
    assert "--upgrade pip setuptools==68.0.0 wheel" in dockerfile, "with the build tools the layer names"
    upgrade = dockerfile.index("--upgrade pip")
    assert upgrade < dockerfile.index("-r /opt/hb-wheelhouse/requirements.txt"), "pip is upgraded first"

    # Later, the project needs more at the instance's base commit: only the difference is the instance's.
    base = _commit(clone, {"setup.py": SETUP_PY.replace('"six>=1.10.0"', '"six>=1.10.0", "attrs>=19"')})
    own = swebench_env.instance_requirements(spec, clone, base, layer)
    assert (own.install, own.download) == ([], ["attrs>=19"])
    env = swebench_env.instance_environment(own, spec.python)
    assert env == 'python_version = "3.9"\npython_downloads = ["attrs>=19"]\n'
    text = swebench_env.instance_dockerfile(spec, "/work/repo", "m", "/work/repo", own)
    inst = swebench_env.INSTANCE_WHEELHOUSE
    assert f"COPY wheelhouse {inst}" in text and f"--find-links {inst} --no-build-isolation -e .[testing]" in text
    same = swebench_env.instance_requirements(spec, clone, setup_commit, layer)
    assert swebench_env.instance_environment(same, spec.python) == ""
    assert "COPY wheelhouse" not in swebench_env.instance_dockerfile(spec, "/work/repo", "m", "/work/repo", same)


def test_a_spec_without_an_install_reads_nothing_of_the_project(tmp_path: Path) -> None:
    spec = swebench_env.resolve({"repo": "acme/thing", "version": "1.0"}, ["pytest==8.3.3"])
    layer = swebench_env.layer_requirements(spec, tmp_path, "HEAD")
    assert (layer.install, layer.download, layer.method) == (["pytest==8.3.3"], ["pip"], "")
