"""Every process follows the outbox: changes committed elsewhere (another worker or server, a CLI
import) reach its per-replica consumers, once, in batches; and the relay of shared consumers
holds no write lock while it works."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker
from tests.events import world

from chamba.db import session_factory
from chamba.events.consumers import AfterCommit, Consumer, apply_event
from chamba.events.follower import OutboxFollower
from chamba.events.relay import OutboxRelay
from chamba.events.schemas import DomainEvent, JobPayload, JobPosted


class Batches(Consumer):
    """A per-replica consumer that records the batches it was handed."""

    name = "batches"
    types = frozenset({"job.posted", "job.updated", "job.closed"})
    shared = False

    def __init__(self) -> None:
        super().__init__()
        self.batches: list[list[str]] = []

    def handle(self, session: Session, event: DomainEvent) -> AfterCommit:
        raise AssertionError("the follower hands batches")

    def handle_batch(self, session: Session, events: Sequence[DomainEvent]) -> None:
        self.batches.append([e.key for e in events])


def _post(factory: sessionmaker[Session], n: int) -> list[int]:
    with factory() as session:
        org = world.employer(session)
        skills = world.skill_ids(session, 2)
        ids = [world.post_job(session, org, skills).id for _ in range(n)]
        session.commit()
    return ids


def test_a_change_committed_by_another_process_reaches_every_follower_once(
    factory: sessionmaker[Session],
) -> None:
    # GIVEN two processes' followers on one database (each with its own index consumer)
    mine, theirs = Batches(), Batches()
    follower_a = OutboxFollower(factory, [mine])
    follower_b = OutboxFollower(session_factory(factory.kw["bind"]), [theirs])
    # WHEN a third process (a CLI import) commits three jobs, not yet relayed by anyone
    ids = _post(factory, 3)
    # THEN each follower hands all three to its consumer in one batch...
    assert follower_a.poll() == 3
    assert follower_b.poll() == 3
    assert mine.batches == theirs.batches == [[str(i) for i in ids]]
    # ...and never again, neither before nor after a relay marks them published
    assert follower_a.poll() == 0
    OutboxRelay(factory, consumers=[]).dispatch_pending()
    assert follower_a.poll() == 0
    assert follower_b.poll() == 0
    # AND a later change is handed on alone
    later = _post(factory, 1)
    assert follower_b.poll() == 1
    assert theirs.batches[-1] == [str(later[0])]


class Slow(Consumer):
    """A shared consumer that lets the test act while it is working (before it writes)."""

    name = "slow"
    types = frozenset({"job.posted"})

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path
        self.other_wrote: list[bool] = []

    def handle(self, session: Session, event: DomainEvent) -> AfterCommit:
        session.execute(text("SELECT count(*) FROM outbox")).scalar()  # reads first
        other = sqlite3.connect(self.path, timeout=0, isolation_level=None)
        try:
            if not self.other_wrote:  # a request commits while the consumer works
                other.execute("UPDATE outbox SET attempts = attempts")
            self.other_wrote.append(True)
        except sqlite3.OperationalError:
            self.other_wrote.append(False)
        finally:
            other.close()
        return None


def test_a_shared_consumer_holds_no_write_lock_while_it_works_and_survives_a_conflict(
    factory: sessionmaker[Session],
) -> None:
    # GIVEN a shared consumer on SQLite, and an event
    path = Path(factory.kw["bind"].url.database)
    consumer = Slow(path)
    event = JobPosted(payload=JobPayload(job_id=1, status="open"))
    # WHEN it is applied while another connection commits a write during the handler
    applied = apply_event(factory, consumer, event)
    # THEN the other writer was not blocked (the consumer reads without the write lock), and the
    # consumer's claim after its reads did not fail: the conflict was retried, once applied
    assert consumer.other_wrote[0] is True
    assert applied is True
    assert apply_event(factory, consumer, event) is False
