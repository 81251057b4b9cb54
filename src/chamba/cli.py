"""The ``chamba`` command (also ``python -m chamba``).

Exit codes: 0 success; 1 an expected failure (bad input, invalid settings), with a one-line reason
on stderr; 2 wrong usage (unknown option, missing argument).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from chamba import cli_learning
from chamba.cli_support import err, fail, open_engine, out, progress_bar
from chamba.config import SettingsError, get_settings
from chamba.errors import ChambaError

if TYPE_CHECKING:  # imported where used: the CLI starts fast
    pass

app = typer.Typer(
    name="chamba",
    help="Chamba: work, remote work and training for people in Peru.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
taxonomy_app = typer.Typer(
    help="Skills and occupations: import ESCO, export the catalogue.", no_args_is_help=True
)
app.add_typer(taxonomy_app, name="taxonomy")
app.add_typer(cli_learning.models_app, name="models")
keys_app = typer.Typer(help="Encryption keys of personal data.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")
events_app = typer.Typer(help="Domain events: upkeep of the outbox.", no_args_is_help=True)
app.add_typer(events_app, name="events")


@app.callback()
def _set_up() -> None:
    # Before any command: sessions record the attribute versions that the learning datasets
    # read (chamba.learning.history), as the app's sessions do.
    from chamba.db import on_session_factory
    from chamba.learning.history import install_history

    on_session_factory(install_history)


class ImportKind(StrEnum):
    jobs = "jobs"
    people = "people"
    courses = "courses"


class ExportKind(StrEnum):
    skills = "skills"
    occupations = "occupations"


def default_workers() -> int:
    """Server processes by default: one per CPU core this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


WORKER_HEALTHCHECK_SECONDS = 60


def _serve(host: str | None, port: int | None, workers: int | None = None) -> None:
    import uvicorn

    settings = get_settings()
    uvicorn.run(
        # Each worker process builds the app (chamba.api.app.served_app): its own pool, indexes
        # and event follower; it configures JSON-lines logging (chamba.observability.logging).
        "chamba.api.app:served_app",
        factory=True,
        http="chamba.api.app:NoDelayH11Protocol",  # TCP_NODELAY with several workers too
        workers=workers or default_workers(),
        host=host or settings.host,
        port=port or settings.port,
        log_level=settings.log_level.lower(),
        log_config=None,  # keep our handler; uvicorn's access log is replaced by ours
        access_log=False,
        # The app itself believes X-Forwarded-* only from CHAMBA_TRUSTED_PROXIES; uvicorn's own
        # handling (which trusts 127.0.0.1 by default) is off so that no other peer is trusted.
        proxy_headers=False,
        # uvicorn's supervisor kills a worker that does not answer its health ping within this
        # many seconds (default 5). At 100,000 jobs a worker's warm-up (job table, IVF training)
        # kept it from answering in time on busy cores, so workers were killed while starting and
        # the server never answered; a hung worker is now replaced after a minute instead.
        timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
    )


Workers = Annotated[
    int | None,
    typer.Option(
        min=1,
        max=256,
        help="Server processes sharing the port (default: the number of CPU cores). Each keeps "
        "its own match indexes, kept in step with the database.",
    ),
]


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
    workers: Workers = None,
) -> None:
    """Serve the web app and API (applies migrations first)."""
    from chamba.observability.logging import configure_logging

    configure_logging(get_settings())
    open_engine()
    _serve(host, port, workers)


@app.command()
def migrate() -> None:
    """Apply database migrations and load the built-in taxonomy."""
    open_engine()
    out.print("database is up to date")


@app.command()
def demo(
    size: Annotated[
        int, typer.Option(min=10, help="Number of people (jobs, courses scale).")
    ] = 3000,
    seed: Annotated[int, typer.Option(help="Random seed; same seed, same data.")] = 7,
    serve_app: Annotated[bool, typer.Option("--serve/--no-serve", help="Serve when done.")] = True,
    reset: Annotated[bool, typer.Option(help="Replace earlier demo data.")] = True,
    host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
    esco: Annotated[
        bool,
        typer.Option(
            "--esco/--no-esco",
            help="Also import the ESCO skills and occupations shipped with Chamba (es, en).",
        ),
    ] = True,
    workers: Workers = None,
) -> None:
    """Generate a realistic Peru dataset, load it into the database and serve the app."""
    if "CHAMBA_ENV" not in os.environ:
        # The demo is local development: its placeholder secret is accepted (nowhere else).
        os.environ["CHAMBA_ENV"] = "development"
        get_settings.cache_clear()
    from chamba.db import session_scope
    from chamba.demo.accounts import DEMO_PASSWORD, ensure_demo_accounts
    from chamba.demo.generator import generate_demo
    from chamba.matching.store import get_index_store

    engine = open_engine()
    # Anchor the demo's dates to today (noon UTC) so that its jobs are open and fresh; the same
    # seed on the same day gives the same data.
    today = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    with progress_bar() as progress:
        report = generate_demo(
            engine, size=size, seed=seed, reset=reset, progress=progress, reference_date=today
        )
    out.print(report.summary(), markup=False)
    if esco:
        from chamba.taxonomy.esco import ESCO_ATTRIBUTION, import_bundled_esco

        with session_scope(engine) as session, progress_bar() as progress:
            esco_report = import_bundled_esco(session, progress=progress)
        out.print(esco_report.summary(), markup=False)
        out.print(ESCO_ATTRIBUTION, markup=False)
        # Skill tagging embeds every skill name once (about 27k with ESCO): do it now, not on
        # the first posting; the vectors are cached on disk for the server.
        from chamba.nlp.service import get_extractor

        out.print("Preparing skill tagging (vectors of every skill name, computed once)…")
        with session_scope(engine) as session:
            get_extractor(session).build_index()
    settings = get_settings()
    with session_scope(engine) as session:
        accounts = ensure_demo_accounts(session, settings)
    out.print("Indexing jobs, people and courses for matching…")
    if reset:  # every demo row was replaced: start the index afresh (vectors stay cached)
        shutil.rmtree(settings.data_dir / "index", ignore_errors=True)
    with session_scope(engine) as session:
        store = get_index_store(settings)
        store.load_or_build(session)
        store.save()
    table = Table(title=f"Demo accounts (password for all: {DEMO_PASSWORD})")
    for column in ("role", "e-mail", "linked to"):
        table.add_column(column)
    for account in accounts:
        table.add_row(account.role.value, account.email, account.linked_to)
    out.print(table)
    if serve_app:
        out.print(f"Chamba is at http://{host or settings.host}:{port or settings.port}/")
        _serve(host, port, workers)


@app.command("import")
def import_(
    kind: Annotated[ImportKind, typer.Argument(help="What the file holds.")],
    file: Annotated[Path, typer.Argument(help="CSV, JSON-LD (jobs) or JSON Resume (people).")],
    skip_invalid: Annotated[
        bool, typer.Option(help="Import the good rows and report the bad ones.")
    ] = False,
    source: Annotated[str | None, typer.Option(help="Source name for external ids.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    extract_skills: Annotated[
        bool,
        typer.Option(
            "--extract-skills/--no-extract-skills",
            help="Jobs: read the skills each posting asks for from its title and description.",
        ),
    ] = True,
    encoding: Annotated[
        str | None,
        typer.Option(help="Text encoding of the file, e.g. cp1252 (default: UTF-8)."),
    ] = None,
) -> None:
    """Import jobs, people or courses; a file with any bad row imports nothing."""
    from chamba.db import begin_write, session_scope
    from chamba.ingest.service import prepare_import, write_import

    if not file.is_file():
        fail(f"{file}: no such file")
    engine = open_engine()
    with progress_bar(not as_json) as progress:
        # Reading and tagging (minutes for thousands of postings) only read; the writes then run
        # in a short unit of work of their own that begins as a writer. On SQLite, writing from
        # the reading transaction would fail ("database is locked") as soon as a running server
        # committed anything meanwhile.
        with session_scope(engine) as session:
            prepared = prepare_import(
                session,
                kind.value,
                file,
                skip_invalid=skip_invalid,
                source=source,
                progress=progress,
                extract_skills=extract_skills,
                encoding=encoding,
            )
        with session_scope(engine) as session:
            begin_write(session)
            report = write_import(session, prepared, progress=progress)
    if as_json:
        out.print_json(json.dumps(report.to_dict()))
    else:
        out.print(report.summary(), markup=False)
    if report.errors and not skip_invalid:
        fail(f"{file}: {len(report.errors)} invalid row(s); nothing was imported")


@taxonomy_app.command("import-esco")
def import_esco(
    directory: Annotated[
        Path | None,
        typer.Argument(
            help="Folder with an official ESCO CSV export; without it, the ESCO data shipped "
            "with Chamba (Spanish and English)."
        ),
    ] = None,
    lang: Annotated[
        list[str] | None, typer.Option("--lang", help="Languages to read (default: all found).")
    ] = None,
    relations: Annotated[
        Path | None, typer.Option(help="occupationSkillRelations CSV, if kept elsewhere.")
    ] = None,
) -> None:
    """Import the ESCO taxonomy: the copy shipped with Chamba, or an official CSV export."""
    from chamba.db import session_scope
    from chamba.taxonomy.esco import ESCO_ATTRIBUTION, bundled_esco_dir
    from chamba.taxonomy.esco import import_esco as run_import

    if directory is not None and not directory.is_dir():
        fail(f"{directory}: not a folder")
    folder = directory if directory is not None else bundled_esco_dir()
    langs = lang if lang or directory is not None else ["es", "en"]
    engine = open_engine()
    with session_scope(engine) as session, progress_bar() as progress:
        report = run_import(
            session, folder, langs=langs, progress=progress, relations_file=relations
        )
    out.print(report.summary(), markup=False)
    out.print(ESCO_ATTRIBUTION, markup=False)


@taxonomy_app.command("export")
def export(
    kind: Annotated[ExportKind, typer.Argument(help="skills or occupations")],
    output: Annotated[Path, typer.Option("--output", "-o", help="CSV file to write.")],
) -> None:
    """Export skills or occupations as CSV."""
    from chamba.db import session_scope
    from chamba.taxonomy import service as taxonomy_service

    engine = open_engine()
    with session_scope(engine) as session:
        if kind is ExportKind.skills:
            count = taxonomy_service.export_skills(session, output)
        else:
            count = taxonomy_service.export_occupations(session, output)
    out.print(f"wrote {count} {kind.value} to {output}")


app.command()(cli_learning.train)
app.command()(cli_learning.evaluate)


@app.command()
def worker(
    once: Annotated[
        bool, typer.Option(help="Deliver what is waiting, then exit (no consumers kept running).")
    ] = False,
    metrics_port: Annotated[
        int | None, typer.Option(help="Serve Prometheus metrics on this port.")
    ] = None,
) -> None:
    """Deliver domain events: the outbox relay, plus the shared consumers when Kafka is used.

    With CHAMBA_KAFKA_BOOTSTRAP set it publishes the outbox to Kafka and runs the
    notifications consumer; without it, it delivers the outbox in-process.
    """
    import asyncio
    import signal

    import chamba
    from chamba.api.consumers import shared_consumers
    from chamba.events.runtime import run_worker
    from chamba.observability.logging import configure_logging
    from chamba.observability.metrics import Metrics

    settings = get_settings()
    configure_logging(settings)
    engine = open_engine()

    metrics = Metrics(version=chamba.__version__)

    async def main_loop() -> int:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        return await run_worker(
            settings, engine, stop, consumers=shared_consumers(settings, metrics), once=once,
            metrics_port=metrics_port, metrics=metrics,
        )  # fmt: skip

    delivered = asyncio.run(main_loop())
    if once:
        out.print(f"delivered {delivered} event(s)")


@events_app.command("prune")
def events_prune(
    days: Annotated[
        int | None,
        typer.Option(min=1, help="Retention in days (default: CHAMBA_EVENTS_RETENTION_DAYS)."),
    ] = None,
    batch_size: Annotated[
        int, typer.Option(min=1, help="Rows deleted per statement and transaction.")
    ] = 10_000,
) -> None:
    """Delete outbox events published, and consumers' records of events processed, DAYS ago.

    Unpublished events are never deleted, and a record is kept while its event could still be
    delivered again. `chamba worker` does this at start and then hourly.
    """
    from chamba.db import session_factory
    from chamba.events.service import prune

    settings = get_settings()
    days = days or settings.events_retention_days
    pruned = prune(session_factory(open_engine()), days, batch_size=batch_size)
    out.print(
        f"deleted {pruned.outbox} published outbox event(s) and {pruned.processed} "
        f"processed-event record(s) older than {days} days",
        markup=False,
        soft_wrap=True,
    )


def main() -> None:
    """Entry point: turns expected errors into a one-line message and exit code 1."""
    try:
        app(standalone_mode=True)
    except SystemExit:
        raise
    except (ChambaError, SettingsError) as exc:
        err.print(f"error: {exc}", markup=False, highlight=False, soft_wrap=True)
        sys.exit(1)
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)


@keys_app.command("rotate")
def keys_rotate() -> None:
    """Re-encrypt all personal data with CHAMBA_DATA_KEY (reading CHAMBA_PREVIOUS_DATA_KEYS)
    and recompute every blind index with CHAMBA_BLIND_INDEX_KEY.

    Set the new key as CHAMBA_DATA_KEY and the old one in CHAMBA_PREVIOUS_DATA_KEYS, run this,
    then remove the old key. Nothing is lost: every value is decrypted before it is written again.
    After a new CHAMBA_BLIND_INDEX_KEY, run it before the servers take traffic.
    """
    import chamba.models  # noqa: F401  (every table with encrypted columns)
    from chamba.db import rotate_blind_indexes, rotate_encryption, session_scope

    with session_scope(open_engine()) as session:
        done = rotate_encryption(session)
        indexes = rotate_blind_indexes(session)
    total = sum(done.values())
    out.print(f"re-encrypted {total} value(s) in {len(done)} column(s)", markup=False)
    out.print(f"recomputed {sum(indexes.values())} blind index(es)", markup=False)
