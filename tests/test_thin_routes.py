"""Routers and pages stay thin: no SQL, no commits, no repositories in ``web/`` or ``*/api.py``.

A use case is one service function that the API route and the web page both call; the request's
session dependency (:func:`chamba.deps.get_session`) owns the transaction. This test reads the
source of every page module (``src/chamba/web/``) and every router (``src/chamba/*/api.py``) and
fails on what belongs in a service or repository:

- a session method that runs SQL or ends the transaction (``session.execute``, ``.scalars``,
  ``.get``, ``.add``, ``.commit``...), on ``session`` or any parameter annotated as a session;
- SQL built in place: anything imported from ``sqlalchemy`` other than the ``Session`` type;
- a feature's ``repository`` module imported (the shells call services, never repositories).

A second scan goes further: SQL lives only in the features' ``repository.py`` modules. No other
module of the package builds a statement (``select``, ``insert``, ``update``, ``delete``,
``text`` from SQLAlchemy) or runs one on a session or connection (``.execute``, ``.query``,
``.get``, ``.scalar``, ``.scalars``), except the infrastructure in :data:`SQL_ALLOWED`.
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


# ------------------------------------------------------------------ SQL only in repositories

#: Modules that may run SQL outside a ``repository.py``, each with its reason.
SQL_ALLOWED: dict[str, str] = {
    "db.py": "the kit: engine, session, ping, migrations, key rotation",
    "side_writes.py": "the side writer batches rows outside the request's transaction",
    "migrations/": "Alembic migrations",
    "demo/": "the demo generator bulk-loads its tables",
    "nlp/encoder.py": "its own sqlite3 file of cached vectors, not the app's database",
}
#: SQLAlchemy's statement builders.
SQL_BUILDERS = frozenset({"select", "insert", "update", "delete", "text"})
#: Methods that run SQL on a session or connection.
SQL_RUNNERS = frozenset({"execute", "query", "get", "scalar", "scalars"})
#: Names a session or connection goes by (also as ``self.<name>`` or ``self._<name>``).
SQL_HANDLES = frozenset({"session", "conn", "connection"})
HANDLE_TYPES = frozenset({"Session", "SessionDep", "Connection"})


def _allowed(where: str) -> bool:
    return any(
        where == key or (key.endswith("/") and where.startswith(key)) for key in SQL_ALLOWED
    )


def sql_files() -> list[Path]:
    """Every module of the package that must not hold SQL: all but repositories and the
    allowed infrastructure."""
    return [
        path
        for path in sorted(SRC.rglob("*.py"))
        if path.name != "repository.py" and not _allowed(path.relative_to(SRC).as_posix())
    ]


def _handles(tree: ast.AST) -> set[str]:
    """The usual names of a session or connection and every parameter annotated as one."""
    names = set(SQL_HANDLES)
    for node in ast.walk(tree):
        if isinstance(node, ast.arg) and node.annotation is not None:
            words = ast.unparse(node.annotation)
            for sep in ".|[],":
                words = words.replace(sep, " ")
            if HANDLE_TYPES & set(words.split()):
                names.add(node.arg)
    return names


def sql_in(source: str, where: str) -> Iterator[str]:
    """``file:line: what`` for each statement built or run in the module text ``source``."""
    tree = ast.parse(source, filename=where)
    builders: set[str] = set()  # names bound to a builder: from sqlalchemy import select
    modules: set[str] = set()  # names bound to sqlalchemy: import sqlalchemy as sa
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "sqlalchemy":
            builders |= {a.asname or a.name for a in node.names if a.name in SQL_BUILDERS}
        elif isinstance(node, ast.Import):
            modules |= {
                a.asname or a.name.split(".")[0]
                for a in node.names
                if a.name.split(".")[0] == "sqlalchemy"
            }
    handles = _handles(tree)
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id in builders:
            yield f"{where}:{node.lineno}: {func.id}()"
        elif isinstance(func, ast.Attribute):
            owner = func.value
            if isinstance(owner, ast.Name) and owner.id in modules and func.attr in SQL_BUILDERS:
                yield f"{where}:{node.lineno}: {owner.id}.{func.attr}()"
                continue
            name = (
                owner.id if isinstance(owner, ast.Name)
                else owner.attr if isinstance(owner, ast.Attribute)
                else None
            )  # fmt: skip
            if func.attr in SQL_RUNNERS and name is not None and name.lstrip("_") in handles:
                yield f"{where}:{node.lineno}: {ast.unparse(owner)}.{func.attr}()"


def test_sql_lives_only_in_repositories() -> None:
    # GIVEN every module but the repositories and the allowed infrastructure
    found = [
        v
        for path in sql_files()
        for v in sql_in(path.read_text(encoding="utf-8"), path.relative_to(SRC).as_posix())
    ]
    # THEN none builds or runs SQL: that is the feature's repository.py
    assert found == [], "move these queries into the feature's repository.py:\n" + "\n".join(
        found
    )


def test_the_sql_allow_list_names_real_modules_that_need_it() -> None:
    # GIVEN the permanent exceptions, THEN each exists and still runs SQL (else drop it)
    for key in SQL_ALLOWED:
        paths = sorted((SRC / key).rglob("*.py")) if key.endswith("/") else [SRC / key]
        assert paths, key
        assert all(p.exists() for p in paths), key
        texts = "".join(p.read_text(encoding="utf-8") for p in paths)
        assert ".execute(" in texts or "insert(" in texts, f"{key} runs no SQL any more"


def test_the_sql_scan_covers_the_services() -> None:
    files = {p.relative_to(SRC).as_posix() for p in sql_files()}
    assert {"activity/service.py", "auth/reset.py", "nlp/service.py", "web/employer.py"} <= files
    matching = ["context", "course_options", "embeddings", "filters", "retrieval", "service"]
    assert {f"matching/{name}.py" for name in matching} <= files  # no module on a waiver
    assert not {"activity/repository.py", "db.py", "demo/generator.py"} & files


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from sqlalchemy import select\nselect(Job)\n", "select()"),
        ("from sqlalchemy import delete as d\nd(Job)\n", "d()"),
        ("from sqlalchemy.sql import text\ntext('SELECT 1')\n", "text()"),
        ("import sqlalchemy as sa\nsa.update(Job)\n", "sa.update()"),
        ("def f(session):\n    return session.get(Job, 1)\n", "session.get()"),
        ("def f(db: Session):\n    return db.query(Job)\n", "db.query()"),
        ("def f(c: Connection | None):\n    c.execute(x)\n", "c.execute()"),
        ("class A:\n    def f(self):\n        self._session.scalars(x)\n",
         "self._session.scalars()"),
    ],
)  # fmt: skip
def test_the_sql_scan_catches_each_kind(source: str, expected: str) -> None:
    # GIVEN a service that builds or runs one statement WHEN it is scanned
    found = list(sql_in(source, "jobs/service.py"))
    # THEN that statement is reported
    assert len(found) == 1, found
    assert found[0].endswith(expected), found


def test_the_sql_scan_lets_other_calls_pass() -> None:
    source = (
        "from sqlalchemy.orm import Session\n"
        "def f(session: Session, form, words):\n"
        "    session.add(x)\n    session.flush()\n    form.get('x')\n"
        "    words.update(y)\n    text('intro', 'es')\n    repository.by_id(session, 1)\n"
    )
    assert list(sql_in(source, "jobs/service.py")) == []


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
