"""The demo generator: realistic, deterministic, loaded fast, with an honest ground truth.

``generate_demo`` commits, so these tests use their own databases (a fresh SQLite file, or a
fresh database on the suite's PostgreSQL server) instead of the rolled-back ``session``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import Engine, create_engine, make_url, select, text
from sqlalchemy.orm import Session, selectinload

import chamba.models  # noqa: F401
from chamba.activity.models import Application, Interaction
from chamba.courses.models import Course
from chamba.db import make_engine, migrate
from chamba.demo import loader
from chamba.demo.common import MINIMUM_WAGE
from chamba.demo.generator import DemoReport, generate_demo
from chamba.demo.ground_truth import load_ground_truth, true_course_utility, true_utility
from chamba.demo.sample_catalogue import install_sample_catalogue
from chamba.jobs.models import Job
from chamba.orgs.models import Organisation
from chamba.people.models import Person, PersonSkill
from chamba.taxonomy.models import Skill
from chamba.text import normalize

BACKENDS = [
    b.strip() for b in os.environ.get("CHAMBA_TEST_BACKENDS", "sqlite,postgresql").split(",")
]
SIZE, JOBS = 300, 600


def _fresh_engine(request: pytest.FixtureRequest, backend: str, folder: Path, name: str) -> Engine:
    if backend == "sqlite":
        engine = make_engine(f"sqlite:///{folder / f'{name}.db'}")
    else:
        url = make_url(str(request.getfixturevalue("postgres_url")))
        admin = create_engine(url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name}"))
            conn.execute(text(f"CREATE DATABASE {name}"))
        admin.dispose()
        engine = make_engine(url.set(database=name).render_as_string(hide_password=False))
    migrate(engine)
    with engine.begin() as conn:  # used only if the built-in catalogue cannot be loaded
        install_sample_catalogue(conn)
    return engine


@dataclass
class Demo:
    engine: Engine
    report: DemoReport


@pytest.fixture(scope="module", params=BACKENDS)
def demo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Demo]:
    """One demo of 300 people and 600 jobs per backend, shared by the read-only tests."""
    folder = tmp_path_factory.mktemp("demo")
    engine = _fresh_engine(request, request.param, folder, "chamba_demo_shared")
    report = generate_demo(engine, size=SIZE, seed=11, n_jobs=JOBS, out_dir=folder / "gt")
    yield Demo(engine, report)
    engine.dispose()


def _rows(engine: Engine, model: Any, order: Any) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(select(model.__table__).order_by(*order))]


# ------------------------------------------------------------------------------- realism


def test_sizes_follow_the_documented_ratios(demo: Demo) -> None:
    # GIVEN a demo generated for 300 people and 600 jobs
    counts = demo.report.counts
    # THEN people, jobs, courses and organisations match the ratios, and histories exist
    assert counts["people"] == SIZE
    assert counts["jobs"] == JOBS
    assert counts["courses"] == SIZE // 5
    assert counts["organisations"] == 15 + 5  # employers clip(300 // 20, 10, ...), providers 5
    assert 8 * SIZE < counts["interactions"] < 35 * SIZE
    with demo.engine.connect() as conn:
        sources = conn.execute(select(Person.source).distinct()).scalars().all()
        assert sources == ["demo"]


def test_bulk_loaded_jobs_and_courses_carry_their_search_text(demo: Demo) -> None:
    # GIVEN the demo's jobs and courses, bulk-inserted around the ORM
    with demo.engine.connect() as conn:
        for model in (Job, Course):
            rows = conn.execute(
                select(model.title, model.description, model.search_title, model.search_text)
            ).all()
            # THEN each stores its normalised title, and title and description
            assert rows
            for title, description, search_title, search_text in rows:
                assert search_title == normalize(title)
                assert search_text == normalize(f"{title} {description}")


def test_names_are_encrypted_at_rest_and_read_back(demo: Demo) -> None:
    with demo.engine.connect() as conn:
        # WHEN the raw column is read without the type's decryption
        raw = (
            conn.execute(text("SELECT full_name FROM people ORDER BY id LIMIT 20")).scalars().all()
        )
        # THEN it is ciphertext, while a typed read returns Peruvian names
        plain = conn.execute(select(Person.full_name).order_by(Person.id).limit(20)).scalars().all()
    assert all(r.startswith("gAAAA") for r in raw)
    assert all(p is not None and len(p.split()) >= 3 for p in plain)
    assert not any(p in r for p, r in zip(plain, raw, strict=True) if p)


def test_wages_start_at_the_minimum_wage_for_full_time_jobs(demo: Demo) -> None:
    with demo.engine.connect() as conn:
        rows = conn.execute(select(Job.contract_type, Job.wage_min, Job.wage_max)).all()
    full = [float(r.wage_min) for r in rows if r.contract_type == "full_time"]
    assert full
    assert min(full) >= MINIMUM_WAGE
    assert sum(w == MINIMUM_WAGE for w in full) > 0  # many pay exactly the RMV
    assert max(float(r.wage_max) for r in rows) > 3 * MINIMUM_WAGE  # a skilled tail
    assert {r.contract_type for r in rows} >= {"full_time", "part_time", "daily"}


def test_jobs_are_spread_over_peru_with_some_remote(demo: Demo) -> None:
    with demo.engine.connect() as conn:
        job_depts = conn.execute(text("SELECT DISTINCT substr(ubigeo, 1, 2) FROM jobs")).all()
        people_depts = conn.execute(
            text("SELECT substr(ubigeo, 1, 2) AS d, count(*) AS n FROM people GROUP BY 1")
        ).all()
        remote = conn.execute(select(Job.id).where(Job.remote.is_(True))).all()
        statuses = dict(conn.execute(text("SELECT status, count(*) FROM jobs GROUP BY 1")).all())
    by_dept = {r.d: r.n for r in people_depts}
    assert len(by_dept) >= 15
    assert len(job_depts) >= 10
    assert max(by_dept, key=by_dept.__getitem__) == "15"  # Lima is the largest
    assert remote
    assert statuses["open"] > JOBS / 2


def test_self_descriptions_use_the_persons_skill_words(demo: Demo) -> None:
    with Session(demo.engine) as session:
        people = session.scalars(select(Person).options(selectinload(Person.skills))).all()
        skills = {s.id: s for s in session.scalars(select(Skill))}
    described = [p for p in people if p.self_description]
    assert 0.75 < len(described) / len(people) < 0.97
    hits = 0
    for person in described:
        said = f" {normalize(person.self_description or '')} "
        words = {
            normalize(w)
            for ps in person.skills
            for w in [skills[ps.skill_id].label_es, *skills[ps.skill_id].synonyms_es]
        }
        hits += any(f" {w} " in said for w in words if w)
    assert hits / len(described) > 0.9


def test_consent_and_languages_look_like_peru(demo: Demo) -> None:
    with Session(demo.engine) as session:
        people = session.scalars(select(Person)).all()
    consent = np.mean([p.consent_visible for p in people])
    assert 0.6 < consent < 0.8
    assert all("es" in p.languages for p in people)
    assert any("qu" in p.languages for p in people)
    assert all(2 <= len(p.availability_slots) for p in people)


# ------------------------------------------------------------------------------- histories


def test_applications_match_the_interaction_log(demo: Demo) -> None:
    with Session(demo.engine) as session:
        apps = session.scalars(select(Application)).all()
        applied = {
            (i.person_id, i.subject_id)
            for i in session.scalars(select(Interaction).where(Interaction.kind == "applied"))
        }
        hired = {
            (i.person_id, i.subject_id)
            for i in session.scalars(select(Interaction).where(Interaction.kind == "hired"))
        }
        keys = session.scalars(select(Interaction.person_key).distinct()).all()
    assert apps
    assert {(a.person_id, a.job_id) for a in apps} == applied
    assert {(a.person_id, a.job_id) for a in apps if a.status == "hired"} == hired
    assert all(a.updated_at >= a.created_at for a in apps)
    assert all(len(k) == 32 for k in keys)


def test_completed_courses_certify_skills(demo: Demo) -> None:
    with Session(demo.engine) as session:
        certified = session.scalars(
            select(PersonSkill).where(PersonSkill.source == "certified")
        ).all()
        completed = {
            (i.person_id, i.subject_id)
            for i in session.scalars(select(Interaction).where(Interaction.kind == "completed"))
        }
    assert all((c.person_id, c.course_id) in completed for c in certified)


def test_ground_truth_explains_the_logged_behaviour(demo: Demo) -> None:
    # GIVEN the saved ground truth and the logged interactions
    gt = load_ground_truth(demo.report.out_dir)
    assert gt.size == SIZE
    assert gt.job_latent.shape[0] == JOBS
    with Session(demo.engine) as session:
        people = {
            p.id: p for p in session.scalars(select(Person).options(selectinload(Person.skills)))
        }
        jobs = {j.id: j for j in session.scalars(select(Job).options(selectinload(Job.skills)))}
        courses = {
            c.id: c for c in session.scalars(select(Course).options(selectinload(Course.skills)))
        }
        events = session.execute(
            select(Interaction.person_id, Interaction.subject_type, Interaction.subject_id,
                   Interaction.kind)
        ).all()  # fmt: skip

    def mean_utility(kind: str, subject: str = "job", limit: int = 300) -> float:
        pairs = [(e.person_id, e.subject_id) for e in events
                 if e.kind == kind and e.subject_type == subject][:limit]  # fmt: skip
        assert pairs, kind
        if subject == "job":
            return float(np.mean([true_utility(gt, people[p], jobs[j]) for p, j in pairs]))
        return float(np.mean([true_course_utility(gt, people[p], courses[c]) for p, c in pairs]))

    # WHEN true utilities are computed for what people did
    applied, dismissed, shown = (mean_utility(k) for k in ("applied", "dismissed", "shown"))
    # THEN what they applied to is clearly better for them than what they dismissed
    assert applied > shown > dismissed
    assert applied - dismissed > 1.0
    assert mean_utility("enrolled", "course") > mean_utility("shown", "course")


# ------------------------------------------------------------------------------- determinism, reset


def _snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    from chamba.courses.models import CourseSkill
    from chamba.jobs.models import JobSkill

    return {
        "organisations": _rows(engine, Organisation, [Organisation.id]),
        "jobs": _rows(engine, Job, [Job.id]),
        "job_skills": _rows(engine, JobSkill, [JobSkill.job_id, JobSkill.skill_id]),
        "courses": _rows(engine, Course, [Course.id]),
        "course_skills": _rows(engine, CourseSkill, [CourseSkill.course_id, CourseSkill.skill_id]),
        "people": _rows(engine, Person, [Person.id]),
        "person_skills": _rows(engine, PersonSkill, [PersonSkill.person_id, PersonSkill.skill_id]),
        "interactions": _rows(engine, Interaction, [Interaction.id]),
        "applications": _rows(engine, Application, [Application.id]),
    }


def test_same_seed_gives_the_same_data_and_ground_truth(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    # GIVEN two fresh databases
    first = _fresh_engine(request, "sqlite", tmp_path, "a")
    second = _fresh_engine(request, "sqlite", tmp_path, "b")
    third = _fresh_engine(request, "sqlite", tmp_path, "c")
    # WHEN the same seed and size are generated into both (and another seed into a third)
    generate_demo(first, size=120, seed=5, out_dir=tmp_path / "gt_a")
    generate_demo(second, size=120, seed=5, out_dir=tmp_path / "gt_b")
    generate_demo(third, size=120, seed=6, out_dir=tmp_path / "gt_c")
    # THEN every decrypted row and both ground-truth files are identical
    a, b, c = _snapshot(first), _snapshot(second), _snapshot(third)
    assert a == b
    for name in ("ground_truth.json", "ground_truth.npz"):
        assert (tmp_path / "gt_a" / name).read_bytes() == (tmp_path / "gt_b" / name).read_bytes()
        assert (tmp_path / "gt_a" / name).read_bytes() != (tmp_path / "gt_c" / name).read_bytes()
    # AND another seed gives other people
    assert a["people"] != c["people"]
    for engine in (first, second, third):
        engine.dispose()


@pytest.mark.parametrize("backend", BACKENDS)
def test_second_load_needs_reset_which_replaces_the_demo(
    request: pytest.FixtureRequest, tmp_path: Path, backend: str
) -> None:
    # GIVEN a database with a demo already loaded
    engine = _fresh_engine(request, backend, tmp_path, "chamba_demo_reset")
    generate_demo(engine, size=60, seed=3, out_dir=tmp_path / "gt")
    # WHEN it is loaded again without reset THEN it is refused
    with pytest.raises(loader.DemoAlreadyLoaded):
        generate_demo(engine, size=60, seed=3, out_dir=tmp_path / "gt")
    # WHEN it is loaded with reset THEN the old demo is replaced, not added to
    report = generate_demo(engine, size=80, seed=4, out_dir=tmp_path / "gt", reset=True)
    with engine.connect() as conn:
        people = conn.execute(text("SELECT count(*) FROM people")).scalar()
        orphans = conn.execute(
            text("SELECT count(*) FROM interactions WHERE person_id IS NULL")
        ).scalar()
        apps = conn.execute(text("SELECT count(*) FROM applications")).scalar()
    assert people == 80
    assert orphans == 0
    assert apps == report.counts["applications"]
    # AND new rows still get fresh ids after explicit-id loading (sequences moved on)
    with Session(engine) as session:
        session.add(Organisation(kind="employer", name="Bodega Doña Rosa"))
        session.commit()
    engine.dispose()


def test_reference_date_anchors_every_date(tmp_path: Path) -> None:
    # GIVEN two runs with the same seed anchored to different days
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import func, select

    from chamba.api.app import prepare_database
    from chamba.db import make_engine, session_scope
    from chamba.demo.generator import generate_demo
    from chamba.jobs.models import Job

    later = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    maxima = []
    for name, day in (("a", None), ("b", later)):
        eng = make_engine(f"sqlite:///{tmp_path / name}.db")
        prepare_database(eng)
        generate_demo(eng, size=60, seed=3, out_dir=tmp_path / name, reference_date=day)
        with session_scope(eng) as s:
            maxima.append(s.scalar(select(func.max(Job.posted_at))))
        eng.dispose()
    # THEN every date moves with the anchor, and no job is posted after its run's "now"
    assert maxima[0] is not None
    assert maxima[1] is not None
    shift = later - datetime(2025, 6, 30, 17, 0, tzinfo=UTC)
    assert abs((maxima[1] - maxima[0]) - shift) < timedelta(seconds=1)
    assert maxima[1] <= later


def test_a_course_of_many_skills_is_named_after_its_trade(demo: Demo) -> None:
    # GIVEN the demo's courses  THEN one teaching more than two skills is not named after one
    # of them (a "manejo de caja" course teaching leadership read as unrelated)
    from chamba.courses.models import CourseSkill

    with Session(demo.engine) as session:
        counts: dict[int, int] = {}
        for course_id in session.scalars(select(CourseSkill.course_id)):
            counts[course_id] = counts.get(course_id, 0) + 1
        titles = dict(session.execute(select(Course.id, Course.title)).tuples().all())
    broad = [titles[c] for c, n in counts.items() if n > 2]
    assert broad
    starts = ("Programa de formación", "Formación técnica en")
    assert all(t.startswith(starts) or ": módulo " in t for t in broad), broad[:5]


def test_the_demo_seeker_has_one_name_for_every_role(demo: Demo) -> None:
    # GIVEN the demo accounts  THEN the seeker's account and person carry the same name
    from chamba.auth.models import User
    from chamba.config import get_settings
    from chamba.demo.accounts import ensure_demo_accounts
    from chamba.people.models import Person

    with Session(demo.engine) as session:
        ensure_demo_accounts(session, get_settings())
        session.flush()
        user = session.scalars(select(User).where(User.role == "seeker")).first()
        assert user is not None
        person = session.scalars(select(Person).where(Person.user_id == user.id)).one()
        assert person.full_name == user.name
        session.rollback()
