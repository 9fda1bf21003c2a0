"""samconfig.toml: a staging and a production environment whose overrides are the template's parameters."""

import tomllib
from pathlib import Path

import pytest

from infra import template

ROOT = Path(__file__).resolve().parents[2]


def _overrides(env: str) -> dict[str, str]:
    config = tomllib.loads((ROOT / "samconfig.toml").read_text())
    return dict(item.split("=", 1) for item in config[env]["deploy"]["parameters"]["parameter_overrides"])


@pytest.mark.parametrize("env", ["staging", "production"])
def test_each_environment_sets_only_parameters_the_template_has_with_allowed_values(env):
    parameters = template.load()["Parameters"]
    overrides = _overrides(env)
    for name, value in overrides.items():
        assert name in parameters, name
        assert value, name  # sam refuses "Name=" (an empty value is the parameter's default: leave it out)
        allowed = parameters[name].get("AllowedValues")
        assert allowed is None or value in [str(v) for v in allowed], (name, value)
    assert {"AchApiBase", "LogRetentionDays", "PortalOrigin", "RunbookBaseUrl"} <= set(overrides)


def test_production_uses_the_live_ach_api_keeps_logs_a_year_and_asks_before_changing():
    config = tomllib.loads((ROOT / "samconfig.toml").read_text())
    assert _overrides("production")["AchApiBase"] == "https://api.dwolla.com"
    assert _overrides("staging")["AchApiBase"] == "https://api-sandbox.dwolla.com"
    assert int(_overrides("production")["LogRetentionDays"]) >= 365
    assert config["production"]["deploy"]["parameters"]["confirm_changeset"] is True
    stacks = {config[e]["deploy"]["parameters"]["stack_name"] for e in ("staging", "production")}
    assert len(stacks) == 2


def test_every_operator_command_is_a_console_script_with_a_main():
    import importlib

    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    modules = {p.stem for p in (ROOT / "ops").glob("*.py")} - {"__init__", "stack", "audit"}
    assert {target.split(":")[0] for target in scripts.values()} == {f"ops.{m}" for m in modules}
    for target in scripts.values():
        module, function = target.split(":")
        assert callable(getattr(importlib.import_module(module), function)), target
