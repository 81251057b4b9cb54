"""What every ``chamba`` command shares: the consoles, the one-line failure, progress bars and
a migrated database engine."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

if TYPE_CHECKING:  # imported where used: the CLI starts fast
    from sqlalchemy import Engine

ProgressFn = Callable[[str, int, int], None]
err = Console(stderr=True)
out = Console()


def fail(message: str, code: int = 1) -> None:
    """Print a one-line reason to stderr and exit non-zero."""
    err.print(f"error: {message}", markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(code)


@contextmanager
def progress_bar(enabled: bool = True) -> Iterator[ProgressFn]:
    """A ``progress(stage, done, total)`` callback drawing rich progress bars on stderr."""
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        disable=not enabled,
        transient=False,
    ) as bars:
        tasks: dict[str, Any] = {}

        def update(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bars.add_task(stage, total=total or None)
            bars.update(tasks[stage], completed=done, total=total or None)

        yield update


def open_engine() -> Engine:
    """The configured database, migrated and with the built-in taxonomy loaded."""
    from chamba.api.app import prepare_database
    from chamba.db import get_engine

    engine = get_engine()
    prepare_database(engine)
    return engine
