"""Which phases of a task get network, as Harbor reads task.toml."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from horizonbench.cli.options import RunFlags
from horizonbench.errors import ConfigError
from horizonbench.models.network import PhaseNetwork, phase_network, phases_needing_network
from horizonbench.models.task import TaskConfig
from horizonbench.sandbox.trial_network import TrialNetwork


def config(**sections: dict[str, Any]) -> TaskConfig:
    return TaskConfig.model_validate(sections)


def modes(cfg: TaskConfig) -> tuple[str, str]:
    return phase_network(cfg, "agent").mode, phase_network(cfg, "verifier").mode


def test_nothing_stated_is_public_as_in_harbor() -> None:
    assert modes(config()) == ("public", "public")
    assert phases_needing_network(config()) == ["agent", "verifier"]


@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        ({"allow_internet": False}, ("no-network", "no-network")),
        ({"allow_internet": True}, ("public", "public")),
        ({"network_mode": "no-network"}, ("no-network", "no-network")),
        ({"allow_internet": False, "network_mode": "public"}, ("public", "public")),  # the new field wins
    ],
)
def test_environment_is_the_baseline(environment: dict[str, Any], expected: tuple[str, str]) -> None:
    assert modes(config(environment=environment)) == expected


def test_phases_override_the_baseline() -> None:
    cfg = config(
        environment={"network_mode": "no-network"},
        agent={"network_mode": "allowlist", "allowed_hosts": ["pypi.org"]},
        verifier={"network_mode": "public"},
    )
    assert modes(cfg) == ("allowlist", "public")
    assert phase_network(cfg, "agent").allowed_hosts == ("pypi.org",)
    assert phases_needing_network(cfg) == ["agent", "verifier"]
    offline_verifier = config(verifier={"network_mode": "no-network"})
    assert phases_needing_network(offline_verifier) == ["agent"]


def test_allowlist_hosts_inherit_from_the_environment_unless_the_phase_names_its_own() -> None:
    cfg = config(
        environment={"network_mode": "allowlist", "allowed_hosts": ["a.test"]},
        verifier={"allowed_hosts": ["b.test"]},
    )
    assert phase_network(cfg, "agent").allowed_hosts == ("a.test",)
    assert phase_network(cfg, "verifier").allowed_hosts == ("b.test",)
    public = config(environment={"allowed_hosts": ["a.test"]})  # hosts without an allowlist: no limit
    assert phase_network(public, "agent") == PhaseNetwork(mode="public")


def test_host_matching() -> None:
    net = PhaseNetwork(mode="allowlist", allowed_hosts=("PyPI.org", "*.pythonhosted.org"))
    assert net.allows("pypi.org") and net.allows("pypi.org.") and net.allows("PYPI.ORG")
    assert net.allows("files.pythonhosted.org") and net.allows("a.b.pythonhosted.org")
    assert not net.allows("pythonhosted.org")  # the wildcard is for names under the domain
    assert not net.allows("evilpythonhosted.org") and not net.allows("pypi.org.evil.test")
    assert not PhaseNetwork(mode="allowlist").allows("pypi.org")  # an empty allowlist admits nothing
    assert PhaseNetwork(mode="public").allows("anything.test")
    assert not PhaseNetwork(mode="no-network").allows("anything.test")
    assert not PhaseNetwork(mode="no-network").needed


def test_network_off_refuses_only_tasks_that_need_network(tmp_path: Path) -> None:
    needs = TrialNetwork("t", config(verifier={"network_mode": "public"}, environment={"allow_internet": False}),
                         trial_dir=tmp_path)  # fmt: skip
    needs.check_allowed(True)
    with pytest.raises(ConfigError, match=r"task t needs network for its verifier \(public\).*--network on"):
        needs.check_allowed(False)
    offline = TrialNetwork("t", config(environment={"network_mode": "no-network"}), trial_dir=tmp_path)
    offline.check_allowed(False)
    assert offline.agent_mounts() == {} and offline.grader_mounts() == {} and offline.agent_env() == {}


def test_which_containers_get_the_proxy_directory(tmp_path: Path) -> None:
    verifier_only = config(environment={"network_mode": "no-network"}, verifier={"network_mode": "public"})
    both = config(environment={"network_mode": "public"})
    only = TrialNetwork("t", verifier_only, trial_dir=tmp_path)
    every = TrialNetwork("t", both, trial_dir=tmp_path)
    try:
        # The grading container's directory is its own, in both grading modes: in same mode a
        # process the agent left could otherwise put a socket of its own in the verifier's place.
        assert only.agent_mounts() == {} and only.agent_env() == {}
        assert list(only.grader_mounts().values()) == ["/run/hb-egress"]
        assert only.grader_mounts() == only.grader_mounts()  # one directory per trial
        agent, grader = every.agent_mounts(), every.grader_mounts()
        assert list(agent.values()) == list(grader.values()) == ["/run/hb-egress"]
        assert set(agent).isdisjoint(grader)
    finally:
        only.close()
        every.close()


def test_the_network_option() -> None:
    flags = RunFlags(["oracle"], 1, 1, "r", Path("results"), None, None, None, None, None, None, None, None, None,
                     180.0, [], network="off")  # fmt: skip
    assert flags.run_options([], "x").budget.network is False
    flags.network = "on"
    budget = flags.run_options([], "x").budget
    assert budget.network is None and "network" not in budget.model_dump(exclude_none=True)  # old manifests compare
    flags.network = "maybe"
    with pytest.raises(ConfigError, match="--network 'maybe': expected on or off"):
        flags.run_options([], "x")
