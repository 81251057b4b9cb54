"""What the installed product needs: optional packages stay optional."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_sentence_transformers_is_an_optional_extra() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    core = [d.split("==")[0].split("[")[0] for d in project["dependencies"]]
    assert "sentence-transformers" not in core
    extra = project["optional-dependencies"]["st"]
    assert any(d.startswith("sentence-transformers==") for d in extra)


def test_the_app_and_cli_start_without_importing_sentence_transformers() -> None:
    # WHEN the app and the CLI are imported with the default settings
    code = (
        "import sys, chamba.api.app, chamba.cli\n"
        "chamba.api.app.create_app()\n"
        "bad = sorted(m for m in ('sentence_transformers', 'transformers', 'sklearn')"
        " if m in sys.modules)\n"
        "print(','.join(bad))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    # THEN none of the optional encoder's heavy packages was loaded
    assert out.stdout.strip() == ""
