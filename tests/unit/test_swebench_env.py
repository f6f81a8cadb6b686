"""SWE-bench environment specs: the shipped table, the record over it, what is unsupported."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from horizonbench.models.task import EnvironmentSection
from horizonbench.sandbox import base_image, wheelhouse
from horizonbench.tasks import swebench_env
from horizonbench.tasks.swebench_env import Unsupported

LITE_AND_VERIFIED = (
    "astropy/astropy",
    "django/django",
    "pallets/flask",
    "matplotlib/matplotlib",
    "pylint-dev/pylint",
    "pytest-dev/pytest",
    "psf/requests",
    "scikit-learn/scikit-learn",
    "mwaskom/seaborn",
    "sphinx-doc/sphinx",
    "sympy/sympy",
    "pydata/xarray",
)


def test_the_table_covers_lite_and_verified_and_names_its_source() -> None:
    table = swebench_env.specs_table()
    assert "swebench" in table["source"] and "4.1.0" in table["source"]
    for repo in LITE_AND_VERIFIED:
        versions = table["repos"][repo]["versions"]
        assert versions and all("python" in s for s in versions.values()), repo


def test_a_record_of_a_table_repository_gets_the_table_spec() -> None:
    spec = swebench_env.resolve({"repo": "psf/requests", "version": "2.0"}, ["pytest==8.3.3"])
    assert (spec.python, spec.release, spec.install) == ("3.9", "bullseye", "python -m pip install .")
    assert spec.packages == ["pytest"] and spec.source.startswith("swebench")


def test_fields_the_record_carries_win_over_the_table() -> None:
    inst = {"repo": "psf/requests", "version": "2.0", "python": "3.11", "pip_packages": ["urllib3==1.26.20"]}
    spec = swebench_env.resolve(inst, [])
    assert spec.python == "3.11" and spec.release == "bookworm"
    assert spec.pip_packages == ["urllib3==1.26.20"] and spec.install == "python -m pip install ."
    assert spec.source.startswith("record+swebench")
    nested = swebench_env.resolve({"repo": "psf/requests", "version": "2.0", "spec": {"python": "3.13"}}, [])
    assert nested.release == "trixie"


def test_unknown_repositories_get_the_default_environment() -> None:
    spec = swebench_env.resolve({"repo": "acme/thing", "version": "1.0"}, ["pytest==8.3.3"])
    assert spec.source == "default" and spec.release == base_image.DISTRO and not spec.install
    assert swebench_env.requirements(spec, Path("."), "HEAD") == ["pytest==8.3.3"]


@pytest.mark.parametrize("python", ["3.5", "3.7"])
def test_a_python_no_release_ships_is_unsupported_with_the_reason(python: str) -> None:
    with pytest.raises(Unsupported, match=rf"Python {python} is not shipped by any release with a base image"):
        swebench_env.resolve({"repo": "acme/thing", "python": python}, [])


@pytest.mark.parametrize(
    ("python", "release"),
    [("3.6", "bionic"), ("3.8", "focal"), ("3.9", "bullseye"), ("3.10", "jammy"), ("3.12", "noble")],
)
def test_each_python_of_swebenchs_specs_but_two_has_a_release(python: str, release: str) -> None:
    assert swebench_env.resolve({"repo": "acme/thing", "python": python}, []).release == release


def test_conda_environment_files_are_unsupported() -> None:
    with pytest.raises(Unsupported, match=r"conda environment\.yml"):
        swebench_env.resolve({"repo": "pydata/xarray", "version": "0.12", "python": "3.11"}, [])


def test_install_commands_are_made_offline() -> None:
    wh = swebench_env.WHEELHOUSE
    got = swebench_env.offline_install("python -m pip install -v --no-use-pep517 --no-build-isolation -e .")
    assert got == f"python -m pip install --no-index --find-links {wh} -v --no-use-pep517 --no-build-isolation -e ."
    two = swebench_env.offline_install("pip install -e . && python setup.py build_ext -i")
    assert two == f"pip install --no-index --find-links {wh} --no-build-isolation -e . && python setup.py build_ext -i"


def test_requirements_add_build_tools_for_an_install_and_keep_pins() -> None:
    spec = swebench_env.resolve(
        {"repo": "acme/x", "python": "3.9", "packages": "numpy=1.19 'scipy<2'", "install": "pip install -e ."},
        ["pytest==8.3.3"],
    )
    reqs = swebench_env.requirements(spec, Path("."), "HEAD")
    assert reqs == ["numpy==1.19.*", "scipy<2", "pytest==8.3.3", "setuptools", "wheel"]


def test_pytests_own_repository_gets_no_released_pytest() -> None:
    spec = swebench_env.resolve({"repo": "pytest-dev/pytest", "version": "5.4"}, ["pytest==8.3.3"])
    reqs = swebench_env.requirements(spec, Path("."), "HEAD")
    assert "pluggy==0.13.1" in reqs
    assert not any(r.startswith("pytest") for r in reqs)


def test_layer_key_is_per_repo_version_and_setup_commit() -> None:
    spec = swebench_env.resolve({"repo": "psf/requests", "version": "2.0"}, [])
    a = swebench_env.layer_key(spec, "a" * 40, ["pytest"])
    assert a.startswith("psf__requests-2.0-aaaaaaaa-")
    assert a != swebench_env.layer_key(spec, "b" * 40, ["pytest"])
    assert a != swebench_env.layer_key(spec, "a" * 40, ["pytest", "six"])


def _wheel(dest: Path, name: str, requires: list[str]) -> None:
    meta = f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n"
    meta += "".join(f"Requires-Dist: {r}\n" for r in requires)
    with zipfile.ZipFile(dest / f"{name}-1.0-py3-none-any.whl", "w") as zf:
        zf.writestr(f"{name}-1.0.dist-info/METADATA", meta)


def test_a_wheelhouse_for_an_older_python_names_the_dependencies_its_markers_need(tmp_path: Path) -> None:
    _wheel(tmp_path, "tool", ['exceptiongroup>=1; python_version < "3.11"', "pluggy<2", 'extra_dep; extra == "x"'])
    _wheel(tmp_path, "pluggy", [])
    assert wheelhouse.missing(tmp_path, "3.9") == ["exceptiongroup>=1"]
    assert wheelhouse.missing(tmp_path, "3.11") == []


def test_base_image_releases_and_fields() -> None:
    assert base_image.release_of("horizonbench/base:bullseye") == "bullseye"
    assert base_image.release_of("horizonbench/base:trixie-0123abcd4567") == "trixie"
    assert base_image.hashed_tag("bullseye") != base_image.hashed_tag()
    assert base_image.image_name() == base_image.BASE_IMAGE
    with pytest.raises(Exception, match="unknown release 'buster' for a base image; known: bullseye"):
        base_image.hashed_tag("buster")
    with pytest.raises(ValueError):
        EnvironmentSection(python_version="three")


def test_requirements_files_follow_their_includes_as_pip_does() -> None:
    """pylint's requirements_test.txt starts with ``-r requirements_test_min.txt``: its pins
    (pytest among them) come with it, relative to the including file, each file once."""
    files = {
        "requirements_test.txt": "-r requirements_test_min.txt\ncoverage~=6.4  # a comment\n-e .\n",
        "requirements_test_min.txt": "-r requirements_test.txt\n--requirement=sub/pins.txt\npytest~=7.1\n",
        "sub/pins.txt": "-r ../missing.txt\nastroid==2.12.13\n",
    }
    lines = swebench_env._requirement_lines(
        files["requirements_test.txt"], files.get, "", frozenset({"requirements_test.txt"})
    )
    assert lines == ["astroid==2.12.13", "pytest~=7.1", "coverage~=6.4"]
    assert swebench_env._requirement_lines(files["requirements_test.txt"]) == ["coverage~=6.4"]  # nothing to read with


def test_the_spec_s_pip_packages_win_over_the_requirements_file(tmp_path: Path) -> None:
    """swebench installs the pip packages after the requirements file: flask 2.0's spec pins
    MarkupSafe==2.1.3 where requirements/dev.txt pins markupsafe==2.0.1."""
    import subprocess

    repo = tmp_path / "flask"
    (repo / "requirements").mkdir(parents=True)
    (repo / "requirements" / "dev.txt").write_text("markupsafe==2.0.1\nblinker==1.4\n")
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run(["git", "-C", str(repo), "add", "."], check=True)
    subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "r"], check=True
    )
    spec = swebench_env.resolve({"repo": "pallets/flask", "version": "2.0"}, ["pytest==8.3.3"])
    reqs = swebench_env.requirements(spec, repo, "HEAD")
    assert "MarkupSafe==2.1.3" in reqs and "blinker==1.4" in reqs
    assert not any(r.lower().startswith("markupsafe==2.0") for r in reqs)


def test_wheels_are_fetched_for_the_target_releases_glibc() -> None:
    """bcrypt 5's manylinux_2_34 wheel would be fetched for the host (bookworm, glibc 2.36) and
    fail to install on bullseye (2.31): the target Python's release decides the platform tags."""
    tags = base_image.wheel_platforms("3.9", "x86_64")
    assert tags[0] == "manylinux_2_31_x86_64" and "manylinux_2_34_x86_64" not in tags
    assert tags[-4:] == ["manylinux2014_x86_64", "manylinux2010_x86_64", "manylinux1_x86_64", "any"]
    assert base_image.wheel_platforms("3.6", "aarch64")[0] == "manylinux_2_27_aarch64"
    assert base_image.wheel_platforms("3.7", "x86_64") == []
