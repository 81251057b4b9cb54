"""One person's interactions of one kind are found through an index, however many "shown"
rows the person has gathered (every match request logs ten): the dismissals every match
request reads (its page-cache key and its filter) must not read all of them."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from chamba.activity.models import Interaction, InteractionKind, SubjectType
from chamba.matching.people_rows.repository import _MATCH_STATE, person_match_state
from chamba.matching.repository import dismissed_job_ids
from chamba.people.models import Person

INDEX = "ix_interactions_person_kind"


def _plan(session: Session, engine: Engine, person_id: int) -> str:
    """The plan of the page cache's statement for ``person_id``, sequential scans ruled out on
    PostgreSQL (a test table is too small for its planner to prefer an index otherwise)."""
    statement = _MATCH_STATE.params(person_id=person_id)
    sql = str(statement.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True}))
    if engine.dialect.name == "sqlite":
        rows = session.execute(text(f"EXPLAIN QUERY PLAN {sql}"))
        return "\n".join(str(r[-1]) for r in rows)
    session.execute(text("SET LOCAL enable_seqscan = off"))
    return "\n".join(r[0] for r in session.execute(text(f"EXPLAIN {sql}")))


def test_a_persons_dismissals_are_read_through_the_person_kind_index(
    engine: Engine, session: Session
) -> None:
    # GIVEN a person with many "shown" rows (what match requests log) and two dismissals
    person = Person(full_name="Rosa")
    session.add(person)
    session.flush()
    now = datetime(2026, 12, 7, tzinfo=UTC)
    shown = [
        Interaction(person_id=person.id, person_key="k", subject_type=SubjectType.JOB, subject_id=n,
                    kind=InteractionKind.SHOWN, occurred_at=now)
        for n in range(300)
    ]  # fmt: skip
    dismissed = [
        Interaction(person_id=person.id, person_key="k", subject_type=SubjectType.JOB, subject_id=n,
                    kind=InteractionKind.DISMISSED, occurred_at=now)
        for n in (7, 11)
    ]  # fmt: skip
    session.add_all(shown + dismissed)
    session.flush()
    session.execute(text("ANALYZE interactions" if engine.dialect.name != "sqlite" else "ANALYZE"))
    # WHEN the dismissals are read, alone and in the page cache's one statement
    # THEN both find them, and the plan of the page cache's statement names the index
    assert dismissed_job_ids(session, person.id) == {7, 11}
    assert person_match_state(session, person.id)[1] == (7, 11)
    plan = _plan(session, engine, person.id)
    assert INDEX in plan, plan
