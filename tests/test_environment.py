"""One set of pins: requirements.txt, environment.yml and binder/environment.yml agree; Binder uses them."""

import re
import shutil
import subprocess
import sys

import pytest
import yaml
from conftest import ROOT


def requirement_pins(path):
    lines = (line.split("#")[0].strip() for line in (ROOT / path).read_text().splitlines())
    return [line for line in lines if line and not line.startswith("-r")]


def conda_env(path):
    return yaml.safe_load((ROOT / path).read_text())


def pip_section(env):
    return next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))


def test_every_pin_is_exact():
    for path in ("requirements.txt", "requirements-dev.txt"):
        for pin in requirement_pins(path):
            assert "==" in pin, f"{path}: {pin!r} is not pinned with =="


@pytest.mark.parametrize("path", ["environment.yml", "binder/environment.yml"])
def test_conda_files_match_requirements(path):
    env = conda_env(path)
    conda_part = [d for d in env["dependencies"] if isinstance(d, str)]
    assert conda_part == ["python=3.11", "pip"], "keep the conda part minimal: python and pip"
    assert pip_section(env) == requirement_pins("requirements.txt")


def test_root_and_binder_environments_are_identical():
    assert conda_env("environment.yml") == conda_env("binder/environment.yml")


def test_python_version_agrees():
    """pyproject's requires-python admits exactly the minor version the conda files, the Makefile and this
    interpreter use."""
    import tomllib

    from packaging.specifiers import SpecifierSet

    conda = {re.search(r"^\s*-\s*python=(\d+)\.(\d+)\s*$", (ROOT / f).read_text(), re.M).groups()
             for f in ("environment.yml", "binder/environment.yml")}
    assert len(conda) == 1, f"the conda files pin different Pythons: {conda}"
    major, minor = map(int, conda.pop())
    assert f"sys.version_info[:2] == ({major}, {minor})" in (ROOT / "Makefile").read_text()
    assert sys.version_info[:2] == (major, minor)
    spec = SpecifierSet(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"])
    assert f"{major}.{minor}.0" in spec and f"{major}.{minor}.99" in spec
    assert f"{major}.{minor - 1}.99" not in spec and f"{major}.{minor + 1}.0" not in spec


def test_binder_uses_conda_buildpack_with_binder_files():
    exe = shutil.which("jupyter-repo2docker") or str(ROOT / ".venv/bin/jupyter-repo2docker")
    out = subprocess.run(
        [exe, "--no-build", "--no-run", str(ROOT)], capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr[-2000:]
    dockerfile = out.stdout
    assert "binder/environment.yml" in dockerfile, "Binder would not use binder/environment.yml"
    assert "./binder/postBuild" in dockerfile, "Binder would not run binder/postBuild"
    assert "conda" in dockerfile.lower()
