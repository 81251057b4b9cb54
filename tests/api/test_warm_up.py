"""A served worker's warm-up: the match state built before traffic, nothing written, and
``/metrics`` saying when it is over (chamba.api.app.warm_up)."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import Engine, func, inspect, select, table
from sqlalchemy.orm import Session
from tests.matching.index_support import BACKENDS, db, pg_module_url
from tests.support.encoders import HashEncoder

from chamba.api import app as app_module
from chamba.db import session_factory
from chamba.geo.service import get_gazetteer
from chamba.jobs.models import Job, JobSkill, JobStatus
from chamba.matching.context import WORD_DF_MAX_AGE_S
from chamba.matching.store import IndexStore
from chamba.matching.upkeep import uninstall_upkeep
from chamba.nlp import service as nlp_service
from chamba.observability.metrics import Metrics
from chamba.people.models import Device, Person, PersonSkill
from chamba.vocab import Requirement, SkillSource

__all__ = ["BACKENDS", "db", "pg_module_url"]  # fixtures used by this module

LIMA = "150101"


def _metric(metrics: Metrics, name: str) -> float:
    found = re.search(rf"^{name} ([0-9.e+-]+)$", metrics.exposition().decode(), re.M)
    assert found is not None, name
    return float(found.group(1))


def _row_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            name: int(conn.execute(select(func.count()).select_from(table(name))).scalar_one())
            for name in inspect(engine).get_table_names()
        }


def _served(engine: Engine, tmp_path: Path) -> SimpleNamespace:
    """What warm-up reads of an app made by ``served_app``, with a fast encoder."""
    store = IndexStore(tmp_path / "data", HashEncoder("hash-a", signed=True), cache=False)
    state = SimpleNamespace(
        engine=engine, index_store=store, session_factory=session_factory(engine),
        metrics=Metrics(version="test"),
    )  # fmt: skip
    return SimpleNamespace(state=state)


def _seed(engine: Engine) -> None:
    now = datetime.now(UTC)
    with Session(engine) as s:
        job = Job(
            title="Carpintero", description="Muebles de madera en Lima", ubigeo=LIMA,
            hours_per_week=40, wage_min=Decimal("1500"), wage_max=Decimal("1800"),
            status=JobStatus.OPEN, posted_at=now - timedelta(days=1),
            expires_at=now + timedelta(days=30),
        )  # fmt: skip
        person = Person(
            ubigeo=LIMA, availability_hours=40, expected_wage=Decimal("1200"),
            has_internet=True, device=Device.PHONE, consent_visible=True,
        )  # fmt: skip
        s.add_all([job, person])
        s.flush()
        s.add(JobSkill(job_id=job.id, skill_id="t_wood", requirement=Requirement.ESSENTIAL))
        s.add(PersonSkill(person_id=person.id, skill_id="t_wood", source=SkillSource.DECLARED))
        s.commit()


@pytest.mark.parametrize("jobs", [True, False], ids=["demo", "empty"])
def test_the_warm_up_builds_the_match_state_and_writes_nothing(
    db: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: bool
) -> None:
    # GIVEN a served worker's app over a database with a job and a consenting person (or
    # none at all), its language model stood in for
    monkeypatch.setattr(nlp_service, "get_extractor", lambda session: None)
    if jobs:
        _seed(db)
    app = _served(db, tmp_path)
    before = _row_counts(db)
    get_gazetteer.cache_clear()
    assert _metric(app.state.metrics, "chamba_worker_warm") == 0
    # WHEN it warms up
    app_module.warm_up(app)  # type: ignore[arg-type]  # the parts of an app warm-up reads
    # THEN the tables, word statistics and rarity every ranking reads are in the cache
    cache = app.state.index_store.cache
    job_table, _ = cache.job_table()
    people_table, _ = cache.people_table()
    assert job_table is not None
    assert len(job_table) == (1 if jobs else 0)
    assert people_table is not None
    assert len(people_table) == (1 if jobs else 0)
    assert cache.words(WORD_DF_MAX_AGE_S) is not None
    assert cache.rarity() is not None
    assert get_gazetteer.cache_info().currsize == 1
    # AND nothing was written to the database
    assert _row_counts(db) == before
    # AND /metrics says this worker is warm, and how long it took
    assert _metric(app.state.metrics, "chamba_worker_warm") == 1
    assert _metric(app.state.metrics, "chamba_warm_up_seconds") > 0
    uninstall_upkeep(app.state.index_upkeep)


def test_a_failed_warm_up_is_over_but_not_warm(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a worker whose warm-up fails (the database is unreachable, say)
    def fail(session: Session) -> None:
        raise RuntimeError("no database")

    monkeypatch.setattr(nlp_service, "get_extractor", fail)
    monkeypatch.setattr(app_module, "settle_heap", lambda: None)
    from chamba.db import make_engine

    engine = make_engine("sqlite://")
    app = _served(engine, tmp_path)
    # WHEN it warms up
    app_module.warm_up(app)  # type: ignore[arg-type]  # the parts of an app warm-up reads
    # THEN the worker serves on (the first request loads what it needs), and /metrics says
    # the warm-up is over without it being warm
    assert _metric(app.state.metrics, "chamba_warm_up_seconds") > 0
    assert _metric(app.state.metrics, "chamba_worker_warm") == 0
    engine.dispose()


def test_each_process_exports_when_it_started() -> None:
    # GIVEN the app's metrics of a worker process, built now
    before = time.time()
    metrics = Metrics(version="test")
    after = time.time()
    # THEN they say when (what tells the workers that answer /metrics in turn apart)
    assert before <= _metric(metrics, "chamba_process_start_time_seconds") <= after
