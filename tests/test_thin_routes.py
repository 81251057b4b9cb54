"""Routers and pages stay thin: no SQL, no commits, no repositories in ``web/`` or ``*/api.py``.

A use case is one service function that the API route and the web page both call; the request's
session dependency (:func:`chamba.deps.get_session`) owns the transaction. This test reads the
source of every page module (``src/chamba/web/``) and every router (``src/chamba/*/api.py``) and
fails on what belongs in a service or repository:

- a session method that runs SQL or ends the transaction (``session.execute``, ``.scalars``,
  ``.get``, ``.add``, ``.commit``...), on ``session`` or any parameter annotated as a session;
- SQL built in place: anything imported from ``sqlalchemy`` other than the ``Session`` type;
- a feature's ``repository`` module imported (the shells call services, never repositories).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "chamba"

#: Session methods that run SQL or end the transaction.
SQL_METHODS = frozenset(
    {
        "add", "add_all", "begin", "begin_nested", "commit", "delete", "execute", "flush",
        "get", "merge", "query", "refresh", "rollback", "scalar", "scalars",
    }
)  # fmt: skip
#: What a shell may import from SQLAlchemy: the session's type, for annotations.
ALLOWED_SQLALCHEMY = frozenset({("sqlalchemy.orm", "Session")})
SESSION_TYPES = frozenset({"Session", "SessionDep"})


def shell_files() -> list[Path]:
    """The page modules and the routers."""
    return sorted([*SRC.glob("web/**/*.py"), *SRC.glob("*/api.py")])


def _session_names(tree: ast.AST) -> set[str]:
    """``session`` and every parameter annotated as a session, in the whole module."""
    names = {"session"}
    for node in ast.walk(tree):
        if isinstance(node, ast.arg) and node.annotation is not None:
            words = ast.unparse(node.annotation).replace(".", " ").replace("|", " ").split()
            if SESSION_TYPES & set(words):
                names.add(node.arg)
    return names


def violations(path: Path) -> Iterator[str]:
    """``file:line: what`` for each piece of SQL, commit or repository import in ``path``."""
    yield from violations_in(path.read_text(encoding="utf-8"), path.relative_to(SRC).as_posix())


def violations_in(source: str, where: str) -> Iterator[str]:
    """:func:`violations` of the module text ``source`` (named ``where`` in the messages)."""
    tree = ast.parse(source, filename=where)
    sessions = _session_names(tree)
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id in sessions
            and node.func.attr in SQL_METHODS
        ):
            yield f"{where}:{node.lineno}: {node.func.value.id}.{node.func.attr}()"
        elif isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                if node.module.split(".")[0] == "sqlalchemy" and (
                    (node.module, alias.name) not in ALLOWED_SQLALCHEMY
                ):
                    yield f"{where}:{node.lineno}: from {node.module} import {alias.name}"
                if node.module.endswith(".repository") or alias.name == "repository":
                    yield f"{where}:{node.lineno}: imports {node.module}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "sqlalchemy" or alias.name.endswith(".repository"):
                    yield f"{where}:{node.lineno}: import {alias.name}"


def test_shells_are_found() -> None:
    files = {p.relative_to(SRC).as_posix() for p in shell_files()}
    assert {"web/employer.py", "web/provider.py", "jobs/api.py", "matching/api.py"} <= files


def test_pages_and_routers_run_no_sql_and_never_commit() -> None:
    # GIVEN every page module and router WHEN their source is read
    found = [v for path in shell_files() for v in violations(path)]
    # THEN none runs SQL, commits or imports a repository: that is a service's work
    assert found == [], "move these into the feature's service or repository:\n" + "\n".join(found)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("def f(session):\n    session.commit()\n", "session.commit()"),
        ("def f(db: SessionDep):\n    db.execute(x)\n", "db.execute()"),
        ("def f(s: Session | None):\n    s.get(A, 1)\n", "s.get()"),
        ("from sqlalchemy import select\n", "from sqlalchemy import select"),
        ("from chamba.jobs import repository\n", "imports chamba.jobs.repository"),
        ("from chamba.jobs.repository import by_id\n", "imports chamba.jobs.repository.by_id"),
    ],
)
def test_the_scan_catches_each_kind(source: str, expected: str) -> None:
    # GIVEN a shell module that does one forbidden thing WHEN it is scanned
    found = list(violations_in(source, "web/probe.py"))
    # THEN that thing is reported
    assert len(found) == 1, found
    assert found[0].endswith(expected), found


def test_the_scan_lets_the_session_type_and_other_calls_pass() -> None:
    source = (
        "from sqlalchemy.orm import Session\n"
        "def f(session: Session, form):\n"
        "    form.get('x')\n    job_service.get_job(session, 1)\n"
    )
    assert list(violations_in(source, "web/probe.py")) == []
