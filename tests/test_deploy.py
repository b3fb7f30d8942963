"""The ways to install and run Briefbot agree with the project: every install takes the torch that
pyproject.toml pins, and the systemd unit is valid and runs the bot."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.helpers import ROOT


@pytest.mark.parametrize("install", ["README.md", ".ci/run", "deploy/Containerfile"])
def test_every_install_pins_the_torch_of_pyproject(install: str) -> None:
    """Torch goes in first, as its CPU build, at the version pyproject.toml requires."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    [pin] = [d for d in project["dependencies"] if d.startswith("torch")]
    pins = set(re.findall(r"install[^\n]*? (torch==[\w.]+)", (ROOT / install).read_text(encoding="utf-8")))
    assert pins == {pin}


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="needs systemd-analyze (systemd)")
def test_the_systemd_unit_is_valid(tmp_path: Path) -> None:
    """systemd finds nothing to warn about (a misspelt key or value is only a warning when the unit loads),
    and the unit starts `briefbot run`: here with this checkout's install in place of /opt/briefbot's."""
    unit = (ROOT / "deploy" / "briefbot.service").read_text(encoding="utf-8")
    [start] = re.findall(r"^ExecStart=(.*)$", unit, re.M)
    assert start == "/opt/briefbot/.venv/bin/briefbot run"
    here = tmp_path / "briefbot.service"
    scripts = Path(sys.executable).parent
    here.write_text(unit.replace("/opt/briefbot/.venv/bin", str(scripts)), encoding="utf-8")
    checked = subprocess.run(["systemd-analyze", "verify", str(here)], capture_output=True, text=True)
    assert (checked.returncode, checked.stdout + checked.stderr) == (0, "")
