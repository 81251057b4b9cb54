"""Serve the real app for browser tests: ``python live_server.py PORT DATA_DIR``.

Migrates a fresh SQLite database in DATA_DIR, loads the catalogue, uses a lexicon-only skill
extractor and a hashed text encoder with no vector indexes (no model download or load;
extraction and ranking quality are tested elsewhere), seeds a small world (an employer with open
jobs in Lima, a provider with a course) and serves with uvicorn on 127.0.0.1:PORT.
"""

from __future__ import annotations

import sys
from pathlib import Path

import uvicorn
from sqlalchemy.orm import Session

from chamba.api.app import create_app, prepare_database
from chamba.auth import security
from chamba.auth.models import Role, User
from chamba.config import load_settings
from chamba.courses import service as course_service
from chamba.courses.schemas import CourseCreate
from chamba.db import blind_index, make_engine, session_scope
from chamba.jobs import service as job_service
from chamba.jobs.schemas import JobCreate
from chamba.matching.api_deps import get_match_indexes, get_text_encoder
from chamba.nlp import service as nlp_service
from chamba.nlp.extraction import SkillExtractor
from chamba.orgs.models import Organisation, OrgKind

#: The seeded employer's log-in (the browser tests use it).
EMPLOYER_EMAIL = "tienda@example.pe"
PASSWORD = "cafe con leche 42"
LIMA = "150101"


def seed(session: Session, settings: object) -> None:
    """An employer with three open jobs in Lima and a provider with a course."""
    org = Organisation(kind=OrgKind.EMPLOYER, name="Bodega Don Lucho", source="test")
    school = Organisation(kind=OrgKind.PROVIDER, name="CETPRO Lima", source="test")
    session.add_all([org, school])
    session.flush()
    session.add(
        User(
            email=EMPLOYER_EMAIL,
            email_index=blind_index(EMPLOYER_EMAIL),
            password_hash=security.hash_password(PASSWORD, settings),  # type: ignore[arg-type]
            role=Role.EMPLOYER,
            name="Lucho",
            organisation_id=org.id,
            is_active=True,
        )
    )
    jobs = [
        ("Vendedora de tienda", ["retail_sales", "customer_attention", "cash_register"], 1300),
        ("Asistente de ventas con Excel", ["retail_sales", "spreadsheets_excel"], 1500),
        ("Cajera de bodega", ["cash_register", "customer_attention"], 1150),
    ]
    for title, skills, wage in jobs:
        data = JobCreate(
            title=title,
            description=f"{title} en el Cercado de Lima.",
            location={"ubigeo": LIMA},
            hours_per_week=40,
            wage_min=wage,
            wage_max=wage + 200,
            skills=[{"id": s} for s in skills],
        )
        job_service.publish_job(session, data, organisation_id=org.id)
    course = CourseCreate(
        title="Manejo de caja para bodegas",
        modality="online",
        hours=20,
        weeks=4,
        cost=0,
        is_free=True,
        skills=[{"id": "cash_register"}],
    )
    course_service.publish_course(session, course, provider_id=school.id)


def main(port: int, data_dir: Path) -> None:
    from tests.api.jobs_support import HashEncoder

    data_dir.mkdir(parents=True, exist_ok=True)
    settings = load_settings(
        data_dir=data_dir,
        env="test",
        log_level="WARNING",
        registrations_per_address=1000,
        password_hash_time_cost=1,
        password_hash_memory_kib=1024,
        password_hash_parallelism=1,
    )
    engine = make_engine(settings.sqlalchemy_url)
    prepare_database(engine)
    app = create_app(settings, engine)
    with session_scope(engine) as session:
        extractor = SkillExtractor.from_session(session, semantic=False)
        seed(session, settings)
    app.state.skill_extractor = extractor
    nlp_service.get_extractor = lambda *a, **k: extractor  # type: ignore[assignment]
    encoder = HashEncoder()
    app.dependency_overrides[get_text_encoder] = lambda: encoder
    app.dependency_overrides[get_match_indexes] = lambda: None
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main(int(sys.argv[1]), Path(sys.argv[2]))
