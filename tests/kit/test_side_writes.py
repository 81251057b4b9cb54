"""The side writer: impressions and read audits leave the request's transaction, written in
batches, flushed on shutdown, never dropped silently."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Column, Integer, MetaData, String, Table, func, select
from sqlalchemy.orm import Session

from chamba.db import make_engine
from chamba.observability.metrics import Metrics
from chamba.side_writes import SIDE_WRITER_KEY, SideWriter, side_writer_of

META = MetaData()
SEEN = Table("seen", META, Column("id", Integer, primary_key=True), Column("what", String(20)))


def _engine(tmp_path: Path):  # type: ignore[no-untyped-def]
    engine = make_engine(f"sqlite:///{tmp_path / 'side.db'}")
    META.create_all(engine)
    return engine


def _count(engine) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(SEEN)) or 0)


def test_rows_are_written_in_the_background_and_flushed_on_stop(tmp_path: Path) -> None:
    # GIVEN a side writer whose timer would not fire during the test
    engine = _engine(tmp_path)
    metrics = Metrics(version="t")
    writer = SideWriter(engine, metrics=metrics, flush_seconds=3600, batch_size=10_000)
    # WHEN rows are submitted
    writer.submit(SEEN, [{"what": "job:1"}, {"what": "job:2"}])
    writer.submit(SEEN, [{"what": "job:3"}])
    # THEN they wait (the caller's transaction is not involved)...
    assert writer.pending == 3
    assert _count(engine) == 0
    # ...and a clean stop writes every one of them
    writer.stop()
    assert _count(engine) == 3
    assert writer.pending == 0
    assert b'chamba_side_writes_written_total{table="seen"} 3.0' in metrics.exposition()
    engine.dispose()


def test_a_full_queue_drops_the_oldest_rows_and_counts_them(tmp_path: Path) -> None:
    # GIVEN a writer that may keep 5 rows
    engine = _engine(tmp_path)
    metrics = Metrics(version="t")
    writer = SideWriter(engine, metrics=metrics, capacity=5, flush_seconds=3600)
    # WHEN 8 rows arrive before any flush
    writer.submit(SEEN, [{"what": f"r{i}"} for i in range(8)])
    writer.stop()
    # THEN the newest 5 are written and the 3 dropped ones are counted in /metrics
    with engine.connect() as conn:
        assert sorted(conn.scalars(select(SEEN.c.what))) == ["r3", "r4", "r5", "r6", "r7"]
    assert writer.dropped == 3
    assert b'chamba_side_writes_dropped_total{table="seen"} 3.0' in metrics.exposition()
    engine.dispose()


def test_a_failed_write_keeps_the_rows_for_the_next_round(tmp_path: Path) -> None:
    # GIVEN a writer whose table does not exist yet (the database refuses the insert)
    engine = make_engine(f"sqlite:///{tmp_path / 'late.db'}")
    writer = SideWriter(engine, flush_seconds=3600)
    writer.submit(SEEN, [{"what": "a"}, {"what": "b"}])
    # WHEN a flush fails
    assert writer.flush() == 0
    # THEN nothing is lost: once the database accepts them, the rows are written
    assert writer.pending == 2
    META.create_all(engine)
    assert writer.flush() == 2
    assert _count(engine) == 2
    writer.stop()
    engine.dispose()


def test_a_row_that_breaks_a_constraint_is_dropped_and_does_not_hold_back_the_rest(
    tmp_path: Path,
) -> None:
    # GIVEN a table whose rows must be unique, and a row that is already there
    meta = MetaData()
    once = Table("once", meta, Column("id", Integer, primary_key=True), Column("what", String(20)))
    engine = make_engine(f"sqlite:///{tmp_path / 'once.db'}")
    meta.create_all(engine)
    with engine.begin() as conn:
        conn.execute(once.insert(), [{"id": 1, "what": "first"}])
    metrics = Metrics(version="t")
    writer = SideWriter(engine, metrics=metrics, flush_seconds=3600)
    # WHEN a batch holds that row between two good ones
    writer.submit(once, [{"id": 2, "what": "a"}, {"id": 1, "what": "dup"}, {"id": 3, "what": "b"}])
    written = writer.flush()
    # THEN the good rows are written, the bad one is dropped and counted, nothing waits
    assert written == 2
    with engine.connect() as conn:
        assert sorted(conn.scalars(select(once.c.what))) == ["a", "b", "first"]
    assert writer.pending == 0
    assert writer.dropped == 1
    assert b'chamba_side_writes_dropped_total{table="once"} 1.0' in metrics.exposition()
    # AND later rows flow again
    writer.submit(once, [{"id": 4, "what": "c"}])
    assert writer.flush() == 1
    writer.stop()
    engine.dispose()


def test_the_app_hands_its_writer_to_request_sessions_only(tmp_path: Path) -> None:
    from chamba.api.app import create_app, prepare_database
    from chamba.config import get_settings

    engine = make_engine(f"sqlite:///{tmp_path / 'app.db'}")
    prepare_database(engine)
    app = create_app(get_settings(), engine)
    with app.state.session_factory() as session:
        assert side_writer_of(session) is app.state.side_writer
        assert session.info[SIDE_WRITER_KEY] is app.state.side_writer
    with Session(engine) as session:  # scripts and tests write in their own session
        assert side_writer_of(session) is None
    engine.dispose()


def test_a_read_counts_its_use_without_becoming_a_writer(tmp_path: Path) -> None:
    import sqlite3
    from datetime import UTC, datetime

    from chamba.api.app import create_app, prepare_database
    from chamba.auth import ratelimit
    from chamba.auth.models import AuthAttempt
    from chamba.config import get_settings

    # GIVEN the app on SQLite and a read request's session (not begun as a writer)
    path = tmp_path / "uses.db"
    engine = make_engine(f"sqlite:///{path}")
    prepare_database(engine)
    app = create_app(get_settings(), engine)
    settings = get_settings()
    with app.state.session_factory() as session:
        # WHEN a costly read (matches) counts one use of its user
        ratelimit.count_use(session, "match", user_id=7, address=None, settings=settings,
                            now=datetime.now(UTC))  # fmt: skip
        # THEN its transaction holds no write lock: another connection writes freely
        other = sqlite3.connect(path, timeout=0, isolation_level=None)
        other.execute("UPDATE auth_attempts SET scope = scope")
        other.close()
        session.commit()
    # AND the use is recorded by the side writer
    app.state.side_writer.flush()
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(AuthAttempt)) == 1
    app.state.side_writer.stop()
    engine.dispose()


def test_a_persons_pseudonym_is_read_once_per_process_and_never_passed_on(tmp_path: Path) -> None:
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import event

    from chamba.activity import service as activity
    from chamba.activity.models import Interaction, SubjectType
    from chamba.api.app import create_app, prepare_database
    from chamba.config import get_settings
    from chamba.people.models import Person

    engine = make_engine(f"sqlite:///{tmp_path / 'keys.db'}")
    prepare_database(engine)
    app = create_app(get_settings(), engine)
    writer = app.state.side_writer
    born = datetime(2026, 1, 5, tzinfo=UTC)
    with Session(engine) as s:
        s.add(Person(id=40, full_name="Ana", created_at=born))
        s.commit()

    def show(session: Session) -> str:
        person = session.get_one(Person, 40)  # the request holds the person it loaded
        activity.log_shown(session, person.id, [activity.Shown(SubjectType.JOB, 1, 1)],
                           model_version="t")  # fmt: skip
        return activity.person_key(session, person.id)

    with app.state.session_factory() as session:
        first = show(session)
    writer.flush()
    # GIVEN a pseudonym written to the log, WHEN the person's next request logs impressions
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    with app.state.session_factory() as session:
        again = show(session)
    # THEN it is the same pseudonym, and no query looked for it
    assert again == first
    assert not [q for q in statements if "person_key" in q and q.lstrip().startswith("SELECT")]
    # AND a new person given the same id after the first one's erasure never inherits it
    writer.flush()
    with Session(engine) as s:
        s.delete(s.get_one(Person, 40))
        s.execute(Interaction.__table__.update().values(person_id=None))
        s.add(Person(id=40, full_name="Eva", created_at=born + timedelta(days=30)))
        s.commit()
    with app.state.session_factory() as session:
        assert show(session) != first
    writer.stop()
    engine.dispose()
