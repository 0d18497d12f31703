"""The plugin registry: built-ins as entry points, lazy loading, broken and clashing plugins."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
import warnings
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from macrohard import plugins
from macrohard.company import ROLES, named_workflow, register_role, resolve_workflow
from macrohard.company.workflow import Phase
from macrohard.errors import ModelSpecError, PluginError, UserError
from macrohard.gates import gates_for, load_policy
from macrohard.models import ScriptedModel, get_model, register_backend
from macrohard.tools import Tool, get_tool, list_files, read_file

from .conftest import ROOT, write_dist

GATE = """
from macrohard.gates import GateResult


class Always:
    def __init__(self, name, verdict):
        self.name, self.verdict = name, verdict

    def check(self, project, sandbox):
        return GateResult(self.name, self.verdict, f"{self.name} says {self.verdict}")


def always(policy):
    return Always("always", policy.settings_of("always").get("verdict", "passed"))


def misnamed(policy):
    return Always("something-else", "passed")
"""


def test_builtins_are_declared_in_pyproject_and_installed_metadata() -> None:
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["entry-points"]
    assert {k: declared[f"macrohard.{k}"] for k in plugins.KINDS} == plugins.BUILTINS
    for kind, table in plugins.BUILTINS.items():
        installed = {
            ep.name: ep.value
            for ep in entry_points(group=f"macrohard.{kind}")
            if ep.dist is not None and ep.dist.name == "macrohard"
        }
        assert installed == table, f"reinstall: pip install -e . ({kind} entry points are stale)"


def test_builtins_load_through_entry_points() -> None:
    found = {(p.kind, p.name): p for p in plugins.registry().plugins()}
    for kind, table in plugins.BUILTINS.items():
        for name, target in table.items():
            p = found[(kind, name)]
            assert p.builtin and p.state == "loaded" and p.target == target
            assert p.dist.startswith("macrohard ")
    assert plugins.names("gates")[:8] == [
        "tests",
        "ruff",
        "bandit",
        "secrets",
        "dependencies",
        "licences",
        "mypy",
        "audit",
    ]


def test_a_source_checkout_without_metadata_still_has_every_builtin() -> None:
    bare = plugins.Registry(discover=lambda group: ())
    for kind, table in plugins.BUILTINS.items():
        assert bare.names(kind) == list(table)
        assert all(p.state == "loaded" for p in bare.plugins(kind))
    assert all(p.dist == "macrohard (built-in)" for p in bare.plugins())
    assert bare.find("roles", "pm") is ROLES["pm"]


def test_unreadable_metadata_leaves_the_builtins_working() -> None:
    def broken(group: str) -> tuple[()]:
        raise ValueError("bad entry_points.txt")

    registry = plugins.Registry(discover=broken)
    with pytest.warns(plugins.PluginWarning, match="bad entry_points.txt.*built-ins only"):
        assert registry.names("models") == list(plugins.BUILTINS["models"])
    assert registry.find("models", "scripted") is not None


def test_third_party_plugins_load_lazily_and_once(site: Path) -> None:
    write_dist(
        site,
        "mh-lazy",
        {"macrohard.gates": {"always": "mh_lazy:always"}},
        {"mh_lazy.py": GATE + "\nLOADS = []\nLOADS.append(1)\n"},
    )
    assert "always" in plugins.names("gates")
    assert "mh_lazy" not in sys.modules  # listing names reads metadata only
    factory = plugins.find("gates", "always")
    assert factory is plugins.find("gates", "always")
    assert sys.modules["mh_lazy"].LOADS == [1]
    record = next(p for p in plugins.registry().plugins("gates") if p.name == "always")
    assert (record.dist, record.state, record.builtin) == ("mh-lazy 1.0", "loaded", False)


def test_plugin_gate_selected_by_policy_with_its_settings(site: Path, tmp_path: Path) -> None:
    write_dist(
        site,
        "mh-always",
        {"macrohard.gates": {"always": "mh_always:always"}},
        {"mh_always.py": GATE},
    )
    project = tmp_path / "proj"
    project.mkdir()
    (project / "macrohard.toml").write_text(
        '[gates]\nenabled = ["secrets", "always"]\nrequired = ["always"]\n\n'
        '[gates.always]\nverdict = "failed"\n'
    )
    policy = load_policy(project)
    assert policy.enabled == ("secrets", "always") and policy.settings_of("always")
    gates = gates_for(project)
    assert [g.name for g in gates] == ["secrets", "always"]
    result = gates[1].check(project, None)  # type: ignore[arg-type]
    assert (result.status, result.summary, result.required) == (
        "failed",
        "always says failed",
        True,
    )


def test_unknown_plugin_gate_says_to_install_it(tmp_path: Path) -> None:
    (tmp_path / "macrohard.toml").write_text('[gates]\nenabled = ["tests", "nosuch"]\n')
    with pytest.raises(UserError, match=r"unknown gate 'nosuch'.*installed"):
        load_policy(tmp_path)
    (tmp_path / "macrohard.toml").write_text("[gates.nosuch]\nx = 1\n")
    with pytest.raises(UserError, match=r"\[gates.nosuch\].*plugin that provides it installed"):
        load_policy(tmp_path)


def test_a_broken_plugin_is_named_only_where_it_is_used(site: Path, tmp_path: Path) -> None:
    write_dist(
        site,
        "mh-broken",
        {
            "macrohard.gates": {"broken": "mh_broken:gate", "misnamed": "mh_gates:misnamed"},
            "macrohard.models": {"echo": "mh_missing_module:factory"},
        },
        {"mh_broken.py": "raise RuntimeError('boom at import')\n", "mh_gates.py": GATE},
        version="2.5",
    )
    assert plugins.find("gates", "tests") is not None  # unrelated names still work
    with pytest.raises(
        PluginError,
        match=r"gate plugin 'broken' \(mh-broken 2\.5, mh_broken:gate\)"
        r".*RuntimeError: boom at import",
    ):
        plugins.find("gates", "broken")
    with pytest.raises(
        PluginError,
        match=r"model backend plugin 'echo' \(mh-broken 2\.5.*"
        "ModuleNotFoundError",
    ):
        get_model("echo:x")
    (tmp_path / "macrohard.toml").write_text('[gates]\nenabled = ["ruff", "misnamed"]\n')
    with pytest.raises(PluginError, match="made 'something-else', not a Gate named 'misnamed'"):
        gates_for(tmp_path)
    states = {p.name: (p.state, p.dist) for p in plugins.registry().plugins()}
    assert states["broken"] == ("failed", "mh-broken 2.5")
    assert states["echo"][0] == "failed" and states["misnamed"][0] == "loaded"


def test_two_distributions_with_one_name_conflict_and_builtins_win(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for dist in ("mh-one", "mh-two"):
        write_dist(site / dist, dist, {"macrohard.gates": {"same": "mh_gates:always"}})
        monkeypatch.syspath_prepend(str(site / dist))
    write_dist(site, "mh-shadow", {"macrohard.roles": {"pm": "mh_gates:always"}})
    (site / "mh_gates.py").write_text(GATE)
    plugins.registry().refresh()
    with pytest.raises(PluginError, match=r"2 distributions provide it: mh-(one|two) 1.0, mh-"):
        plugins.find("gates", "same")
    with pytest.warns(plugins.PluginWarning, match=r"'pm' \(mh-shadow 1.0.*ignored"):
        names = plugins.names("roles")
    assert names.count("pm") == 1
    assert ROLES["pm"].__module__ == "macrohard.company.roles.pm"
    listed = [(p.name, p.state) for p in plugins.registry().plugins() if p.name in ("same", "pm")]
    assert ("same", "conflict") in listed and ("pm", "ignored") in listed


def test_registration_in_code_wins_and_shows_in_the_listing(site: Path) -> None:
    register_backend("fixed", lambda rest, options: ScriptedModel([rest], name="fixed"))
    register_role("critic", ROLES["reviewer"])
    try:
        assert get_model("fixed:hello").name == "fixed"
        assert "critic" in ROLES and "critic" in list(ROLES)
        listed = {p.name: p for p in plugins.registry().plugins()}
        assert listed["fixed"].dist == "registered in code"
        with pytest.raises(PluginError, match="not a callable"):
            plugins.register("models", "bad", 42)
    finally:
        del ROLES["critic"]
        plugins.registry()._runtime["models"].pop("fixed")
    assert "critic" not in ROLES
    with pytest.raises(ModelSpecError, match=r"unknown model backend 'fixed'.*embedded"):
        get_model("fixed:hello")


def test_workflows_and_tools_from_plugins(site: Path, tmp_path: Path) -> None:
    write_dist(
        site,
        "mh-flow",
        {
            "macrohard.workflows": {"quick": "mh_flow:QUICK", "bad": "mh_flow:BAD"},
            "macrohard.tools": {"shout": "mh_flow:shout"},
        },
        {
            "mh_flow.py": (
                'QUICK = [("spec", "pm"), ("code", "engineer")]\n'
                'BAD = [("spec", "nobody")]\n\n'
                "def shout(project, text):\n"
                '    """Say it louder."""\n'
                "    return text.upper()\n"
            )
        },
    )
    assert named_workflow("quick") == (Phase("spec", "pm"), Phase("code", "engineer"))
    assert resolve_workflow("default")[0] == Phase("spec", "pm")
    with pytest.raises(UserError, match="unknown role 'nobody'"):
        named_workflow("bad")
    with pytest.raises(UserError, match=r"no workflow named 'nope'.*default, bad, quick"):
        resolve_workflow("nope")
    flow = tmp_path / "flow.toml"
    flow.write_text('[[phase]]\nname = "spec"\nrole = "pm"\n')
    assert resolve_workflow(str(flow)) == (Phase("spec", "pm"),)

    shout = get_tool("shout")
    assert (shout.description, shout(tmp_path, text="hi")) == ("Say it louder.", "HI")
    (tmp_path / "a.txt").write_text("alpha")
    assert isinstance(get_tool("read_file"), Tool) and read_file(tmp_path, path="a.txt") == "alpha"
    assert "a.txt" in list_files(tmp_path).splitlines()
    with pytest.raises(UserError, match="outside the project"):
        read_file(tmp_path, path="../etc/passwd")


def test_cli_lists_plugins_and_other_commands_survive_a_broken_one(tmp_path: Path) -> None:
    site = write_dist(
        tmp_path / "site", "mh-broken", {"macrohard.gates": {"broken": "mh_nowhere:gate"}}
    )
    env = {**os.environ, "PYTHONPATH": str(site), "MACROHARD_HOME": str(tmp_path / "home")}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "macrohard.cli", *args],
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
        )

    listed = cli("plugins", "--json")
    assert listed.returncode == 1
    rows = {(p["kind"], p["name"]): p for p in json.loads(listed.stdout)}
    assert rows[("gates", "broken")]["state"] == "failed"
    assert rows[("gates", "broken")]["dist"] == "mh-broken 1.0"
    assert rows[("gates", "tests")]["state"] == "loaded"
    assert "gate plugin 'broken' (mh-broken 1.0, mh_nowhere:gate)" in listed.stderr
    assert "No module named 'mh_nowhere'" in " ".join(listed.stderr.split())
    table = cli("plugins", "--kind", "models")
    assert table.returncode == 0 and "scripted" in table.stdout and "broken" not in table.stdout
    runs = cli("runs", "--json")  # an unrelated command never loads the broken plugin
    assert runs.returncode == 0 and json.loads(runs.stdout) == [] and not runs.stderr


def test_warnings_are_not_raised_for_a_clean_install() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        plugins.Registry().plugins()
